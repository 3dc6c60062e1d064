// SPDX-License-Identifier: MIT
#include "bridge/bridge.h"

#include "common/addr.h"
#include "common/cleanup.h"

#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A request for one link: header, ifinfomsg; the caller adds attributes. */
static struct nl_msg *link_msg(int type, int flags, int family, int ifindex, unsigned ifi_flags,
			       unsigned ifi_change)
{
	struct ifinfomsg ifi = {
		.ifi_family = (unsigned char)family,
		.ifi_index = ifindex,
		.ifi_flags = ifi_flags,
		.ifi_change = ifi_change,
	};
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* IFLA_LINKINFO { kind "bridge", data { vlan_filtering } }. */
static int put_bridge_info(struct nl_msg *msg, bool vlan_filtering)
{
	struct nlattr *li, *data;

	if (!(li = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, "bridge") < 0)
		return -ENOMEM;
	if (vlan_filtering) {
		if (!(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
		    nla_put_u8(msg, IFLA_BR_VLAN_FILTERING, 1) < 0)
			return -ENOMEM;
		nla_nest_end(msg, data);
	}
	nla_nest_end(msg, li);
	return 0;
}

/* Send msg (taking it) and wait for the ACK; what names the request. */
static int send_msg(struct plumb_nl *nl, struct nl_msg *msg, struct plumb_err *err,
		    const char *what, const char *name)
{
	int r;

	if (!msg)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = nl_send_sync(nl->sk, msg); /* frees msg */
	return plumb_nl_error(nl, r, err, "%s '%s' in netns '%s'", what, name, plumb_nl_ns(nl));
}

/* The kernel gives no extack for this one; say what is most likely missing. */
static int no_vlan_support(struct plumb_err *err, int r)
{
	return plumb_err_wrap(err, r, "vlan filtering (is the kernel built without "
				      "CONFIG_BRIDGE_VLAN_FILTERING?)");
}

static int bridge_create(struct plumb_nl *nl, const struct bridge_config *cfg,
			 struct plumb_err *err)
{
	unsigned flags = IFF_UP | (cfg->promisc ? IFF_PROMISC : 0);
	struct nl_msg *msg = link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, AF_UNSPEC, 0, flags,
				      flags);
	int r;

	if (msg && (nla_put_string(msg, IFLA_IFNAME, cfg->name) < 0 ||
		    (cfg->mtu && nla_put_u32(msg, IFLA_MTU, cfg->mtu) < 0) ||
		    put_bridge_info(msg, cfg->vlan_filtering) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	r = send_msg(nl, msg, err, "create bridge", cfg->name);
	return r == -EOPNOTSUPP && cfg->vlan_filtering ? no_vlan_support(err, r) : r;
}

static int set_vlan_filtering(struct plumb_nl *nl, const struct plumb_link *br,
			      struct plumb_err *err)
{
	struct nl_msg *msg = link_msg(RTM_NEWLINK, 0, AF_UNSPEC, br->ifindex, 0, 0);
	int r;

	if (msg && put_bridge_info(msg, true) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	r = send_msg(nl, msg, err, "turn on vlan filtering on bridge", br->name);
	return r == -EOPNOTSUPP ? no_vlan_support(err, r) : r;
}

int bridge_get(struct plumb_nl *nl, const char *name, struct plumb_link *out,
	       struct plumb_err *err)
{
	int r = plumb_link_get(nl, name, 0, out, err);

	if (r == -ENODEV)
		return plumb_err_set(err, ENODEV, "bridge '%s' does not exist in netns '%s'", name,
				     plumb_nl_ns(nl));
	if (r < 0)
		return r;
	if (strcmp(out->kind, "bridge"))
		return plumb_err_set(err, EINVAL, "interface '%s' in netns '%s' is %s%s, not a bridge",
				     name, plumb_nl_ns(nl), out->kind[0] ? "a " : "a device of no kind",
				     out->kind);
	return 0;
}

/* Bring an existing bridge to cfg (only what differs). */
static int bridge_adjust(struct plumb_nl *nl, const struct bridge_config *cfg,
			 struct plumb_link *br, struct plumb_err *err)
{
	int r = 0;

	if (cfg->mtu && br->mtu != cfg->mtu) {
		r = plumb_link_set_mtu(nl, br->ifindex, cfg->mtu, err);
		br->mtu = cfg->mtu;
	}
	if (!r && cfg->promisc && !br->promisc) {
		r = plumb_link_set_promisc(nl, br->ifindex, true, err);
		br->promisc = true;
	}
	if (!r && !br->up) {
		r = plumb_link_set_up(nl, br->ifindex, true, err);
		br->up = true;
	}
	if (!r && cfg->vlan_filtering)
		r = set_vlan_filtering(nl, br, err);
	return r < 0 ? plumb_err_wrap(err, r, "bridge '%s'", cfg->name) : 0;
}

/* Add the addresses of cfg the bridge lacks; *added says which (bit i), for the
 * undo. */
static int bridge_addrs(struct plumb_nl *nl, const struct bridge_config *cfg, int ifindex,
			unsigned *added, struct plumb_err *err)
{
	_cleanup_free_ struct plumb_addr *have = NULL;
	int n, r;

	*added = 0;
	if (!cfg->naddrs)
		return 0;
	n = plumb_addr_list(nl, ifindex, AF_UNSPEC, &have, err);
	if (n < 0)
		return n;
	for (size_t i = 0; i < cfg->naddrs; i++) {
		const struct plumb_cidr *c = &cfg->addrs[i];
		bool present = false;

		for (int k = 0; k < n && !present; k++)
			present = plumb_ip_equal(&have[k].cidr.ip, &c->ip) &&
				  have[k].cidr.prefix == c->prefix;
		if (present)
			continue;
		r = plumb_addr_add(nl, ifindex, c, PLUMB_ADDR_NODAD, err);
		if (r == -EEXIST) /* listed twice in cfg */
			continue;
		if (r < 0)
			return plumb_err_wrap(err, r, "bridge '%s'", cfg->name);
		*added |= 1u << i;
	}
	return 0;
}

int bridge_ensure(struct plumb_nl *nl, const struct bridge_config *cfg, struct bridge_info *out,
		  struct plumb_err *err)
{
	struct bridge_info bi = {0};
	unsigned added = 0;
	int r;

	r = plumb_link_name_check(cfg->name, err);
	if (r < 0)
		return r;
	if (cfg->naddrs > BRIDGE_MAX_ADDRS)
		return plumb_err_set(err, EINVAL, "bridge '%s': more than %d addresses", cfg->name,
				     BRIDGE_MAX_ADDRS);
	r = plumb_link_get(nl, cfg->name, 0, &bi.link, err);
	if (r == -ENODEV) {
		plumb_err_clear(err);
		r = bridge_create(nl, cfg, err);
		/* Lost a race with another ADD making the same bridge: reuse it. */
		if (r == -EEXIST)
			plumb_err_clear(err);
		else if (r < 0)
			return r;
		else
			bi.created = true;
		r = plumb_link_get(nl, cfg->name, 0, &bi.link, err);
	}
	if (r < 0)
		goto undo;
	if (strcmp(bi.link.kind, "bridge")) {
		r = plumb_err_set(err, EEXIST,
				  "cannot use '%s' as a bridge: interface '%s' already exists in "
				  "netns '%s' and is %s%s",
				  cfg->name, cfg->name, plumb_nl_ns(nl),
				  bi.link.kind[0] ? "a " : "a device of no kind", bi.link.kind);
		goto undo;
	}
	if (!bi.created) {
		r = bridge_adjust(nl, cfg, &bi.link, err);
		if (r < 0)
			goto undo;
	}
	r = bridge_addrs(nl, cfg, bi.link.ifindex, &added, err);
	if (r < 0)
		goto undo;
	*out = bi;
	return 0;
undo:
	if (bi.created && bi.link.ifindex) {
		plumb_link_del(nl, bi.link.ifindex, NULL);
	} else {
		for (size_t i = 0; i < cfg->naddrs; i++)
			if (added & (1u << i))
				plumb_addr_del(nl, bi.link.ifindex, &cfg->addrs[i], NULL);
	}
	return r;
}

int bridge_delete(struct plumb_nl *nl, const char *name, struct plumb_err *err)
{
	struct plumb_link br;
	int r = bridge_get(nl, name, &br, err);

	if (r < 0)
		return r;
	r = plumb_link_del(nl, br.ifindex, err);
	return r < 0 ? plumb_err_wrap(err, r, "bridge '%s'", name) : 0;
}

int bridge_ports(struct plumb_nl *nl, int br, struct plumb_link **out, struct plumb_err *err)
{
	_cleanup_free_ struct plumb_link *all = NULL;
	int n = plumb_link_list(nl, &all, err), k = 0;

	*out = NULL;
	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++)
		if (all[i].master == br)
			all[k++] = all[i];
	if (k)
		*out = TAKE_PTR(all);
	return k;
}

int bridge_port_attach(struct plumb_nl *nl, int br, int port, struct plumb_err *err)
{
	int r = plumb_link_set_master(nl, port, br, err);

	return r < 0 ? r : plumb_link_set_up(nl, port, true, err);
}

int bridge_port_detach(struct plumb_nl *nl, int port, struct plumb_err *err)
{
	return plumb_link_set_master(nl, port, 0, err);
}

int bridge_port_set(struct plumb_nl *nl, int port, const struct bridge_port_config *pc,
		    struct plumb_err *err)
{
	char name[16];
	int r;

	snprintf(name, sizeof(name), "#%d", port);
	if (pc->pvid > 4094)
		return plumb_err_set(err, EINVAL, "bridge port %s: vlan %u is out of 1..4094", name,
				     pc->pvid);
	if (pc->set_hairpin) {
		struct nl_msg *msg = link_msg(RTM_SETLINK, 0, AF_BRIDGE, port, 0, 0);
		struct nlattr *pi;

		/* NLA_F_NESTED: the kernel reads an un-flagged IFLA_PROTINFO as the
		 * old binary port-state format. */
		if (msg && (!(pi = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED)) ||
			    nla_put_u8(msg, IFLA_BRPORT_MODE, pc->hairpin) < 0 ||
			    nla_nest_end(msg, pi) < 0)) {
			nlmsg_free(msg);
			msg = NULL;
		}
		r = send_msg(nl, msg, err, "set hairpin mode on bridge port", name);
		if (r < 0)
			return r;
	}
	if (pc->pvid) {
		struct nl_msg *msg = link_msg(RTM_SETLINK, 0, AF_BRIDGE, port, 0, 0);
		struct bridge_vlan_info vi = {
			.flags = BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED,
			.vid = (uint16_t)pc->pvid,
		};
		struct nlattr *spec;

		if (msg && (!(spec = nla_nest_start(msg, IFLA_AF_SPEC)) ||
			    nla_put(msg, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi) < 0 ||
			    nla_nest_end(msg, spec) < 0)) {
			nlmsg_free(msg);
			msg = NULL;
		}
		r = send_msg(nl, msg, err, "set pvid on bridge port", name);
		if (r == -EOPNOTSUPP)
			return no_vlan_support(err, r);
		if (r < 0)
			return r;
	}
	return 0;
}
