// SPDX-License-Identifier: MIT
/* libFuzzer target: network config parsing (every command's rules) and, when a
 * prevResult parses, the encode/decode round trip of results. */
#include "cni-plugins/lib/cni.h"
#include "common/cleanup.h"

#include <assert.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum cni_cmd cmds[] = {CNI_CMD_ADD, CNI_CMD_GC};
	struct cni_conf *c = calloc(1, sizeof(*c));
	struct cni_result *back = calloc(1, sizeof(*back));

	for (size_t i = 0; c && back && i < ARRAY_SIZE(cmds); i++) {
		if (cni_conf_parse((const char *)data, size, cmds[i], c, NULL) == 0 && c->has_prev) {
			/* What we print, we read back to the same bytes. */
			_cleanup_free_ char *a = cni_result_encode(&c->prev, c->version, false);
			_cleanup_free_ char *b = NULL;

			assert(a && cni_result_decode(a, back, NULL) == 0);
			b = cni_result_encode(back, c->version, false);
			assert(b && strcmp(a, b) == 0);
		}
		cni_conf_free(c);
	}
	free(c);
	free(back);
	return 0;
}
