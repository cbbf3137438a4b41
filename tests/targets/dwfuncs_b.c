// SPDX-License-Identifier: BSD-2-Clause
/* The second unit of dwfuncs (see dwfuncs_a.c): another static twin and same_name. */
struct item {
	char name[8];
	int n;
};

static __attribute__((noinline)) int twin(struct item *q, int k)
{
	return q->n + k + q->name[0];
}

static __attribute__((noipa)) int same_name(struct item *q, int k)
{
	return q->n * k;
}

long call_b(void *q)
{
	return twin(q, 2) + same_name(q, 3);
}
