// SPDX-License-Identifier: MIT
/* netctl output: one result value, printed as JSON (-j) or as text. */
#include "netctl/netctl.h"

void netctl_output(struct netctl *ctx, json_t *result, netctl_text_fn text)
{
	if (!result)
		return;
	if (ctx->json) {
		json_dumpf(result, ctx->out, JSON_INDENT(2) | JSON_ENCODE_ANY);
		fputc('\n', ctx->out);
	} else if (text) {
		text(ctx->out, result);
	}
	json_decref(result);
}
