// SPDX-License-Identifier: MIT
/* udp-echo ADDR: the floor of bench/dns.sh. It answers every datagram on
 * ADDR:53 with the datagram itself, QR bit set (to dnsperf: a NOERROR answer
 * with no records), in batches of up to 64 with recvmmsg/sendmmsg, and does
 * nothing else. Its server CPU per query is what the kernel charges a UDP
 * server here for taking one query in and putting one reply out, which no DNS
 * server can go below. Not part of plumb; built by bench/dns.sh. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH 64
#define MAXLEN 512
#define RCVBUF (1 << 20) /* as plumb-dns (SRV_UDP_RCVBUF): bursts are not dropped */

int main(int argc, char **argv)
{
	static unsigned char buf[BATCH][MAXLEN];
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(53)}, from[BATCH];
	struct iovec iov[BATCH];
	struct mmsghdr m[BATCH];
	int fd, rcv = RCVBUF;

	if (argc != 2 || inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
		fprintf(stderr, "usage: udp-echo IPV4-ADDRESS\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "udp-echo: %s:53: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (;;) {
		int n;

		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){buf[i], MAXLEN};
			m[i].msg_hdr = (struct msghdr){.msg_name = &from[i],
						       .msg_namelen = sizeof(from[i]),
						       .msg_iov = &iov[i],
						       .msg_iovlen = 1};
		}
		n = recvmmsg(fd, m, BATCH, MSG_WAITFORONE, NULL);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "udp-echo: recvmmsg: %s\n", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (m[i].msg_len > 2)
				buf[i][2] |= 0x80; /* QR: this is a response */
			iov[i].iov_len = m[i].msg_len;
		}
		if (n > 0)
			sendmmsg(fd, m, (unsigned)n, 0);
	}
}
