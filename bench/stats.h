/* SPDX-License-Identifier: BSD-2-Clause */
/* bench/stats.h: the clock and the median the bench helpers report with (header only: the
 * helpers are linked in several ways, static musl and plain glibc, bench/bench.mk). */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdlib.h>
#include <time.h>

/* seconds on CLOCK_MONOTONIC */
static inline double bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* the median of X[0..N-1] (N > 0), which it sorts in place: X[0] and X[N-1] are then the
 * minimum and the maximum */
static inline double bench_median(double *x, int n)
{
	qsort(x, n, sizeof(*x), bench_cmp_double);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

#endif
