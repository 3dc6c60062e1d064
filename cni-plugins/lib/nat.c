// SPDX-License-Identifier: MIT
/* The nftables side every plumb plugin shares: nat/ owner tags for one
 * attachment ("<plugin>/<network>/<id>/<ifname>"), and DEL and GC by tag, so a
 * plugin finds its elements with only the container id — also after the pod's
 * namespace is gone — and never touches another plugin's. */
#include "cni-plugins/lib/internal.h"

#include "nat/nat.h"

#include <errno.h>
#include <string.h>

int cni_nat_owner(const struct cni_req *req, const char *plugin, char *buf, size_t len,
		  struct plumb_err *err)
{
	int r = nat_owner_cni(buf, len, plugin, req->conf.name, req->env.container_id,
			      req->env.ifname);

	return r < 0 ? plumb_err_set(err, r, "container id '%s' is too long for a rule tag",
				     req->env.container_id) : 0;
}

int cni_nat_del(const struct cni_req *req, const char *plugin, unsigned kinds,
		struct plumb_err *err)
{
	char owner[NAT_OWNER_MAX];
	struct nat n = {0};
	int r;

	if ((r = cni_nat_owner(req, plugin, owner, sizeof(owner), err)) < 0)
		return r;
	if ((r = nat_open(&n, -1, err)) < 0)
		return r;
	r = nat_table_exists(&n, err);
	if (r > 0)
		r = nat_owner_del_kinds(&n, owner, kinds, err);
	nat_close(&n);
	return r < 0 ? r : 0;
}

int cni_nat_gc(const struct cni_req *req, const char *plugin, struct plumb_err *err)
{
	size_t nv = req->conf.n_valid;
	_cleanup_free_ char *owners = calloc(nv + 1, NAT_OWNER_MAX);
	_cleanup_free_ const char **valid = calloc(nv + 1, sizeof(*valid));
	char prefix[NAT_OWNER_MAX];
	struct nat n = {0};
	int r;

	if (!owners || !valid)
		return plumb_err_set(err, ENOMEM, "out of memory");
	if (nat_owner_cni_prefix(prefix, sizeof(prefix), plugin, req->conf.name) < 0)
		return plumb_err_set(err, ENAMETOOLONG, "network name too long for a rule tag");
	for (size_t i = 0; i < nv; i++) {
		char *o = owners + i * NAT_OWNER_MAX;

		/* An id too long for a tag never got elements: nothing to keep. */
		if (nat_owner_cni(o, NAT_OWNER_MAX, plugin, req->conf.name,
				  req->conf.valid[i].container_id, req->conf.valid[i].ifname) < 0)
			o[0] = '\0';
		valid[i] = o;
	}
	if ((r = nat_open(&n, -1, err)) < 0)
		return r;
	r = nat_table_exists(&n, err);
	if (r > 0)
		r = nat_owner_gc(&n, prefix, valid, nv, err);
	nat_close(&n);
	return r < 0 ? r : 0;
}
