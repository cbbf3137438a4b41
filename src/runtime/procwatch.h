/* SPDX-License-Identifier: BSD-2-Clause */
/* Finding libraries through the mapping itself, at start-up and while a tool runs.
 *
 * pw_scan_pid() lists the files a process maps whose name starts with one of a few prefixes
 * ("libssl.so", "libgnutls.so"), each opened through /proc/PID/map_files/START-END: that open
 * gives the very file the process mapped, whatever its mount namespace or chroot, so the host,
 * a chroot and a container resolve alike, and a file deleted while mapped is still the file.
 * Identity is the opened file's (dev, inode); the caller inspects and attaches through
 * /proc/self/fd/N of that fd, never through a path that could name another file.
 *
 * pw_start() loads bpf/procwatch.bpf.c, which reports every new executable mapping of a file
 * with a watched name (the dynamic loader's or dlopen()'s mmap), and calls back once per event
 * from the tool's event loop; the tool rescans that process and, when done with the file,
 * pw_done_with() stops the kernel side from reporting it again. Rescans are rate-limited: a
 * storm of new processes costs a bounded amount of work (the excess is counted and reported). */
#ifndef COREPROBE_PROCWATCH_RT_H
#define COREPROBE_PROCWATCH_RT_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "src/runtime/tracer.h"
#include "bpf/procwatch.h"

struct pw_mapping {
	int fd;			/* the mapped file, opened through map_files (O_RDONLY, CLOEXEC) */
	char fd_path[32];	/* /proc/self/fd/N: its name for every later read and the attach */
	char path[PATH_MAX];	/* the path the process's maps show (its own view of its root) */
	char shown[PATH_MAX];	/* a name of it for messages, as seen from here */
	dev_t dev;		/* fstat of fd */
	ino_t ino;
	bool deleted;		/* unlinked while mapped (maps says "(deleted)") */
	int prefix;		/* which prefix matched */
};

/* The files PID maps whose base name starts with one of prefixes[] (one entry per file: the
 * same file mapped several times is listed once). Each is open; close them with
 * pw_mappings_close(). Returns how many (at most max), or -1 when the process is gone or its
 * maps cannot be read (nothing recorded: a process exiting is not an error). */
int pw_scan_pid(int pid, const char *const *prefixes, int n_prefixes, struct pw_mapping *out, int max);
void pw_mappings_close(struct pw_mapping *m, int n);

struct procwatch;
/* Called for each new mapping reported (after rate limiting). */
typedef void (*pw_fn)(void *ctx, const struct pw_event *e);

/* Rescans at most this many new mappings a second; the rest are counted and reported. */
#define PW_RATE 1000

/* Loads and attaches the watcher and adds its ring buffer to ev's loop (ev must be open).
 * pid: only that process (0: all). Returns 0, or an exit code with one line recorded (the
 * caller decides whether a run without the watcher goes on). */
int pw_start(struct procwatch **out, struct cp_run *run, struct cp_events *ev, const char *const *prefixes,
	     int n_prefixes, int pid, pw_fn fn, void *ctx);
/* The tool is done with this file (attached, or not a library it can use): stop reporting it. */
void pw_done_with(struct procwatch *pw, const struct pw_file_key *k);
/* Detaches; reports how many mappings were not rescanned (rate limit, full ring), if any. */
void pw_stop(struct procwatch *pw);

#endif
