// SPDX-License-Identifier: MIT
/* libFuzzer target: the ipam config reader, and the range iterator on every
 * config it accepts (each candidate lies inside its range set and is never
 * the network, broadcast or gateway address). */
#include "ipam/config.h"
#include "ipam/internal.h"

#include <assert.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ipam_config cfg;
	const char *args = NULL;
	size_t split = size;

	/* "<json>\n--\n<CNI_ARGS>" lets the corpus cover CNI_ARGS too */
	for (size_t i = 0; i + 3 < size; i++)
		if (!memcmp(data + i, "\n--\n", 4)) {
			split = i;
			break;
		}
	char argbuf[512] = "";

	if (split < size && size - split - 4 < sizeof(argbuf)) {
		memcpy(argbuf, data + split + 4, size - split - 4);
		argbuf[size - split - 4] = '\0';
		args = argbuf;
	}
	if (ipam_config_parse((const char *)data, split, args, &cfg, NULL) < 0)
		return 0;
	assert(ipam_config_finish(&cfg, NULL) == 0); /* idempotent */
	for (size_t s = 0; s < cfg.n_rangesets; s++) {
		struct ipam_iter it;
		struct plumb_ip ip, last;
		const struct ipam_range *r;

		ipam_iter_init(&it, &cfg.rangesets[s], NULL);
		for (int k = 0; k < 600 && ipam_iter_next(&it, &ip, &r); k++) {
			assert(ipam_range_contains(r, &ip));
			assert(!plumb_ip_equal(&ip, &r->gateway));
			assert(!plumb_ip_equal(&ip, &r->subnet.ip));
			plumb_cidr_last(&r->subnet, &last);
			assert(ip.family != AF_INET || !plumb_ip_equal(&ip, &last));
		}
	}
	return 0;
}
