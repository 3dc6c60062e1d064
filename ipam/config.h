/* SPDX-License-Identifier: MIT */
/*
 * ipam/config.h — the JSON config reader for ipam (an edge: it uses jansson;
 * the allocator in ipam/ipam.h never does). Reads a CNI network config the way
 * host-local 1.1.1 does: name, ipam.{ranges | subnet,rangeStart,rangeEnd,
 * gateway}, ipam.routes, ipam.dataDir, ipam.resolvConf, runtimeConfig.ipRanges,
 * and the requested addresses from CNI_ARGS IP=, args.cni.ips and
 * runtimeConfig.ips (the `ips` capability).
 */
#ifndef PLUMB_IPAM_CONFIG_H
#define PLUMB_IPAM_CONFIG_H

#include "ipam/ipam.h"

#include <jansson.h>

/* netconf: the whole network config object (borrowed). cni_args: the
 * CNI_ARGS string or NULL. Fills *out and runs ipam_config_finish(). Errors
 * name the field ("ipam.ranges[0][1].subnet: invalid CIDR 'x'"). */
int ipam_config_from_json(json_t *netconf, const char *cni_args, struct ipam_config *out,
			  struct plumb_err *err);
/* The same from JSON text. */
int ipam_config_parse(const char *text, size_t len, const char *cni_args,
		      struct ipam_config *out, struct plumb_err *err);

#endif
