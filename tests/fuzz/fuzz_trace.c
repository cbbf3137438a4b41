// SPDX-License-Identifier: BSD-2-Clause
/* `coreprobe trace`'s expression parser and plan builder (src/trace/expr.c), then the value
 * printers (src/trace/value.c) on bytes the kernel side could send: the expressions are the
 * user's, the bytes the traced program's. Input: one flags byte (bit 0: %return, bit 1: kernel,
 * bit 2: the function without BTF), up to 9 expressions separated by newlines, then after a NUL
 * the bytes of a value. A plan that builds must stay inside the BPF side's bounds. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "src/trace/expr.h"
#include "src/trace/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_value vals[TRACE_MAX_EXPRS + 1];
	__u8 leaf[TRACE_LEAF_MAX] = { 0 };
	const char *exprs[TRACE_MAX_EXPRS + 1];
	struct trace_plan plan;
	struct trace_site site;
	char *text, *p, *nul;
	struct btf *btf;
	int n = 0;

	if (size < 1)
		return 0;
	fuzz_quiet();
	site = (struct trace_site){ .func = data[0] & 4 ? "nosuch" : data[0] & 8 ? "fl" : "visit",
				    .at_return = data[0] & 1, .kernel = data[0] & 2 };
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	nul = text + strlen(text);
	if (nul + 1 < text + size - 1)
		memcpy(leaf, nul + 1, text + size - 1 - (nul + 1) > TRACE_LEAF_MAX ? TRACE_LEAF_MAX : text + size - 1 - (nul + 1));
	for (p = text; n <= TRACE_MAX_EXPRS; n++) {
		exprs[n] = p;
		if (!(p = strchr(p, '\n'))) {
			n++;
			break;
		}
		*p++ = 0;
	}
	btf = fuzz_trace_btf();
	cp_error_clear();
	if (trace_plan_build(btf, &site, exprs, n, &plan, vals) == 0) {
		char *out = NULL;
		size_t on = 0;
		FILE *f = open_memstream(&out, &on);

		if (plan.n_exprs != (unsigned)n || n > TRACE_MAX_EXPRS)
			abort();
		for (int i = 0; i < n; i++) {
			const struct trace_expr_plan *e = &plan.exprs[i];

			if (e->n_steps > TRACE_MAX_STEPS || e->size > TRACE_LEAF_MAX || e->reg >= TRACE_NREGS ||
			    vals[i].size > TRACE_LEAF_MAX || e->leaf > TRACE_LEAF_STR)
				abort();
			if (f) {
				tv_print_text(f, btf, &vals[i], leaf);
				tv_print_json(f, btf, &vals[i], leaf);
				for (__u8 st = TRACE_READ_FAILED; st <= TRACE_NULL + TRACE_MAX_STEPS; st++) {
					char why[160];

					tv_status_text(&vals[i], st, why, sizeof(why));
				}
			}
		}
		if (f)
			fclose(f);
		free(out);
	} else if (!cp_errcode() || !*cp_errmsg()) {
		abort();	/* a refusal always says why */
	}
	btf__free(btf);
	free(text);
	return 0;
}
