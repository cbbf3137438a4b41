// SPDX-License-Identifier: BSD-2-Clause
/*
 * nettraffic: known TCP or UDP traffic over loopback for the kernel tools' tests, from one
 * static binary (the test VMs have busybox only).
 *
 *   nettraffic tcp|udp [-6] PORT CONNS ROUNDS [PAUSE_MS]
 *
 * Starts an echo server on 127.0.0.1:PORT (::1 with -6) in a child process, then makes CONNS
 * connections (UDP: CONNS client sockets), each sending ROUNDS 64-byte messages and waiting
 * for every echo, PAUSE_MS milliseconds apart (default 1). Prints one summary line; exit 0 if
 * every echo came back, 1 otherwise, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG 64

static int v6;

static socklen_t make_addr(struct sockaddr_storage *ss, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*a);
}

static int full_io(int fd, char *buf, int n, int out)
{
	int done = 0;

	while (done < n) {
		ssize_t r = out ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += r;
	}
	return 0;
}

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

/* TCP echo: serve CONNS connections one after the other, each until the peer closes */
static void tcp_server(int ls, int conns)
{
	char buf[MSG];

	for (int c = 0; c < conns; c++) {
		int fd = accept(ls, NULL, NULL);

		if (fd < 0)
			_exit(1);
		while (full_io(fd, buf, MSG, 0) == 0)
			if (full_io(fd, buf, MSG, 1))
				break;
		close(fd);
	}
	_exit(0);
}

static void udp_server(int s, long total)
{
	char buf[MSG];

	for (long i = 0; i < total; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (n < 0 && errno == EINTR) {
			i--;
			continue;
		}
		if (n < 0)
			_exit(1);
		sendto(s, buf, n, 0, (struct sockaddr *)&from, fl);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	int tcp, port, conns, rounds, pause = 1, ok = 0, i = 1, one = 1, s;
	socklen_t len;
	pid_t child;
	char buf[MSG];

	if (argc > 1 + i && !strcmp(argv[1 + i], "-6")) {
		v6 = 1;
		memmove(&argv[1 + i], &argv[2 + i], (argc - 2 - i) * sizeof(char *));
		argc--;
	}
	if (argc < 5 || argc > 6 || (strcmp(argv[1], "tcp") && strcmp(argv[1], "udp"))) {
		fprintf(stderr, "usage: nettraffic tcp|udp [-6] PORT CONNS ROUNDS [PAUSE_MS]\n");
		return 2;
	}
	tcp = !strcmp(argv[1], "tcp");
	port = atoi(argv[2]);
	conns = atoi(argv[3]);
	rounds = atoi(argv[4]);
	if (argc == 6)
		pause = atoi(argv[5]);
	if (port < 1 || port > 65535 || conns < 1 || rounds < 1 || pause < 0) {
		fprintf(stderr, "nettraffic: bad numbers\n");
		return 2;
	}
	len = make_addr(&ss, port);
	/* the server socket exists before the fork: the clients never race its bind */
	s = socket(v6 ? AF_INET6 : AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&ss, len) || (tcp && listen(s, 16))) {
		perror("nettraffic: server socket");
		return 1;
	}
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		if (tcp)
			tcp_server(s, conns);
		udp_server(s, (long)conns * rounds);
	}
	close(s);
	memset(buf, 'x', sizeof(buf));
	for (int c = 0; c < conns; c++) {
		int fd = socket(v6 ? AF_INET6 : AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
		struct timeval tv = { 2, 0 };

		/* a lost UDP datagram must not hang the test */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len)) {
			perror("nettraffic: connect");
			break;
		}
		for (int r = 0; r < rounds; r++) {
			if (tcp ? full_io(fd, buf, MSG, 1) || full_io(fd, buf, MSG, 0)
				: send(fd, buf, MSG, 0) != MSG || recv(fd, buf, MSG, 0) != MSG)
				break;
			ok++;
			pause_ms(pause);
		}
		close(fd);
	}
	if (!tcp && ok < conns * rounds)
		kill(child, SIGTERM);	/* it still waits for the datagrams that were lost */
	waitpid(child, NULL, 0);
	printf("%s %s port %d: %d of %d echoes\n", argv[1], v6 ? "::1" : "127.0.0.1", port, ok, conns * rounds);
	return ok == conns * rounds ? 0 : 1;
}
