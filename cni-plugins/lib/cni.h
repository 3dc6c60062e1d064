/* SPDX-License-Identifier: MIT */
/*
 * cni-plugins/lib/cni.h — the CNI protocol core every plumb plugin is built on.
 *
 * Owns: the plugin side of the CNI contract (spec 0.3.0 .. 1.1.0): environment
 * variables, the config on stdin, prevResult, runtimeConfig capabilities, results
 * in the requested cniVersion, error objects with the spec's well-known codes,
 * and running a delegate (IPAM) plugin found on CNI_PATH.
 * Never touches: links, addresses or routes (plugins do that through bridge/ and
 * veth/). It does run the shared parts of plugins: host-local through ipam/ and
 * removing a plugin's nftables elements by attachment through nat/.
 * Namespace: none; it runs wherever the plugin runs (the runtime's namespace).
 *
 * This is the only place among the plugins that includes jansson: plugins read
 * their own keys through the cni_conf_get_* getters.
 */
#ifndef PLUMB_CNI_H
#define PLUMB_CNI_H

#include "common/cidr.h"
#include "common/err.h"

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Versions as numbers: major*10000 + minor*100 + patch. */
#define CNI_V030 300
#define CNI_V031 301
#define CNI_V040 400
#define CNI_V100 10000
#define CNI_V110 10100
#define CNI_VERSION_LATEST "1.1.0"
/* What VERSION answers, oldest first. */
extern const char *const cni_supported_versions[];

/* The spec's well-known error codes (and the reference's generic 999). */
enum cni_code {
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_TRY_AGAIN = 11,
	CNI_ERR_NOT_AVAILABLE = 50, /* STATUS: cannot serve ADDs */
	CNI_ERR_LIMITED = 51,	    /* STATUS: limited connectivity */
	CNI_ERR_GENERIC = 999,
};

enum cni_cmd {
	CNI_CMD_NONE = 0,
	CNI_CMD_ADD,
	CNI_CMD_DEL,
	CNI_CMD_CHECK,
	CNI_CMD_STATUS,
	CNI_CMD_GC,
	CNI_CMD_VERSION,
};

#define CNI_MAX_IFACES 8
#define CNI_MAX_IPS 16
#define CNI_MAX_ROUTES 32
#define CNI_MAX_DNS 8
#define CNI_MAX_PORTS 256
#define CNI_MAX_ALIASES 32
#define CNI_MAX_ATTACH 4096
#define CNI_NAME_MAX 256
#define CNI_PATH_MAX 4096
/* A netns path (CNI_NETNS, an interface's "sandbox"). Runtimes use short ones
 * (/run/netns/cni-<uuid>, /proc/<pid>/ns/net); a longer one is refused by name.
 * Kept well under PATH_MAX because every result carries CNI_MAX_IFACES of them
 * and a plugin's cost is mostly the memory it touches. */
#define CNI_SANDBOX_MAX 512

/* ---- results ---- */

struct cni_iface {
	char name[IFNAMSIZ];
	char mac[18];	   /* "aa:bb:cc:dd:ee:ff" or "" */
	char sandbox[CNI_SANDBOX_MAX]; /* netns path of container interfaces, "" on the host */
	int mtu;	   /* 0: not reported (1.1.0 field) */
	char socket_path[108]; /* 1.1.0 */
	char pci_id[32];   /* 1.1.0 */
};

struct cni_ipconf {
	struct plumb_cidr address;
	struct plumb_ip gateway; /* family 0: none */
	int iface;		 /* index into interfaces, -1: none */
};

struct cni_route {
	struct plumb_cidr dst;
	struct plumb_ip gw; /* family 0: none */
	int mtu, advmss, priority, table, scope; /* 1.1.0; -1: not set */
};

struct cni_dns {
	char nameservers[CNI_MAX_DNS][PLUMB_IP_STRLEN];
	size_t n_nameservers;
	char domain[CNI_NAME_MAX];
	char search[CNI_MAX_DNS][CNI_NAME_MAX];
	size_t n_search;
	char options[CNI_MAX_DNS][64];
	size_t n_options;
};

struct cni_result {
	int version; /* what it was parsed from (prevResult); output uses the request's */
	struct cni_iface ifaces[CNI_MAX_IFACES];
	size_t n_ifaces;
	struct cni_ipconf ips[CNI_MAX_IPS];
	size_t n_ips;
	struct cni_route routes[CNI_MAX_ROUTES];
	size_t n_routes;
	struct cni_dns dns;
};

void cni_route_init(struct cni_route *r);
/* Append an interface; returns its index or -ENOSPC. */
int cni_result_add_iface(struct cni_result *r, const char *name, const char *mac,
			 const char *sandbox);
int cni_result_add_ip(struct cni_result *r, const struct plumb_cidr *addr,
		      const struct plumb_ip *gw, int iface);
int cni_result_add_route(struct cni_result *r, const struct plumb_cidr *dst,
			 const struct plumb_ip *gw);

/* Encode for the given cniVersion: 0.3.x/0.4.0 put "version" in each ip, 1.1.0
 * adds mtu/socketPath/pciID and route attributes. ipam_only leaves interfaces
 * out (an IPAM plugin's answer). Returns malloc'd JSON or NULL on OOM. */
char *cni_result_encode(const struct cni_result *r, int version, bool ipam_only);
/* Decode a result of any supported version (a prevResult or a delegate's answer).
 * Returns 0 or -EINVAL (message names the field); code 6 at the edge. */
int cni_result_decode(const char *json, struct cni_result *out, struct plumb_err *err);

/* ---- versions ---- */

/* "1.0.0" -> 10000. -EINVAL when not x.y.z; -EPROTONOSUPPORT when well formed but
 * not one of cni_supported_versions. */
int cni_version_parse(const char *s, int *out, struct plumb_err *err);
const char *cni_version_str(int v, char *buf, size_t len);

/* ---- runtime config, args, config ---- */

struct cni_port_mapping {
	uint16_t host_port;
	uint16_t container_port;
	int proto;		 /* IPPROTO_TCP / IPPROTO_UDP / IPPROTO_SCTP */
	struct plumb_ip host_ip; /* family 0: any */
};

struct cni_runtime {
	struct cni_port_mapping ports[CNI_MAX_PORTS];
	size_t n_ports;
	bool has_ports;
	struct plumb_cidr ips[CNI_MAX_IPS]; /* runtimeConfig.ips, args.cni.ips, CNI_ARGS IP= */
	size_t n_ips;
	char mac[18]; /* "" when not asked */
	char aliases[CNI_MAX_ALIASES][CNI_NAME_MAX]; /* for this network's name */
	size_t n_aliases;
	struct cni_dns dns; /* runtimeConfig.dns: servers/searches/options */
	bool has_dns;
};

struct cni_attachment {
	char container_id[CNI_NAME_MAX];
	char ifname[IFNAMSIZ];
};

struct cni_conf {
	int version;
	char version_str[16];
	char name[CNI_NAME_MAX];
	char type[CNI_NAME_MAX];
	char ipam_type[CNI_NAME_MAX]; /* "" when there is no ipam section */
	bool has_prev;
	struct cni_result prev;
	struct cni_dns dns; /* the config's "dns" object, passed into results */
	struct cni_runtime rt;
	/* GC: cni.dev/valid-attachments (or the older cni.dev/attachments). */
	struct cni_attachment *valid;
	size_t n_valid;
	/* The bytes read from stdin, for delegates (NUL-terminated). */
	char *raw;
	size_t raw_len;
	void *json; /* opaque parsed document, for the getters below */
};

/* Parse a config read from stdin. Unknown keys are ignored as the spec asks.
 * -EBADMSG: not JSON (code 6); -EINVAL: a field is wrong (code 7);
 * -EPROTONOSUPPORT: cniVersion we do not speak (code 1). `cmd` decides which
 * fields are required (name for ADD/DEL/CHECK/GC). */
int cni_conf_parse(const char *raw, size_t len, enum cni_cmd cmd, struct cni_conf *conf,
		   struct plumb_err *err);
void cni_conf_free(struct cni_conf *conf);

/* Plugin-specific keys. `section` is NULL for the top level or the name of an
 * object at the top level ("ipam"). Missing keys leave *out untouched, return 0.
 * Wrong types are -EINVAL naming the field. */
int cni_conf_get_str(const struct cni_conf *c, const char *section, const char *key,
		     const char **out, struct plumb_err *err);
int cni_conf_get_bool(const struct cni_conf *c, const char *section, const char *key, bool *out,
		      struct plumb_err *err);
int cni_conf_get_int(const struct cni_conf *c, const char *section, const char *key,
		     int64_t min, int64_t max, int64_t *out, struct plumb_err *err);
/* Is the key present (and not null)? */
bool cni_conf_has(const struct cni_conf *c, const char *section, const char *key);
/* Array of strings/objects: count and element access. */
int cni_conf_array_len(const struct cni_conf *c, const char *section, const char *key,
		       struct plumb_err *err);

/* ---- environment ---- */

struct cni_env {
	enum cni_cmd cmd;
	const char *command; /* as given */
	const char *container_id;
	const char *netns;
	const char *ifname;
	const char *args;
	const char *path;
};

/* Read and validate the CNI_* variables for the command (the message names the
 * variable; code 4 at the edge). getenv_fn lets tests feed their own. */
int cni_env_load(struct cni_env *env, const char *(*getenv_fn)(const char *),
		 struct plumb_err *err);
enum cni_cmd cni_cmd_parse(const char *s);
const char *cni_cmd_name(enum cni_cmd c);
/* Validation rules from the spec (also used for prevResult/GC entries). */
int cni_container_id_check(const char *id, struct plumb_err *err);
int cni_ifname_check(const char *name, struct plumb_err *err);
int cni_netname_check(const char *name, struct plumb_err *err);
/* CNI_ARGS "K1=V1;K2=V2": copy the value of key into buf. Returns 1 found,
 * 0 absent, -EINVAL for a malformed list. */
int cni_args_get(const char *args, const char *key, char *buf, size_t len,
		 struct plumb_err *err);

/* ---- requests and plugins ---- */

struct cni_req {
	struct cni_env env;
	struct cni_conf conf;
	/* Set by a plugin to pick the code of its error; 0: derived from errno. */
	int code;
};

struct cni_plugin {
	const char *name;  /* "bridge" */
	const char *about; /* one line for a human running the binary by hand */
	bool ipam;	   /* an IPAM plugin: results carry no interfaces */
	int (*add)(struct cni_req *req, struct cni_result *res, struct plumb_err *err);
	int (*del)(struct cni_req *req, struct plumb_err *err);
	int (*check)(struct cni_req *req, struct plumb_err *err);
	int (*status)(struct cni_req *req, struct plumb_err *err); /* NULL: always ready */
	int (*gc)(struct cni_req *req, struct plumb_err *err);	   /* NULL: nothing to collect */
};

/* The whole CNI edge: env, stdin, dispatch, stdout, exit code. Returns the
 * process exit code (0 or 1). */
int cni_main(const struct cni_plugin *p, int argc, char **argv);

/* The CNI code for an errno from a plugin (EINVAL -> 7, EAGAIN -> 11, ...). */
int cni_code_from_errno(int e);
/* {"cniVersion","code","msg"[,"details"]} as malloc'd JSON. */
char *cni_error_encode(const char *version, int code, const char *msg, const char *details);

/* ---- delegation (IPAM) ---- */

/* Find `type` on CNI_PATH (colon separated). Writes the full path. -ENOENT
 * names the plugin and the path searched. */
int cni_find_plugin(const char *cni_path, const char *type, char *out, size_t len,
		    struct plumb_err *err);
/* Run a delegate with our environment (CNI_COMMAND replaced by cmd) and the
 * request's raw config on stdin. For ADD the answer is decoded into res (may be
 * NULL for other commands). A delegate's error keeps its code and message
 * (*code set when non-NULL). */
int cni_delegate(const struct cni_req *req, const char *plugin_path, enum cni_cmd cmd,
		 struct cni_result *res, int *code, struct plumb_err *err);
/* May the delegate be run in this process instead? True when it is plumb's own
 * build of that plugin: found in the same directory as this executable and
 * carrying the plumb marker (so a reference binary copied next to ours is still
 * executed). */
bool cni_delegate_is_ours(const char *plugin_path);
/* host-local's work in this process (the host-local plugin's body; our bridge
 * calls it directly when cni_delegate_is_ours says the delegate is ours). The
 * addresses come back with iface -1. */
int cni_hostlocal_add(struct cni_req *req, struct cni_result *res, struct plumb_err *err);
int cni_hostlocal_del(struct cni_req *req, struct plumb_err *err);
int cni_hostlocal_check(struct cni_req *req, struct plumb_err *err);
int cni_hostlocal_gc(struct cni_req *req, struct plumb_err *err);

/* Run the config's IPAM plugin (ipam.type) for cmd: in-process for plumb's own
 * host-local, else exec'd from CNI_PATH. ADD fills res (ips with iface -1,
 * routes, dns). No ipam section: nothing to do, 0. A delegate's error code
 * lands in req->code. */
int cni_ipam_run(struct cni_req *req, enum cni_cmd cmd, struct cni_result *res,
		 struct plumb_err *err);

/* nftables elements (nat/) of one attachment are tagged
 * "<plugin>/<network>/<container id>/<ifname>". cni_nat_owner writes the tag;
 * cni_nat_del removes every element of `plugin` for this attachment (none is
 * success), reading the sets of the given NAT_KIND_* kinds; cni_nat_gc
 * removes those of attachments not in conf.valid (GC). */
int cni_nat_owner(const struct cni_req *req, const char *plugin, char *buf, size_t len,
		  struct plumb_err *err);
int cni_nat_del(const struct cni_req *req, const char *plugin, unsigned kinds,
		struct plumb_err *err);
int cni_nat_gc(const struct cni_req *req, const char *plugin, struct plumb_err *err);

/* The marker our plugins embed (see cni_delegate_is_ours). */
extern const char cni_plumb_marker[];

#endif
