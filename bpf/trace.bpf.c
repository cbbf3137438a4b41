// SPDX-License-Identifier: BSD-2-Clause
/* `coreprobe trace`: one precompiled program for every field path. Userspace resolves each
 * expression against BTF into a plan of (offset, dereference) steps and sets it in .rodata
 * before load; this program only follows the plan. It reads the probe's registers through
 * the UAPI pt_regs (libbpf's PT_REGS_* macros, per arch) and memory through the
 * bpf_probe_read_{user,kernel}* helpers (5.5+; the oldest kernel coreprobe supports is 5.10),
 * so it has no CO-RE relocation: an application trace needs no kernel BTF. */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "trace.h"
#define CP_EVENT_MAX sizeof(struct trace_event)
#include "events.bpf.h"

const volatile struct trace_plan plan = {};
const volatile __u32 filter_tgid = 0;

static __always_inline long read_mem(void *dst, __u32 size, __u64 src)
{
	if (plan.kernel)
		return bpf_probe_read_kernel(dst, size, (const void *)src);
	return bpf_probe_read_user(dst, size, (const void *)src);
}

static __always_inline long read_str(void *dst, __u32 size, __u64 src)
{
	if (plan.kernel)
		return bpf_probe_read_kernel_str(dst, size, (const void *)src);
	return bpf_probe_read_user_str(dst, size, (const void *)src);
}

/* Follows expression i's plan; returns its status (bpf/trace.h). */
static __always_inline __u8 eval_expr(struct trace_event *e, const __u64 *regs, __u32 i)
{
	const volatile struct trace_expr_plan *p = &plan.exprs[i];
	__u32 n = p->n_steps, size = p->size, reg = p->reg;
	/* masked: the verifier must see dst + size inside data[] (TRACE_DATA_MAX has the slack) */
	__u8 *dst = e->data + (p->data_off & (TRACE_MAX_EXPRS * TRACE_LEAF_MAX - 1));
	__u64 v;

	if (reg >= TRACE_NREGS)
		return TRACE_READ_FAILED;
	v = regs[reg];
	for (__u32 k = 0; k < TRACE_MAX_STEPS; k++) {
		__u64 next;

		if (k >= n)
			break;
		if (!p->steps[k].deref) {
			v += p->steps[k].off;
			continue;
		}
		if (!v)
			return TRACE_NULL + k;
		if (read_mem(&next, sizeof(next), v + p->steps[k].off))
			return TRACE_READ_FAILED + k;
		v = next;
	}
	if (size > TRACE_LEAF_MAX)
		size = TRACE_LEAF_MAX;
	if (p->leaf == TRACE_LEAF_VALUE) {
		__builtin_memcpy(dst, &v, sizeof(v));
		return TRACE_OK;
	}
	if (!v)
		return TRACE_NULL + n;
	if (size == 0)
		return TRACE_OK;
	if (p->leaf == TRACE_LEAF_STR) {
		if (read_str(dst, size, v + p->leaf_off) < 0)
			return TRACE_READ_FAILED + n;
		return TRACE_OK;
	}
	if (read_mem(dst, size, v + p->leaf_off))
		return TRACE_READ_FAILED + n;
	return TRACE_OK;
}

SEC("kprobe")
int trace_probe(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	/* the register table: argument N is regs[N], the return value regs[TRACE_REG_RET] */
	__u64 regs[TRACE_NREGS] = {
		PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx),
		PT_REGS_PARM4(ctx), PT_REGS_PARM5(ctx), PT_REGS_PARM6(ctx),
		PT_REGS_RC(ctx),
	};
	struct trace_event *e;
	__u32 size;

	if (filter_tgid && (id >> 32) != filter_tgid)
		return 0;
	e = cp_event_scratch();
	if (!e)
		return 0;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	for (__u32 i = 0; i < TRACE_MAX_EXPRS; i++) {
		if (i >= plan.n_exprs)
			break;
		e->status[i] = eval_expr(e, regs, i);
	}
	size = plan.data_size;
	if (size > TRACE_DATA_MAX)
		size = TRACE_DATA_MAX;
	cp_event_output(ctx, e, TRACE_EVENT_HDR + size);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
