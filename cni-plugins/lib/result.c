// SPDX-License-Identifier: MIT
/* Results: the C struct, and its JSON in each cniVersion's shape.
 *   0.3.0, 0.3.1, 0.4.0: ips[] carry "version": "4"|"6"
 *   1.0.0: no "version"
 *   1.1.0: interfaces[] may carry mtu, socketPath, pciID; routes[] mtu, advmss,
 *          priority, table, scope */
#include "cni-plugins/lib/internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *const cni_supported_versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL};

int cni_version_parse(const char *s, int *out, struct plumb_err *err)
{
	unsigned maj, min, pat;
	char tail;

	if (!s || sscanf(s, "%u.%u.%u%c", &maj, &min, &pat, &tail) != 3 || maj > 99 || min > 99 ||
	    pat > 99)
		return plumb_err_set(err, EINVAL, "cniVersion '%s' is not a version like 1.0.0",
				     s ? s : "");
	for (size_t i = 0; cni_supported_versions[i]; i++)
		if (strcmp(s, cni_supported_versions[i]) == 0) {
			*out = (int)(maj * 10000 + min * 100 + pat);
			return 0;
		}
	return plumb_err_set(err, EPROTONOSUPPORT,
			     "cniVersion %s is not supported (supported: 0.3.0, 0.3.1, 0.4.0, "
			     "1.0.0, 1.1.0)",
			     s);
}

const char *cni_version_str(int v, char *buf, size_t len)
{
	snprintf(buf, len, "%d.%d.%d", v / 10000, v / 100 % 100, v % 100);
	return buf;
}

void cni_route_init(struct cni_route *r)
{
	memset(r, 0, sizeof(*r));
	r->mtu = r->advmss = r->priority = r->table = r->scope = -1;
}

int cni_result_add_iface(struct cni_result *r, const char *name, const char *mac,
			 const char *sandbox)
{
	struct cni_iface *i;

	if (r->n_ifaces >= CNI_MAX_IFACES)
		return -ENOSPC;
	i = &r->ifaces[r->n_ifaces];
	memset(i, 0, sizeof(*i));
	snprintf(i->name, sizeof(i->name), "%s", name ? name : "");
	snprintf(i->mac, sizeof(i->mac), "%s", mac ? mac : "");
	snprintf(i->sandbox, sizeof(i->sandbox), "%s", sandbox ? sandbox : "");
	return (int)r->n_ifaces++;
}

int cni_result_add_ip(struct cni_result *r, const struct plumb_cidr *addr,
		      const struct plumb_ip *gw, int iface)
{
	struct cni_ipconf *c;

	if (r->n_ips >= CNI_MAX_IPS)
		return -ENOSPC;
	c = &r->ips[r->n_ips];
	memset(c, 0, sizeof(*c));
	c->address = *addr;
	if (gw)
		c->gateway = *gw;
	c->iface = iface;
	return (int)r->n_ips++;
}

int cni_result_add_route(struct cni_result *r, const struct plumb_cidr *dst,
			 const struct plumb_ip *gw)
{
	struct cni_route *rt;

	if (r->n_routes >= CNI_MAX_ROUTES)
		return -ENOSPC;
	rt = &r->routes[r->n_routes];
	cni_route_init(rt);
	rt->dst = *dst;
	if (gw)
		rt->gw = *gw;
	return (int)r->n_routes++;
}

/* ---- encode ---- */

static int set_str(json_t *o, const char *k, const char *v)
{
	return json_object_set_new(o, k, json_string(v));
}

static json_t *str_array(const char *base, size_t stride, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(base + i * stride));
	return a;
}

static json_t *encode_dns(const struct cni_dns *d)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (d->n_nameservers)
		json_object_set_new(o, "nameservers",
				    str_array(d->nameservers[0], sizeof(d->nameservers[0]),
					      d->n_nameservers));
	if (d->domain[0])
		set_str(o, "domain", d->domain);
	if (d->n_search)
		json_object_set_new(o, "search",
				    str_array(d->search[0], sizeof(d->search[0]), d->n_search));
	if (d->n_options)
		json_object_set_new(o, "options",
				    str_array(d->options[0], sizeof(d->options[0]), d->n_options));
	return o;
}

static json_t *encode_iface(const struct cni_iface *i, int version)
{
	json_t *o = json_object();

	set_str(o, "name", i->name);
	if (i->mac[0])
		set_str(o, "mac", i->mac);
	if (version >= CNI_V110 && i->mtu > 0)
		json_object_set_new(o, "mtu", json_integer(i->mtu));
	if (i->sandbox[0])
		set_str(o, "sandbox", i->sandbox);
	if (version >= CNI_V110 && i->socket_path[0])
		set_str(o, "socketPath", i->socket_path);
	if (version >= CNI_V110 && i->pci_id[0])
		set_str(o, "pciID", i->pci_id);
	return o;
}

static json_t *encode_ip(const struct cni_ipconf *c, int version, bool ipam_only)
{
	char buf[PLUMB_CIDR_STRLEN];
	json_t *o = json_object();

	if (version < CNI_V100)
		set_str(o, "version", c->address.ip.family == AF_INET6 ? "6" : "4");
	set_str(o, "address", plumb_cidr_str(&c->address, buf, sizeof(buf)));
	if (c->gateway.family)
		set_str(o, "gateway", plumb_ip_str(&c->gateway, buf, sizeof(buf)));
	if (!ipam_only && c->iface >= 0)
		json_object_set_new(o, "interface", json_integer(c->iface));
	return o;
}

static json_t *encode_route(const struct cni_route *r, int version)
{
	char buf[PLUMB_CIDR_STRLEN];
	json_t *o = json_object();

	set_str(o, "dst", plumb_cidr_str(&r->dst, buf, sizeof(buf)));
	if (r->gw.family)
		set_str(o, "gw", plumb_ip_str(&r->gw, buf, sizeof(buf)));
	if (version >= CNI_V110) {
		if (r->mtu >= 0)
			json_object_set_new(o, "mtu", json_integer(r->mtu));
		if (r->advmss >= 0)
			json_object_set_new(o, "advmss", json_integer(r->advmss));
		if (r->priority >= 0)
			json_object_set_new(o, "priority", json_integer(r->priority));
		if (r->table >= 0)
			json_object_set_new(o, "table", json_integer(r->table));
		if (r->scope >= 0)
			json_object_set_new(o, "scope", json_integer(r->scope));
	}
	return o;
}

static bool dns_empty(const struct cni_dns *d)
{
	return !d->n_nameservers && !d->domain[0] && !d->n_search && !d->n_options;
}

char *cni_result_encode(const struct cni_result *r, int version, bool ipam_only)
{
	_cleanup_json_ json_t *o = json_object();
	json_t *a;
	char v[16];

	if (!o)
		return NULL;
	set_str(o, "cniVersion", cni_version_str(version, v, sizeof(v)));
	if (!ipam_only && r->n_ifaces) {
		a = json_array();
		for (size_t i = 0; i < r->n_ifaces; i++)
			json_array_append_new(a, encode_iface(&r->ifaces[i], version));
		json_object_set_new(o, "interfaces", a);
	}
	if (r->n_ips) {
		a = json_array();
		for (size_t i = 0; i < r->n_ips; i++)
			json_array_append_new(a, encode_ip(&r->ips[i], version, ipam_only));
		json_object_set_new(o, "ips", a);
	}
	if (r->n_routes) {
		a = json_array();
		for (size_t i = 0; i < r->n_routes; i++)
			json_array_append_new(a, encode_route(&r->routes[i], version));
		json_object_set_new(o, "routes", a);
	}
	/* The reference always prints a dns object; runtimes accept either. */
	json_object_set_new(o, "dns", dns_empty(&r->dns) ? json_object() : encode_dns(&r->dns));
	return json_dumps(o, JSON_COMPACT);
}

/* ---- decode ---- */

static int strs(json_t *o, const char *key, const char *ctx, char *base, size_t stride,
		size_t max, size_t *n, struct plumb_err *err)
{
	json_t *a = NULL, *v;
	size_t i;
	int r = pjson_array(o, key, ctx, false, &a, err);

	if (r < 0 || !a)
		return r;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return plumb_err_set(err, EINVAL, "field '%s.%s[%zu]' must be a string", ctx,
					     key, i);
		if (i >= max)
			return plumb_err_set(err, EINVAL, "field '%s.%s' has more than %zu entries",
					     ctx, key, max);
		if (strlen(json_string_value(v)) >= stride)
			return plumb_err_set(err, EINVAL, "field '%s.%s[%zu]' is too long", ctx, key,
					     i);
		strcpy(base + i * stride, json_string_value(v));
	}
	*n = json_array_size(a);
	return 0;
}

int cni_dns_decode(json_t *o, const char *ctx, bool runtime, struct cni_dns *d,
		   struct plumb_err *err)
{
	const char *dom = NULL;
	int r;

	memset(d, 0, sizeof(*d));
	r = strs(o, runtime ? "servers" : "nameservers", ctx, d->nameservers[0],
		 sizeof(d->nameservers[0]), CNI_MAX_DNS, &d->n_nameservers, err);
	if (r >= 0)
		r = strs(o, runtime ? "searches" : "search", ctx, d->search[0], sizeof(d->search[0]),
			 CNI_MAX_DNS, &d->n_search, err);
	if (r >= 0)
		r = strs(o, "options", ctx, d->options[0], sizeof(d->options[0]), CNI_MAX_DNS,
			 &d->n_options, err);
	if (r >= 0)
		r = pjson_string(o, "domain", ctx, false, &dom, err);
	if (r < 0)
		return r;
	if (dom)
		snprintf(d->domain, sizeof(d->domain), "%s", dom);
	return 0;
}

static int copy_str(json_t *o, const char *key, const char *ctx, bool required, char *buf,
		    size_t len, struct plumb_err *err)
{
	const char *s = NULL;
	int r = pjson_string(o, key, ctx, required, &s, err);

	if (r < 0 || !s)
		return r;
	if (strlen(s) >= len)
		return plumb_err_set(err, EINVAL, "field '%s.%s' is too long", ctx, key);
	strcpy(buf, s);
	return 0;
}

static int decode_iface(json_t *o, const char *ctx, struct cni_iface *i, struct plumb_err *err)
{
	int64_t mtu = 0;
	int r;

	memset(i, 0, sizeof(*i));
	if (!json_is_object(o))
		return plumb_err_set(err, EINVAL, "field '%s' must be an object", ctx);
	r = copy_str(o, "name", ctx, true, i->name, sizeof(i->name), err);
	if (r >= 0)
		r = copy_str(o, "mac", ctx, false, i->mac, sizeof(i->mac), err);
	if (r >= 0)
		r = copy_str(o, "sandbox", ctx, false, i->sandbox, sizeof(i->sandbox), err);
	if (r >= 0)
		r = copy_str(o, "socketPath", ctx, false, i->socket_path, sizeof(i->socket_path),
			     err);
	if (r >= 0)
		r = copy_str(o, "pciID", ctx, false, i->pci_id, sizeof(i->pci_id), err);
	if (r >= 0)
		r = pjson_int(o, "mtu", ctx, false, 0, 1 << 20, &mtu, err);
	i->mtu = (int)mtu;
	return r;
}

static int get_ip(json_t *o, const char *key, const char *ctx, bool cidr, bool required,
		  void *out, struct plumb_err *err)
{
	const char *s = NULL;
	int r = pjson_string(o, key, ctx, required, &s, err);

	if (r < 0 || !s)
		return r;
	r = cidr ? plumb_cidr_parse(s, false, out) : plumb_ip_parse(s, out);
	if (r < 0)
		return plumb_err_set(err, EINVAL, "field '%s.%s' is not %s: '%s'", ctx, key,
				     cidr ? "an address with prefix" : "an IP address", s);
	return 0;
}

static int decode_ip(json_t *o, const char *ctx, size_t n_ifaces, struct cni_ipconf *c,
		     struct plumb_err *err)
{
	int64_t idx = -1;
	int r;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(o))
		return plumb_err_set(err, EINVAL, "field '%s' must be an object", ctx);
	r = get_ip(o, "address", ctx, true, true, &c->address, err);
	if (r >= 0)
		r = get_ip(o, "gateway", ctx, false, false, &c->gateway, err);
	if (r >= 0)
		r = pjson_int(o, "interface", ctx, false, 0, CNI_MAX_IFACES - 1, &idx, err);
	if (r < 0)
		return r;
	if (idx >= 0 && (size_t)idx >= n_ifaces)
		return plumb_err_set(err, EINVAL, "field '%s.interface' is %lld but there are %zu "
				     "interfaces", ctx, (long long)idx, n_ifaces);
	if (c->gateway.family && c->gateway.family != c->address.ip.family)
		return plumb_err_set(err, EINVAL, "field '%s.gateway' is not of the address's family",
				     ctx);
	c->iface = (int)idx;
	return 0;
}

static int decode_route(json_t *o, const char *ctx, struct cni_route *rt, struct plumb_err *err)
{
	static const char *const keys[] = {"mtu", "advmss", "priority", "table", "scope"};
	int *vals[] = {&rt->mtu, &rt->advmss, &rt->priority, &rt->table, &rt->scope};
	int r;

	cni_route_init(rt);
	if (!json_is_object(o))
		return plumb_err_set(err, EINVAL, "field '%s' must be an object", ctx);
	r = get_ip(o, "dst", ctx, true, true, &rt->dst, err);
	if (r >= 0)
		r = get_ip(o, "gw", ctx, false, false, &rt->gw, err);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(keys); i++) {
		int64_t v = -1;

		r = pjson_int(o, keys[i], ctx, false, 0, INT32_MAX, &v, err);
		*vals[i] = (int)v;
	}
	if (r >= 0 && rt->gw.family && rt->gw.family != rt->dst.ip.family)
		return plumb_err_set(err, EINVAL, "field '%s.gw' is not of the dst's family", ctx);
	return r;
}

int cni_result_decode_json(json_t *o, const char *ctx, struct cni_result *res,
			   struct plumb_err *err)
{
	json_t *a = NULL, *v, *dns = NULL;
	const char *ver = NULL;
	char c[64];
	size_t i;
	int r;

	memset(res, 0, sizeof(*res));
	if (!json_is_object(o))
		return plumb_err_set(err, EINVAL, "%s must be an object", ctx);
	r = pjson_string(o, "cniVersion", ctx, false, &ver, err);
	if (r < 0)
		return r;
	if (ver && cni_version_parse(ver, &res->version, err) < 0)
		return plumb_err_wrap(err, EINVAL, "%s", ctx);
	if ((r = pjson_array(o, "interfaces", ctx, false, &a, err)) < 0)
		return r;
	json_array_foreach(a, i, v) {
		if (i >= CNI_MAX_IFACES)
			return plumb_err_set(err, EINVAL, "%s has more than %d interfaces", ctx,
					     CNI_MAX_IFACES);
		snprintf(c, sizeof(c), "%s.interfaces[%zu]", ctx, i);
		if ((r = decode_iface(v, c, &res->ifaces[i], err)) < 0)
			return r;
		res->n_ifaces = i + 1;
	}
	a = NULL;
	if ((r = pjson_array(o, "ips", ctx, false, &a, err)) < 0)
		return r;
	json_array_foreach(a, i, v) {
		if (i >= CNI_MAX_IPS)
			return plumb_err_set(err, EINVAL, "%s has more than %d ips", ctx,
					     CNI_MAX_IPS);
		snprintf(c, sizeof(c), "%s.ips[%zu]", ctx, i);
		if ((r = decode_ip(v, c, res->n_ifaces, &res->ips[i], err)) < 0)
			return r;
		res->n_ips = i + 1;
	}
	a = NULL;
	if ((r = pjson_array(o, "routes", ctx, false, &a, err)) < 0)
		return r;
	json_array_foreach(a, i, v) {
		if (i >= CNI_MAX_ROUTES)
			return plumb_err_set(err, EINVAL, "%s has more than %d routes", ctx,
					     CNI_MAX_ROUTES);
		snprintf(c, sizeof(c), "%s.routes[%zu]", ctx, i);
		if ((r = decode_route(v, c, &res->routes[i], err)) < 0)
			return r;
		res->n_routes = i + 1;
	}
	if ((r = pjson_object(o, "dns", ctx, false, &dns, err)) < 0)
		return r;
	if (dns) {
		snprintf(c, sizeof(c), "%s.dns", ctx);
		return cni_dns_decode(dns, c, false, &res->dns, err);
	}
	return 0;
}

int cni_result_decode(const char *s, struct cni_result *out, struct plumb_err *err)
{
	json_error_t je;
	_cleanup_json_ json_t *o = json_loads(s, JSON_REJECT_DUPLICATES, &je);

	if (!o)
		return plumb_err_set(err, EBADMSG, "result is not JSON: %s (line %d)", je.text,
				     je.line);
	return cni_result_decode_json(o, "result", out, err);
}
