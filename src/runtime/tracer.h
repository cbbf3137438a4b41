/* SPDX-License-Identifier: BSD-2-Clause */
/* What every coreprobe tracer shares: the run's BTF, privilege, events, signals, limits. */
#ifndef COREPROBE_TRACER_H
#define COREPROBE_TRACER_H

#include <bpf/libbpf.h>
#include <signal.h>
#include <stdbool.h>

#include "src/btf/blobstore.h"
#include "src/btf/btfpick.h"
#include "src/btf/hostinfo.h"

extern volatile sig_atomic_t cp_exiting;

/* One run of a tracer. */
struct cp_run {
	struct cp_store store;
	struct host_info host;
	struct kernel_btf kernel;
	bool use_ringbuf;		/* else perf buffer (kernels < 5.8, or --perfbuf) */
	long max_events;		/* -c; 0 = no limit */
	double duration;		/* -d seconds; 0 = until a signal */
	long events;			/* delivered so far */
	unsigned long long lost;	/* dropped by the kernel side or the perf buffer */
	/* Set before cp_run_init by a tool whose BPF objects have no CO-RE relocation (they read
	 * only UAPI contexts and packet bytes): no kernel BTF is picked, required or handed over,
	 * so the tool also runs where coreprobe has no BTF for the kernel. */
	bool no_kernel_btf;
};

/* Global hidden option: force the perf-buffer path (tests it on new kernels). */
extern bool cp_force_perfbuf;

/* Reads the blob store and host identity, picks and loads the kernel BTF (modules: names of
 * kernel modules whose types the tool's programs use). */
int cp_run_init(struct cp_run *r, const char *const *modules);
void cp_run_free(struct cp_run *r);

/* One BPF object load: its BTF sources and the merged-BTF hand-off file. */
struct cp_load {
	struct btf_set set;
	struct btf_handoff handoff;
	bool open;
};
/* Before open: prepares the hand-off file and points opts->btf_custom_path at it. */
int cp_load_begin(struct cp_run *r, struct cp_load *l, struct bpf_object_open_opts *opts);
/* Adds the application BTF of a target (exit code 3 if there is none). */
int cp_load_add_app(struct cp_run *r, struct cp_load *l, const char *target, const struct elf_info *ei,
		    struct abtf_choice *chosen);
/* After open, before load: writes the merged BTF for obj, sets up the event maps. */
int cp_load_prepare(struct cp_run *r, struct cp_load *l, struct bpf_object *obj);
/* After load (success or not): the hand-off file is no longer needed. */
void cp_load_done(struct cp_load *l);
void cp_load_free(struct cp_load *l);
/* Maps a libbpf load/attach error to an exit code with a one-line message. */
int cp_bpf_error(int err, const char *what);

/* Privilege: CAP_BPF + CAP_PERFMON (+ CAP_NET_ADMIN if net) where the kernel has them, else
 * CAP_SYS_ADMIN. 0, or exit code 4 naming what is missing. */
int cp_check_privilege(bool net);

/* Events from the kernel side (bpf/events.bpf.h): ring buffer, or perf buffer. */
typedef int (*cp_event_fn)(void *ctx, const void *data, size_t size);
struct cp_events {
	struct cp_run *run;
	struct ring_buffer *rb;
	struct perf_buffer *pb;
	struct bpf_map *dropped;
	cp_event_fn fn;
	void *ctx;
};
int cp_events_open(struct cp_events *ev, struct cp_run *r, struct bpf_object *obj, cp_event_fn fn, void *ctx);
/* Adds another object's events to the same loop (several loads in one run). */
int cp_events_add(struct cp_events *ev, struct bpf_object *obj);
/* Polls until SIGINT/SIGTERM/SIGHUP, -c or -d. 0 or an exit code. */
int cp_events_loop(struct cp_events *ev);
/* Counts dropped events (kernel side + perf buffer) into run->lost and reports them. */
void cp_events_close(struct cp_events *ev);
/* Call from a tool's event callback: false when -c is reached (the event is not printed). */
bool cp_event_accept(struct cp_run *r);

void cp_signals_install(void);
/* The line scripts wait for: "Tracing <what>... Ctrl-C to end." on stderr. */
void cp_tracing_banner(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* -p PID: 0 if running, else exit code 2. */
int cp_check_pid(int pid);
/* Parses -c/-d style numbers; exit code 2 on garbage. */
int cp_parse_long(const char *opt, const char *s, long min, long max, long *out);
int cp_parse_double(const char *opt, const char *s, double min, double max, double *out);

/* libbpf's log goes to stderr with -v, nowhere otherwise (errors are ours, one line). */
void cp_libbpf_log_setup(void);

#endif
