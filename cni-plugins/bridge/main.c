// SPDX-License-Identifier: MIT
/* bridge: a Linux bridge on the node, a veth pair per pod, addresses from IPAM.
 * Drop-in for the reference plugin (same options, same results). */
#include "cni-plugins/bridge/internal.h"

int main(int argc, char **argv)
{
	static const struct cni_plugin p = {
		.name = "bridge",
		.about = "plumb bridge CNI plugin: pods on a Linux bridge through veth pairs",
		.add = br_add,
		.del = br_del,
		.check = br_check,
		.status = br_status,
		.gc = br_gc,
	};
	return cni_main(&p, argc, argv);
}
