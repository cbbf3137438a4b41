/* SPDX-License-Identifier: BSD-2-Clause */
/* Choosing how a kernel tool attaches: the candidate attach types are tried in order on a fresh
 * BPF object each (libbpf cannot load an object twice), and the first that loads and attaches
 * wins. What was tried, and why it failed, is kept so that a run where nothing works ends with
 * ONE line naming every attempt, and -v shows the choice. */
#ifndef COREPROBE_ATTACH_H
#define COREPROBE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

enum cp_attach_type {
	CP_AT_NONE,
	CP_AT_FENTRY,
	CP_AT_TP_BTF,
	CP_AT_KPROBE,
	CP_AT_RAW_TP,
	CP_AT_SOCKOPS,
};

const char *cp_attach_name(enum cp_attach_type t);
/* Parses a --attach value among `allowed` (CP_AT_NONE-terminated); exit code 2 on anything
 * else, with the allowed names in the message. */
int cp_attach_parse(const char *s, const enum cp_attach_type *allowed, enum cp_attach_type *out);

struct cp_attach_log {
	char text[1536];	/* "fentry(x): why; kprobe(x): why" */
	size_t len;
	int n;
	int code;		/* the exit code a total failure gets (see cp_attach_log_fail) */
};

/* Records one failed attempt; with -v also prints it at once. code: the exit-code class of this
 * failure (CP_ENOFEAT for "this kernel cannot", CP_ENOBTF, CP_EPRIV, CP_ERUNTIME). */
void cp_attach_note(struct cp_attach_log *l, const char *tool, enum cp_attach_type t, const char *target,
		    int code, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Records the one error line for a run where every attempt failed; returns its exit code:
 * 5 unless an attempt failed for another reason class, which then wins (privilege before BTF
 * before runtime before feature, so the most actionable cause is the exit code). */
int cp_attach_log_fail(const struct cp_attach_log *l, const char *tool);
/* -v: which attach type was chosen. */
void cp_attach_chosen(const char *tool, enum cp_attach_type t, const char *target);

/* A short reason for a libbpf load/attach errno, for the attempt log. */
const char *cp_errno_reason(int err, char *buf, size_t n);

/* Feature checks that need no BPF object. Each returns true, or false with why filled in. */
/* fentry/fexit and tp_btf attach by the kernel's own BTF ids: libbpf reads them from sysfs, the
 * embedded (minimized, function-less) blobs cannot serve. */
bool cp_have_kernel_btf_ids(char *why, size_t n);
/* kprobes: the perf "kprobe" PMU, or tracefs kprobe_events for libbpf's legacy path. */
bool cp_have_kprobes(char *why, size_t n);
/* The mount point of the cgroup v2 hierarchy's root (for cgroup programs such as sockops). */
bool cp_cgroup2_root(char *path, size_t n, char *why, size_t wn);
/* A kernel function (kallsyms, any module): false if /proc/kallsyms lacks it or is unreadable
 * (*known false: cannot tell). */
bool cp_kernel_has_symbol(const char *name, bool *known);

#endif
