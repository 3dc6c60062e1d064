// SPDX-License-Identifier: MIT
/* The bridge plugin's nftables state, through nat/: ipMasq as one masquerade
 * element per pod address (from that address to anything outside its own
 * subnet, as the reference does with a chain per pod), tagged with the owner
 * "cni/<network>/<container id>/<ifname>" so DEL and GC find it with only the
 * container id — also after the pod's namespace is gone. */
#include "cni-plugins/bridge/internal.h"

#include "nat/nat.h"

#include <errno.h>
#include <string.h>

static int owner_of(struct cni_req *req, char *buf, size_t len, struct plumb_err *err)
{
	int r = nat_owner_cni(buf, len, req->conf.name, req->env.container_id, req->env.ifname);

	return r < 0 ? plumb_err_set(err, r, "network name and container id are too long for a "
				     "rule tag") : 0;
}

int br_rules_add(struct cni_req *req, const struct br_conf *bc, const struct cni_result *res,
		 struct plumb_err *err)
{
	struct nat_masq m[CNI_MAX_IPS];
	struct nat n = {0};
	size_t k = 0;
	int r;

	if (bc->macspoofchk) {
		req->code = CNI_ERR_UNSUPPORTED_FIELD;
		return plumb_err_set(err, EOPNOTSUPP, "macspoofchk: true is not supported by plumb's "
				     "bridge yet");
	}
	if (!bc->ip_masq)
		return 0;
	memset(m, 0, sizeof(m));
	for (size_t i = 0; i < res->n_ips; i++, k++) {
		m[k].kind = NAT_MASQ_POD;
		m[k].cidr.ip = res->ips[i].address.ip;
		m[k].cidr.prefix = plumb_ip_bits(m[k].cidr.ip.family);
		plumb_cidr_network(&res->ips[i].address, &m[k].net);
		if ((r = owner_of(req, m[k].owner, sizeof(m[k].owner), err)) < 0)
			return r;
	}
	if (!k)
		return 0;
	if ((r = nat_open(&n, -1, err)) < 0)
		return r;
	r = nat_masq_add(&n, m, k, err);
	nat_close(&n);
	return r;
}

int br_rules_del(struct cni_req *req, const struct br_conf *bc, struct plumb_err *err)
{
	char owner[NAT_OWNER_MAX];
	struct nat n = {0};
	int r;

	if (!bc->ip_masq)
		return 0;
	if ((r = owner_of(req, owner, sizeof(owner), err)) < 0)
		return r;
	if ((r = nat_open(&n, -1, err)) < 0)
		return r;
	r = nat_owner_del(&n, owner, err);
	nat_close(&n);
	return r < 0 ? r : 0;
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
	if ((r = owner_of(req, owner, sizeof(owner), err)) < 0 || (r = nat_open(&n, -1, err)) < 0)
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
			return plumb_err_set(err, ENOENT, "no masquerade rule for %s",
					     plumb_ip_str(&prev->ips[i].address.ip, buf, sizeof(buf)));
	}
	return 0;
}

int br_rules_gc(struct cni_req *req, const struct br_conf *bc, struct plumb_err *err)
{
	_cleanup_free_ char *owners = NULL;
	_cleanup_free_ const char **valid = NULL;
	char prefix[NAT_OWNER_MAX];
	struct nat n = {0};
	size_t nv = req->conf.n_valid;
	int r;

	if (snprintf(prefix, sizeof(prefix), "cni/%s/", req->conf.name) >= (int)sizeof(prefix))
		return plumb_err_set(err, ENAMETOOLONG, "network name too long for a rule tag");
	owners = calloc(nv + 1, NAT_OWNER_MAX);
	valid = calloc(nv + 1, sizeof(*valid));
	if (!owners || !valid)
		return plumb_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < nv; i++) {
		valid[i] = owners + i * NAT_OWNER_MAX;
		nat_owner_cni(owners + i * NAT_OWNER_MAX, NAT_OWNER_MAX, req->conf.name,
			      req->conf.valid[i].container_id, req->conf.valid[i].ifname);
	}
	if ((r = nat_open(&n, -1, err)) < 0)
		return r;
	r = nat_table_exists(&n, err);
	if (r > 0)
		r = nat_owner_gc(&n, prefix, valid, nv, err);
	nat_close(&n);
	(void)bc;
	return r < 0 ? r : 0;
}
