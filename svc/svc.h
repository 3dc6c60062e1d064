/* SPDX-License-Identifier: MIT */
/*
 * svc/svc.h — the Service mapper's desired-state model and its diff engine.
 *
 * Owns: nothing in the kernel directly. It turns Kubernetes-shaped Service and
 * EndpointSlice objects (plain structs; JSON is read by svc/reader.c at the edge)
 * into frontends — one per (protocol, cluster IP, port) — and diffs desired
 * against programmed frontends into element changes for nat/service.h, which
 * owns the Service layout inside `table inet plumb`.
 * Never touches: other tables, links, addresses, routes.
 * Namespace: none of its own; the caller's nat/service socket decides.
 *
 * Identity: a frontend is (proto, cluster IP, port). Its kernel id is
 * serial << 12 | affinity class << 6 | (N - 1), so an endpoint-count change moves
 * the frontend to a new id with element changes only (see nat/service.h).
 */
#ifndef PLUMB_SVC_H
#define PLUMB_SVC_H

#include "common/err.h"
#include "nat/service.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVC_NAME_MAX 160 /* "namespace/service:portname" (63 + 1 + 63 + 1 + 15, rounded) */
#define SVC_KEY_MAX 200	 /* a source key: a file name or an etcd key */

/* A list of unique strings (service names, messages). */
struct svc_names {
	size_t n, cap;
	char **v;
	void *seen; /* private index */
};

/* Append s unless it is there already: 1 added, 0 present, -ENOMEM. */
int svc_names_add(struct svc_names *nm, const char *s);
void svc_names_free(struct svc_names *nm);

/* ---- objects, as read from Kubernetes-shaped JSON ---- */

#define SVC_MAX_PORTS ((size_t)32) /* per Service or EndpointSlice */

struct svc_port {
	char name[16];	 /* port name, "" for a single unnamed port */
	uint8_t proto;	 /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	uint16_t port;	 /* service port */
	uint16_t target; /* numeric targetPort, 0 when named or absent */
	char target_name[16];
	uint16_t node_port; /* 0 = none */
};

struct svc_service {
	char ns[64], name[64];
	uint32_t cluster_ip; /* network order; 0 = headless/none (ignored) */
	bool node_ports;     /* type NodePort or LoadBalancer */
	uint32_t affinity;   /* ClientIP timeoutSeconds, 0 = no affinity */
	size_t nports;
	struct svc_port *ports; /* nports of them, at most SVC_MAX_PORTS */
};

struct svc_slice_port {
	char name[16];
	uint8_t proto;
	uint16_t port;
};

struct svc_slice_ep {
	uint32_t addr; /* network order */
	bool ready;
};

struct svc_slice {
	char ns[64], name[64], service[64]; /* service: the kubernetes.io/service-name label */
	size_t nports, neps;
	struct svc_slice_port *ports; /* nports of them, at most SVC_MAX_PORTS */
	struct svc_slice_ep *eps;
};

enum svc_kind { SVC_KIND_SERVICE, SVC_KIND_SLICE };

struct svc_object {
	enum svc_kind kind;
	union {
		struct svc_service svc;
		struct svc_slice slice;
	};
};

/* Objects read from one source (a file, an etcd key, a whole apply -f input).
 * The objects' ports and eps arrays belong to it. Ports are pointers rather
 * than arrays of SVC_MAX_PORTS so an object is ~230 bytes, not 1.4 KB: 20,000
 * of them were 29 MB to fault in (measured: 7,000 page faults, most of the
 * read time of a 10k-service List). */
struct svc_objects {
	size_t n, cap;
	struct svc_object *v;
};

void svc_objects_free(struct svc_objects *o);
/* Append a copy: the ports array is copied, the slice's eps array is taken
 * over (the caller's is set NULL). */
int svc_objects_add(struct svc_objects *o, struct svc_object *obj);

/* Read Kubernetes-shaped JSON: one object, a List (any kind ending in "List",
 * with items), or a JSON array. Service and EndpointSlice objects go to objs;
 * other kinds are ignored. A malformed object is skipped and a message naming
 * it, its kind and the field goes to problems ("origin: Service 'ns/a': field
 * 'spec.ports[0].port' ..."). Returns -EINVAL only when the text is not JSON. */
int svc_reader_parse(const char *text, size_t len, const char *origin, struct svc_objects *objs,
		     struct svc_names *problems, struct plumb_err *err);

/* ---- frontends: what is programmed ---- */

struct svc_backend {
	uint32_t addr; /* network order */
	uint16_t port; /* host order */
};

#define SVC_MAX_BACKENDS NAT_SVC_MAX_BACKENDS

struct svc_frontend {
	char name[SVC_NAME_MAX]; /* "ns/service:portname" */
	uint8_t proto;
	uint32_t vip; /* network order */
	uint16_t port;
	uint16_t node_port;
	uint32_t affinity; /* seconds, 0 = none */
	size_t n;	   /* ready backends, sorted and unique */
	size_t dropped;	   /* ready backends beyond SVC_MAX_BACKENDS, not programmed */
	struct svc_backend be[SVC_MAX_BACKENDS];
	/* kernel side, set by the diff engine (or read back from the kernel) */
	uint32_t serial;
	uint8_t tclass;
};

/* Frontends of one service ("ns/name"), built from its Service and slices. */
struct svc_group {
	char svc[130];
	size_t n;
	struct svc_frontend *fe; /* owned */
};

/* Build the frontends of service `svc` from its slices (any of which may be
 * NULL-terminated list entries). Endpoints without conditions.ready count as
 * ready, as Kubernetes says. Returns 0 or -ENOMEM; g is reset first. */
int svc_group_build(const struct svc_service *svc, const struct svc_slice *const *slices,
		    size_t nslices, struct svc_group *g);
void svc_group_free(struct svc_group *g);

/* ---- the store: objects by source, indexed by service ---- */

struct svc_store;

int svc_store_new(struct svc_store **ret);
void svc_store_free(struct svc_store *s);

/* Replace everything that came from `source` by objs (taken over; objs is left
 * empty). The names ("ns/name") of services whose objects changed are added to
 * touched. */
int svc_store_replace(struct svc_store *s, const char *source, struct svc_objects *objs,
		      struct svc_names *touched);
/* All sources currently in the store (borrowed strings, valid until the next
 * replace). */
int svc_store_sources(struct svc_store *s, const char ***ret, size_t *n);
/* Build the desired frontends of service "ns/name" (empty group if unknown). */
int svc_store_group(struct svc_store *s, const char *svc, struct svc_group *g);
/* Add every service name that has a Service or a slice. */
int svc_store_names(struct svc_store *s, struct svc_names *out);

/* ---- the diff engine ---- */

/* What is programmed: groups by service name, which serials and affinity
 * classes are in use, and a refcount per hairpin address. */
struct svc_programmed;

int svc_programmed_new(struct svc_programmed **ret);
void svc_programmed_free(struct svc_programmed *p);
/* Adopt a group read back from the kernel (serials and classes as found). */
int svc_programmed_adopt(struct svc_programmed *p, struct svc_group *g);
/* Adopt an affinity class read back from the kernel. */
int svc_programmed_adopt_class(struct svc_programmed *p, uint8_t tclass, uint32_t timeout);
/* Adopt a hairpin element read back (so stale ones can be deleted). */
int svc_programmed_adopt_hairpin(struct svc_programmed *p, uint32_t addr);
/* Add the names of all programmed groups. */
int svc_programmed_names(struct svc_programmed *p, struct svc_names *out);
/* Borrowed group by name, or NULL. */
const struct svc_group *svc_programmed_get(struct svc_programmed *p, const char *svc);

/* One planned change: the batch to send, and what to adopt if it commits. */
struct svc_plan;

/* Diff desired groups (their frontends taken over) against what p holds for
 * the same names, giving the element changes of one batch. A frontend whose
 * (proto, VIP, port) or NodePort another service already holds is left out and
 * a message naming both goes to problems. p is not changed until
 * svc_plan_commit. */
int svc_plan_make(struct svc_programmed *p, struct svc_group *desired, size_t n,
		  struct svc_plan **ret, struct svc_names *problems);
/* The batch (borrowed). */
const struct nat_svc_batch *svc_plan_batch(const struct svc_plan *plan);
/* The kernel took the batch: make it the programmed state. */
void svc_plan_commit(struct svc_programmed *p, struct svc_plan *plan);
/* Free a plan; serials it allocated go back unless it was committed. */
void svc_plan_free(struct svc_programmed *p, struct svc_plan *plan);

/* Adopt what the kernel holds (nat_svc_dump) into p: groups by the names in
 * the element comments, classes, hairpins. */
int svc_readback(const struct nat_svc_dump *d, struct svc_programmed *p);

/* ---- the engine: store + programmed state + the kernel ---- */

struct svc_engine;

struct svc_sync_stats {
	size_t services;       /* looked at */
	size_t added, deleted; /* elements */
};

/* Open table plumb's Service layout in the caller's namespace (bootstrapping
 * it if missing) and read back what it holds. */
int svc_engine_open(struct svc_engine **ret, struct plumb_err *err);
void svc_engine_free(struct svc_engine *e);
/* Forget the programmed state and read the kernel's again (SIGHUP). */
int svc_engine_reload(struct svc_engine *e, struct plumb_err *err);
struct svc_store *svc_engine_store(struct svc_engine *e);
struct svc_programmed *svc_engine_programmed(struct svc_engine *e);
/* Make the kernel match the store for the services named, in one batch.
 * Conflicts go to problems (and are left out); the rest is applied. */
int svc_engine_sync(struct svc_engine *e, const struct svc_names *names,
		    struct svc_names *problems, struct svc_sync_stats *st, struct plumb_err *err);
/* The same for every service in the store or in the kernel. */
int svc_engine_sync_all(struct svc_engine *e, struct svc_names *problems,
			struct svc_sync_stats *st, struct plumb_err *err);

#endif
