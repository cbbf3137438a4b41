// SPDX-License-Identifier: BSD-2-Clause
/* bench/pair.c: the socket, fork and timing part of bench/tlspair and bench/gnutlspair (pair.h) */
#define _GNU_SOURCE
#include "pair.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *pair_name = "pair";

static void fail(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", pair_name, what, strerror(errno));
	exit(1);
}

void pair_start(struct pair *p, pair_serve_fn serve, long expect, long size)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int lfd, one = 1;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen))
		fail("listen");
	p->server = fork();
	if (p->server < 0)
		fail("fork");
	if (p->server == 0) {
		int fd = accept(lfd, NULL, NULL), rc;

		if (fd < 0)
			fail("accept");
		rc = serve(fd, expect, size);
		close(fd);
		_exit(rc);
	}
	close(lfd);
	p->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->fd < 0 || connect(p->fd, (struct sockaddr *)&a, sizeof(a)))
		fail("connect");
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int pair_finish(struct pair *p)
{
	int st;

	shutdown(p->fd, SHUT_WR);
	if (waitpid(p->server, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "%s: server failed\n", pair_name);
		return -1;
	}
	return 0;
}

void pair_pace(double t0, long i, double rate)
{
	double due;
	struct timespec ts;

	if (rate <= 0)
		return;
	due = t0 + i / rate;
	ts = (struct timespec){ (time_t)due, (long)((due - (time_t)due) * 1e9) };
	if (bench_now_s() < due)
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

int pair_main(int argc, char **argv, const char *name, int (*run_pair)(long writes, double rate, long size))
{
	long writes = argc > 1 ? atol(argv[1]) : 0, size = argc > 3 ? atol(argv[3]) : 1024;
	double rate = argc > 2 ? atof(argv[2]) : 0, t0, t1;
	int pairs = argc > 4 ? atoi(argv[4]) : 1, bad = 0, st;

	pair_name = name;
	if (writes <= 0 || size <= 0 || size > 16384 || pairs < 1 || pairs > 64) {
		fprintf(stderr, "usage: %s WRITES [RATE] [SIZE] [PAIRS]\n", name);
		return 2;
	}
	t0 = bench_now_s();
	for (int p = 0; p < pairs; p++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(run_pair(writes, rate, size));
		if (pid < 0)
			fail("fork");
	}
	while (wait(&st) > 0)
		bad |= !WIFEXITED(st) || WEXITSTATUS(st);
	t1 = bench_now_s();
	if (bad)
		return 1;
	printf("{\"writes\":%ld,\"seconds\":%.6f,\"rate\":%.1f}\n", writes * pairs, t1 - t0,
	       writes * pairs / (t1 - t0));
	return 0;
}
