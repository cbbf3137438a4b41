/* SPDX-License-Identifier: BSD-2-Clause */
/* `coreprobe trace` expressions: the parser and the plan builder. Pure: from a BTF, a function
 * name and the expression texts to a plan for bpf/trace.bpf.c and a description of each value
 * for printing; it touches no file, kernel or global state but the recorded error
 * (src/common.h), so tests/fuzz/fuzz_trace.c drives it directly. */
#ifndef COREPROBE_TRACE_EXPR_H
#define COREPROBE_TRACE_EXPR_H

#include <linux/types.h>
#include <stdbool.h>

#include "bpf/trace.h"

struct btf;

/* How a value prints (src/trace/value.c). */
enum tv_kind {
	TV_INT,		/* integer, signed or not, 1..8 bytes (bool and char included) */
	TV_ENUM,	/* printed by its enumerator's name */
	TV_PTR,		/* an address */
	TV_STR,		/* char * or char[N]: a bounded string */
	TV_BITFIELD,	/* an integer or enum of bit_size bits at bit_shift in the bytes read */
	TV_AGGR,	/* a struct, union or array: printed whole */
};

struct trace_value {
	enum tv_kind kind;
	__u32 type_id;		/* the BTF type as declared (typedefs kept, for btf_dump) */
	__u32 resolved_id;	/* typedef/const/volatile stripped */
	__u32 size;		/* bytes read (TV_STR: the bound) */
	bool is_signed;
	bool truncated;		/* TV_STR of a char array longer than TRACE_LEAF_MAX */
	__u8 bit_shift, bit_size;
	/* base[k]: the pointer expression (as written) that the read of step k goes through,
	 * k == the plan's n_steps for the value's own read: what a NULL or a failed read names */
	char base[TRACE_MAX_STEPS + 1][96];
};

/* Where the probe is and what its function's BTF says. */
struct trace_site {
	const char *func;	/* the function's name, for messages and the BTF FUNC lookup */
	bool at_return;		/* %return: `ret` only, the argument registers are reused */
	bool kernel;		/* kprobe: kernel memory */
};

/*
 * Parses and resolves n expressions against btf (which gains a pointer type per cast). Fills
 * plan (n_exprs, kernel, every expression) and vals[0..n). 0, or an exit code with a one-line
 * error recorded: 2 for bad syntax, an unknown field (the type's members are listed), a path
 * the types do not allow; 3 for a type the BTF does not carry.
 */
int trace_plan_build(struct btf *btf, const struct trace_site *site, const char *const *exprs, int n,
		     struct trace_plan *plan, struct trace_value *vals);

#endif
