// SPDX-License-Identifier: BSD-2-Clause
/* `coreprobe structs`: reads two fields of the target's `struct data` at add_test() entry. The
 * struct below is this program's view of it: CO-RE matches the fields by name, and their
 * offsets come from the target build's BTF when coreprobe loads the program, so one object
 * reads {a, c, d} and {a, b, c, d} layouts alike. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "structs.h"
#define CP_EVENT_MAX sizeof(struct structs_event)
#include "events.bpf.h"

struct data {
	int a;
	int c;
} __attribute__((preserve_access_index));

SEC("uprobe")
int BPF_KPROBE(add_test, struct data *d)
{
	struct structs_event *e = cp_event_reserve(sizeof(*e));
	__u64 id = bpf_get_current_pid_tgid();

	if (!e)
		return 0;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* user memory: the _USER readers (the plain ones read kernel memory) */
	e->a = BPF_CORE_READ_USER(d, a);
	e->c = BPF_CORE_READ_USER(d, c);
	cp_event_submit(ctx, e, sizeof(*e));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
