// SPDX-License-Identifier: MIT
/* dnsname: registers a container's name and aliases with plumb-dns, chained
 * after bridge (the drop-in for Podman's old dnsname plugin, which started a
 * dnsmasq per network). The first ADD on a node starts plumb-dns; DEL
 * unregisters. The addresses come from prevResult, the aliases from
 * runtimeConfig.aliases (Podman's --network-alias), the name from
 * K8S_POD_NAME in CNI_ARGS (Podman puts the container name there).
 *
 * Config keys: "domainName" (names answer under it too; it becomes the
 * result's dns.domain and search), "socket" (plumb-dns control socket),
 * "stateFile", "daemonPath" (plumb-dns binary), "listenInPod" (also serve
 * 127.0.0.11 inside the pod; the result's nameserver is then 127.0.0.11
 * instead of the gateway). The result is prevResult with dns filled in. */
#include "cni-plugins/lib/cni.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "dns/ctl-json.h"
#include "dns/dns.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

struct dn_conf {
	const char *domain;
	const char *sock;
	const char *state;
	const char *daemon;
	bool in_pod;
};

static int dn_conf_parse(struct cni_req *req, struct dn_conf *dc, struct plumb_err *err)
{
	int r;

	*dc = (struct dn_conf){.sock = DNS_CTL_SOCK_DEFAULT};
	if ((r = cni_conf_get_str(&req->conf, NULL, "domainName", &dc->domain, err)) < 0 ||
	    (r = cni_conf_get_str(&req->conf, NULL, "socket", &dc->sock, err)) < 0 ||
	    (r = cni_conf_get_str(&req->conf, NULL, "stateFile", &dc->state, err)) < 0 ||
	    (r = cni_conf_get_str(&req->conf, NULL, "daemonPath", &dc->daemon, err)) < 0 ||
	    (r = cni_conf_get_bool(&req->conf, NULL, "listenInPod", &dc->in_pod, err)) < 0) {
		req->code = CNI_ERR_INVALID_CONFIG;
		return r;
	}
	return 0;
}


static int ensure_daemon(const struct dn_conf *dc, struct plumb_err *err)
{
	char bin[PATH_MAX + 32];
	_cleanup_free_ char *lock = NULL;
	char *extra[3] = {NULL};

	if (asprintf(&lock, "%s.lock", dc->sock) < 0)
		return plumb_err_set(err, ENOMEM, "out of memory");
	if (dc->state) {
		extra[0] = "--state";
		extra[1] = (char *)dc->state;
	}
	return dns_daemon_ensure(dns_daemon_find(dc->daemon, bin, sizeof(bin)), dc->sock, lock, extra, err);
}

/* The network's gateways become listeners; its subnets who may ask them. */
static json_t *network_req(struct cni_req *req, const struct dn_conf *dc)
{
	const struct cni_result *prev = &req->conf.prev;
	json_t *o = json_pack("{s:s, s:s}", "cmd", "network", "network", req->conf.name);
	json_t *listen = json_array(), *subnets = json_array();
	char buf[PLUMB_CIDR_STRLEN];

	if (dc->domain && *dc->domain)
		json_object_set_new(o, "domain", json_string(dc->domain));
	for (size_t i = 0; i < prev->n_ips; i++) {
		struct plumb_cidr net;

		if (!prev->ips[i].gateway.family)
			continue;
		json_array_append_new(listen, json_string(plumb_ip_str(&prev->ips[i].gateway, buf,
									 sizeof(buf))));
		plumb_cidr_network(&prev->ips[i].address, &net);
		json_array_append_new(subnets, json_string(plumb_cidr_str(&net, buf, sizeof(buf))));
	}
	json_object_set_new(o, "listen", listen);
	json_object_set_new(o, "subnets", subnets);
	return o;
}

static int pod_name(struct cni_req *req, char *buf, size_t len, struct plumb_err *err)
{
	int r = cni_args_get(req->env.args, "K8S_POD_NAME", buf, len, err);

	if (r < 0)
		req->code = CNI_ERR_INVALID_ENV;
	if (r == 0) /* no name given: the short ID, as a container's hostname */
		snprintf(buf, len, "%.12s", req->env.container_id);
	return r < 0 ? r : 0;
}

static json_t *register_req(struct cni_req *req, const struct dn_conf *dc, const char *name)
{
	const struct cni_result *prev = &req->conf.prev;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "cmd", "register", "network",
			      req->conf.name, "id", req->env.container_id, "name", name);
	json_t *addrs = json_array(), *aliases = json_array();
	char buf[PLUMB_IP_STRLEN];

	for (size_t i = 0; i < prev->n_ips; i++)
		json_array_append_new(addrs, json_string(plumb_ip_str(&prev->ips[i].address.ip, buf,
								       sizeof(buf))));
	for (size_t i = 0; i < req->conf.rt.n_aliases; i++)
		json_array_append_new(aliases, json_string(req->conf.rt.aliases[i]));
	json_object_set_new(o, "addresses", addrs);
	json_object_set_new(o, "aliases", aliases);
	if (dc->in_pod && req->env.netns)
		json_object_set_new(o, "netns", json_string(req->env.netns));
	return o;
}

static void fill_dns(struct cni_req *req, const struct dn_conf *dc, struct cni_result *res)
{
	struct cni_dns *d = &res->dns;
	const struct cni_result *prev = &req->conf.prev;

	d->n_nameservers = 0;
	if (dc->in_pod)
		snprintf(d->nameservers[d->n_nameservers++], PLUMB_IP_STRLEN, "127.0.0.11");
	for (size_t i = 0; i < prev->n_ips && d->n_nameservers < CNI_MAX_DNS; i++)
		if (!dc->in_pod && prev->ips[i].gateway.family)
			plumb_ip_str(&prev->ips[i].gateway, d->nameservers[d->n_nameservers++],
				     PLUMB_IP_STRLEN);
	if (dc->domain && *dc->domain) {
		snprintf(d->domain, sizeof(d->domain), "%s", dc->domain);
		snprintf(d->search[0], sizeof(d->search[0]), "%s", dc->domain);
		d->n_search = 1;
	}
}

static int dn_add(struct cni_req *req, struct cni_result *res, struct plumb_err *err)
{
	_cleanup_json_ json_t *net = NULL, *reg = NULL;
	char name[CNI_NAME_MAX];
	struct dn_conf dc;
	int r;

	if ((r = dn_conf_parse(req, &dc, err)) < 0)
		return r;
	if (!req->conf.has_prev || !req->conf.prev.n_ips) {
		req->code = CNI_ERR_INVALID_CONFIG;
		return plumb_err_set(err, EINVAL, "dnsname must be chained after a plugin that "
						  "assigns addresses (no prevResult ips)");
	}
	if ((r = pod_name(req, name, sizeof(name), err)) < 0)
		return r;
	if ((r = ensure_daemon(&dc, err)) < 0) {
		req->code = CNI_ERR_TRY_AGAIN;
		return r;
	}
	net = network_req(req, &dc);
	reg = register_req(req, &dc, name);
	if ((r = dns_ctl_call(dc.sock, net, NULL, err)) < 0 ||
	    (r = dns_ctl_call(dc.sock, reg, NULL, err)) < 0)
		return plumb_err_wrap(err, r, "network '%s'", req->conf.name);
	*res = req->conf.prev;
	fill_dns(req, &dc, res);
	return 0;
}

static int dn_del(struct cni_req *req, struct plumb_err *err)
{
	_cleanup_json_ json_t *o = NULL;
	struct dn_conf dc;
	int r;

	if ((r = dn_conf_parse(req, &dc, err)) < 0)
		return r;
	o = json_pack("{s:s, s:s, s:s}", "cmd", "unregister", "network", req->conf.name, "id",
		      req->env.container_id);
	r = dns_ctl_call(dc.sock, o, NULL, err);
	/* no daemon: nothing is registered, DEL is done */
	if (r == -ENOENT || r == -ECONNREFUSED)
		return 0;
	return r;
}

/* CHECK: the daemon answers and still has this container on this network. */
static int dn_check(struct cni_req *req, struct plumb_err *err)
{
	_cleanup_json_ json_t *o = json_pack("{s:s}", "cmd", "list"), *rep = NULL;
	json_t *e;
	struct dn_conf dc;
	size_t i;
	int r;

	if ((r = dn_conf_parse(req, &dc, err)) < 0 || (r = dns_ctl_call(dc.sock, o, &rep, err)) < 0)
		return r;
	json_array_foreach(json_object_get(rep, "entries"), i, e) {
		const char *net = json_string_value(json_object_get(e, "network"));
		const char *id = json_string_value(json_object_get(e, "id"));

		if (net && id && !strcmp(net, req->conf.name) && !strcmp(id, req->env.container_id))
			return 0;
	}
	return plumb_err_set(err, ENOENT, "container %s is not registered in plumb-dns on "
			     "network '%s'", req->env.container_id, req->conf.name);
}

int main(int argc, char **argv)
{
	static const struct cni_plugin p = {
		.name = "dnsname",
		.about = "plumb dnsname CNI plugin: container names and aliases in plumb-dns",
		.add = dn_add,
		.del = dn_del,
		.check = dn_check,
	};
	return cni_main(&p, argc, argv);
}
