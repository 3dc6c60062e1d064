// SPDX-License-Identifier: MIT
/* libFuzzer target: CIDR/IP parsing and the arithmetic on what it accepts. */
#include "common/cidr.h"

#include <assert.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128], back[PLUMB_CIDR_STRLEN];
	struct plumb_cidr c, again, sub;
	struct plumb_ip last, next;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (plumb_cidr_parse(s, true, &c) < 0)
		return 0;
	/* What we print, we parse back to the same prefix. */
	plumb_cidr_str(&c, back, sizeof(back));
	assert(plumb_cidr_parse(back, false, &again) == 0);
	assert(plumb_cidr_equal(&c, &again));
	plumb_cidr_last(&c, &last);
	assert(plumb_cidr_contains(&c, &last));
	if (plumb_ip_add(&last, 1, &next) == 0)
		assert(!plumb_cidr_contains(&c, &next) || c.prefix == 0);
	if (plumb_cidr_subnet(&c, c.prefix, 0, &sub) == 0)
		assert(plumb_cidr_contains(&sub, &c.ip));
	return 0;
}
