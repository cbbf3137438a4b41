// SPDX-License-Identifier: BSD-2-Clause
/*
 * The target of tests/integration/trace.sh: one source, two layouts (-DLAYOUT2 adds fields and
 * reorders others, bitfields included), the same values. `coreprobe trace` must print the same
 * thing for both builds, each read with its own BTF.
 *
 * usage: tracetarget [CALLS] [INTERVAL_MS]   calls visit(&rec, k) and find(&rec, id) CALLS
 * times (default: forever), INTERVAL_MS apart (default 50); prints "ready PID" first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum color { RED = 1, GREEN = 2, BLUE = -3 };

struct flags {
#ifdef LAYOUT2
	unsigned int extra : 2;
	int b : 5;
	unsigned int a : 3;
#else
	unsigned int a : 3;
	int b : 5;
#endif
	unsigned int c : 1;
};

struct inner {
#ifdef LAYOUT2
	char name[16];
	short neg;
	long long big;
#else
	long long big;
	short neg;
	char name[16];
#endif
};

struct node {
#ifdef LAYOUT2
	const char *label;
	long pad;
#endif
	int id;
	struct node *next;
#ifndef LAYOUT2
	const char *label;
#endif
};

struct big {
	char blob[300];		/* more than one value's 256 bytes: printed only by field */
};

typedef struct rec {
#ifdef LAYOUT2
	double weight;
	char pad0[24];
#endif
	int id;
	enum color color;
	struct flags fl;
	struct inner in;
	union {
		int i;
		unsigned char bytes[4];
	} u;
	struct {		/* anonymous: x and y are fields of struct rec */
		int x;
		int y;
	};
	int arr[4];
#ifdef LAYOUT2
	unsigned long long u64;
	struct node *nullp;
	struct node *head;
#else
	struct node *head;
	struct node *nullp;
	unsigned long long u64;
#endif
	char *str;
	signed char sc;
	struct big *bigp;
} rec_t;

/* visit() takes struct rec *, find() the typedef rec_t * (bpftrace 0.17 finds no fields
 * through a typedef'd struct pointer in DWARF; coreprobe strips typedefs) */
/* noipa: no clone, no changed calling convention: the symbol is the function as written */
__attribute__((noipa)) int visit(struct rec *r, long k)
{
	return r->id + (int)k;
}

__attribute__((noipa)) struct node *find(rec_t *r, int id)
{
	for (struct node *n = r->head; n; n = n->next)
		if (n->id == id)
			return n;
	return NULL;
}

/* the parts of a rec without anonymous members: bpftrace 0.17 aborts on a struct that has one
 * (tests/integration/trace.sh compares these with it) */
__attribute__((noipa)) long parts(struct node *n, struct inner *in, struct flags *fl, enum color c)
{
	return n->id + in->neg + fl->a + c;
}

int main(int argc, char **argv)
{
	static struct node n3 = { .id = 30, .label = "third" };
	static struct node n2 = { .id = 20, .next = &n3, .label = "second" };
	static struct node n1 = { .id = 10, .next = &n2, .label = "first" };
	static char str[] = "hello, \"trace\"";
	static struct big big = { "big" };
	rec_t r = {
		.id = 42,
		.color = BLUE,
		.fl = { .a = 5, .b = -7, .c = 1 },
		.in = { .big = -1234567890123456789LL, .neg = -32000, .name = "inner-name" },
		.u = { .i = 0x01020304 },
		.x = -5, .y = 7,
		.arr = { 100, -200, 300, 2147483647 },
		.head = &n1, .nullp = NULL,
		.u64 = 18446744073709551615ULL,
		.str = str,
		.sc = -128,
		.bigp = &big,
	};
	long calls = argc > 1 ? atol(argv[1]) : -1;
	long ms = argc > 2 ? atol(argv[2]) : 50;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	volatile int sink = 0;

	printf("ready %d\n", getpid());
	fflush(stdout);
	for (long i = 0; calls < 0 || i < calls; i++) {
		sink += visit(&r, 3);
		sink += find(&r, 20) ? 1 : 0;
		sink += parts(r.head, &r.in, &r.fl, r.color);
		nanosleep(&ts, NULL);
	}
	return sink == 12345;
}
