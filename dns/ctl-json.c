// SPDX-License-Identifier: MIT
#include "dns/ctl-json.h"

#include "common/cleanup.h"
#include "common/json.h"
#include "dns/dns.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

int dns_ctl_call(const char *sock, json_t *req, json_t **out, struct plumb_err *err)
{
	_cleanup_free_ char *line = pjson_dumps(req), *reply = NULL;
	_cleanup_json_ json_t *rep = NULL;
	const char *msg = NULL;
	int r;

	if (!line)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = dns_ctl_request(sock, line, &reply, 10000, err);
	if (r < 0)
		return r;
	rep = json_loads(reply, 0, NULL);
	if (!rep)
		return plumb_err_set(err, EPROTO, "plumb-dns sent something that is not JSON");
	if (!json_is_true(json_object_get(rep, "ok"))) {
		pjson_string(rep, "error", NULL, false, &msg, NULL);
		return plumb_err_set(err, EINVAL, "plumb-dns: %s", msg ? msg : "request failed");
	}
	if (out)
		*out = TAKE_PTR(rep);
	return 0;
}

const char *dns_daemon_find(const char *override, char *buf, size_t len)
{
	static const char *const beside[] = {"plumb-dns", "../bin/plumb-dns"};
	char self[PATH_MAX];
	const char *dir;
	ssize_t n;

	if (override && *override)
		return override;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return "plumb-dns";
	self[n] = '\0';
	dir = dirname(self); /* once: dirname() cuts self in place */
	for (size_t i = 0; i < ARRAY_SIZE(beside); i++) {
		snprintf(buf, len, "%s/%s", dir, beside[i]);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return "plumb-dns";
}
