/* SPDX-License-Identifier: BSD-2-Clause */
/* Attaching uprobes: through a uprobe_multi link (BPF_TRACE_UPROBE_MULTI, kernel 6.6+) where
 * the kernel has one, else through a perf event as before. Why: closing a perf-event uprobe
 * waits for RCU grace periods while holding the kernel's event_mutex, so N links take N
 * serialized waits to detach (~0.13-0.25 s each here: sslsniff with a few libraries took 5-30 s
 * to exit) and creating one costs a perf_event_open. A uprobe_multi link registers the uprobe
 * directly. The choice is made once per process, before any object is loaded, because the
 * program's expected attach type must match the link. */
#ifndef COREPROBE_UPROBE_H
#define COREPROBE_UPROBE_H

#include <stdbool.h>
#include <sys/types.h>

struct bpf_object;
struct bpf_program;
struct bpf_link;

/* Whether uprobe_multi links are used (probed once; COREPROBE_NO_UPROBE_MULTI=1 turns them off,
 * for tests that compare both routes). */
bool cp_uprobe_multi(void);
/* Before load: gives every uprobe program of OBJ (section uprobe*, uretprobe*) the attach type
 * of the chosen route. */
void cp_uprobe_prepare_object(struct bpf_object *obj);
/* The same for one program that will be attached only as a uprobe, whatever its section. */
void cp_uprobe_prepare_program(struct bpf_program *prog);
/* Attaches PROG at FUNC (entry, or return when RETPROBE) of the ELF file at PATH, for PID's
 * process (-1: every process); NULL with errno set on failure, as libbpf does. */
struct bpf_link *cp_uprobe_attach(const struct bpf_program *prog, pid_t pid, const char *path,
				  const char *func, bool retprobe);

#endif
