/* SPDX-License-Identifier: MIT */
/*
 * dns/dns.h — the DNS core of plumb-dns: wire format, the registry of names,
 * the compiled per-network zone, and answering a query from it.
 *
 * Owns: no kernel object at all. Pure functions over caller-owned buffers; the
 * daemon (dns/plumb-dns) owns sockets, namespaces and the state file.
 * Never touches: the network, files, namespaces. Never prints or allocates on
 * the query path (dns_answer is allocation-free).
 *
 * Names on the wire are kept in "wire form": length-prefixed labels ending in a
 * zero octet, lower-cased, never compressed (the parser expands pointers).
 */
#ifndef PLUMB_DNS_H
#define PLUMB_DNS_H

#include "common/cidr.h"
#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN 12
#define DNS_NAME_MAX 255  /* wire form, terminal zero included */
#define DNS_LABEL_MAX 63
#define DNS_LABELS_MAX 128
#define DNS_UDP_MIN 512	  /* RFC 1035 size without EDNS0 */
#define DNS_UDP_MAX 4096  /* we never answer more than this over UDP */
#define DNS_TCP_MAX 65535

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_OPT = 41,
	DNS_T_ANY = 255,
};

enum dns_rcode {
	DNS_R_NOERROR = 0,
	DNS_R_FORMERR = 1,
	DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4,
	DNS_R_REFUSED = 5,
	DNS_R_BADVERS = 16, /* extended: needs an OPT record */
};

/* Header flag bits (host order of the 16-bit flags word). */
#define DNS_F_QR 0x8000
#define DNS_F_AA 0x0400
#define DNS_F_TC 0x0200
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080
#define DNS_F_OPCODE(f) (((f) >> 11) & 0xf)
#define DNS_F_RCODE(f) ((f) & 0xf)

struct dns_header {
	uint16_t id, flags, qdcount, ancount, nscount, arcount;
};

/* ---------------------------------------------------------------- wire ---- */

/* Read the header at pkt (len >= 12, else -EBADMSG). */
int dns_header_read(const uint8_t *pkt, size_t len, struct dns_header *h);
void dns_header_write(uint8_t *pkt, const struct dns_header *h);

/* Read the (possibly compressed) name at *off into out (wire form, at most
 * DNS_NAME_MAX bytes, lower-cased when lower). On success *off points past the
 * name in the packet and the wire length is returned. -EBADMSG for a name that
 * runs past len, a label over 63 octets, a name over 255, a reserved label type,
 * or a compression pointer that does not point strictly backwards (which is
 * what makes loops impossible). */
int dns_name_read(const uint8_t *pkt, size_t len, size_t *off, uint8_t *out, bool lower);

/* "web.dns.podman" or "web.dns.podman." -> wire form, lower-cased. Returns the
 * wire length or -EINVAL (empty label, label > 63, name > 255). "" and "."
 * give the root name. */
int dns_name_from_text(const char *text, uint8_t *out);
/* Wire form -> dotted text without the trailing dot ("" for the root).
 * buf must hold DNS_NAME_MAX + 1 bytes. Returns the text length. */
int dns_name_to_text(const uint8_t *wire, char *buf, size_t len);
/* Offsets of each label in a wire name; returns the label count. */
int dns_name_labels(const uint8_t *wire, uint8_t *offs);

/* A resource record as parsed: name in wire form, rdata points into the packet. */
struct dns_rr {
	uint8_t name[DNS_NAME_MAX];
	uint16_t type, class;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata;
	size_t rdata_off;
};

/* Read the record at *off (the section walker for responses and for the
 * additional section of queries). -EBADMSG on any overrun. */
int dns_rr_read(const uint8_t *pkt, size_t len, size_t *off, struct dns_rr *rr);

/* A parsed query: what dns_answer and the forwarder need. */
struct dns_query {
	struct dns_header hdr;
	uint8_t qname[DNS_NAME_MAX]; /* lower-cased wire form */
	int qname_len;
	uint16_t qtype, qclass;
	size_t question_end;	     /* offset right after the question */
	bool edns;		     /* an OPT record was present */
	uint8_t edns_version;
	bool edns_do;
	uint16_t udp_size;	     /* the client's size, clamped to [512, 4096] */
};

/* Parse a query: exactly one question; answer/authority/additional counts are
 * walked (a count that lies is -EBADMSG), at most one OPT, only in additional
 * and with the root name. Returns 0, -EBADMSG (malformed: FORMERR material),
 * or -EPROTO (not a query: QR set or the header is cut; drop it). */
int dns_query_parse(const uint8_t *pkt, size_t len, struct dns_query *q);

/* A message builder over a caller-owned buffer. Building stops (and `full` is
 * set) as soon as something does not fit in `limit`; what was written stays
 * a well-formed message. Names are compressed against earlier names. */
#define DNS_COMP_MAX 32
struct dns_builder {
	uint8_t *buf;
	size_t cap, len, limit;
	bool full;
	uint16_t ncomp;
	uint16_t comp[DNS_COMP_MAX]; /* offsets of uncompressed names written */
};

void dns_builder_init(struct dns_builder *b, uint8_t *buf, size_t cap, size_t limit);
/* Header (12 bytes); counts are patched with dns_builder_count(). */
int dns_builder_header(struct dns_builder *b, const struct dns_header *h);
int dns_builder_name(struct dns_builder *b, const uint8_t *wire);
int dns_builder_question(struct dns_builder *b, const uint8_t *wire, uint16_t type, uint16_t class);
/* A record with owner `wire` (NULL: a pointer to the question name at 12). */
int dns_builder_rr(struct dns_builder *b, const uint8_t *wire, uint16_t type, uint16_t class,
		   uint32_t ttl, const void *rdata, uint16_t rdlen);
/* A record whose rdata is a (compressible) name: PTR, CNAME, NS. */
int dns_builder_rr_name(struct dns_builder *b, const uint8_t *owner, uint16_t type, uint32_t ttl,
			const uint8_t *target);
int dns_builder_rr_srv(struct dns_builder *b, const uint8_t *owner, uint32_t ttl, uint16_t prio,
		       uint16_t weight, uint16_t port, const uint8_t *target);
/* OPT pseudo-record: our UDP size, extended rcode bits, DO. */
int dns_builder_opt(struct dns_builder *b, uint16_t udp_size, uint8_t ext_rcode, bool dobit);
/* Set the four section counts in the header. */
void dns_builder_count(struct dns_builder *b, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar);

/* ------------------------------------------------------------ registry ---- */

/* What the daemon is told: containers (and services) on networks. The registry
 * is the persisted truth; the zone below is compiled from it. */
#define DNS_NAME_TEXT_MAX 254

enum dns_reg_kind {
	DNS_REG_CONTAINER = 0,
	DNS_REG_SERVICE = 1, /* a Kubernetes-style service from plumb-svc */
};

struct dns_port {
	char name[64];	   /* "http" -> _http._tcp.<svc>... */
	char proto[8];	   /* "tcp" / "udp" / "sctp" */
	uint16_t port;
};

struct dns_reg {
	enum dns_reg_kind kind;
	char *network;
	char *id;
	char *name;		 /* container name, or the service's name */
	char **aliases;
	size_t naliases;
	struct plumb_ip *addrs;	 /* container addresses; service ClusterIPs, or
				    the endpoints when headless */
	size_t naddrs;
	char *netns;		 /* where to make 127.0.0.11, or NULL */
	/* services only */
	char *svc_namespace;
	char *cluster_domain;	 /* "cluster.local" when unset */
	bool headless;
	struct dns_port *ports;
	size_t nports;
};

struct dns_netconf {
	char *name;
	char *domain;		 /* "dns.podman", or NULL */
	struct plumb_ip listen[4]; /* gateway addresses to listen on */
	size_t nlisten;
	struct plumb_cidr subnets[4]; /* clients allowed on those listeners */
	size_t nsubnets;
};

/* Registrations are kept packed (see registry.c): one byte blob holds every
 * registration back to back (NUL-terminated strings, 64-hex-digit ids as 32
 * bytes, network names as an index into `netnames`), so 100,000 containers
 * cost a few MB rather than a dozen allocations each. Read them back with
 * dns_registry_get(). */
#define DNS_REG_ALIASES_MAX 255
#define DNS_REG_ADDRS_MAX 1024
#define DNS_REG_PORTS_MAX 64
#define DNS_REG_ID_MAX 256

struct dns_registry {
	uint8_t *blob;
	size_t blob_len, blob_cap;
	size_t blob_dead;	 /* bytes of replaced/removed registrations */
	uint32_t *recs;		 /* blob offset of each registration, in order */
	size_t nregs, capregs;
	uint32_t *index;	 /* (network, id) -> recs index + 1; open addressing */
	size_t index_size;	 /* slots (any size), or 0 */
	char **netnames;	 /* interned network names (records hold the index) */
	size_t nnetnames, capnetnames;
	struct dns_netconf *nets;
	size_t nnets, capnets;
};

/* One registration unpacked: r's strings point into the registry (valid
 * until its next change) or into this buffer. */
struct dns_reg_buf {
	struct dns_reg r;
	char id[DNS_REG_ID_MAX + 1];
	char *aliases[DNS_REG_ALIASES_MAX];
	struct plumb_ip addrs[DNS_REG_ADDRS_MAX];
	struct dns_port ports[DNS_REG_PORTS_MAX];
};

/* Check a registration's fields; the message names the bad one. */
int dns_reg_validate(const struct dns_reg *r, struct plumb_err *err);
/* Deep copy in; replaces an entry with the same (network, id). */
int dns_registry_put(struct dns_registry *reg, const struct dns_reg *r, struct plumb_err *err);
/* Remove (network, id); network NULL removes id from every network. Returns
 * the number removed. */
int dns_registry_del(struct dns_registry *reg, const char *network, const char *id);
/* Create or update a network's settings (NULL fields keep the old value). */
int dns_registry_net_put(struct dns_registry *reg, const struct dns_netconf *n,
			 struct plumb_err *err);
const struct dns_netconf *dns_registry_net_find(const struct dns_registry *reg, const char *name);
/* Registration i (0 <= i < reg->nregs, in registration order). */
void dns_registry_get(const struct dns_registry *reg, size_t i, struct dns_reg_buf *buf);
/* Just its network name, or its netns path (NULL if none): no unpacking. */
const char *dns_registry_network(const struct dns_registry *reg, size_t i);
const char *dns_registry_netns(const struct dns_registry *reg, size_t i);
void dns_reg_free(struct dns_reg *r);
void dns_netconf_free(struct dns_netconf *n);
void dns_registry_free(struct dns_registry *reg);

/* ---------------------------------------------------------------- zone ---- */

/* The compiled, read-mostly form of a registry: hash tables over wire names,
 * addresses in flat arrays. Built whole on every change (changes are rare,
 * queries are not); only rotation counters change while serving. */
struct dns_zone;

struct dns_zone_opts {
	uint32_t ttl; /* of local answers */
};

int dns_zone_build(const struct dns_registry *reg, const struct dns_zone_opts *opts,
		   struct dns_zone **out, struct plumb_err *err);
void dns_zone_free(struct dns_zone *z);
/* Keep where each name's rotation stood in old (NULL: nothing), so a rebuild
 * (a container coming or going) does not send every client back to the
 * first address. */
void dns_zone_carry_rotation(struct dns_zone *z, const struct dns_zone *old);
/* Index of a network in the zone, or -ENOENT. */
int dns_zone_net_index(const struct dns_zone *z, const char *network);
size_t dns_zone_names(const struct dns_zone *z);

/* -------------------------------------------------------------- answer ---- */

enum dns_verdict {
	DNS_DROP = 0,	 /* send nothing */
	DNS_REPLY = 1,	 /* out holds the answer */
	DNS_FORWARD = 2, /* not ours: q is filled, forward the query as is */
};

/* Answer one query packet for a client that sees the networks nets[0..nnets)
 * (zone indexes). tcp selects the size limit (65535, else the client's EDNS0
 * size or 512; TC is set when the answer does not fit). Allocation-free.
 * Rotates the order of multi-address answers on every call. */
enum dns_verdict dns_answer(struct dns_zone *z, const int *nets, size_t nnets, const uint8_t *pkt,
			    size_t len, bool tcp, struct dns_query *q, uint8_t *out, size_t outcap,
			    size_t *outlen);

/* Build a reply carrying only the question (if q parsed) and an rcode: used
 * for SERVFAIL when every upstream failed, REFUSED, and TC-only answers.
 * Returns the length. */
size_t dns_reply_rcode(const struct dns_query *q, const uint8_t *pkt, int rcode, uint16_t extra_flags,
		       uint8_t *out, size_t outcap);

/* ----------------------------------------------------------- control ---- */

/* Send one JSON line to the daemon's control socket and read one line back
 * (*reply malloc'd, without the newline). Plain strings: JSON is the
 * caller's business. -ECONNREFUSED / -ENOENT when no daemon listens. */
int dns_ctl_request(const char *sock_path, const char *line, char **reply, int timeout_ms,
		    struct plumb_err *err);

#define DNS_CTL_SOCK_DEFAULT "/run/plumb/dns.sock"
#define DNS_STATE_DEFAULT "/var/lib/plumb/dns/state.json"
#define DNS_LOCK_DEFAULT "/run/plumb/dns.lock"

/* Make sure a plumb-dns serves sock_path: if none answers, take lock_path
 * (flock, so two concurrent callers start one daemon), check again, then run
 * `binary --daemon --control SOCK [extra args]` and wait for it to be ready.
 * Returns 1 when it started one, 0 when one was running, or -errno. */
int dns_daemon_ensure(const char *binary, const char *sock_path, const char *lock_path,
		      char *const *extra_args, struct plumb_err *err);

#endif
