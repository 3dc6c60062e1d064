// SPDX-License-Identifier: MIT
/* The bridge plugin's nftables state, through nat/, tagged with the owner
 * "bridge/<network>/<id>/<ifname>":
 *  - ipMasq: one masquerade entry per pod address (from it to anything outside
 *    its own subnet, as the reference does with a chain per pod);
 *  - macspoofchk: frames from the pod's port must carry the pod's MAC.
 * DEL and GC find both by the tag alone. */
#include "cni-plugins/bridge/internal.h"

#include "common/link.h"
#include "nat/nat.h"

#include <errno.h>
#include <string.h>

#define PLUGIN "bridge"

static int add_masq(struct nat *n, const char *owner, const struct cni_result *res,
		    struct plumb_err *err)
{
	struct nat_masq m[CNI_MAX_IPS];
	size_t k = 0;

	memset(m, 0, sizeof(m));
	for (size_t i = 0; i < res->n_ips; i++, k++) {
		m[k].kind = NAT_MASQ_POD;
		m[k].cidr.ip = res->ips[i].address.ip;
		m[k].cidr.prefix = plumb_ip_bits(m[k].cidr.ip.family);
		plumb_cidr_network(&res->ips[i].address, &m[k].net);
		snprintf(m[k].owner, sizeof(m[k].owner), "%s", owner);
	}
	return k ? nat_masq_add(n, m, k, err) : 0;
}

/* res->ifaces: [0] bridge, [1] host end, [2] the pod's interface (add.c). */
static int add_macspoof(struct nat *n, const char *owner, const struct cni_result *res,
			struct plumb_err *err)
{
	uint8_t mac[6];

	if (res->n_ifaces < 3 || plumb_mac_parse(res->ifaces[2].mac, mac) < 0)
		return plumb_err_set(err, EINVAL, "macspoofchk: no MAC for the pod's interface");
	return nat_macspoof_add(n, res->ifaces[1].name, mac, owner, err);
}

int br_rules_add(struct cni_req *req, const struct br_conf *bc, const struct cni_result *res,
		 struct plumb_err *err)
{
	char owner[NAT_OWNER_MAX];
	struct nat n = {0};
	int r;

	if (!bc->ip_masq && !bc->macspoofchk)
		return 0;
	if ((r = cni_nat_owner(req, PLUGIN, owner, sizeof(owner), err)) < 0 ||
	    (r = nat_open(&n, -1, err)) < 0)
		return r;
	if (bc->ip_masq)
		r = add_masq(&n, owner, res, err);
	if (r >= 0 && bc->macspoofchk)
		r = add_macspoof(&n, owner, res, err);
	nat_close(&n);
	return r;
}

int br_rules_del(struct cni_req *req, const struct br_conf *bc, struct plumb_err *err)
{
	(void)bc; /* whatever the config says now, remove what ADD tagged */
	return cni_nat_del(req, PLUGIN, NAT_KIND_MASQ | NAT_KIND_MACSPOOF, err);
}

int br_rules_check(struct cni_req *req, const struct br_conf *bc, const struct cni_result *prev,
		   struct plumb_err *err)
{
	_cleanup_free_ struct nat_masq *have = NULL;
	char owner[NAT_OWNER_MAX], buf[PLUMB_IP_STRLEN];
	struct nat n = {0};
	int cnt, r;

	if (!bc->ip_masq)
		return 0;
	if ((r = cni_nat_owner(req, PLUGIN, owner, sizeof(owner), err)) < 0 ||
	    (r = nat_open(&n, -1, err)) < 0)
		return r;
	cnt = nat_masq_list(&n, &have, err);
	nat_close(&n);
	if (cnt < 0)
		return cnt;
	for (size_t i = 0; i < prev->n_ips; i++) {
		bool found = false;

		for (int j = 0; j < cnt && !found; j++)
			found = strcmp(have[j].owner, owner) == 0 &&
				plumb_ip_equal(&have[j].cidr.ip, &prev->ips[i].address.ip);
		if (!found)
			return plumb_err_set(err, ENOENT, "no masquerade entry for %s",
					     plumb_ip_str(&prev->ips[i].address.ip, buf, sizeof(buf)));
	}
	return 0;
}

int br_rules_gc(struct cni_req *req, const struct br_conf *bc, struct plumb_err *err)
{
	(void)bc;
	return cni_nat_gc(req, PLUGIN, err);
}
