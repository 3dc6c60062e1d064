// SPDX-License-Identifier: MIT
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Process-wide by design: every module may log, and threading the level through
 * every call would buy nothing. Written only from main via plumb_log_init. */
static enum plumb_log_level log_level = PLUMB_LOG_WARN;
static const char *log_prog = "plumb";

static int parse_level(const char *s, enum plumb_log_level *out)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(s, names[i]) || (s[0] == (char)('0' + i) && !s[1])) {
			*out = (enum plumb_log_level)i;
			return 0;
		}
	}
	return -1;
}

void plumb_log_init(const char *prog)
{
	const char *env = getenv("PLUMB_LOG");

	if (prog)
		log_prog = prog;
	if (env && *env && parse_level(env, &log_level) < 0)
		fprintf(stderr, "%s: PLUMB_LOG=%s is not error|warn|info|debug; using warn\n",
			log_prog, env);
}

void plumb_log_set_level(enum plumb_log_level level)
{
	log_level = level;
}

int plumb_log_enabled(enum plumb_log_level level)
{
	return level <= log_level;
}

void plumb_log(enum plumb_log_level level, const char *fmt, ...)
{
	static const char *const tags[] = {"error", "warn", "info", "debug"};
	char line[2048];
	va_list ap;
	int n;

	if (level > log_level)
		return;
	n = snprintf(line, sizeof(line), "%s: %s: ", log_prog, tags[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line, so concurrent processes do not interleave mid-line. */
	fprintf(stderr, "%s\n", line);
}
