// SPDX-License-Identifier: MIT
/* bench/nat-loop — N port mappings added (or removed) one transaction each,
 * in one process: plumb's per-change cost without process start-up, to set
 * beside `nft -i` doing the same. Built by bench/nat.sh, not by make.
 *
 *   nat-loop NETNS add|del N FIRST-PORT */
#include "common/netns.h"
#include "nat/nat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct plumb_err err = {0};
	struct nat n;
	bool add;
	int fd, r = 0;
	long count, first;

	if (argc != 5)
		return fprintf(stderr, "usage: nat-loop NETNS add|del N FIRST-PORT\n"), 2;
	add = !strcmp(argv[2], "add");
	count = strtol(argv[3], NULL, 10);
	first = strtol(argv[4], NULL, 10);
	fd = netns_open(argv[1], &err);
	if (fd < 0 || nat_open(&n, fd, &err) < 0)
		return fprintf(stderr, "%s\n", err.msg), 1;
	for (long i = 0; i < count && r == 0; i++) {
		struct nat_port p = {.proto = IPPROTO_TCP, .host_port = (uint16_t)(first + i),
				     .port = 80};

		plumb_ip_parse("10.88.0.5", &p.ip);
		r = add ? nat_port_add(&n, &p, 1, &err) : nat_port_del(&n, &p, 1, &err);
	}
	if (r < 0)
		fprintf(stderr, "%s\n", err.msg);
	nat_close(&n);
	return r < 0;
}
