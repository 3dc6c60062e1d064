// SPDX-License-Identifier: MIT
/* The bridge plugin's own keys, read through the CNI core's getters. */
#include "cni-plugins/bridge/internal.h"

#include <errno.h>
#include <string.h>

int br_conf_parse(struct cni_req *req, struct br_conf *bc, struct plumb_err *err)
{
	const struct cni_conf *c = &req->conf;
	const char *name = "cni0";
	int64_t mtu = 0, vlan = 0;
	int r;

	memset(bc, 0, sizeof(*bc));
	if ((r = cni_conf_get_str(c, NULL, "bridge", &name, err)) < 0 ||
	    (r = cni_conf_get_bool(c, NULL, "isGateway", &bc->is_gateway, err)) < 0 ||
	    (r = cni_conf_get_bool(c, NULL, "isDefaultGateway", &bc->is_default_gateway, err)) < 0 ||
	    (r = cni_conf_get_bool(c, NULL, "forceAddress", &bc->force_address, err)) < 0 ||
	    (r = cni_conf_get_bool(c, NULL, "ipMasq", &bc->ip_masq, err)) < 0 ||
	    (r = cni_conf_get_bool(c, NULL, "hairpinMode", &bc->hairpin, err)) < 0 ||
	    (r = cni_conf_get_bool(c, NULL, "promiscMode", &bc->promisc, err)) < 0 ||
	    (r = cni_conf_get_bool(c, NULL, "macspoofchk", &bc->macspoofchk, err)) < 0 ||
	    (r = cni_conf_get_int(c, NULL, "mtu", 0, 65535, &mtu, err)) < 0 ||
	    (r = cni_conf_get_int(c, NULL, "vlan", 0, 4094, &vlan, err)) < 0)
		goto bad;
	if (!*name || strlen(name) >= IFNAMSIZ || strchr(name, '/') || strchr(name, ' ')) {
		r = plumb_err_set(err, EINVAL, "field 'bridge' is not an interface name: '%s'", name);
		goto bad;
	}
	if (mtu && mtu < 68) {
		r = plumb_err_set(err, EINVAL, "field 'mtu' is %lld, below the minimum of 68",
				  (long long)mtu);
		goto bad;
	}
	snprintf(bc->bridge, sizeof(bc->bridge), "%s", name);
	bc->mtu = (unsigned)mtu;
	bc->vlan = (unsigned)vlan;
	if (bc->is_default_gateway)
		bc->is_gateway = true;
	if (bc->hairpin && bc->promisc) {
		r = plumb_err_set(err, EINVAL, "cannot set hairpin mode and promiscuous mode at the "
				  "same time");
		goto bad;
	}
	return 0;
bad:
	req->code = CNI_ERR_INVALID_CONFIG;
	return r;
}
