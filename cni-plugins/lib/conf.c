// SPDX-License-Identifier: MIT
/* The network config on stdin: the common keys into struct cni_conf, and
 * getters for a plugin's own keys. */
#include "cni-plugins/lib/internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int parse_port(json_t *o, const char *ctx, struct cni_port_mapping *pm,
		      struct plumb_err *err)
{
	const char *proto = "tcp", *hip = NULL;
	int64_t hp = 0, cp = 0;
	int r;

	memset(pm, 0, sizeof(*pm));
	if (!json_is_object(o))
		return plumb_err_set(err, EINVAL, "field '%s' must be an object", ctx);
	r = pjson_int(o, "hostPort", ctx, true, 1, 65535, &hp, err);
	if (r >= 0)
		r = pjson_int(o, "containerPort", ctx, true, 1, 65535, &cp, err);
	if (r >= 0)
		r = pjson_string(o, "protocol", ctx, false, &proto, err);
	if (r >= 0)
		r = pjson_string(o, "hostIP", ctx, false, &hip, err);
	if (r < 0)
		return r;
	pm->host_port = (uint16_t)hp;
	pm->container_port = (uint16_t)cp;
	if (!*proto || strcasecmp(proto, "tcp") == 0)
		pm->proto = IPPROTO_TCP;
	else if (strcasecmp(proto, "udp") == 0)
		pm->proto = IPPROTO_UDP;
	else if (strcasecmp(proto, "sctp") == 0)
		pm->proto = IPPROTO_SCTP;
	else
		return plumb_err_set(err, EINVAL, "field '%s.protocol' is '%s', not tcp, udp or sctp",
				     ctx, proto);
	if (hip && *hip && plumb_ip_parse(hip, &pm->host_ip) < 0)
		return plumb_err_set(err, EINVAL, "field '%s.hostIP' is not an IP address: '%s'",
				     ctx, hip);
	return 0;
}

static int parse_ports(json_t *rc, struct cni_runtime *rt, struct plumb_err *err)
{
	json_t *a = NULL, *v;
	char ctx[64];
	size_t i;
	int r = pjson_array(rc, "portMappings", "runtimeConfig", false, &a, err);

	if (r < 0 || !a)
		return r;
	rt->has_ports = true;
	json_array_foreach(a, i, v) {
		if (i >= CNI_MAX_PORTS)
			return plumb_err_set(err, EINVAL, "runtimeConfig.portMappings has more than %d "
					     "entries", CNI_MAX_PORTS);
		snprintf(ctx, sizeof(ctx), "runtimeConfig.portMappings[%zu]", i);
		if ((r = parse_port(v, ctx, &rt->ports[i], err)) < 0)
			return r;
		rt->n_ports = i + 1;
	}
	return 0;
}

/* Requested addresses: "10.1.2.3/24" or a bare "10.1.2.3". */
int cni_runtime_add_ip(struct cni_runtime *rt, const char *s, const char *ctx,
		       struct plumb_err *err)
{
	if (rt->n_ips >= CNI_MAX_IPS)
		return plumb_err_set(err, EINVAL, "%s: more than %d addresses requested", ctx,
				     CNI_MAX_IPS);
	if (plumb_cidr_parse(s, true, &rt->ips[rt->n_ips]) < 0)
		return plumb_err_set(err, EINVAL, "%s: '%s' is not an IP address", ctx, s);
	rt->n_ips++;
	return 0;
}

static int parse_ips(json_t *o, const char *key, const char *ctx, struct cni_runtime *rt,
		     struct plumb_err *err)
{
	json_t *a = NULL, *v;
	char c[64];
	size_t i;
	int r = pjson_array(o, key, ctx, false, &a, err);

	if (r < 0 || !a)
		return r;
	json_array_foreach(a, i, v) {
		snprintf(c, sizeof(c), "%s.%s[%zu]", ctx, key, i);
		if (!json_is_string(v))
			return plumb_err_set(err, EINVAL, "field '%s' must be a string", c);
		if ((r = cni_runtime_add_ip(rt, json_string_value(v), c, err)) < 0)
			return r;
	}
	return 0;
}

static int parse_mac(json_t *o, const char *ctx, char *mac, struct plumb_err *err)
{
	const char *s = NULL;
	unsigned b[6];
	char tail;
	int r = pjson_string(o, "mac", ctx, false, &s, err);

	if (r < 0 || !s)
		return r;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6 || strlen(s) != 17)
		return plumb_err_set(err, EINVAL, "field '%s.mac' is not a MAC address: '%s'", ctx,
				     s);
	snprintf(mac, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	return 0;
}

/* "aliases": {"<network>": ["name", ...]}: only this network's list matters. */
static int parse_aliases(json_t *rc, const char *net, struct cni_runtime *rt,
			 struct plumb_err *err)
{
	json_t *al = NULL, *list = NULL, *v;
	size_t i;
	int r = pjson_object(rc, "aliases", "runtimeConfig", false, &al, err);

	if (r >= 0 && al)
		r = pjson_array(al, net, "runtimeConfig.aliases", false, &list, err);
	if (r < 0 || !list)
		return r;
	json_array_foreach(list, i, v) {
		if (!json_is_string(v) || i >= CNI_MAX_ALIASES ||
		    strlen(json_string_value(v)) >= CNI_NAME_MAX)
			return plumb_err_set(err, EINVAL,
					     "field 'runtimeConfig.aliases.%s[%zu]' must be a name "
					     "(at most %d of them)", net, i, CNI_MAX_ALIASES);
		strcpy(rt->aliases[i], json_string_value(v));
		rt->n_aliases = i + 1;
	}
	return 0;
}

static int parse_runtime(json_t *root, const char *net, struct cni_runtime *rt,
			 struct plumb_err *err)
{
	json_t *rc = NULL, *dns = NULL, *args = NULL, *cni = NULL;
	int r = pjson_object(root, "runtimeConfig", NULL, false, &rc, err);

	if (r >= 0 && rc) {
		r = parse_ports(rc, rt, err);
		if (r >= 0)
			r = parse_ips(rc, "ips", "runtimeConfig", rt, err);
		if (r >= 0)
			r = parse_mac(rc, "runtimeConfig", rt->mac, err);
		if (r >= 0)
			r = parse_aliases(rc, net, rt, err);
		if (r >= 0)
			r = pjson_object(rc, "dns", "runtimeConfig", false, &dns, err);
		if (r >= 0 && dns) {
			rt->has_dns = true;
			r = cni_dns_decode(dns, "runtimeConfig.dns", true, &rt->dns, err);
		}
	}
	/* The older convention: "args": {"cni": {"ips": [...], "mac": "..."}}. */
	if (r >= 0)
		r = pjson_object(root, "args", NULL, false, &args, err);
	if (r >= 0 && args)
		r = pjson_object(args, "cni", "args", false, &cni, err);
	if (r >= 0 && cni) {
		r = parse_ips(cni, "ips", "args.cni", rt, err);
		if (r >= 0 && !rt->mac[0])
			r = parse_mac(cni, "args.cni", rt->mac, err);
	}
	return r;
}

static int parse_attachments(json_t *root, struct cni_conf *conf, struct plumb_err *err)
{
	const char *key = "cni.dev/valid-attachments";
	json_t *a = json_object_get(root, key), *v;
	size_t i;
	int r;

	if (!a) {
		key = "cni.dev/attachments"; /* the name in early 1.1.0 drafts */
		a = json_object_get(root, key);
	}
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return plumb_err_set(err, EINVAL, "field '%s' must be an array", key);
	if (json_array_size(a) > CNI_MAX_ATTACH)
		return plumb_err_set(err, EINVAL, "field '%s' has more than %d entries", key,
				     CNI_MAX_ATTACH);
	conf->valid = calloc(json_array_size(a) + 1, sizeof(*conf->valid));
	if (!conf->valid)
		return -ENOMEM;
	json_array_foreach(a, i, v) {
		const char *id = NULL, *ifn = NULL;
		char ctx[64];

		snprintf(ctx, sizeof(ctx), "%s[%zu]", key, i);
		if (!json_is_object(v))
			return plumb_err_set(err, EINVAL, "field '%s' must be an object", ctx);
		r = pjson_string(v, "containerID", ctx, true, &id, err);
		if (r >= 0)
			r = pjson_string(v, "ifname", ctx, true, &ifn, err);
		if (r < 0)
			return r;
		if (strlen(id) >= CNI_NAME_MAX || strlen(ifn) >= IFNAMSIZ)
			return plumb_err_set(err, EINVAL, "field '%s' names a too long id or ifname",
					     ctx);
		strcpy(conf->valid[i].container_id, id);
		strcpy(conf->valid[i].ifname, ifn);
		conf->n_valid = i + 1;
	}
	return 0;
}

static int parse_common(json_t *root, enum cni_cmd cmd, struct cni_conf *conf,
			struct plumb_err *err)
{
	const char *ver = NULL, *name = NULL, *type = NULL, *ipt = NULL;
	json_t *ipam = NULL, *prev = NULL, *dns = NULL;
	bool need_name = cmd != CNI_CMD_VERSION;
	int r;

	if (!json_is_object(root))
		return plumb_err_set(err, EINVAL, "network config must be a JSON object");
	r = pjson_string(root, "cniVersion", NULL, true, &ver, err);
	if (r >= 0)
		r = pjson_string(root, "name", NULL, need_name, &name, err);
	if (r >= 0)
		r = pjson_string(root, "type", NULL, false, &type, err);
	if (r >= 0)
		r = pjson_object(root, "ipam", NULL, false, &ipam, err);
	if (r >= 0 && ipam)
		r = pjson_string(ipam, "type", "ipam", true, &ipt, err);
	if (r < 0)
		return r;
	if ((r = cni_version_parse(ver, &conf->version, err)) < 0)
		return r;
	snprintf(conf->version_str, sizeof(conf->version_str), "%s", ver);
	if (name && (r = cni_netname_check(name, err)) < 0)
		return r;
	snprintf(conf->name, sizeof(conf->name), "%s", name ? name : "");
	snprintf(conf->type, sizeof(conf->type), "%s", type ? type : "");
	if (ipt && (strlen(ipt) >= CNI_NAME_MAX || !*ipt || strchr(ipt, '/')))
		return plumb_err_set(err, EINVAL, "field 'ipam.type' is not a plugin name: '%s'",
				     ipt);
	snprintf(conf->ipam_type, sizeof(conf->ipam_type), "%s", ipt ? ipt : "");
	if ((r = pjson_object(root, "dns", NULL, false, &dns, err)) < 0)
		return r;
	if (dns && (r = cni_dns_decode(dns, "dns", false, &conf->dns, err)) < 0)
		return r;
	if ((r = pjson_object(root, "prevResult", NULL, false, &prev, err)) < 0)
		return r;
	if (prev) {
		conf->has_prev = true;
		if ((r = cni_result_decode_json(prev, "prevResult", &conf->prev, err)) < 0)
			return r;
	}
	return 0;
}

int cni_conf_parse(const char *raw, size_t len, enum cni_cmd cmd, struct cni_conf *conf,
		   struct plumb_err *err)
{
	json_error_t je;
	json_t *root;
	int r;

	memset(conf, 0, sizeof(*conf));
	conf->raw = malloc(len + 1);
	if (!conf->raw)
		return plumb_err_set(err, ENOMEM, "out of memory");
	memcpy(conf->raw, raw, len);
	conf->raw[len] = '\0';
	conf->raw_len = len;
	root = json_loadb(raw, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return plumb_err_set(err, EBADMSG, "network config is not JSON: %s (line %d, "
				     "column %d)", je.text, je.line, je.column);
	conf->json = root;
	r = parse_common(root, cmd, conf, err);
	if (r >= 0)
		r = parse_runtime(root, conf->name, &conf->rt, err);
	if (r >= 0 && cmd == CNI_CMD_GC)
		r = parse_attachments(root, conf, err);
	return r;
}

void cni_conf_free(struct cni_conf *conf)
{
	json_decref(conf->json);
	conf->json = NULL;
	free(conf->raw);
	conf->raw = NULL;
	free(conf->valid);
	conf->valid = NULL;
	conf->n_valid = 0;
}

/* ---- getters for a plugin's own keys ---- */

static json_t *section_of(const struct cni_conf *c, const char *section)
{
	json_t *root = c->json;

	return section ? json_object_get(root, section) : root;
}

int cni_conf_get_str(const struct cni_conf *c, const char *section, const char *key,
		     const char **out, struct plumb_err *err)
{
	return pjson_string(section_of(c, section), key, section, false, out, err);
}

int cni_conf_get_bool(const struct cni_conf *c, const char *section, const char *key, bool *out,
		      struct plumb_err *err)
{
	return pjson_bool(section_of(c, section), key, section, false, out, err);
}

int cni_conf_get_int(const struct cni_conf *c, const char *section, const char *key,
		     int64_t min, int64_t max, int64_t *out, struct plumb_err *err)
{
	return pjson_int(section_of(c, section), key, section, false, min, max, out, err);
}

bool cni_conf_has(const struct cni_conf *c, const char *section, const char *key)
{
	json_t *v = json_object_get(section_of(c, section), key);

	return v && !json_is_null(v);
}

int cni_conf_array_len(const struct cni_conf *c, const char *section, const char *key,
		       struct plumb_err *err)
{
	json_t *a = NULL;
	int r = pjson_array(section_of(c, section), key, section, false, &a, err);

	return r < 0 ? r : a ? (int)json_array_size(a) : 0;
}
