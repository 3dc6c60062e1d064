// SPDX-License-Identifier: MIT
/* Running the config's IPAM: plumb's host-local in this process when the
 * host-local found on CNI_PATH is ours, any other plugin (the reference
 * host-local, static, dhcp) by exec as the spec describes. */
#include "cni-plugins/lib/internal.h"

#include <errno.h>
#include <string.h>

static int inproc(struct cni_req *req, enum cni_cmd cmd, struct cni_result *res,
		  struct plumb_err *err)
{
	switch (cmd) {
	case CNI_CMD_ADD:
		return cni_hostlocal_add(req, res, err);
	case CNI_CMD_DEL:
		return cni_hostlocal_del(req, err);
	case CNI_CMD_CHECK:
		return cni_hostlocal_check(req, err);
	case CNI_CMD_GC:
		return cni_hostlocal_gc(req, err);
	default:
		return 0; /* STATUS: the in-process allocator is always there */
	}
}

int cni_ipam_run(struct cni_req *req, enum cni_cmd cmd, struct cni_result *res,
		 struct plumb_err *err)
{
	char path[CNI_PATH_MAX];
	int code = 0, r;

	if (!req->conf.ipam_type[0])
		return 0;
	r = cni_find_plugin(req->env.path, req->conf.ipam_type, path, sizeof(path), err);
	if (r < 0) {
		req->code = cmd == CNI_CMD_STATUS ? CNI_ERR_NOT_AVAILABLE : CNI_ERR_INVALID_CONFIG;
		return r;
	}
	if (strcmp(req->conf.ipam_type, "host-local") == 0 && cni_delegate_is_ours(path))
		return inproc(req, cmd, res, err);
	r = cni_delegate(req, path, cmd, res, &code, err);
	/* An IPAM plugin older than 1.1.0 does not know STATUS: it is there, so
	 * it can serve. */
	if (r < 0 && cmd == CNI_CMD_STATUS && code == CNI_ERR_INVALID_ENV) {
		plumb_err_clear(err);
		return 0;
	}
	if (r < 0)
		req->code = code;
	return r;
}
