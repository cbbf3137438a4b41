/* SPDX-License-Identifier: BSD-2-Clause */
/* `coreprobe trace`: the plan userspace computes from BTF (what to read) and the event the
 * kernel side sends back (what it read). Shared by bpf/trace.bpf.c, src/trace/ and tools/. */
#ifndef COREPROBE_TRACE_H
#define COREPROBE_TRACE_H

#define TRACE_MAX_EXPRS 8
#define TRACE_MAX_STEPS 10
#define TRACE_LEAF_MAX 256	/* bytes read for one expression's value (a power of two) */
#define TRACE_COMM_LEN 16

/* Where an expression's walk starts: one of the registers of the probe's pt_regs, by index into
 * the table bpf/trace.bpf.c fills with libbpf's per-arch PT_REGS_* macros. */
enum trace_reg {
	TRACE_REG_ARG0 = 0,	/* ... TRACE_REG_ARG0 + 5: the first six integer arguments */
	TRACE_REG_RET = 6,	/* the return value (at %return) */
	TRACE_NREGS = 7,
};

/* One step: addr = v + off; deref: v = the pointer stored at addr (v == 0 before it: NULL),
 * else v = addr. */
struct trace_step {
	__u32 off;
	__u32 deref;
};

enum trace_leaf {
	TRACE_LEAF_VALUE = 0,	/* the value is v itself (a register, no read) */
	TRACE_LEAF_MEM = 1,	/* read size bytes at v + leaf_off */
	TRACE_LEAF_STR = 2,	/* read a NUL-terminated string of at most size bytes at v + leaf_off */
};

struct trace_expr_plan {
	__u32 reg;		/* enum trace_reg */
	__u32 n_steps;
	__u32 leaf;		/* enum trace_leaf */
	__u32 leaf_off;
	__u32 size;		/* bytes of the value, <= TRACE_LEAF_MAX */
	__u32 data_off;		/* where the value goes in trace_event.data (8-aligned) */
	struct trace_step steps[TRACE_MAX_STEPS];
};

struct trace_plan {
	__u32 n_exprs;
	__u32 kernel;		/* 1: kernel memory (kprobe:), 0: the traced process's memory */
	__u32 data_size;	/* bytes of trace_event.data an event carries: the values, packed */
	__u32 pad;
	struct trace_expr_plan exprs[TRACE_MAX_EXPRS];
};

/* status[i]: TRACE_OK; TRACE_READ_FAILED + k: the read of step k failed (k == n_steps: the
 * value's own read); TRACE_NULL + k: the pointer followed at step k was NULL. */
enum trace_status {
	TRACE_OK = 0,
	TRACE_READ_FAILED = 0x10,
	TRACE_NULL = 0x40,
};

/* The values, packed (expression i at plan.exprs[i].data_off): an event is sent with only
 * the data_size bytes it uses (built in the per-CPU scratch slot, then copied out), so a
 * 1-expression event is ~50 bytes, not the 2 KB of the largest. The last TRACE_LEAF_MAX bytes
 * are slack for the verifier: an offset masked to the first part plus a bounded size. */
#define TRACE_DATA_MAX (TRACE_MAX_EXPRS * TRACE_LEAF_MAX + TRACE_LEAF_MAX)

struct trace_event {
	__u32 pid;
	__u32 tid;
	char comm[TRACE_COMM_LEN];
	__u8 status[TRACE_MAX_EXPRS];
	__u8 data[TRACE_DATA_MAX];
};
#define TRACE_EVENT_HDR (4 + 4 + TRACE_COMM_LEN + TRACE_MAX_EXPRS)

#endif
