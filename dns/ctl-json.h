/* SPDX-License-Identifier: MIT */
/*
 * dns/ctl-json.h — the JSON side of plumb-dns's control protocol, for the
 * edges that talk to the daemon (netctl dns, the dnsname CNI plugin). The dns
 * core stays free of jansson; dns_ctl_request() in dns.h moves the plain lines.
 */
#ifndef PLUMB_DNS_CTL_JSON_H
#define PLUMB_DNS_CTL_JSON_H

#include "common/err.h"

#include <jansson.h>
#include <stddef.h>

/* Send req as one line to the daemon at sock and read its reply. When the
 * reply says "ok", return 0 and (if out) hand the reply object to the caller;
 * otherwise return an error carrying the daemon's "error" text. */
int dns_ctl_call(const char *sock, json_t *req, json_t **out, struct plumb_err *err);

/* Where plumb-dns is: `override` when set, else beside the running program,
 * else in ../bin of it (a build tree: build/cni/x -> build/bin/plumb-dns),
 * else "plumb-dns" for $PATH. buf holds the built path. */
const char *dns_daemon_find(const char *override, char *buf, size_t len);

#endif
