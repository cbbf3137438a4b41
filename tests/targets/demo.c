// SPDX-License-Identifier: BSD-2-Clause
/* The demo target of `coreprobe structs`, in several builds whose struct data differs:
 *   DEMO_V1: { a, c, d }        DEMO_V2: { a, b, c, d }        DEMO_V3: { d, c, b, a }
 * Every build sets a=1, c=3 and add_test() returns a + c = 4: a tracer that reads the right
 * offsets prints "1 3 4" for all of them.
 * usage: demo [CALLS] [INTERVAL_MS]   (default: one call) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(DEMO_V1)
struct data { int a; int c; int d; };
#define INIT { .a = 1, .c = 3, .d = 4 }
#elif defined(DEMO_V2)
struct data { int a; int b; int c; int d; };
#define INIT { .a = 1, .b = 2, .c = 3, .d = 4 }
#elif defined(DEMO_V3)
struct data { long d; int c; short b; int a; };
#define INIT { .a = 1, .b = 2, .c = 3, .d = 4 }
#else
#error "build with -DDEMO_V1, -DDEMO_V2 or -DDEMO_V3"
#endif

/* noinline + exported (see the Makefile): the probe needs a real call and a symbol that
 * survives strip. */
__attribute__((noinline)) int add_test(struct data *d)
{
	__asm__ volatile("" ::: "memory");
	return d->a + d->c;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 1;
	long interval_ms = argc > 2 ? atol(argv[2]) : 0;
	struct data d = INIT;
	long sum = 0;

	for (long i = 0; i < calls; i++) {
		sum += add_test(&d);
		if (interval_ms) {
			struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000 };

			nanosleep(&ts, NULL);
		}
	}
	if (calls == 1)
		printf("add_test(&d) = %ld\n", sum);
	return sum == 4 * calls ? 0 : 1;
}
