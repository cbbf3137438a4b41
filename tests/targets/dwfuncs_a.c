// SPDX-License-Identifier: BSD-2-Clause
/*
 * A target whose functions gcc -O2 changes (tests/integration/dwfunc.sh, trace.sh), built with
 * dwfuncs_b.c: only_id and twin exist only as IPA clones (only_id.isra.0 / .constprop.0 ...:
 * their entries do not take the source prototype), same_name is a static of that name in both
 * units with different prototypes (noipa: both keep their own symbol), call_a keeps its own.
 * BTF from the DWARF must type call_a, and say why for each of the others.
 *
 * usage: dwfuncs [CALLS] [INTERVAL_MS]   prints "ready PID", then calls call_a and call_b.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct acct {
	int id;
	long balance;
	const char *owner;
};

static __attribute__((noinline)) long twin(struct acct *p)
{
	return p->balance + 1;
}

static __attribute__((noinline)) int only_id(struct acct *p, int unused)
{
	return p->id * 3;
}

static __attribute__((noipa)) long same_name(struct acct *p)
{
	return p->balance - p->id;
}

__attribute__((noinline)) long call_a(struct acct *p)
{
	return twin(p) + only_id(p, 5) + same_name(p);
}

long call_b(void *q);

int main(int argc, char **argv)
{
	struct acct a = { 7, 1234, "ann" };
	char buf[16] = "bob";
	long calls = argc > 1 ? atol(argv[1]) : -1, ms = argc > 2 ? atol(argv[2]) : 50;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	for (long i = 0; calls < 0 || i < calls; i++) {
		volatile long r = call_a(&a) + call_b(buf);

		(void)r;
		nanosleep(&ts, NULL);
	}
	return 0;
}
