// SPDX-License-Identifier: MIT
/*
 * svc/reader.c — Kubernetes-shaped Service and EndpointSlice JSON into svc
 * structs: the one edge of svc/ that knows jansson. Accepts what
 * `kubectl get -o json` prints: one object, a List (or XxxList) of them, or a
 * plain JSON array. A malformed object is reported by kind, name and field and
 * skipped; the others are kept.
 */
#include "common/json.h"
#include "svc/svc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int copy_str(char *dst, size_t len, const char *src, const char *field,
		    struct plumb_err *err)
{
	if (strlen(src) >= len)
		return plumb_err_set(err, EINVAL, "field '%s' is longer than %zu characters", field,
				     len - 1);
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int parse_proto(json_t *obj, const char *ctx, uint8_t *out, struct plumb_err *err)
{
	const char *p = "TCP";
	int r = pjson_string(obj, "protocol", ctx, false, &p, err);

	if (r < 0)
		return r;
	if (!strcmp(p, "TCP"))
		*out = IPPROTO_TCP;
	else if (!strcmp(p, "UDP"))
		*out = IPPROTO_UDP;
	else if (!strcmp(p, "SCTP"))
		*out = IPPROTO_SCTP;
	else
		return plumb_err_set(err, EINVAL, "field '%s.protocol' must be TCP, UDP or SCTP, not '%s'",
				     ctx, p);
	return 0;
}

static int parse_ipv4(const char *s, const char *field, uint32_t *out, struct plumb_err *err)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return plumb_err_set(err, EINVAL, "field '%s' is not an IPv4 address: '%s'", field, s);
	*out = a.s_addr;
	return 0;
}

static int parse_meta(json_t *o, char *ns, char *name, json_t **labels, struct plumb_err *err)
{
	const char *n = NULL, *s = "default";
	json_t *meta = NULL;
	int r;

	if ((r = pjson_object(o, "metadata", NULL, true, &meta, err)) < 0 ||
	    (r = pjson_string(meta, "name", "metadata", true, &n, err)) < 0 ||
	    (r = pjson_string(meta, "namespace", "metadata", false, &s, err)) < 0 ||
	    (r = copy_str(name, 64, n, "metadata.name", err)) < 0 ||
	    (r = copy_str(ns, 64, s, "metadata.namespace", err)) < 0)
		return r;
	if (labels)
		return pjson_object(meta, "labels", "metadata", false, labels, err);
	return 0;
}

static int parse_service_port(json_t *p, const char *ctx, struct svc_port *sp,
			      struct plumb_err *err)
{
	const char *name = "";
	int64_t v = 0;
	json_t *t;
	int r;

	if (!json_is_object(p))
		return plumb_err_set(err, EINVAL, "field '%s' must be an object", ctx);
	if ((r = pjson_string(p, "name", ctx, false, &name, err)) < 0 ||
	    (r = copy_str(sp->name, sizeof(sp->name), name, "name", err)) < 0 ||
	    (r = parse_proto(p, ctx, &sp->proto, err)) < 0 ||
	    (r = pjson_int(p, "port", ctx, true, 1, 65535, &v, err)) < 0)
		return r;
	sp->port = (uint16_t)v;
	v = 0;
	if ((r = pjson_int(p, "nodePort", ctx, false, 0, 65535, &v, err)) < 0)
		return r;
	sp->node_port = (uint16_t)v;
	t = json_object_get(p, "targetPort");
	if (json_is_string(t))
		return copy_str(sp->target_name, sizeof(sp->target_name), json_string_value(t),
				"targetPort", err);
	v = 0;
	if ((r = pjson_int(p, "targetPort", ctx, false, 1, 65535, &v, err)) < 0)
		return r;
	sp->target = (uint16_t)v;
	return 0;
}

static int parse_service_ip(json_t *spec, struct svc_service *svc, struct plumb_err *err)
{
	const char *ip = NULL;
	json_t *ips = NULL, *v;
	size_t i;
	int r;

	if ((r = pjson_string(spec, "clusterIP", "spec", false, &ip, err)) < 0 ||
	    (r = pjson_array(spec, "clusterIPs", "spec", false, &ips, err)) < 0)
		return r;
	if (ip && (!strcmp(ip, "None") || !*ip))
		return 0; /* headless: nothing to map */
	if (ip && strchr(ip, '.'))
		return parse_ipv4(ip, "spec.clusterIP", &svc->cluster_ip, err);
	json_array_foreach(ips, i, v)
		if (json_is_string(v) && strchr(json_string_value(v), '.'))
			return parse_ipv4(json_string_value(v), "spec.clusterIPs", &svc->cluster_ip,
					  err);
	return 0; /* IPv6-only: not mapped by this IPv4 layout */
}

static int parse_affinity(json_t *spec, struct svc_service *svc, struct plumb_err *err)
{
	const char *aff = "None";
	json_t *cfg = NULL, *cip = NULL;
	int64_t t = 10800; /* Kubernetes' default */
	int r;

	if ((r = pjson_string(spec, "sessionAffinity", "spec", false, &aff, err)) < 0)
		return r;
	if (!strcmp(aff, "None"))
		return 0;
	if (strcmp(aff, "ClientIP"))
		return plumb_err_set(err, EINVAL,
				     "field 'spec.sessionAffinity' must be None or ClientIP, not '%s'",
				     aff);
	if ((r = pjson_object(spec, "sessionAffinityConfig", "spec", false, &cfg, err)) < 0 ||
	    (r = pjson_object(cfg, "clientIP", "spec.sessionAffinityConfig", false, &cip, err)) < 0 ||
	    (r = pjson_int(cip, "timeoutSeconds", "spec.sessionAffinityConfig.clientIP", false, 1,
			   86400, &t, err)) < 0)
		return r;
	svc->affinity = (uint32_t)t;
	return 0;
}

static int parse_service(json_t *o, struct svc_object *obj, struct plumb_err *err)
{
	struct svc_service *svc = &obj->svc;
	const char *type = "ClusterIP";
	json_t *spec = NULL, *ports = NULL, *p;
	char ctx[48];
	size_t i;
	int r;

	obj->kind = SVC_KIND_SERVICE;
	if ((r = parse_meta(o, svc->ns, svc->name, NULL, err)) < 0)
		return r;
	if ((r = pjson_object(o, "spec", NULL, true, &spec, err)) < 0 ||
	    (r = pjson_string(spec, "type", "spec", false, &type, err)) < 0)
		return r;
	if (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer"))
		svc->node_ports = true;
	else if (!strcmp(type, "ExternalName"))
		return 0; /* DNS only */
	else if (strcmp(type, "ClusterIP"))
		return plumb_err_set(err, EINVAL, "field 'spec.type' has an unknown value '%s'", type);
	if ((r = parse_service_ip(spec, svc, err)) < 0 || (r = parse_affinity(spec, svc, err)) < 0 ||
	    (r = pjson_array(spec, "ports", "spec", false, &ports, err)) < 0)
		return r;
	if (json_array_size(ports) > ARRAY_SIZE(svc->ports))
		return plumb_err_set(err, EINVAL, "field 'spec.ports' has more than %zu ports",
				     ARRAY_SIZE(svc->ports));
	json_array_foreach(ports, i, p) {
		snprintf(ctx, sizeof(ctx), "spec.ports[%zu]", i);
		if ((r = parse_service_port(p, ctx, &svc->ports[i], err)) < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(svc->ports[j].name, svc->ports[i].name))
				return plumb_err_set(err, EINVAL,
						     "field '%s.name': port name '%s' is used twice", ctx,
						     svc->ports[i].name);
		svc->nports++;
	}
	return 0;
}

static int parse_slice_endpoint(json_t *ep, const char *ctx, struct svc_slice *sl, size_t *cap,
				struct plumb_err *err)
{
	json_t *addrs = NULL, *cond = NULL, *a;
	bool ready = true; /* absent means ready (Kubernetes API) */
	char field[80];
	size_t i;
	int r;

	if ((r = pjson_array(ep, "addresses", ctx, true, &addrs, err)) < 0 ||
	    (r = pjson_object(ep, "conditions", ctx, false, &cond, err)) < 0 ||
	    (cond && (r = pjson_bool(cond, "ready", "conditions", false, &ready, err)) < 0))
		return r;
	json_array_foreach(addrs, i, a) {
		if (!json_is_string(a)) {
			snprintf(field, sizeof(field), "%s.addresses[%zu]", ctx, i);
			return plumb_err_set(err, EINVAL, "field '%s' must be a string", field);
		}
		if (sl->neps == *cap) { /* doubling: slices hold up to 1000 endpoints */
			size_t ncap = *cap ? *cap * 2 : 16;
			struct svc_slice_ep *nv = realloc(sl->eps, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			sl->eps = nv;
			*cap = ncap;
		}
		if (inet_pton(AF_INET, json_string_value(a), &sl->eps[sl->neps].addr) != 1) {
			snprintf(field, sizeof(field), "%s.addresses[%zu]", ctx, i);
			return plumb_err_set(err, EINVAL, "field '%s' is not an IPv4 address: '%s'",
					     field, json_string_value(a));
		}
		sl->eps[sl->neps++].ready = ready;
	}
	return 0;
}

static int parse_slice(json_t *o, struct svc_object *obj, struct plumb_err *err)
{
	struct svc_slice *sl = &obj->slice;
	const char *svcname = NULL, *at = "IPv4", *name;
	json_t *labels = NULL, *ports = NULL, *eps = NULL, *v;
	char ctx[48];
	int64_t port;
	size_t i, cap = 0;
	int r;

	obj->kind = SVC_KIND_SLICE;
	if ((r = parse_meta(o, sl->ns, sl->name, &labels, err)) < 0 ||
	    (r = pjson_string(labels, "kubernetes.io/service-name", "metadata.labels", true, &svcname,
			      err)) < 0 ||
	    (r = copy_str(sl->service, sizeof(sl->service), svcname,
			  "metadata.labels.kubernetes.io/service-name", err)) < 0 ||
	    (r = pjson_string(o, "addressType", NULL, false, &at, err)) < 0)
		return r;
	if (strcmp(at, "IPv4"))
		return 0; /* IPv6/FQDN slices: not mapped by this IPv4 layout */
	if ((r = pjson_array(o, "ports", NULL, false, &ports, err)) < 0 ||
	    (r = pjson_array(o, "endpoints", NULL, false, &eps, err)) < 0)
		return r;
	if (json_array_size(ports) > ARRAY_SIZE(sl->ports))
		return plumb_err_set(err, EINVAL, "field 'ports' has more than %zu ports",
				     ARRAY_SIZE(sl->ports));
	json_array_foreach(ports, i, v) {
		struct svc_slice_port *sp = &sl->ports[sl->nports];

		snprintf(ctx, sizeof(ctx), "ports[%zu]", i);
		name = "";
		port = 0;
		if (!json_is_object(v))
			return plumb_err_set(err, EINVAL, "field '%s' must be an object", ctx);
		if ((r = pjson_string(v, "name", ctx, false, &name, err)) < 0 ||
		    (r = copy_str(sp->name, sizeof(sp->name), name, "name", err)) < 0 ||
		    (r = parse_proto(v, ctx, &sp->proto, err)) < 0 ||
		    (r = pjson_int(v, "port", ctx, true, 1, 65535, &port, err)) < 0)
			return r;
		sp->port = (uint16_t)port;
		sl->nports++;
	}
	json_array_foreach(eps, i, v) {
		snprintf(ctx, sizeof(ctx), "endpoints[%zu]", i);
		if (!json_is_object(v))
			return plumb_err_set(err, EINVAL, "field '%s' must be an object", ctx);
		if ((r = parse_slice_endpoint(v, ctx, sl, &cap, err)) < 0)
			return r;
	}
	return 0;
}

/* "Service 'ns/name'" for messages, as far as the object tells. */
static void describe(json_t *o, const char *kind, size_t idx, char *buf, size_t len)
{
	json_t *meta = json_object_get(o, "metadata");
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));

	if (name)
		snprintf(buf, len, "%s '%s/%s'", kind, ns ? ns : "default", name);
	else
		snprintf(buf, len, "%s #%zu (no metadata.name)", kind, idx + 1);
}

static int parse_one(json_t *o, size_t idx, const char *origin, struct svc_objects *objs,
		     struct svc_names *problems)
{
	struct svc_object obj_, *obj = &obj_;
	struct plumb_err err = {0};
	const char *kind = json_string_value(json_object_get(o, "kind"));
	char what[200], msg[PLUMB_ERR_MSG_MAX + 400];
	int r;

	if (!kind)
		kind = "object";
	if (strcmp(kind, "Service") && strcmp(kind, "EndpointSlice"))
		return 0; /* other kinds (Endpoints, Pods, ...) are not ours */
	memset(obj, 0, sizeof(*obj));
	r = !strcmp(kind, "Service") ? parse_service(o, obj, &err) : parse_slice(o, obj, &err);
	if (r >= 0) {
		r = svc_objects_add(objs, obj);
	} else if (r != -ENOMEM) {
		describe(o, kind, idx, what, sizeof(what));
		snprintf(msg, sizeof(msg), "%s%s%s: %s", origin ? origin : "", origin ? ": " : "",
			 what, plumb_err_msg(&err, r));
		r = svc_names_add(problems, msg) < 0 ? -ENOMEM : 0;
	}
	if (obj->kind == SVC_KIND_SLICE)
		free(obj->slice.eps); /* NULL once svc_objects_add took it */
	return r;
}

int svc_reader_parse(const char *text, size_t len, const char *origin, struct svc_objects *objs,
		     struct svc_names *problems, struct plumb_err *err)
{
	_cleanup_json_ json_t *root = NULL;
	json_error_t jerr;
	json_t *items = NULL, *o;
	const char *kind;
	size_t i;
	int r;

	root = json_loadb(text, len, 0, &jerr);
	if (!root)
		return plumb_err_set(err, EINVAL, "%s%sline %d: %s", origin ? origin : "",
				     origin ? ": " : "", jerr.line, jerr.text);
	kind = json_string_value(json_object_get(root, "kind"));
	if (json_is_array(root))
		items = root;
	else if (kind && strlen(kind) >= 4 && !strcmp(kind + strlen(kind) - 4, "List"))
		items = json_object_get(root, "items");
	if (!items)
		return parse_one(root, 0, origin, objs, problems);
	if (!json_is_array(items))
		return plumb_err_set(err, EINVAL, "%s%sfield 'items' must be an array",
				     origin ? origin : "", origin ? ": " : "");
	json_array_foreach(items, i, o)
		if ((r = parse_one(o, i, origin, objs, problems)) < 0)
			return r;
	return 0;
}
