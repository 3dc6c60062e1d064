// SPDX-License-Identifier: MIT
/* host-local: IPAM from local files, drop-in for the reference plugin (same
 * config keys, same on-disk leases), on plumb's ipam/ allocator. Unlike the
 * reference, GC really removes leases of attachments the runtime no longer has. */
#include "cni-plugins/lib/cni.h"

int main(int argc, char **argv)
{
	static const struct cni_plugin p = {
		.name = "host-local",
		.about = "plumb host-local IPAM plugin: addresses from local ranges",
		.ipam = true,
		.add = cni_hostlocal_add,
		.del = cni_hostlocal_del,
		.check = cni_hostlocal_check,
		.gc = cni_hostlocal_gc,
	};
	return cni_main(&p, argc, argv);
}
