/* SPDX-License-Identifier: MIT */
/* dns/plumb-dns/regjson.h — registrations and network settings as JSON: the
 * control protocol's objects and the state file's entries are the same. */
#ifndef PLUMB_DNS_REGJSON_H
#define PLUMB_DNS_REGJSON_H

#include "common/json.h"
#include "dns/dns.h"

/* {"network","id","name","aliases":[],"addresses":[],"netns"} for containers;
 * services add "kind":"service","namespace","clusterDomain","headless",
 * "ports":[{"name","protocol","port"}]. Errors name the field. b->r's
 * strings are borrowed from the JSON. */
int regjson_parse(json_t *o, struct dns_reg_buf *b, struct plumb_err *err);
json_t *regjson_dump(const struct dns_reg *r);
/* Set "networks" and "entries" on o: the registry as the state file and the
 * control socket's list show it. */
int registry_json_set(json_t *o, const struct dns_registry *reg, struct plumb_err *err);
/* {"network","domain","listen":[],"subnets":[]} */
int netjson_parse(json_t *o, struct dns_netconf *n, struct plumb_err *err);
json_t *netjson_dump(const struct dns_netconf *n);

#endif
