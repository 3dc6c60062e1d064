// SPDX-License-Identifier: MIT
/* host-local in-process: the body of the host-local plugin, also run by our
 * bridge instead of exec'ing host-local when that binary is plumb's own (see
 * cni_delegate_is_ours), which saves a fork+exec and a second config parse. */
#include "cni-plugins/lib/internal.h"

#include "ipam/config.h"

#include <errno.h>
#include <string.h>

static int load(struct cni_req *req, struct ipam_config **out, struct plumb_err *err)
{
	struct ipam_config *cfg = calloc(1, sizeof(*cfg));
	int r;

	if (!cfg)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = ipam_config_from_json(req->conf.json, req->env.args, cfg, err);
	if (r < 0) {
		free(cfg);
		req->code = CNI_ERR_INVALID_CONFIG;
		return plumb_err_wrap(err, r, "host-local config");
	}
	*out = cfg;
	return 0;
}

static void to_result(const struct ipam_result *ir, struct cni_result *res)
{
	for (size_t i = 0; i < ir->n_addrs; i++)
		cni_result_add_ip(res, &ir->addrs[i].addr,
				  ir->addrs[i].gateway.family ? &ir->addrs[i].gateway : NULL, -1);
	for (size_t i = 0; i < ir->n_routes; i++)
		cni_result_add_route(res, &ir->routes[i].dst,
				     ir->routes[i].gw.family ? &ir->routes[i].gw : NULL);
	if (!ir->has_dns)
		return;
	for (size_t i = 0; i < ir->dns.n_nameservers && i < CNI_MAX_DNS; i++)
		snprintf(res->dns.nameservers[res->dns.n_nameservers++], PLUMB_IP_STRLEN, "%s",
			 ir->dns.nameservers[i]);
	snprintf(res->dns.domain, sizeof(res->dns.domain), "%s", ir->dns.domain);
	for (size_t i = 0; i < ir->dns.n_search && i < CNI_MAX_DNS; i++)
		snprintf(res->dns.search[res->dns.n_search++], CNI_NAME_MAX, "%s",
			 ir->dns.search[i]);
	for (size_t i = 0; i < ir->dns.n_options && i < CNI_MAX_DNS; i++)
		snprintf(res->dns.options[res->dns.n_options++], 64, "%s", ir->dns.options[i]);
}

int cni_hostlocal_add(struct cni_req *req, struct cni_result *res, struct plumb_err *err)
{
	_cleanup_free_ struct ipam_config *cfg = NULL;
	_cleanup_free_ struct ipam_result *ir = calloc(1, sizeof(*ir));
	int r = load(req, &cfg, err);

	if (r < 0)
		return r;
	if (!ir)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = ipam_lease_acquire(cfg, req->env.container_id, req->env.ifname, ir, err);
	if (r < 0)
		return r;
	to_result(ir, res);
	return 0;
}

int cni_hostlocal_del(struct cni_req *req, struct plumb_err *err)
{
	_cleanup_free_ struct ipam_config *cfg = NULL;
	int r = load(req, &cfg, err);

	return r < 0 ? r : ipam_lease_release(cfg, req->env.container_id, req->env.ifname, err);
}

int cni_hostlocal_check(struct cni_req *req, struct plumb_err *err)
{
	_cleanup_free_ struct ipam_config *cfg = NULL;
	_cleanup_free_ struct ipam_result *ir = calloc(1, sizeof(*ir));
	int r = load(req, &cfg, err);

	if (r < 0)
		return r;
	if (!ir)
		return plumb_err_set(err, ENOMEM, "out of memory");
	return ipam_lease_check(cfg, req->env.container_id, req->env.ifname, ir, err);
}

int cni_hostlocal_gc(struct cni_req *req, struct plumb_err *err)
{
	_cleanup_free_ struct ipam_config *cfg = NULL;
	_cleanup_free_ struct ipam_attachment *valid = NULL;
	int r = load(req, &cfg, err);

	if (r < 0)
		return r;
	valid = calloc(req->conf.n_valid + 1, sizeof(*valid));
	if (!valid)
		return plumb_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < req->conf.n_valid; i++) {
		valid[i].id = req->conf.valid[i].container_id;
		valid[i].ifname = req->conf.valid[i].ifname;
	}
	r = ipam_lease_gc(cfg->data_dir, cfg->network, valid, req->conf.n_valid, err);
	return r < 0 ? r : 0;
}
