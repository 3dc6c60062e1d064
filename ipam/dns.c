// SPDX-License-Identifier: MIT
/* ipam/dns.c — resolv.conf into struct ipam_dns, as host-local reads it:
 * nameserver, domain, search, options; comments (# ;) and short lines skipped. */
#include "ipam/internal.h"

#include "common/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void add(char (*list)[64], size_t *n, const char *v)
{
	if (*n < IPAM_MAX_DNS)
		snprintf(list[(*n)++], 64, "%s", v);
}

int ipam_dns_read(const char *path, struct ipam_dns *out, struct plumb_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[1024];

	*out = (struct ipam_dns){0};
	if (!f)
		return plumb_err_set(err, errno, "resolvConf %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *key = strtok_r(line, " \t\r\n", &save), *v;

		if (!key || key[0] == '#' || key[0] == ';')
			continue;
		v = strtok_r(NULL, " \t\r\n", &save);
		if (!v)
			continue;
		if (!strcmp(key, "nameserver")) {
			add(out->nameservers, &out->n_nameservers, v);
		} else if (!strcmp(key, "domain")) {
			snprintf(out->domain, sizeof(out->domain), "%s", v);
		} else if (!strcmp(key, "search")) {
			for (; v; v = strtok_r(NULL, " \t\r\n", &save))
				if (out->n_search < IPAM_MAX_DNS)
					snprintf(out->search[out->n_search++], 256, "%s", v);
		} else if (!strcmp(key, "options")) {
			for (; v; v = strtok_r(NULL, " \t\r\n", &save))
				add(out->options, &out->n_options, v);
		}
	}
	return 0;
}
