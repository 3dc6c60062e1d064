// SPDX-License-Identifier: MIT
/*
 * svc/reader.c — Kubernetes-shaped Service and EndpointSlice JSON into svc
 * structs: the one edge of svc/ that reads JSON. Accepts what
 * `kubectl get -o json` prints: one object, a List (or XxxList) of them, or a
 * plain JSON array. A malformed object is reported by kind, name and field and
 * skipped; the others are kept.
 *
 * The text is checked once by common/jscan (as strictly as jansson would) and
 * then read in place: each object's members are found in one pass (jscan_pick)
 * and read in the order the model needs, whatever order the text has them in.
 * No DOM: a 12 MB List of 20,000 objects reads in tens of milliseconds, where
 * jansson's tree of small allocations took most of a second.
 */
#include "common/cleanup.h"
#include "common/jscan.h"
#include "svc/svc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a field sits, formatted only when a message needs it:
 * {"spec.ports", 3, true} is "spec.ports[3]"; {NULL} is the object itself. */
struct at {
	const char *base;
	size_t idx;
	bool indexed;
};

static const char *at_str(const struct at *a, char *buf, size_t len)
{
	if (!a->base)
		return NULL;
	if (!a->indexed)
		return a->base;
	snprintf(buf, len, "%s[%zu]", a->base, a->idx);
	return buf;
}

/* common/json.c's rules and messages: a missing member or JSON null is absent
 * (the default stays, or "missing field" when required); another type is
 * "field '<ctx>.<key>' must be <what>". */
static int missing(const char *key, const struct at *a, bool required, struct plumb_err *err)
{
	char b[64];
	const char *ctx = at_str(a, b, sizeof(b));

	if (!required)
		return 0;
	return plumb_err_set(err, EINVAL, "missing field '%s%s%s'", ctx ? ctx : "", ctx ? "." : "",
			     key);
}

static int wrong(const char *key, const struct at *a, const char *what, struct plumb_err *err)
{
	char b[64];
	const char *ctx = at_str(a, b, sizeof(b));

	return plumb_err_set(err, EINVAL, "field '%s%s%s' must be %s", ctx ? ctx : "",
			     ctx ? "." : "", key, what);
}

static bool present(struct jscan_val v)
{
	enum jscan_type t = jscan_type(v);

	return t != JSCAN_ABSENT && t != JSCAN_NULL;
}

/* 1 when v is present with type t (JSCAN_TRUE: a boolean), 0 when absent, or
 * the error. */
static int want(struct jscan_val v, enum jscan_type t, const char *key, const struct at *a,
		bool required, struct plumb_err *err)
{
	enum jscan_type vt = jscan_type(v);

	if (!present(v))
		return missing(key, a, required, err);
	if (t == JSCAN_TRUE ? vt != JSCAN_TRUE && vt != JSCAN_FALSE : vt != t)
		return wrong(key, a,
			     t == JSCAN_STRING	 ? "a string"
			     : t == JSCAN_OBJECT ? "an object"
			     : t == JSCAN_ARRAY	 ? "an array"
						 : "true or false",
			     err);
	return 1;
}

/* A string member into buf; -ENOSPC (no message) when it does not fit. */
static int get_str(struct jscan_val v, const char *key, const struct at *a, bool required,
		   char *buf, size_t size, struct plumb_err *err)
{
	int r = want(v, JSCAN_STRING, key, a, required, err);

	if (r <= 0)
		return r;
	return jscan_string(v, buf, size, NULL) < 0 ? -ENOSPC : 1;
}

/* A string member that goes into a model field of size bytes (the default is
 * already there). */
static int get_copy(struct jscan_val v, const char *key, const struct at *a, bool required,
		    char *dst, size_t size, const char *field, struct plumb_err *err)
{
	int r = get_str(v, key, a, required, dst, size, err);

	if (r == -ENOSPC)
		return plumb_err_set(err, EINVAL, "field '%s' is longer than %zu characters", field,
				     size - 1);
	return r;
}

/* A string member compared against a few words (a protocol, a type): one too
 * long for buf keeps what fits, which matches none of them. */
static int get_word(struct jscan_val v, const char *key, const struct at *a, char *buf,
		    size_t size, struct plumb_err *err)
{
	int r = get_str(v, key, a, false, buf, size, err);

	return r == -ENOSPC ? 1 : r;
}

/* A string value for a message, whole as far as a message holds it. */
static const char *full(struct jscan_val v, char buf[PLUMB_ERR_MSG_MAX])
{
	jscan_string(v, buf, PLUMB_ERR_MSG_MAX, NULL);
	return buf;
}

static int get_int(struct jscan_val v, const char *key, const struct at *a, bool required,
		   int64_t min, int64_t max, int64_t *out, struct plumb_err *err)
{
	char b[64];
	const char *ctx;
	int64_t i;

	if (!present(v))
		return missing(key, a, required, err);
	if (jscan_int(v, &i) < 0)
		return wrong(key, a, "an integer", err);
	if (i < min || i > max) {
		ctx = at_str(a, b, sizeof(b));
		return plumb_err_set(err, EINVAL, "field '%s%s%s' is %lld, not within %lld..%lld",
				     ctx ? ctx : "", ctx ? "." : "", key, (long long)i,
				     (long long)min, (long long)max);
	}
	*out = i;
	return 0;
}

static int parse_proto(struct jscan_val v, const struct at *a, uint8_t *out, struct plumb_err *err)
{
	char p[64] = "TCP", b[64], m[PLUMB_ERR_MSG_MAX];
	int r = get_word(v, "protocol", a, p, sizeof(p), err);

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
				     at_str(a, b, sizeof(b)), full(v, m));
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

enum { M_NAME, M_NAMESPACE, M_LABELS, M__N };
static const char *const META_KEYS[M__N] = {"name", "namespace", "labels"};

static int parse_meta(struct jscan_val meta, char *ns, char *name, struct jscan_val *labels,
		      struct plumb_err *err)
{
	static const struct at m = {"metadata"};
	struct jscan_val f[M__N];
	int r;

	if ((r = want(meta, JSCAN_OBJECT, "metadata", &(struct at){NULL}, true, err)) < 0)
		return r;
	jscan_pick(meta, META_KEYS, M__N, f);
	if ((r = get_copy(f[M_NAME], "name", &m, true, name, 64, "metadata.name", err)) < 0 ||
	    (r = get_copy(f[M_NAMESPACE], "namespace", &m, false, ns, 64, "metadata.namespace",
			  err)) < 0)
		return r;
	if (!r)
		strcpy(ns, "default");
	if (!labels)
		return 0;
	*labels = f[M_LABELS];
	return want(*labels, JSCAN_OBJECT, "labels", &m, false, err);
}

enum { P_NAME, P_PROTOCOL, P_PORT, P_NODEPORT, P_TARGETPORT, P__N };
static const char *const PORT_KEYS[P__N] = {"name", "protocol", "port", "nodePort", "targetPort"};

/* What a Service's port and an EndpointSlice's port share: p is the port
 * (an object), f its members; name, protocol and port into the out-params. */
static int parse_port_common(struct jscan_val p, const struct jscan_val *f, const struct at *a,
			     char (*name)[16], uint8_t *proto, uint16_t *port,
			     struct plumb_err *err)
{
	int64_t v = 0;
	char b[64];
	int r;

	if (jscan_type(p) != JSCAN_OBJECT)
		return plumb_err_set(err, EINVAL, "field '%s' must be an object",
				     at_str(a, b, sizeof(b)));
	if ((r = get_copy(f[P_NAME], "name", a, false, *name, sizeof(*name), "name", err)) < 0 ||
	    (r = parse_proto(f[P_PROTOCOL], a, proto, err)) < 0 ||
	    (r = get_int(f[P_PORT], "port", a, true, 1, 65535, &v, err)) < 0)
		return r;
	*port = (uint16_t)v;
	return 0;
}

/* p is the port, f its members. */
static int parse_service_port(struct jscan_val p, const struct jscan_val *f, const struct at *a,
			      struct svc_port *sp, struct plumb_err *err)
{
	int64_t v = 0;
	int r;

	if ((r = parse_port_common(p, f, a, &sp->name, &sp->proto, &sp->port, err)) < 0)
		return r;
	if ((r = get_int(f[P_NODEPORT], "nodePort", a, false, 0, 65535, &v, err)) < 0)
		return r;
	sp->node_port = (uint16_t)v;
	if (jscan_type(f[P_TARGETPORT]) == JSCAN_STRING) {
		r = get_copy(f[P_TARGETPORT], "targetPort", a, false, sp->target_name,
			     sizeof(sp->target_name), "targetPort", err);
		return r < 0 ? r : 0;
	}
	v = 0;
	if ((r = get_int(f[P_TARGETPORT], "targetPort", a, false, 1, 65535, &v, err)) < 0)
		return r;
	sp->target = (uint16_t)v;
	return 0;
}

enum { S_TYPE, S_CLUSTERIP, S_CLUSTERIPS, S_AFFINITY, S_AFFINITYCFG, S_PORTS, S__N };
static const char *const SPEC_KEYS[S__N] = {"type",	       "clusterIP",
					    "clusterIPs",      "sessionAffinity",
					    "sessionAffinityConfig", "ports"};

static int parse_service_ip(const struct jscan_val *f, struct svc_service *svc,
			    struct plumb_err *err)
{
	static const struct at spec = {"spec"};
	char ip[PLUMB_ERR_MSG_MAX], s[PLUMB_ERR_MSG_MAX]; /* ip is read only when rip is 1 */
	struct jscan_iter it;
	struct jscan_val v;
	int rip, r;

	if ((rip = get_word(f[S_CLUSTERIP], "clusterIP", &spec, ip, sizeof(ip), err)) < 0)
		return rip;
	if ((r = want(f[S_CLUSTERIPS], JSCAN_ARRAY, "clusterIPs", &spec, false, err)) < 0)
		return r;
	if (rip && (!strcmp(ip, "None") || !*ip))
		return 0; /* headless: nothing to map */
	if (rip && strchr(ip, '.'))
		return parse_ipv4(ip, "spec.clusterIP", &svc->cluster_ip, err);
	it = jscan_iter(f[S_CLUSTERIPS]);
	while (jscan_next(&it, &v)) {
		r = jscan_string(v, s, sizeof(s), NULL);
		if (r != -EINVAL && strchr(s, '.'))
			return parse_ipv4(s, "spec.clusterIPs", &svc->cluster_ip, err);
	}
	return 0; /* IPv6-only: not mapped by this IPv4 layout */
}

static int parse_affinity(const struct jscan_val *f, struct svc_service *svc,
			  struct plumb_err *err)
{
	static const struct at spec = {"spec"}, cfg_at = {"spec.sessionAffinityConfig"},
			       cip_at = {"spec.sessionAffinityConfig.clientIP"};
	static const char *const CFG_KEYS[] = {"clientIP"}, *const CIP_KEYS[] = {"timeoutSeconds"};
	struct jscan_val cip, timeout;
	char aff[64] = "None", m[PLUMB_ERR_MSG_MAX];
	int64_t t = 10800; /* Kubernetes' default */
	int r;

	if ((r = get_word(f[S_AFFINITY], "sessionAffinity", &spec, aff, sizeof(aff), err)) < 0)
		return r;
	if (!strcmp(aff, "None"))
		return 0;
	if (strcmp(aff, "ClientIP"))
		return plumb_err_set(err, EINVAL,
				     "field 'spec.sessionAffinity' must be None or ClientIP, not '%s'",
				     full(f[S_AFFINITY], m));
	if ((r = want(f[S_AFFINITYCFG], JSCAN_OBJECT, "sessionAffinityConfig", &spec, false, err)) <
	    0)
		return r;
	jscan_pick(f[S_AFFINITYCFG], CFG_KEYS, 1, &cip);
	if ((r = want(cip, JSCAN_OBJECT, "clientIP", &cfg_at, false, err)) < 0)
		return r;
	jscan_pick(cip, CIP_KEYS, 1, &timeout);
	if ((r = get_int(timeout, "timeoutSeconds", &cip_at, false, 1, 86400, &t, err)) < 0)
		return r;
	svc->affinity = (uint32_t)t;
	return 0;
}

enum { O_KIND, O_METADATA, O_SPEC, O_ADDRESSTYPE, O_PORTS, O_ENDPOINTS, O__N };
static const char *const OBJ_KEYS[O__N] = {"kind",	  "metadata", "spec",
					   "addressType", "ports",    "endpoints"};

static int parse_service(const struct jscan_val *o, struct svc_object *obj,
			 struct plumb_err *err)
{
	static const struct at top = {NULL}, spec_at = {"spec"};
	struct svc_service *svc = &obj->svc;
	struct jscan_val f[S__N], p, pf[P__N];
	struct jscan_iter it;
	char type[64] = "ClusterIP", m[PLUMB_ERR_MSG_MAX];
	struct at pa = {"spec.ports", 0, true};
	int r;

	obj->kind = SVC_KIND_SERVICE;
	if ((r = parse_meta(o[O_METADATA], svc->ns, svc->name, NULL, err)) < 0 ||
	    (r = want(o[O_SPEC], JSCAN_OBJECT, "spec", &top, true, err)) < 0)
		return r;
	jscan_pick(o[O_SPEC], SPEC_KEYS, S__N, f);
	if ((r = get_word(f[S_TYPE], "type", &spec_at, type, sizeof(type), err)) < 0)
		return r;
	if (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer"))
		svc->node_ports = true;
	else if (!strcmp(type, "ExternalName"))
		return 0; /* DNS only */
	else if (strcmp(type, "ClusterIP"))
		return plumb_err_set(err, EINVAL, "field 'spec.type' has an unknown value '%s'",
				     full(f[S_TYPE], m));
	if ((r = parse_service_ip(f, svc, err)) < 0 || (r = parse_affinity(f, svc, err)) < 0 ||
	    (r = want(f[S_PORTS], JSCAN_ARRAY, "ports", &spec_at, false, err)) < 0)
		return r;
	if (jscan_count(f[S_PORTS]) > SVC_MAX_PORTS)
		return plumb_err_set(err, EINVAL, "field 'spec.ports' has more than %zu ports",
				     SVC_MAX_PORTS);
	it = jscan_iter(f[S_PORTS]);
	for (size_t i = 0; jscan_next_pick(&it, &p, PORT_KEYS, P__N, pf); i++) {
		char b[64];

		pa.idx = i;
		memset(&svc->ports[i], 0, sizeof(svc->ports[i]));
		if ((r = parse_service_port(p, pf, &pa, &svc->ports[i], err)) < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(svc->ports[j].name, svc->ports[i].name))
				return plumb_err_set(err, EINVAL,
						     "field '%s.name': port name '%s' is used twice",
						     at_str(&pa, b, sizeof(b)), svc->ports[i].name);
		svc->nports++;
	}
	return 0;
}

/* Doubling: a slice holds up to 1000 endpoints (Kubernetes' limit is 1000). */
static int eps_grow(struct svc_slice *sl, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	struct svc_slice_ep *nv;

	if (sl->neps < *cap)
		return 0;
	nv = realloc(sl->eps, ncap * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	sl->eps = nv;
	*cap = ncap;
	return 0;
}

static int address_err(const struct at *a, size_t i, const char *what, const char *value,
		       struct plumb_err *err)
{
	char b[64];

	return plumb_err_set(err, EINVAL, "field '%s.addresses[%zu]' %s%s%s%s",
			     at_str(a, b, sizeof(b)), i, what, value ? ": '" : "", value ? value : "",
			     value ? "'" : "");
}

enum { E_ADDRESSES, E_CONDITIONS, E__N };
static const char *const EP_KEYS[E__N] = {"addresses", "conditions"};

/* ep is the endpoint, f its members. */
static int parse_slice_endpoint(struct jscan_val ep, const struct jscan_val *f, const struct at *a,
				struct svc_slice *sl, size_t *cap, struct plumb_err *err)
{
	static const char *const COND_KEYS[] = {"ready"};
	static const struct at cond_at = {"conditions"};
	struct jscan_val ready_v, v;
	struct jscan_iter it;
	bool ready = true; /* absent means ready (Kubernetes API) */
	char s[64], b[64], m[PLUMB_ERR_MSG_MAX];
	int r;

	if (jscan_type(ep) != JSCAN_OBJECT)
		return plumb_err_set(err, EINVAL, "field '%s' must be an object",
				     at_str(a, b, sizeof(b)));
	if ((r = want(f[E_ADDRESSES], JSCAN_ARRAY, "addresses", a, true, err)) < 0 ||
	    (r = want(f[E_CONDITIONS], JSCAN_OBJECT, "conditions", a, false, err)) < 0)
		return r;
	jscan_pick(f[E_CONDITIONS], COND_KEYS, 1, &ready_v);
	if ((r = want(ready_v, JSCAN_TRUE, "ready", &cond_at, false, err)) < 0)
		return r;
	if (r)
		jscan_bool(ready_v, &ready);
	it = jscan_iter(f[E_ADDRESSES]);
	for (size_t i = 0; jscan_next(&it, &v); i++) {
		r = jscan_string(v, s, sizeof(s), NULL);
		if (r == -EINVAL)
			return address_err(a, i, "must be a string", NULL, err);
		if (eps_grow(sl, cap) < 0)
			return -ENOMEM;
		if (r == -ENOSPC || inet_pton(AF_INET, s, &sl->eps[sl->neps].addr) != 1)
			return address_err(a, i, "is not an IPv4 address", full(v, m), err);
		sl->eps[sl->neps++].ready = ready;
	}
	return 0;
}


static int parse_slice(const struct jscan_val *o, struct svc_object *obj, struct plumb_err *err)
{
	static const char *const LABEL_KEYS[] = {"kubernetes.io/service-name"};
	static const struct at top = {NULL}, labels_at = {"metadata.labels"};
	struct svc_slice *sl = &obj->slice;
	struct jscan_val labels, svcname, v, f[P__N];
	struct jscan_iter it;
	struct at pa = {"ports", 0, true}, ea = {"endpoints", 0, true};
	char at[64] = "IPv4";
	size_t cap = 0;
	int r;

	obj->kind = SVC_KIND_SLICE;
	if ((r = parse_meta(o[O_METADATA], sl->ns, sl->name, &labels, err)) < 0)
		return r;
	jscan_pick(labels, LABEL_KEYS, 1, &svcname);
	if ((r = get_copy(svcname, "kubernetes.io/service-name", &labels_at, true, sl->service,
			  sizeof(sl->service), "metadata.labels.kubernetes.io/service-name", err)) <
		    0 ||
	    (r = get_word(o[O_ADDRESSTYPE], "addressType", &top, at, sizeof(at), err)) < 0)
		return r;
	if (strcmp(at, "IPv4"))
		return 0; /* IPv6/FQDN slices: not mapped by this IPv4 layout */
	if ((r = want(o[O_PORTS], JSCAN_ARRAY, "ports", &top, false, err)) < 0 ||
	    (r = want(o[O_ENDPOINTS], JSCAN_ARRAY, "endpoints", &top, false, err)) < 0)
		return r;
	if (jscan_count(o[O_PORTS]) > SVC_MAX_PORTS)
		return plumb_err_set(err, EINVAL, "field 'ports' has more than %zu ports",
				     SVC_MAX_PORTS);
	it = jscan_iter(o[O_PORTS]);
	for (; jscan_next_pick(&it, &v, PORT_KEYS, P_PORT + 1, f); pa.idx++) {
		struct svc_slice_port *sp = &sl->ports[sl->nports];

		memset(sp, 0, sizeof(*sp));
		if ((r = parse_port_common(v, f, &pa, &sp->name, &sp->proto, &sp->port, err)) < 0)
			return r;
		sl->nports++;
	}
	it = jscan_iter(o[O_ENDPOINTS]);
	for (; jscan_next_pick(&it, &v, EP_KEYS, E__N, f); ea.idx++)
		if ((r = parse_slice_endpoint(v, f, &ea, sl, &cap, err)) < 0)
			return r;
	return 0;
}

/* "Service 'ns/name'" for messages, as far as the object tells. */
static void describe(struct jscan_val meta, const char *kind, size_t idx, char *buf, size_t len)
{
	struct jscan_val f[M__N];
	char name[200], ns[200] = "default";

	jscan_pick(meta, META_KEYS, 2, f);
	jscan_string(f[M_NAMESPACE], ns, sizeof(ns), NULL);
	if (jscan_string(f[M_NAME], name, sizeof(name), NULL) != -EINVAL)
		snprintf(buf, len, "%s '%s/%s'", kind, ns, name);
	else
		snprintf(buf, len, "%s #%zu (no metadata.name)", kind, idx + 1);
}

/* f: the object's members (OBJ_KEYS). */
static int parse_one(const struct jscan_val *f, size_t idx, const char *origin,
		     struct svc_objects *objs, struct svc_names *problems)
{
	struct svc_object obj_, *obj = &obj_;
	union { /* the object's ports until svc_objects_add copies them */
		struct svc_port svc[SVC_MAX_PORTS];
		struct svc_slice_port slice[SVC_MAX_PORTS];
	} ports;
	struct plumb_err err = {0};
	char kind[16], what[200], msg[PLUMB_ERR_MSG_MAX + 400];
	bool service;
	int r;

	if (jscan_string(f[O_KIND], kind, sizeof(kind), NULL) < 0)
		return 0; /* no kind, or none of ours */
	service = !strcmp(kind, "Service");
	if (!service && strcmp(kind, "EndpointSlice"))
		return 0; /* other kinds (Endpoints, Pods, ...) are not ours */
	memset(obj, 0, sizeof(*obj));
	if (service)
		obj->svc.ports = ports.svc;
	else
		obj->slice.ports = ports.slice;
	r = service ? parse_service(f, obj, &err) : parse_slice(f, obj, &err);
	if (r >= 0) {
		r = svc_objects_add(objs, obj);
	} else if (r != -ENOMEM) {
		describe(f[O_METADATA], kind, idx, what, sizeof(what));
		snprintf(msg, sizeof(msg), "%s%s%s: %s", origin ? origin : "", origin ? ": " : "",
			 what, plumb_err_msg(&err, r));
		r = svc_names_add(problems, msg) < 0 ? -ENOMEM : 0;
	}
	if (obj->kind == SVC_KIND_SLICE)
		free(obj->slice.eps); /* NULL once svc_objects_add took it */
	return r;
}

/* Does the string value end in "List"? (kubectl's kinds: List, ServiceList...) */
static bool is_list_kind(struct jscan_val kind)
{
	char k[256];
	size_t n;

	return jscan_string(kind, k, sizeof(k), &n) == 0 && n >= 4 && !strcmp(k + n - 4, "List");
}

int svc_reader_parse(const char *text, size_t len, const char *origin, struct svc_objects *objs,
		     struct svc_names *problems, struct plumb_err *err)
{
	static const char *const ROOT_KEYS[] = {"kind", "items"};
	struct jscan_val root, f[O__N], items = {NULL}, o;
	struct jscan_iter it;
	int r;

	if ((r = jscan_parse(text, len, &root, err)) < 0)
		return origin ? plumb_err_wrap(err, r, "%s", origin) : r;
	jscan_pick(root, ROOT_KEYS, 2, f);
	if (jscan_type(root) == JSCAN_ARRAY)
		items = root;
	else if (is_list_kind(f[0]))
		items = f[1];
	if (jscan_type(items) == JSCAN_ABSENT) {
		jscan_pick(root, OBJ_KEYS, O__N, f);
		return parse_one(f, 0, origin, objs, problems);
	}
	if (jscan_type(items) != JSCAN_ARRAY)
		return plumb_err_set(err, EINVAL, "%s%sfield 'items' must be an array",
				     origin ? origin : "", origin ? ": " : "");
	it = jscan_iter(items);
	for (size_t i = 0; jscan_next_pick(&it, &o, OBJ_KEYS, O__N, f); i++)
		if ((r = parse_one(f, i, origin, objs, problems)) < 0)
			return r;
	return 0;
}
