// SPDX-License-Identifier: BSD-2-Clause
/*
 * The per-event floor of `make bench`: what `coreprobe structs` does per add_test() call, minus
 * everything coreprobe adds. Same event size (struct structs_event), same ring-buffer size, same
 * fields; but fixed offsets (demo_v1's layout: a at 0, c at 4) read with plain
 * bpf_probe_read_user, and no CO-RE at all, not even for pt_regs: the first argument is read at
 * its x86-64 offset (di), so libbpf never needs any BTF but the object's own.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf/structs.h"

/* the x86-64 struct pt_regs up to di: the uprobe context */
struct regs_x86_64 {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 512 * 1024);	/* = CP_RINGBUF_SIZE for structs */
} floor_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} floor_dropped SEC(".maps");

SEC("uprobe")
int floor_add_test(struct regs_x86_64 *ctx)
{
	const int *d = (const int *)ctx->di;
	struct structs_event *e = bpf_ringbuf_reserve(&floor_rb, sizeof(*e), 0);
	__u64 id = bpf_get_current_pid_tgid();

	if (!e) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&floor_dropped, &zero);

		if (n)
			__sync_fetch_and_add(n, 1);
		return 0;
	}
	e->pid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user(&e->a, sizeof(e->a), d);
	bpf_probe_read_user(&e->c, sizeof(e->c), d + 1);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
