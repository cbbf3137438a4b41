// SPDX-License-Identifier: BSD-2-Clause
/*
 * The process watcher's kernel side: reports each new executable mapping of a file whose name
 * starts with one of the watched prefixes (a dynamic loader or dlopen() mapping libssl's text),
 * right after the mmap(2) that made it returns.
 *
 * Why mmap and not exec: at sched_process_exec only the program and its loader are mapped; the
 * loader maps the libraries afterwards, and dlopen() (python's ssl module, curl's plugins) maps
 * them at any later time. The mapping itself is the exact moment the file becomes traceable.
 * The exec is only timed (exec_ns), so that the delay from a process's start to its coverage
 * can be reported and measured.
 * Why raw tracepoints (sys_enter/sys_exit) and not syscalls:sys_enter_mmap: the per-syscall
 * events need tracefs mounted to find their id, and it often is not (this project's own build
 * host); raw tracepoints attach by name. Both make the kernel take its traced syscall path; the
 * programs return at once for anything but mmap. No kprobe is needed.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "procwatch.h"

#if defined(__TARGET_ARCH_x86)
#define NR_MMAP 9
#elif defined(__TARGET_ARCH_arm64)
#define NR_MMAP 222
#else
#error "procwatch: the mmap syscall number of this architecture is not known here"
#endif
#define PROT_EXEC 0x4

const volatile char prefixes[PW_MAX_PREFIX][PW_PREFIX_LEN] = {};
const volatile __u32 n_prefixes = 0;
const volatile __u32 target_tgid = 0;	/* 0: every process */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} pw_events SEC(".maps");

/* events the ring could not take (userspace reports them: never silent) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pw_dropped SEC(".maps");

/* the watched file an mmap in progress maps, by thread: from the syscall's entry to its return
 * (LRU: a thread killed inside mmap leaves no slot taken for good) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct pw_event);
} pending SEC(".maps");

/* when each process last exec'd: only so that a tool can say how long after its exec a new
 * process was covered (the measure of what it may have missed) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} exec_ns SEC(".maps");

/* entries in `pending`: every syscall's exit returns at once while it is 0 (a plain global, no
 * helper call: this runs on every syscall of the machine) */
__u64 n_pending = 0;

/* files userspace is done with (attached, or not a library it can use) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct pw_file_key);
	__type(value, __u8);
} known SEC(".maps");

static __always_inline int match_prefix(const char *name)
{
	for (int p = 0; p < PW_MAX_PREFIX; p++) {
		bool same = p < n_prefixes;

		for (int i = 0; i < PW_PREFIX_LEN && same; i++) {
			char c = prefixes[p][i];

			if (!c)
				break;
			if (name[i] != c)
				same = false;
		}
		if (same)
			return p;
	}
	return -1;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(pw_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	struct file **fds, *f;
	struct pw_event e = {};
	unsigned long prot, fd;
	unsigned int max_fds;
	const unsigned char *name;
	__u64 pid_tgid;
	int p;

	if (id != NR_MMAP)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	if (target_tgid && (pid_tgid >> 32) != target_tgid)
		return 0;
	prot = PT_REGS_PARM3_CORE_SYSCALL(regs);
	fd = PT_REGS_PARM5_CORE_SYSCALL(regs);
	if (!(prot & PROT_EXEC) || (long)fd < 0)
		return 0;
	/* the file behind the fd, read the way the kernel holds it: files->fdt->fd[fd] */
	task = (struct task_struct *)bpf_get_current_task();
	max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (fd >= max_fds || bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return 0;
	name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
	if (bpf_probe_read_kernel_str(e.name, sizeof(e.name), name) <= 0)
		return 0;
	if ((p = match_prefix(e.name)) < 0)
		return 0;
	e.file.dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	e.file.ino = BPF_CORE_READ(f, f_inode, i_ino);
	if (bpf_map_lookup_elem(&known, &e.file))
		return 0;
	e.prefix = p;
	e.pid = pid_tgid >> 32;
	e.tid = (__u32)pid_tgid;
	if (bpf_map_update_elem(&pending, &e.tid, &e, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&n_pending, 1);
	else
		bpf_map_update_elem(&pending, &e.tid, &e, BPF_ANY);	/* a stale slot of this thread */
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(pw_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 tid, zero = 0;
	struct pw_event *e, *out;

	if (!n_pending)
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	if (!(e = bpf_map_lookup_elem(&pending, &tid)))
		return 0;
	/* only the mmap this thread entered with a watched file comes back with a slot */
	if ((unsigned long)ret < (unsigned long)-4095L) {
		out = bpf_ringbuf_reserve(&pw_events, sizeof(*out), 0);
		if (out) {
			__builtin_memcpy(out, e, sizeof(*out));
			out->addr = ret;
			out->ts_ns = bpf_ktime_get_ns();
			__u64 *x = bpf_map_lookup_elem(&exec_ns, &out->pid);
			out->exec_ns = x ? *x : 0;
			bpf_ringbuf_submit(out, 0);
		} else {
			__u64 *n = bpf_map_lookup_elem(&pw_dropped, &zero);

			if (n)
				__sync_fetch_and_add(n, 1);
		}
	}
	if (bpf_map_delete_elem(&pending, &tid) == 0)
		__sync_fetch_and_add(&n_pending, -1);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(pw_exec)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 now = bpf_ktime_get_ns();

	if (target_tgid && tgid != target_tgid)
		return 0;
	bpf_map_update_elem(&exec_ns, &tgid, &now, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
