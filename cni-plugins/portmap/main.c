// SPDX-License-Identifier: MIT
/* portmap: publishes runtimeConfig.portMappings to the container addresses in
 * prevResult, as map elements in nat/'s `table inet plumb` (one transaction per
 * call, O(1) per packet however many ports are published). Chained after
 * bridge; the result is prevResult unchanged, as with the reference.
 *
 * Elements carry the owner tag "portmap/<network>/<id>/<ifname>", so DEL and
 * GC find this plugin's elements (and only them) without the pod's namespace. */
#include "cni-plugins/lib/cni.h"
#include "nat/nat.h"

#include <errno.h>
#include <string.h>

struct pm_conf {
	bool snat; /* hairpin SNAT; nat/ always does it, so only true is honoured */
};

static int pm_conf_parse(struct cni_req *req, struct pm_conf *pc, struct plumb_err *err)
{
	int r;

	pc->snat = true;
	r = cni_conf_get_bool(&req->conf, NULL, "snat", &pc->snat, err);
	if (r >= 0 && (cni_conf_has(&req->conf, NULL, "conditionsV4") ||
		       cni_conf_has(&req->conf, NULL, "conditionsV6"))) {
		req->code = CNI_ERR_UNSUPPORTED_FIELD;
		return plumb_err_set(err, EOPNOTSUPP, "conditionsV4/conditionsV6 (iptables "
				     "matches) are not supported by plumb's portmap");
	}
	if (r < 0)
		req->code = CNI_ERR_INVALID_CONFIG;
	return r;
}

/* Mappings x container addresses of the matching family. */
static int build(struct cni_req *req, struct nat_port **out, size_t *n, struct plumb_err *err)
{
	const struct cni_runtime *rt = &req->conf.rt;
	const struct cni_result *prev = &req->conf.prev;
	char owner[NAT_OWNER_MAX];
	struct nat_port *p;
	int r;

	if ((r = cni_nat_owner(req, "portmap", owner, sizeof(owner), err)) < 0)
		return r;
	p = calloc(rt->n_ports * prev->n_ips + 1, sizeof(*p));
	if (!p)
		return plumb_err_set(err, ENOMEM, "out of memory");
	*n = 0;
	for (size_t i = 0; i < rt->n_ports; i++)
		for (size_t j = 0; j < prev->n_ips; j++) {
			const struct cni_port_mapping *m = &rt->ports[i];
			const struct plumb_ip *ip = &prev->ips[j].address.ip;

			if (m->host_ip.family && m->host_ip.family != ip->family)
				continue;
			p[*n] = (struct nat_port){.proto = (uint8_t)m->proto, .host_ip = m->host_ip,
						  .host_port = m->host_port, .ip = *ip,
						  .port = m->container_port};
			snprintf(p[*n].owner, sizeof(p[*n].owner), "%s", owner);
			(*n)++;
		}
	*out = p;
	return 0;
}

static int pm_add(struct cni_req *req, struct cni_result *res, struct plumb_err *err)
{
	_cleanup_free_ struct nat_port *ports = NULL;
	struct pm_conf pc;
	struct nat n = {0};
	size_t cnt = 0;
	int r;

	if ((r = pm_conf_parse(req, &pc, err)) < 0)
		return r;
	if (!req->conf.has_prev) {
		req->code = CNI_ERR_INVALID_CONFIG;
		return plumb_err_set(err, EINVAL, "portmap must be chained after a plugin that "
				     "gives the container addresses (no prevResult)");
	}
	*res = req->conf.prev;
	if (!req->conf.rt.n_ports)
		return 0;
	if ((r = build(req, &ports, &cnt, err)) < 0)
		return r;
	if (!cnt)
		return 0;
	if ((r = nat_open(&n, -1, err)) < 0)
		return r;
	r = nat_port_add(&n, ports, cnt, err);
	nat_close(&n);
	return r;
}

/* This attachment's published ports, as nat/ lists them. */
static int mine(struct cni_req *req, struct nat *n, struct nat_port **out, size_t *cnt,
		struct plumb_err *err)
{
	char owner[NAT_OWNER_MAX];
	struct nat_port *all = NULL;
	int total, r;

	*cnt = 0;
	*out = NULL;
	if ((r = cni_nat_owner(req, "portmap", owner, sizeof(owner), err)) < 0)
		return r;
	if ((r = nat_table_exists(n, err)) <= 0)
		return r;
	if ((total = nat_port_list(n, &all, err)) < 0)
		return total;
	for (int i = 0; i < total; i++)
		if (strcmp(all[i].owner, owner) == 0)
			all[(*cnt)++] = all[i];
	*out = all;
	return 0;
}

/* With the mappings and addresses of the ADD (runtimes pass the same
 * runtimeConfig and prevResult to DEL), each host port is looked up by key and
 * withdrawn if this attachment published it: a cost that does not grow with
 * the ports the node publishes. Without them, every port tagged for this
 * attachment, found by reading the port maps whole. (A port the runtime
 * published at ADD but no longer names at DEL is left to GC.) */
static int pm_del(struct cni_req *req, struct plumb_err *err)
{
	_cleanup_free_ struct nat_port *ports = NULL;
	struct nat n = {0};
	size_t cnt = 0;
	int r;

	if (!req->conf.rt.n_ports || !req->conf.has_prev || build(req, &ports, &cnt, err) < 0 ||
	    !cnt) {
		plumb_err_clear(err);
		return cni_nat_del(req, "portmap", NAT_KIND_PORT, err);
	}
	if ((r = nat_open(&n, -1, err)) < 0)
		return r;
	r = nat_table_exists(&n, err);
	if (r > 0) /* build() tagged every port with this attachment's owner */
		r = nat_port_del_owned(&n, ports, cnt, ports[0].owner, err);
	nat_close(&n);
	return r < 0 ? r : 0;
}

static int pm_check(struct cni_req *req, struct plumb_err *err)
{
	_cleanup_free_ struct nat_port *want = NULL, *have = NULL;
	struct pm_conf pc;
	struct nat n = {0};
	size_t nw = 0, nh = 0;
	char buf[128];
	int r;

	if ((r = pm_conf_parse(req, &pc, err)) < 0)
		return r;
	if (!req->conf.has_prev)
		return 0;
	if ((r = build(req, &want, &nw, err)) < 0 || (r = nat_open(&n, -1, err)) < 0)
		return r;
	r = mine(req, &n, &have, &nh, err);
	nat_close(&n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nw; i++) {
		bool found = false;

		for (size_t j = 0; j < nh && !found; j++)
			found = have[j].proto == want[i].proto &&
				have[j].host_port == want[i].host_port &&
				have[j].port == want[i].port &&
				plumb_ip_equal(&have[j].ip, &want[i].ip) &&
				plumb_ip_equal(&have[j].host_ip, &want[i].host_ip);
		if (!found)
			return plumb_err_set(err, ENOENT, "port mapping %s is not published",
					     nat_port_str(&want[i], buf, sizeof(buf)));
	}
	return 0;
}

static int pm_gc(struct cni_req *req, struct plumb_err *err)
{
	return cni_nat_gc(req, "portmap", err);
}

int main(int argc, char **argv)
{
	static const struct cni_plugin p = {
		.name = "portmap",
		.about = "plumb portmap CNI plugin: host ports to container ports in nftables",
		.add = pm_add,
		.del = pm_del,
		.check = pm_check,
		.gc = pm_gc,
	};
	return cni_main(&p, argc, argv);
}
