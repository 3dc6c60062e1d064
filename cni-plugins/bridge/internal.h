/* SPDX-License-Identifier: MIT */
/* cni-plugins/bridge/internal.h — the bridge plugin's options and verbs. */
#ifndef PLUMB_CNI_BRIDGE_INTERNAL_H
#define PLUMB_CNI_BRIDGE_INTERNAL_H

#include "cni-plugins/lib/cni.h"
#include "common/nl.h"

#include <net/if.h>
#include <stdbool.h>

/* The reference bridge plugin's options, same names, same defaults. */
struct br_conf {
	char bridge[IFNAMSIZ]; /* "cni0" */
	bool is_gateway;
	bool is_default_gateway; /* implies is_gateway */
	bool force_address;
	bool ip_masq;
	unsigned mtu;
	bool hairpin;
	bool promisc;
	unsigned vlan; /* 0: none */
	bool macspoofchk;
};

int br_conf_parse(struct cni_req *req, struct br_conf *bc, struct plumb_err *err);

/* The per-attachment nftables state (masquerade, MAC anti-spoofing); no-ops
 * where the config asks for none. Keyed by container id + ifname so DEL and GC
 * find it without the namespace. */
int br_rules_add(struct cni_req *req, const struct br_conf *bc, const struct cni_result *res,
		 struct plumb_err *err);
int br_rules_del(struct cni_req *req, const struct br_conf *bc, struct plumb_err *err);
int br_rules_check(struct cni_req *req, const struct br_conf *bc, const struct cni_result *prev,
		   struct plumb_err *err);
int br_rules_gc(struct cni_req *req, const struct br_conf *bc, struct plumb_err *err);

int br_add(struct cni_req *req, struct cni_result *res, struct plumb_err *err);
int br_del(struct cni_req *req, struct plumb_err *err);
int br_check(struct cni_req *req, struct plumb_err *err);
int br_status(struct cni_req *req, struct plumb_err *err);
int br_gc(struct cni_req *req, struct plumb_err *err);

#endif
