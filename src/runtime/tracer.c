// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "src/common.h"
#include "src/runtime/tracer.h"

volatile sig_atomic_t cp_exiting;
bool cp_force_perfbuf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!env.verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void cp_libbpf_log_setup(void)
{
	libbpf_set_print(libbpf_print);
}

static bool sysfs_btf_present(void)
{
	return access(SYSFS_VMLINUX, R_OK) == 0;
}

int cp_run_init(struct cp_run *r, const char *const *modules)
{
	int err;

	/* r arrives zeroed but for the limits the command line set (-c, -d) */
	cp_libbpf_log_setup();
	host_info_read(&r->host);
	if ((err = store_open_self(&r->store)))
		return err;
	if (r->no_kernel_btf) {
		if (env.verbose)
			fprintf(stderr, "coreprobe: kernel %s: no kernel BTF needed (no CO-RE relocation)\n", r->host.release);
		r->use_ringbuf = !cp_force_perfbuf && libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) > 0;
		return 0;
	}
	if ((err = kbtf_choose(&r->store, &r->host, env.kernel_btf, env.no_sysfs_btf, sysfs_btf_present(),
			       &r->kernel.choice)))
		return err;
	if ((err = kernel_btf_load(&r->kernel, &r->store, modules)))
		return err;
	if (env.verbose) {
		char d[256] = "";

		if (r->kernel.choice.entry)
			store_entry_describe(&r->store, r->kernel.choice.entry, d, sizeof(d));
		fprintf(stderr, "coreprobe: kernel %s: BTF from %s %s%s\n", r->host.release,
			kbtf_source_name(r->kernel.choice.source),
			r->kernel.choice.source == KBTF_FILE ? r->kernel.choice.file :
			r->kernel.choice.source == KBTF_SYSFS ? SYSFS_VMLINUX : d,
			r->kernel.choice.source == KBTF_BLOB_BUILD_ID ? " (kernel build-id match)" :
			r->kernel.choice.source == KBTF_BLOB_RELEASE ? " (release match only: weaker)" : "");
	}
	if (r->kernel.choice.source == KBTF_BLOB_RELEASE)
		cp_warn("kernel %s: using the embedded BTF of the same release, not proven by build-id%s",
			r->host.release, r->kernel.choice.build_id_differs ? " (its recorded build-id differs)" : "");
	r->use_ringbuf = !cp_force_perfbuf && libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) > 0;
	return 0;
}

void cp_run_free(struct cp_run *r)
{
	kernel_btf_free(&r->kernel);
	store_free(&r->store);
}

int cp_load_begin(struct cp_run *r, struct cp_load *l, struct bpf_object_open_opts *opts)
{
	int err;

	memset(l, 0, sizeof(*l));
	l->handoff.fd = -1;
	if (r->no_kernel_btf)
		return 0;	/* libbpf relocates nothing: no custom BTF */
	btf_set_init(&l->set, &r->kernel);
	if ((err = btf_handoff_open(&l->handoff)))
		return err;
	l->open = true;
	opts->btf_custom_path = l->handoff.path;
	return 0;
}

int cp_load_add_app(struct cp_run *r, struct cp_load *l, const char *target, const struct elf_info *ei,
		    struct abtf_choice *chosen)
{
	struct abtf_choice c;
	int err;

	if ((err = abtf_choose(&r->store, target, ei, env.app_btf, &c)))
		return err;
	if (chosen)
		*chosen = c;
	if (env.verbose)
		fprintf(stderr, "coreprobe: %s (build-id %s): BTF from %s%s%s\n", target, ei->build_id_hex,
			abtf_source_name(c.source), c.file ? " " : "", c.file ? c.file : "");
	return btf_set_load_app(&l->set, &r->store, target, &c);
}

/* Sets a `const volatile` global of the object before load (what a skeleton's rodata does),
 * so shared code needs no tool's skeleton type. */
static int rodata_set(struct bpf_object *obj, const char *var, const void *val, size_t size)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *sec;
	struct bpf_map *m;
	int id;

	if (!btf || (id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC)) < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);
		size_t len = strlen(n), msz;
		char *data;

		if (!bpf_map__is_internal(m) || len < 7 || strcmp(n + len - 7, ".rodata"))
			continue;
		if (!(data = bpf_map__initial_value(m, &msz)))
			return -ENOENT;
		for (int i = 0; i < btf_vlen(sec); i++) {
			const struct btf_var_secinfo *vs = &btf_var_secinfos(sec)[i];
			const struct btf_type *v = btf__type_by_id(btf, vs->type);

			if (strcmp(btf__name_by_offset(btf, v->name_off), var) || vs->size != size ||
			    vs->offset + size > msz)
				continue;
			memcpy(data + vs->offset, val, size);
			return 0;
		}
	}
	return -ENOENT;
}

/* The events maps of bpf/events.bpf.h: only the transport in use is created. */
static void events_configure(struct cp_run *r, struct bpf_object *obj)
{
	struct bpf_map *rb = bpf_object__find_map_by_name(obj, "events_rb");
	struct bpf_map *pb = bpf_object__find_map_by_name(obj, "events_pb");

	if (rb)
		bpf_map__set_autocreate(rb, r->use_ringbuf);
	if (pb)
		bpf_map__set_autocreate(pb, !r->use_ringbuf);
	/* events_heap (the per-CPU scratch slot) serves both transports: always created */
	if (rb || pb)
		rodata_set(obj, "cp_use_ringbuf", &r->use_ringbuf, sizeof(bool));
}

int cp_load_prepare(struct cp_run *r, struct cp_load *l, struct bpf_object *obj)
{
	int err;

	if (r->no_kernel_btf) {
		events_configure(r, obj);
		return 0;
	}
	err = btf_handoff_fill(&l->handoff, &l->set, obj);
	if (err)
		return err;
	if (env.verbose)
		fprintf(stderr, "coreprobe: merged BTF for %s: %u of %u types (%u shells, %u renamed), %zu bytes\n",
			bpf_object__name(obj), l->handoff.stats.types_out, l->handoff.stats.types_in,
			l->handoff.stats.shells, l->handoff.stats.renamed, l->handoff.stats.bytes_out);
	events_configure(r, obj);
	return 0;
}

void cp_load_done(struct cp_load *l)
{
	if (l->open)
		btf_handoff_close(&l->handoff);
	l->open = false;
}

void cp_load_free(struct cp_load *l)
{
	cp_load_done(l);
	btf_set_free(&l->set);
}

static bool have_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap >> 5].effective & (1u << (cap & 31));
}

static int cap_last_cap(void)
{
	char buf[16];
	long n = read_small_file("/proc/sys/kernel/cap_last_cap", buf, sizeof(buf) - 1);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	return atoi(buf);
}

int cp_check_privilege(bool net)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	int last = cap_last_cap();
	bool split, ok;

	if (syscall(SYS_capget, &hdr, d))
		return 0;	/* cannot tell: let the kernel decide at load */
	if (have_cap(d, CAP_SYS_ADMIN) && (!net || have_cap(d, CAP_NET_ADMIN)))
		return 0;
	split = last < 0 || last >= CAP_BPF;	/* CAP_BPF and CAP_PERFMON exist (5.8+) */
	ok = split && have_cap(d, CAP_BPF) && have_cap(d, CAP_PERFMON) && (!net || have_cap(d, CAP_NET_ADMIN));
	if (ok)
		return 0;
	if (split)
		return cp_error(CP_EPRIV, "missing privilege: tracing needs CAP_BPF and CAP_PERFMON%s (or CAP_SYS_ADMIN%s): run as root or grant them (e.g. setpriv --inh-caps +bpf,+perfmon%s --ambient-caps +bpf,+perfmon%s)",
				net ? " and CAP_NET_ADMIN" : "", net ? " and CAP_NET_ADMIN" : "",
				net ? ",+net_admin" : "", net ? ",+net_admin" : "");
	return cp_error(CP_EPRIV, "missing privilege: this kernel (no CAP_BPF) needs CAP_SYS_ADMIN%s for tracing: run as root",
			net ? " and CAP_NET_ADMIN" : "");
}

static bool have_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };

	return syscall(SYS_capget, &hdr, d) || have_cap(d, CAP_SYS_ADMIN);
}

int cp_bpf_error(int err, const char *what)
{
	err = err < 0 ? -err : err;
	if (err == EPERM || err == EACCES) {
		if (cp_check_privilege(false))
			return cp_errcode();
		/* Measured on a 6.18 kernel: CAP_BPF + CAP_PERFMON load the program, but creating
		 * the uprobe perf event still fails with EACCES without CAP_SYS_ADMIN. */
		if (!have_sys_admin())
			return cp_error(CP_EPRIV, "missing privilege: %s: the kernel refused (%s) with CAP_BPF and CAP_PERFMON: this kernel also wants CAP_SYS_ADMIN for it: run as root or grant it (e.g. setpriv --inh-caps +sys_admin --ambient-caps +sys_admin)",
					what, strerror(err));
		return cp_error(CP_ENOFEAT, "%s: the kernel refused (%s) although coreprobe has the capabilities: kernel lockdown or a security module forbids it",
				what, strerror(err));
	}
	if (err == ENOTSUP || err == EOPNOTSUPP || err == ENOSYS)
		return cp_error(CP_ENOFEAT, "%s: not supported by this kernel (%s)", what, strerror(err));
	return cp_error(CP_ERUNTIME, "%s: %s (run with -v for libbpf's log)", what, strerror(err));
}

static int on_rb_event(void *ctx, void *data, size_t size)
{
	struct cp_events *ev = ctx;

	return ev->fn(ev->ctx, data, size);
}

static void on_pb_event(void *ctx, int cpu, void *data, __u32 size)
{
	struct cp_events *ev = ctx;

	ev->fn(ev->ctx, data, size);
}

static void on_pb_lost(void *ctx, int cpu, __u64 cnt)
{
	struct cp_events *ev = ctx;

	/* The kernel side counts each failed bpf_perf_event_output() in events_dropped; these
	 * are the same losses seen from the ring. Adding both counted every loss twice. */
	if (!ev->dropped)
		ev->run->lost += cnt;
}

int cp_events_open(struct cp_events *ev, struct cp_run *r, struct bpf_object *obj, cp_event_fn fn, void *ctx)
{
	memset(ev, 0, sizeof(*ev));
	ev->run = r;
	ev->fn = fn;
	ev->ctx = ctx;
	return cp_events_add(ev, obj);
}

int cp_events_add(struct cp_events *ev, struct bpf_object *obj)
{
	struct bpf_map *m;
	int err;

	if (!ev->dropped)
		ev->dropped = bpf_object__find_map_by_name(obj, "events_dropped");
	if (ev->run->use_ringbuf) {
		m = bpf_object__find_map_by_name(obj, "events_rb");
		if (!m)
			return cp_error(CP_ERUNTIME, "BPF object has no events_rb map");
		if (!ev->rb)
			ev->rb = ring_buffer__new(bpf_map__fd(m), on_rb_event, ev, NULL);
		else if (ring_buffer__add(ev->rb, bpf_map__fd(m), on_rb_event, ev))
			return cp_bpf_error(errno, "adding a ring buffer");
		if (!ev->rb)
			return cp_bpf_error(errno, "creating the ring buffer reader");
		return 0;
	}
	if (ev->pb)
		return cp_error(CP_ERUNTIME, "perf-buffer mode reads one object only");
	m = bpf_object__find_map_by_name(obj, "events_pb");
	if (!m)
		return cp_error(CP_ERUNTIME, "BPF object has no events_pb map");
	ev->pb = perf_buffer__new(bpf_map__fd(m), 64, on_pb_event, on_pb_lost, ev, NULL);
	err = libbpf_get_error(ev->pb);
	if (err) {
		ev->pb = NULL;
		return cp_bpf_error(err, "creating the perf buffer reader");
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool cp_event_accept(struct cp_run *r)
{
	if (r->max_events && r->events >= r->max_events)
		return false;
	if (++r->events == r->max_events)
		cp_exiting = 1;
	return true;
}

int cp_events_loop(struct cp_events *ev)
{
	double end = ev->run->duration > 0 ? now_s() + ev->run->duration : 0;

	while (!cp_exiting) {
		int timeout = 100, n;

		if (end) {
			double left = end - now_s();

			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = left * 1000 + 1;
		}
		n = ev->rb ? ring_buffer__poll(ev->rb, timeout) : perf_buffer__poll(ev->pb, timeout);
		/* the BPF side wakes the reader only for a batch (cp_wakeup_flag in
		 * bpf/events.bpf.h): a timeout is when a quiet stream's records are read */
		if (n == 0 && ev->rb)
			n = ring_buffer__consume(ev->rb);
		if (n < 0 && n != -EINTR)
			return cp_bpf_error(n, "polling events");
		fflush(stdout);
	}
	/* Drain what is already queued, within the -c limit. */
	if (ev->rb)
		ring_buffer__consume(ev->rb);
	else
		perf_buffer__consume(ev->pb);
	fflush(stdout);
	return 0;
}

void cp_events_close(struct cp_events *ev)
{
	__u32 zero = 0;
	__u64 dropped = 0;

	if (ev->dropped && bpf_map__lookup_elem(ev->dropped, &zero, sizeof(zero), &dropped, sizeof(dropped), 0) == 0)
		ev->run->lost += dropped;
	ring_buffer__free(ev->rb);
	perf_buffer__free(ev->pb);
	ev->rb = NULL;
	ev->pb = NULL;
	if (env.json) {
		printf("{\"summary\":{\"events\":%ld,\"lost\":%llu}}\n", ev->run->events, ev->run->lost);
		fflush(stdout);
	} else if (ev->run->lost) {
		fprintf(stderr, "coreprobe: %llu events lost (buffer full): use -c/-p to narrow the trace\n", ev->run->lost);
	}
}

static void on_signal(int sig)
{
	cp_exiting = 1;
}

void cp_signals_install(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	/* A signal ends the poll at once: epoll_wait() is never restarted, SA_RESTART or not.
	 * SA_RESTART is for the write(2) of events to a slow stdout (a pipe): interrupted, stdio
	 * dropped the buffered lines of events already counted. Installed explicitly because a
	 * shell's background jobs start with SIGINT ignored. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void cp_tracing_banner(const char *fmt, ...)
{
	va_list ap;

	fputs("Tracing ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("... Ctrl-C to end.\n", stderr);
	fflush(stderr);
}

int cp_check_pid(int pid)
{
	if (pid <= 0 || (kill(pid, 0) && errno == ESRCH))
		return cp_error(CP_EUSAGE, "-p %d: no such process: give the PID of a running process", pid);
	return 0;
}

int cp_parse_long(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return cp_error(CP_EUSAGE, "%s %s: expected a whole number from %ld to %ld", opt, s, min, max);
	*out = v;
	return 0;
}

int cp_parse_double(const char *opt, const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		return cp_error(CP_EUSAGE, "%s %s: expected a number from %g to %g", opt, s, min, max);
	*out = v;
	return 0;
}
