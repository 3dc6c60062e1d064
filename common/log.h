/* SPDX-License-Identifier: MIT */
/*
 * common/log.h — a small logger: to stderr, never to stdout (stdout belongs to
 * CNI results and `-j` JSON). The level comes from env PLUMB_LOG
 * (error|warn|info|debug, or 0-3; default warn). The level is the one piece of
 * process-wide state plumb keeps outside main.
 */
#ifndef PLUMB_COMMON_LOG_H
#define PLUMB_COMMON_LOG_H

enum plumb_log_level {
	PLUMB_LOG_ERROR = 0,
	PLUMB_LOG_WARN = 1,
	PLUMB_LOG_INFO = 2,
	PLUMB_LOG_DEBUG = 3,
};

/* Read PLUMB_LOG; programs call it once from main. `prog` prefixes each line. */
void plumb_log_init(const char *prog);
void plumb_log_set_level(enum plumb_log_level level);
int plumb_log_enabled(enum plumb_log_level level);
void plumb_log(enum plumb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) plumb_log(PLUMB_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) plumb_log(PLUMB_LOG_WARN, __VA_ARGS__)
#define log_info(...) plumb_log(PLUMB_LOG_INFO, __VA_ARGS__)
#define log_debug(...) plumb_log(PLUMB_LOG_DEBUG, __VA_ARGS__)

#endif
