// SPDX-License-Identifier: MIT
/* bridge DEL and GC. DEL is idempotent and needs no namespace: the host end's
 * name derives from (container id, ifname), so it is found and deleted even
 * after the pod's namespace is gone, and the lease and rules are keyed by the
 * same pair. Every step runs even if an earlier one failed; the first error is
 * reported. */
#include "cni-plugins/bridge/internal.h"

#include "bridge/bridge.h"
#include "common/link.h"
#include "veth/veth.h"

#include <errno.h>
#include <string.h>

/* The alias veth/ writes on a host end ("plumb:<id>:<ifname>", cut to fit). */
static void owner_alias(const char *id, const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "plumb:%s:%s", id, ifname);
}

/* Delete the host end named for (id, ifname) unless its alias says it belongs
 * to another attachment (a hash collision). Gone already is success. */
static int delete_host_end(struct plumb_nl *host, const char *id, const char *ifname,
			   struct plumb_err *err)
{
	char name[IFNAMSIZ], mine[sizeof(((struct plumb_link *)0)->alias)];
	struct plumb_link l;
	int r;

	veth_host_name(id, ifname, name);
	r = plumb_link_get(host, name, 0, &l, err);
	if (r == -ENODEV) {
		plumb_err_clear(err);
		return 0;
	}
	if (r < 0)
		return r;
	owner_alias(id, ifname, mine, sizeof(mine));
	if (strcmp(l.kind, "veth") != 0 || (l.alias[0] && strcmp(l.alias, mine) != 0))
		return 0; /* not ours to delete */
	r = plumb_link_del(host, l.ifindex, err);
	if (r == -ENODEV) {
		plumb_err_clear(err);
		return 0;
	}
	return r;
}

static void keep_first(int *first, int r, struct plumb_err *err, struct plumb_err *tmp)
{
	if (r < 0 && *first == 0) {
		*first = r;
		*err = *tmp;
	}
	plumb_err_clear(tmp);
}

int br_del(struct cni_req *req, struct plumb_err *err)
{
	_cleanup_nl_ struct plumb_nl host = {.nsfd = -1};
	struct plumb_err tmp = {0};
	struct br_conf bc;
	int first = 0, r;

	if ((r = br_conf_parse(req, &bc, err)) < 0)
		return r;
	if ((r = plumb_nl_open(&host, -1, err)) < 0)
		return r;
	r = cni_ipam_run(req, CNI_CMD_DEL, NULL, &tmp);
	keep_first(&first, r, err, &tmp);
	r = delete_host_end(&host, req->env.container_id, req->env.ifname, &tmp);
	keep_first(&first, r, err, &tmp);
	r = br_rules_del(req, &bc, &tmp);
	keep_first(&first, r, err, &tmp);
	return first;
}

static bool is_valid(const struct cni_req *req, const char *alias)
{
	char want[sizeof(((struct plumb_link *)0)->alias)];

	for (size_t i = 0; i < req->conf.n_valid; i++) {
		owner_alias(req->conf.valid[i].container_id, req->conf.valid[i].ifname, want,
			    sizeof(want));
		if (strcmp(want, alias) == 0)
			return true;
	}
	return false;
}

/* Host ends on our bridge made by plumb (alias "plumb:...") for attachments the
 * runtime no longer has. */
static int gc_veths(struct cni_req *req, const struct br_conf *bc, struct plumb_err *err)
{
	_cleanup_nl_ struct plumb_nl host = {.nsfd = -1};
	_cleanup_free_ struct plumb_link *links = NULL;
	struct plumb_link br;
	int n, r;

	if ((r = plumb_nl_open(&host, -1, err)) < 0)
		return r;
	r = bridge_get(&host, bc->bridge, &br, err);
	if (r == -ENODEV) {
		plumb_err_clear(err);
		return 0;
	}
	if (r < 0 || (n = plumb_link_list(&host, &links, err)) < 0)
		return r < 0 ? r : n;
	for (int i = 0; i < n; i++) {
		if (links[i].master != br.ifindex || strcmp(links[i].kind, "veth") != 0 ||
		    strncmp(links[i].alias, "plumb:", 6) != 0 || is_valid(req, links[i].alias))
			continue;
		r = plumb_link_del(&host, links[i].ifindex, err);
		if (r < 0 && r != -ENODEV)
			return r;
	}
	return 0;
}

int br_gc(struct cni_req *req, struct plumb_err *err)
{
	struct plumb_err tmp = {0};
	struct br_conf bc;
	int first = 0, r;

	if ((r = br_conf_parse(req, &bc, err)) < 0)
		return r;
	r = cni_ipam_run(req, CNI_CMD_GC, NULL, &tmp);
	keep_first(&first, r, err, &tmp);
	r = br_rules_gc(req, &bc, &tmp);
	keep_first(&first, r, err, &tmp);
	r = gc_veths(req, &bc, &tmp);
	keep_first(&first, r, err, &tmp);
	return first;
}
