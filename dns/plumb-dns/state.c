// SPDX-License-Identifier: MIT
/* JSON forms of registrations and networks, and the state file: written
 * atomically after every change, read at start so a restarted daemon serves
 * the same names at once. */
#include "dns/plumb-dns/regjson.h"
#include "dns/plumb-dns/server.h"

#include "common/cleanup.h"
#include "common/file.h"
#include "common/log.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int str_array(json_t *o, const char *key, char **out, size_t max, size_t *n,
		     struct plumb_err *err)
{
	json_t *arr = NULL, *v;
	size_t i;
	int r = pjson_array(o, key, NULL, false, &arr, err);

	*n = 0;
	if (r < 0 || !arr)
		return r;
	if (json_array_size(arr) > max)
		return plumb_err_set(err, EINVAL, "field '%s' has more than %zu entries", key, max);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return plumb_err_set(err, EINVAL, "field '%s[%zu]' must be a string", key,
					     i);
		out[(*n)++] = (char *)json_string_value(v);
	}
	return 0;
}

static int ip_array(json_t *o, const char *key, struct plumb_ip *out, size_t max, size_t *n,
		    struct plumb_err *err)
{
	char **strs = calloc(max, sizeof(char *));
	int r;

	if (!strs)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = str_array(o, key, strs, max, n, err);
	for (size_t i = 0; r == 0 && i < *n; i++) {
		/* "10.0.0.2/24" as CNI results write them is fine too */
		struct plumb_cidr c;

		if (plumb_cidr_parse(strs[i], true, &c) < 0)
			r = plumb_err_set(err, EINVAL, "field '%s[%zu]': '%s' is not an IP address",
					  key, i, strs[i]);
		else
			out[i] = c.ip;
	}
	free(strs);
	return r;
}

static int ports_parse(json_t *o, struct dns_reg_buf *b, struct plumb_err *err)
{
	json_t *arr = NULL, *v;
	size_t i;
	int r = pjson_array(o, "ports", NULL, false, &arr, err);

	if (r < 0 || !arr)
		return r;
	if (json_array_size(arr) > ARRAY_SIZE(b->ports))
		return plumb_err_set(err, EINVAL, "too many ports");
	json_array_foreach(arr, i, v) {
		struct dns_port *p = &b->ports[i];
		const char *name = "", *proto = "tcp";
		int64_t port = 0;
		char ctx[32];

		snprintf(ctx, sizeof(ctx), "ports[%zu]", i);
		if ((r = pjson_string(v, "name", ctx, false, &name, err)) < 0 ||
		    (r = pjson_string(v, "protocol", ctx, false, &proto, err)) < 0 ||
		    (r = pjson_int(v, "port", ctx, true, 1, 65535, &port, err)) < 0)
			return r;
		if (strlen(name) >= sizeof(p->name) || strlen(proto) >= sizeof(p->proto))
			return plumb_err_set(err, EINVAL, "field '%s' has a name too long", ctx);
		snprintf(p->name, sizeof(p->name), "%s", name);
		for (size_t k = 0; proto[k]; k++) /* Kubernetes writes "TCP" */
			p->proto[k] = (char)(proto[k] | 0x20);
		p->proto[strlen(proto)] = '\0';
		p->port = (uint16_t)port;
		b->r.nports++;
	}
	return 0;
}

int regjson_parse(json_t *o, struct dns_reg_buf *b, struct plumb_err *err)
{
	struct dns_reg *r = &b->r;
	const char *kind = "container";
	int rc;

	memset(r, 0, sizeof(*r));
	r->aliases = b->aliases;
	r->addrs = b->addrs;
	r->ports = b->ports;
	if ((rc = pjson_string(o, "kind", NULL, false, &kind, err)) < 0 ||
	    (rc = pjson_string(o, "network", NULL, true, (const char **)&r->network, err)) < 0 ||
	    (rc = pjson_string(o, "id", NULL, true, (const char **)&r->id, err)) < 0 ||
	    (rc = pjson_string(o, "name", NULL, false, (const char **)&r->name, err)) < 0 ||
	    (rc = pjson_string(o, "netns", NULL, false, (const char **)&r->netns, err)) < 0 ||
	    (rc = str_array(o, "aliases", b->aliases, ARRAY_SIZE(b->aliases), &r->naliases,
			    err)) < 0 ||
	    (rc = ip_array(o, "addresses", b->addrs, ARRAY_SIZE(b->addrs), &r->naddrs, err)) < 0)
		return rc;
	if (r->netns && !*r->netns)
		r->netns = NULL;
	if (!strcmp(kind, "service")) {
		r->kind = DNS_REG_SERVICE;
		if ((rc = pjson_string(o, "namespace", NULL, true,
				       (const char **)&r->svc_namespace, err)) < 0 ||
		    (rc = pjson_string(o, "clusterDomain", NULL, false,
				       (const char **)&r->cluster_domain, err)) < 0 ||
		    (rc = pjson_bool(o, "headless", NULL, false, &r->headless, err)) < 0 ||
		    (rc = ports_parse(o, b, err)) < 0)
			return rc;
	} else if (strcmp(kind, "container")) {
		return plumb_err_set(err, EINVAL, "field 'kind' must be \"container\" or \"service\"");
	}
	return dns_reg_validate(r, err);
}

static json_t *ips_dump(const struct plumb_ip *ips, size_t n)
{
	json_t *a = json_array();
	char buf[PLUMB_IP_STRLEN];

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(plumb_ip_str(&ips[i], buf, sizeof(buf))));
	return a;
}

json_t *regjson_dump(const struct dns_reg *r)
{
	json_t *o = json_pack("{s:s, s:s}", "network", r->network, "id", r->id);
	json_t *aliases = json_array();

	if (r->name)
		json_object_set_new(o, "name", json_string(r->name));
	for (size_t i = 0; i < r->naliases; i++)
		json_array_append_new(aliases, json_string(r->aliases[i]));
	json_object_set_new(o, "aliases", aliases);
	json_object_set_new(o, "addresses", ips_dump(r->addrs, r->naddrs));
	if (r->netns)
		json_object_set_new(o, "netns", json_string(r->netns));
	if (r->kind == DNS_REG_SERVICE) {
		json_t *ports = json_array();

		json_object_set_new(o, "kind", json_string("service"));
		json_object_set_new(o, "namespace", json_string(r->svc_namespace));
		if (r->cluster_domain)
			json_object_set_new(o, "clusterDomain", json_string(r->cluster_domain));
		json_object_set_new(o, "headless", json_boolean(r->headless));
		for (size_t i = 0; i < r->nports; i++)
			json_array_append_new(ports, json_pack("{s:s, s:s, s:i}", "name",
							       r->ports[i].name, "protocol",
							       r->ports[i].proto, "port",
							       r->ports[i].port));
		json_object_set_new(o, "ports", ports);
	}
	return o;
}

int netjson_parse(json_t *o, struct dns_netconf *n, struct plumb_err *err)
{
	char *strs[4];
	size_t ns = 0;
	int rc;

	memset(n, 0, sizeof(*n));
	if ((rc = pjson_string(o, "network", NULL, true, (const char **)&n->name, err)) < 0 ||
	    (rc = pjson_string(o, "domain", NULL, false, (const char **)&n->domain, err)) < 0 ||
	    (rc = ip_array(o, "listen", n->listen, ARRAY_SIZE(n->listen), &n->nlisten, err)) < 0 ||
	    (rc = str_array(o, "subnets", strs, ARRAY_SIZE(strs), &ns, err)) < 0)
		return rc;
	for (size_t i = 0; i < ns; i++) {
		if (plumb_cidr_parse(strs[i], false, &n->subnets[i]) < 0)
			return plumb_err_set(err, EINVAL, "field 'subnets[%zu]': '%s' is not a "
							  "prefix like 10.88.0.0/16",
					     i, strs[i]);
		plumb_cidr_network(&n->subnets[i], &n->subnets[i]);
	}
	n->nsubnets = ns;
	return 0;
}

json_t *netjson_dump(const struct dns_netconf *n)
{
	json_t *o = json_pack("{s:s}", "network", n->name);
	json_t *subnets = json_array();
	char buf[PLUMB_CIDR_STRLEN];

	if (n->domain)
		json_object_set_new(o, "domain", json_string(n->domain));
	json_object_set_new(o, "listen", ips_dump(n->listen, n->nlisten));
	for (size_t i = 0; i < n->nsubnets; i++)
		json_array_append_new(subnets,
				      json_string(plumb_cidr_str(&n->subnets[i], buf, sizeof(buf))));
	json_object_set_new(o, "subnets", subnets);
	return o;
}

int registry_json_set(json_t *o, const struct dns_registry *reg, struct plumb_err *err)
{
	_cleanup_free_ struct dns_reg_buf *rb = malloc(sizeof(*rb));
	json_t *nets, *entries;

	if (!rb)
		return plumb_err_set(err, ENOMEM, "out of memory");
	nets = json_array();
	entries = json_array();
	for (size_t i = 0; i < reg->nnets; i++)
		json_array_append_new(nets, netjson_dump(&reg->nets[i]));
	for (size_t i = 0; i < reg->nregs; i++) {
		dns_registry_get(reg, i, rb);
		json_array_append_new(entries, regjson_dump(&rb->r));
	}
	json_object_set_new(o, "networks", nets);
	json_object_set_new(o, "entries", entries);
	return 0;
}

int state_save(struct srv *s, struct plumb_err *err)
{
	_cleanup_json_ json_t *root = json_object();
	_cleanup_free_ char *text = NULL, *dir = NULL;
	int r;

	if (!s->o.state)
		return 0;
	json_object_set_new(root, "version", json_integer(1));
	if ((r = registry_json_set(root, &s->reg, err)) < 0)
		return r;
	text = json_dumps(root, JSON_INDENT(1));
	if (!text || !(dir = strdup(s->o.state)))
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = plumb_mkdir_p(dirname(dir), 0755, err);
	if (r < 0)
		return r;
	return plumb_file_write_atomic(s->o.state, text, strlen(text), 0600, err);
}

int state_load(struct srv *s, struct plumb_err *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ struct dns_reg_buf *b = NULL;
	_cleanup_json_ json_t *root = NULL;
	json_error_t jerr;
	json_t *nets = NULL, *entries = NULL, *v;
	size_t i;
	long n;
	int r;

	if (!s->o.state)
		return 0;
	n = plumb_file_read(s->o.state, 64u << 20, &text, err);
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	root = json_loads(text, 0, &jerr);
	if (!root)
		return plumb_err_set(err, EINVAL, "%s: line %d: %s", s->o.state, jerr.line,
				     jerr.text);
	if ((r = pjson_array(root, "networks", NULL, false, &nets, err)) < 0 ||
	    (r = pjson_array(root, "entries", NULL, false, &entries, err)) < 0)
		return plumb_err_wrap(err, r, "%s", s->o.state);
	if (!(b = malloc(sizeof(*b))))
		return plumb_err_set(err, ENOMEM, "out of memory");
	json_array_foreach(nets, i, v) {
		struct dns_netconf nc;

		if ((r = netjson_parse(v, &nc, err)) < 0 ||
		    (r = dns_registry_net_put(&s->reg, &nc, err)) < 0)
			return plumb_err_wrap(err, r, "%s: networks[%zu]", s->o.state, i);
	}
	json_array_foreach(entries, i, v) {
		if ((r = regjson_parse(v, b, err)) < 0 ||
		    (r = dns_registry_put(&s->reg, &b->r, err)) < 0)
			return plumb_err_wrap(err, r, "%s: entries[%zu]", s->o.state, i);
	}
	log_info("loaded %zu entries on %zu networks from %s", s->reg.nregs, s->reg.nnets,
		 s->o.state);
	return 0;
}
