// SPDX-License-Identifier: MIT
#include "veth/veth.h"

#include "common/cleanup.h"

#include <errno.h>
#include <netlink/route/link/veth.h>
#include <stdio.h>
#include <string.h>

void veth_host_name(const char *container_id, const char *ifname, char out[IFNAMSIZ])
{
	uint32_t h = 2166136261u; /* FNV-1a, 32 bits */
	const char *parts[2] = {container_id ? container_id : "", ifname ? ifname : ""};

	for (int i = 0; i < 2; i++) {
		/* The NUL between the parts keeps ("ab","c") and ("a","bc") apart. */
		for (const char *p = parts[i];; p++) {
			h ^= (uint8_t)*p;
			h *= 16777619u;
			if (!*p)
				break;
		}
	}
	snprintf(out, IFNAMSIZ, "veth%08x", h);
}

/* The alias recorded on the host end, so a collision can name the owner. */
static void owner_alias(const struct veth_config *cfg, char *buf, size_t len)
{
	snprintf(buf, len, "plumb:%s:%s", cfg->container_id, cfg->ifname);
}

/* After -EEXIST from the create: say which of the two names was taken. */
static int explain_exists(struct plumb_nl *host, struct plumb_nl *pod,
			  const struct veth_config *cfg, const char *hname, struct plumb_err *err)
{
	struct plumb_link l;
	char mine[sizeof(l.alias)];

	if (plumb_link_get(host, hname, 0, &l, NULL) == 0) {
		if (!cfg->host_name && cfg->container_id) {
			owner_alias(cfg, mine, sizeof(mine));
			if (!strncmp(l.alias, "plumb:", 6) && strcmp(l.alias, mine))
				return plumb_err_set(
				    err, EEXIST,
				    "host interface '%s' for container '%s' ifname '%s' "
				    "collides with the one of '%s' in netns '%s' (hash "
				    "collision): delete one, or pass a host name",
				    hname, cfg->container_id, cfg->ifname, l.alias + 6,
				    plumb_nl_ns(host));
			return plumb_err_set(err, EEXIST,
					     "host interface '%s' for container '%s' ifname '%s' "
					     "already exists in netns '%s'%s%s",
					     hname, cfg->container_id, cfg->ifname,
					     plumb_nl_ns(host), l.alias[0] ? " with alias " : "",
					     l.alias);
		}
		return plumb_err_set(err, EEXIST, "interface '%s' already exists in netns '%s'",
				     hname, plumb_nl_ns(host));
	}
	if (plumb_link_get(pod, cfg->ifname, 0, &l, NULL) == 0)
		return plumb_err_set(err, EEXIST, "interface '%s' already exists in netns '%s'",
				     cfg->ifname, plumb_nl_ns(pod));
	return plumb_err_set(err, EEXIST, "veth '%s'/'%s': already exists (netns '%s'/'%s')", hname,
			     cfg->ifname, plumb_nl_ns(host), plumb_nl_ns(pod));
}

/* The one RTM_NEWLINK that makes the pair, both ends final. */
static int pair_add(struct plumb_nl *host, struct plumb_nl *pod, const struct veth_config *cfg,
		    const char *hname, struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_veth_alloc();
	/* rtnl_link_veth_get_peer hands out a new reference: put it too. */
	_cleanup_(rtnl_link_putp) struct rtnl_link *peer = l ? rtnl_link_veth_get_peer(l) : NULL;
	_cleanup_(nl_addr_putp) struct nl_addr *mac = NULL;
	int r;

	if (!l || !peer)
		return plumb_err_set(err, ENOMEM, "out of memory");
	rtnl_link_set_name(l, hname);
	rtnl_link_set_flags(l, IFF_UP);
	if (cfg->master)
		rtnl_link_set_master(l, cfg->master);
	rtnl_link_set_name(peer, cfg->ifname);
	rtnl_link_set_ns_fd(peer, pod->nsfd);
	if (cfg->mtu) {
		rtnl_link_set_mtu(l, cfg->mtu);
		rtnl_link_set_mtu(peer, cfg->mtu);
	}
	if (cfg->has_mac) {
		mac = nl_addr_build(AF_LLC, cfg->mac, 6);
		if (!mac)
			return plumb_err_set(err, ENOMEM, "out of memory");
		rtnl_link_set_addr(peer, mac);
	}
	r = rtnl_link_add(host->sk, l, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0 && plumb_nl_errno(host, r) == EEXIST) {
		host->last_errno = 0;
		host->extack[0] = '\0';
		return explain_exists(host, pod, cfg, hname, err);
	}
	return plumb_nl_error(host, r, err,
			      "create veth '%s' (peer '%s' in netns '%s') in netns '%s'", hname,
			      cfg->ifname, plumb_nl_ns(pod), plumb_nl_ns(host));
}

/* A sysctl of one interface; no /proc/sys/net/ipv6 at all means IPv6 is off
 * in there already: nothing to do. */
static int ipv6_conf_write(struct plumb_nl *nl, const char *ifname, const char *key,
			   const char *value, struct plumb_err *err)
{
	char path[96];
	int r;

	snprintf(path, sizeof(path), "net/ipv6/conf/%s/%s", ifname, key);
	r = plumb_ns_sysctl_write(nl->nsfd, path, value, err);
	if (r == -ENOENT) {
		plumb_err_clear(err);
		return 0;
	}
	if (r < 0)
		return plumb_err_wrap(err, r, "netns '%s'", plumb_nl_ns(nl));
	return 0;
}

/* Everything after the create, in the pod namespace. */
static int pod_side(struct plumb_nl *pod, const struct veth_config *cfg, struct plumb_link *cont,
		    struct plumb_err *err)
{
	int r;

	/* a /proc/sys write, whose path lookup costs more the more namespaces
	 * have used /proc/sys: only for IPv6 pods, which need it */
	if (cfg->no_dad && !cfg->no_ipv6 &&
	    (r = ipv6_conf_write(pod, cfg->ifname, "accept_dad", "0", err)) < 0)
		return r;
	r = plumb_link_get(pod, cfg->ifname, 0, cont, err);
	if (r < 0)
		return r;
	if (cfg->no_ipv6 && (r = plumb_link_set_no_ipv6_ll(pod, cont->ifindex, err)) < 0)
		return r;
	r = plumb_link_set_up(pod, cont->ifindex, true, err);
	if (r < 0)
		return r;
	cont->up = true;
	return 0;
}

int veth_pair_create(struct plumb_nl *host, struct plumb_nl *pod, const struct veth_config *cfg,
		     struct veth_pair *out, struct plumb_err *err)
{
	char hname[IFNAMSIZ], alias[sizeof(((struct plumb_link *)0)->alias)];
	struct veth_pair p;
	int r;

	if (pod->nsfd < 0)
		return plumb_err_set(err, EINVAL,
				     "veth: the pod socket was opened without a netns");
	r = plumb_link_name_check(cfg->ifname, err);
	if (r < 0)
		return r;
	if (cfg->host_name) {
		r = plumb_link_name_check(cfg->host_name, err);
		if (r < 0)
			return r;
		snprintf(hname, sizeof(hname), "%s", cfg->host_name);
	} else if (cfg->container_id && *cfg->container_id) {
		veth_host_name(cfg->container_id, cfg->ifname, hname);
	} else {
		return plumb_err_set(
		    err, EINVAL, "veth for '%s': need a container id or a host name", cfg->ifname);
	}

	r = pair_add(host, pod, cfg, hname, err);
	if (r < 0)
		return r;
	/* From here on the pair exists: any failure deletes it (one delete takes
	 * both ends, and with them any address a caller had added). */
	r = plumb_link_get(host, hname, 0, &p.host, err);
	if (r < 0) {
		_cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_alloc();

		if (l) {
			rtnl_link_set_name(l, hname);
			rtnl_link_delete(host->sk, l);
		}
		return r;
	}
	if (cfg->container_id && *cfg->container_id) {
		owner_alias(cfg, alias, sizeof(alias));
		r = plumb_link_set_alias(host, p.host.ifindex, alias, err);
		if (r < 0)
			goto undo;
		snprintf(p.host.alias, sizeof(p.host.alias), "%s", alias);
	}
	/* the container end is still down, so the host end has no carrier yet
	 * and IPv6 has not started on it */
	if (cfg->host_no_ipv6 && (r = plumb_link_set_no_ipv6_ll(host, p.host.ifindex, err)) < 0)
		goto undo;
	r = pod_side(pod, cfg, &p.cont, err);
	if (r < 0)
		goto undo;
	*out = p;
	return 0;
undo:
	plumb_link_del(host, p.host.ifindex, NULL);
	return r;
}

int veth_pair_delete(struct plumb_nl *nl, const char *name, struct plumb_err *err)
{
	struct plumb_link l;
	int r;

	r = plumb_link_get(nl, name, 0, &l, err);
	if (r == -ENODEV) {
		plumb_err_clear(err);
		return 0;
	}
	if (r < 0)
		return r;
	if (strcmp(l.kind, "veth"))
		return plumb_err_set(
		    err, EINVAL,
		    "interface '%s' in netns '%s' is %s%s, not a veth: not deleting it", name,
		    plumb_nl_ns(nl), l.kind[0] ? "a " : "a device of no kind", l.kind);
	r = plumb_link_del(nl, l.ifindex, err);
	if (r == -ENODEV) { /* raced with another delete: gone is what we wanted */
		plumb_err_clear(err);
		return 0;
	}
	return r < 0 ? r : 1;
}

int veth_peer_find(struct plumb_nl *pod, const char *ifname, struct plumb_nl *host,
		   struct plumb_link *out, struct plumb_err *err)
{
	struct plumb_link c, h;
	int r;

	r = plumb_link_get(pod, ifname, 0, &c, err);
	if (r < 0)
		return r;
	if (strcmp(c.kind, "veth") || !c.peer_ifindex)
		return plumb_err_set(err, ENODEV, "interface '%s' in netns '%s' is not a veth",
				     ifname, plumb_nl_ns(pod));
	r = plumb_link_get(host, NULL, c.peer_ifindex, &h, NULL);
	/* Indexes are per namespace: the link found must be a veth pointing back. */
	if (r < 0 || strcmp(h.kind, "veth") || h.peer_ifindex != c.ifindex)
		return plumb_err_set(err, ENOENT,
				     "the peer of '%s' in netns '%s' is not in netns '%s'", ifname,
				     plumb_nl_ns(pod), plumb_nl_ns(host));
	*out = h;
	return 0;
}
