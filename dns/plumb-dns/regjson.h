/* SPDX-License-Identifier: MIT */
/* dns/plumb-dns/regjson.h — registrations and network settings as JSON: the
 * control protocol's objects and the state file's entries are the same. */
#ifndef PLUMB_DNS_REGJSON_H
#define PLUMB_DNS_REGJSON_H

#include "common/json.h"
#include "dns/dns.h"

/* Room for one parsed registration; strings are borrowed from the JSON. */
struct regbuf {
	struct dns_reg r;
	char *aliases[DNS_REG_ALIASES_MAX];
	struct plumb_ip addrs[DNS_REG_ADDRS_MAX];
	struct dns_port ports[DNS_REG_PORTS_MAX];
};

/* {"network","id","name","aliases":[],"addresses":[],"netns"} for containers;
 * services add "kind":"service","namespace","clusterDomain","headless",
 * "ports":[{"name","protocol","port"}]. Errors name the field. */
int regjson_parse(json_t *o, struct regbuf *b, struct plumb_err *err);
json_t *regjson_dump(const struct dns_reg *r);
/* {"network","domain","listen":[],"subnets":[]} */
int netjson_parse(json_t *o, struct dns_netconf *n, struct plumb_err *err);
json_t *netjson_dump(const struct dns_netconf *n);

#endif
