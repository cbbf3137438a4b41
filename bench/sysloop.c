// SPDX-License-Identifier: BSD-2-Clause
/* The cost of a syscall, for bench/procwatch.sh: N getppid(2) calls (raw syscall, no libc
 * caching), best of R rounds; prints nanoseconds per call. The process watcher's raw
 * sys_enter/sys_exit programs run on every syscall of the machine: this is their tax. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, rounds = argc > 2 ? atol(argv[2]) : 5;
	double best = 0;

	for (long r = 0; r < rounds; r++) {
		double t0 = now_ns();

		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		double per = (now_ns() - t0) / n;
		if (!r || per < best)
			best = per;
	}
	printf("%.1f\n", best);
	return 0;
}
