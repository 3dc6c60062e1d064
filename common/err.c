// SPDX-License-Identifier: MIT
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int plumb_err_set(struct plumb_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	code = abs(code);
	if (!err)
		return -code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -code;
}

int plumb_err_wrap(struct plumb_err *err, int code, const char *fmt, ...)
{
	char prefix[PLUMB_ERR_MSG_MAX];
	char old[PLUMB_ERR_MSG_MAX];
	va_list ap;

	code = abs(code);
	if (!err)
		return -code;
	if (err->code)
		code = err->code;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (err->msg[0])
		snprintf(old, sizeof(old), "%s", err->msg);
	else
		snprintf(old, sizeof(old), "%s", strerror(code));
	err->code = code;
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return -code;
}

void plumb_err_clear(struct plumb_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

const char *plumb_err_msg(const struct plumb_err *err, int code)
{
	if (err && err->msg[0])
		return err->msg;
	return strerror(abs(code ? code : (err ? err->code : 0)));
}
