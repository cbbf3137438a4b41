// SPDX-License-Identifier: BSD-2-Clause
#include "src/runtime/hist.h"

#define BAR_WIDTH 40

static int last_used(const uint32_t *slots, int n)
{
	int last = -1;

	for (int i = 0; i < n; i++)
		if (slots[i])
			last = i;
	return last;
}

/* the value range a slot covers: 0..1 for slot 0, [2^k, 2^(k+1)-1] after */
static void slot_range(int k, unsigned long long *lo, unsigned long long *hi)
{
	*lo = k ? 1ULL << k : 0;
	*hi = (1ULL << (k + 1)) - 1;
}

void cp_hist_print(FILE *f, const uint32_t *slots, int n, const char *unit)
{
	int last = last_used(slots, n);
	uint32_t max = 0;

	if (last < 0)
		return;
	for (int i = 0; i <= last; i++)
		if (slots[i] > max)
			max = slots[i];
	fprintf(f, "%26s : %-10s %s\n", unit, "count", "distribution");
	for (int i = 0; i <= last; i++) {
		unsigned long long lo, hi;
		int bar = max ? (int)((uint64_t)slots[i] * BAR_WIDTH / max) : 0;
		char stars[BAR_WIDTH + 1];

		slot_range(i, &lo, &hi);
		for (int j = 0; j < BAR_WIDTH; j++)
			stars[j] = j < bar ? '*' : ' ';
		stars[BAR_WIDTH] = 0;
		fprintf(f, "%11llu -> %-11llu : %-10u |%s|\n", lo, hi, slots[i], stars);
	}
}

void cp_hist_json(FILE *f, const uint32_t *slots, int n)
{
	int last = last_used(slots, n);

	fputc('[', f);
	for (int i = 0; i <= last; i++) {
		unsigned long long lo, hi;

		slot_range(i, &lo, &hi);
		fprintf(f, "%s{\"low\":%llu,\"high\":%llu,\"count\":%u}", i ? "," : "", lo, hi, slots[i]);
	}
	fputc(']', f);
}
