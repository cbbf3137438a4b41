// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/harness: runs tracers side by side and measures, per run,
 *   attach_ms   exec -> the tracer's "Tracing" marker line (CLOCK_MONOTONIC; t0 is taken right
 *               before posix_spawn, t1 when the marker's bytes arrive on the pipe)
 *   hwm_kb      VmHWM of the tracer read right after the marker (peak RSS up to attach)
 *   maxrss_kb   ru_maxrss from wait4 (peak RSS over the whole run)
 *   cpu_ms      user + system CPU of the tracer over the whole run
 *   cpu_after_attach_ms  the part of cpu_ms after the marker (/proc/PID/stat at the marker,
 *               clock-tick resolution): the tracer's CPU while the target runs, without start-up
 *   target_ms   with --target: wall time of one run of the target while the tracer is attached
 *   target_cpu_ms  with --target: user + system CPU of that run of the target and of its
 *               waited-for children (wait4): BPF programs and uprobe traps run in the
 *               target's context, so this counts them without the other load of the machine
 *   events/lost the tracer's {"summary":{"events":N,"lost":M}} line on stdout, if it prints one
 *
 * Every round runs each variant once, in a fresh random order (fixed seed: reproducible), so
 * the noise of a shared machine spreads over all of them and no variant always follows the
 * same one. Each run starts SETTLE ms after the previous one ended: a tracer's exit leaves
 * RCU work behind (uprobe and BPF teardown), and attaching a uprobe waits for an RCU grace
 * period, so without the pause a run pays for its predecessor's exit.
 *
 * usage: harness [-n RUNS] [-w WARMUP] [-m MARKER] [-t TIMEOUT_S] [-s SETTLE_MS]
 *                [--target ARGV... ---] [-o OUT.json] NAME= ARGV... [NAME2= ARGV...]...
 *   A token ending in '=' starts a variant. "NAME@stdout=" looks for the marker on stdout too
 *   (bpftrace prints there). "NAME=" followed directly by "-" (or nothing) is "no tracer": only
 *   the target is timed. Output: one JSON object {"NAME": {...stats...}, ...}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

extern char **environ;

#define MAX_VARIANTS 32
#define MAX_ARGS 64

struct sample {
	double attach_ms, target_ms, cpu_ms, target_cpu_ms, cpu_after_attach_ms, cpu_at_attach_ms;
	long hwm_kb, maxrss_kb;
	long long events, lost;
	bool has_events;
};

struct variant {
	char name[64];
	char *argv[MAX_ARGS];
	bool none;		/* no tracer: the target alone */
	bool marker_stdout;
	struct sample *s;
	int n_ok, n_fail;
	char fail_msg[512];
};

static struct variant vars[MAX_VARIANTS];
static int n_vars;
static char *target[MAX_ARGS];
static const char *marker = "Tracing";
static double timeout_s = 30;
static int settle_ms = 100;
static char outdir[256] = "/dev/shm";

static double now_ms(void)
{
	return bench_now_s() * 1e3;
}

static long status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)) && line[strlen(field)] == ':')
			v = atol(line + strlen(field) + 1);
	fclose(f);
	return v;
}

/* utime + stime of a live process (all its threads), in ms; -1 if unreadable */
static double proc_cpu_ms(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* comm may hold spaces; fields 3.. follow it */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (ut + st) * 1e3 / sysconf(_SC_CLK_TCK);
}

/* The last {"summary":{"events":N,"lost":M}} in the tail of the tracer's stdout. */
static bool parse_summary(int fd, long long *events, long long *lost)
{
	char buf[8192], *p, *last = NULL;
	off_t end = lseek(fd, 0, SEEK_END), start = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, start);

	if (n <= 0)
		return false;
	buf[n] = 0;
	for (p = buf; (p = memmem(p, buf + n - p, "\"summary\"", 9)); p++)
		last = p;
	if (!last)
		return false;
	p = strstr(last, "\"events\":");
	if (!p)
		return false;
	*events = atoll(p + 9);
	p = strstr(last, "\"lost\":");
	*lost = p ? atoll(p + 7) : 0;
	return true;
}

static int run_target(double *ms, double *cpu_ms)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	pid_t pid;
	int st;
	double t0;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	t0 = now_ms();
	if (posix_spawnp(&pid, target[0], &fa, NULL, target, environ)) {
		perror(target[0]);
		return -1;
	}
	wait4(pid, &st, 0, &ru);
	*ms = now_ms() - t0;
	*cpu_ms = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
		  ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
	posix_spawn_file_actions_destroy(&fa);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void fail(struct variant *v, const char *fmt, const char *detail)
{
	char *nl;

	v->n_fail++;
	snprintf(v->fail_msg, sizeof(v->fail_msg), fmt, detail);
	for (nl = v->fail_msg; *nl; nl++)	/* one line, JSON-safe */
		if (*nl == '\n' || *nl == '"' || *nl == '\\' || (unsigned char)*nl < 0x20)
			*nl = *nl == '\n' ? ' ' : '\'';
}

static void run_one(struct variant *v)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t dfl;
	struct sample smp = { 0 };
	char errbuf[16384], outpath[300];
	size_t errlen = 0;
	int pfd[2], outfd, st;
	bool seen = false;
	struct rusage ru;
	double t0, deadline;
	pid_t pid;

	usleep(settle_ms * 1000);
	if (v->none) {
		if (run_target(&smp.target_ms, &smp.target_cpu_ms)) {
			fail(v, "%s", "target failed");
			return;
		}
		v->s[v->n_ok++] = smp;
		return;
	}
	snprintf(outpath, sizeof(outpath), "%s/harness-%d.out", outdir, getpid());
	outfd = open(outpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (outfd < 0 || pipe2(pfd, O_CLOEXEC)) {
		perror("harness");
		exit(1);
	}
	unlink(outpath);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, v->marker_stdout ? pfd[1] : outfd, 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	/* A shell that is not interactive starts its background jobs with SIGINT ignored, and the
	 * child inherits that: a peer that relies on the default action (bpftrace) would then never
	 * stop. Every variant starts with the default stop signals. */
	posix_spawnattr_init(&sa);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	posix_spawnattr_setsigdefault(&sa, &dfl);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGDEF);
	t0 = now_ms();
	if (posix_spawnp(&pid, v->argv[0], &fa, &sa, v->argv, environ)) {
		fail(v, "cannot run %s", v->argv[0]);
		close(pfd[0]), close(pfd[1]), close(outfd);
		return;
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&sa);
	close(pfd[1]);
	deadline = t0 + timeout_s * 1e3;
	/* Until the marker: read stderr (and stdout where asked) as it comes. */
	while (!seen) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		double left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		n = read(pfd[0], errbuf + errlen, sizeof(errbuf) - 1 - errlen);
		if (n <= 0)
			break;
		errlen += n;
		errbuf[errlen] = 0;
		if (strstr(errbuf, marker)) {
			smp.attach_ms = now_ms() - t0;
			smp.hwm_kb = status_kb(pid, "VmHWM");
			smp.cpu_at_attach_ms = proc_cpu_ms(pid);
			seen = true;
		}
		if (errlen > sizeof(errbuf) / 2 && !seen) {	/* keep the tail */
			memmove(errbuf, errbuf + errlen - 1024, 1024);
			errlen = 1024;
		}
	}
	if (seen && target[0] && run_target(&smp.target_ms, &smp.target_cpu_ms)) {
		kill(pid, SIGINT);
		seen = false;
		snprintf(errbuf, sizeof(errbuf), "target failed while traced");
		errlen = strlen(errbuf);
	}
	kill(pid, SIGINT);
	/* Drain the pipe so the tracer never blocks on a full stderr while it exits; without the
	 * marker, what it said is the failure message. */
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		char junk[4096];
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0 || (n = read(pfd[0], junk, sizeof(junk))) <= 0)
			break;
		if (!seen && errlen + n < sizeof(errbuf)) {
			memcpy(errbuf + errlen, junk, n);
			errlen += n;
		}
	}
	close(pfd[0]);
	/* A tracer that ignores the stop signal for 10 s is killed: one hung run must not hang the
	 * whole benchmark (it counts as a failure). */
	for (double until = now_ms() + 10000; wait4(pid, &st, WNOHANG, &ru) == 0;) {
		if (now_ms() > until) {
			kill(pid, SIGKILL);
			wait4(pid, &st, 0, &ru);
			if (seen) {
				seen = false;
				snprintf(errbuf, sizeof(errbuf), "did not exit within 10 s of SIGINT (killed)");
				errlen = strlen(errbuf);
			}
			break;
		}
		usleep(2000);
	}
	smp.maxrss_kb = ru.ru_maxrss;
	smp.cpu_ms = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
		     ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
	smp.cpu_after_attach_ms = smp.cpu_at_attach_ms >= 0 ? smp.cpu_ms - smp.cpu_at_attach_ms : 0;
	smp.has_events = parse_summary(outfd, &smp.events, &smp.lost);
	close(outfd);
	if (!seen) {
		errbuf[errlen] = 0;
		fail(v, "%s", errlen ? errbuf : "exited without the marker line");
		return;
	}
	v->s[v->n_ok++] = smp;
}

/* "key":{"median":M,"min":A,"max":B} over the field at byte offset off of each sample. */
static void stat_json(FILE *f, const struct variant *v, const char *key, size_t off, bool is_long)
{
	double *x = calloc(v->n_ok ? v->n_ok : 1, sizeof(double)), med;

	for (int i = 0; i < v->n_ok; i++) {
		const char *p = (const char *)&v->s[i] + off;

		x[i] = is_long ? (double)*(const long *)p : *(const double *)p;
	}
	med = bench_median(x, v->n_ok);
	fprintf(f, ",\"%s\":{\"median\":%.3f,\"min\":%.3f,\"max\":%.3f}", key, med, x[0], x[v->n_ok - 1]);
	free(x);
}

static void write_json(FILE *f)
{
	fputc('{', f);
	for (int i = 0; i < n_vars; i++) {
		struct variant *v = &vars[i];
		long long ev = 0, lost = 0;
		int with_ev = 0;

		fprintf(f, "%s\"%s\":{\"runs\":%d,\"failures\":%d", i ? "," : "", v->name, v->n_ok, v->n_fail);
		if (v->n_fail)
			fprintf(f, ",\"error\":\"%s\"", v->fail_msg);
		if (v->n_ok) {
			if (!v->none) {
				stat_json(f, v, "attach_ms", offsetof(struct sample, attach_ms), false);
				stat_json(f, v, "hwm_kb", offsetof(struct sample, hwm_kb), true);
				stat_json(f, v, "maxrss_kb", offsetof(struct sample, maxrss_kb), true);
				stat_json(f, v, "cpu_ms", offsetof(struct sample, cpu_ms), false);
				stat_json(f, v, "cpu_after_attach_ms", offsetof(struct sample, cpu_after_attach_ms), false);
			}
			if (target[0]) {
				stat_json(f, v, "target_ms", offsetof(struct sample, target_ms), false);
				stat_json(f, v, "target_cpu_ms", offsetof(struct sample, target_cpu_ms), false);
			}
			for (int j = 0; j < v->n_ok; j++) {
				if (!v->s[j].has_events)
					continue;
				with_ev++;
				ev += v->s[j].events;
				lost += v->s[j].lost;
			}
			if (with_ev)
				fprintf(f, ",\"events_total\":%lld,\"lost_total\":%lld", ev, lost);
		}
		fputc('}', f);
	}
	fputs("}\n", f);
}

static void usage(void)
{
	fprintf(stderr, "usage: harness [-n RUNS] [-w WARMUP] [-m MARKER] [-t TIMEOUT_S] [-s SETTLE_MS] [--target ARGV... ---] [-o OUT.json] NAME= ARGV... [NAME2= ARGV...]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int runs = 20, warmup = 2, i = 1;
	const char *out = NULL;
	FILE *f;

	signal(SIGPIPE, SIG_IGN);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-w") && i + 1 < argc)
			warmup = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-m") && i + 1 < argc)
			marker = argv[++i];
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			timeout_s = atof(argv[++i]);
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			settle_ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--target")) {
			int k = 0;

			for (i++; i < argc && strcmp(argv[i], "---") && k < MAX_ARGS - 1; i++)
				target[k++] = argv[i];
		} else
			usage();
	}
	for (; i < argc; i++) {
		size_t len = strlen(argv[i]);
		struct variant *v;
		int k = 0;
		char *at;

		if (!len || argv[i][len - 1] != '=' || n_vars == MAX_VARIANTS)
			usage();
		v = &vars[n_vars++];
		snprintf(v->name, sizeof(v->name), "%.*s", (int)len - 1, argv[i]);
		if ((at = strstr(v->name, "@stdout"))) {
			*at = 0;
			v->marker_stdout = true;
		}
		for (i++; i < argc; i++) {
			size_t l = strlen(argv[i]);

			if (l && argv[i][l - 1] == '=' && !strchr(argv[i], '/') && argv[i][0] != '-') {
				i--;
				break;
			}
			if (k < MAX_ARGS - 1)
				v->argv[k++] = argv[i];
		}
		v->none = !k || !strcmp(v->argv[0], "-");
		v->s = calloc(runs, sizeof(*v->s));
	}
	if (!n_vars)
		usage();
	if (access("/dev/shm", W_OK))
		snprintf(outdir, sizeof(outdir), "/tmp");
	/* Warm-up rounds (page cache, first-use kernel paths) are run and thrown away. */
	srand(12345);
	for (int r = 0; r < warmup + runs; r++) {
		int order[MAX_VARIANTS];

		for (int j = 0; j < n_vars; j++)
			order[j] = j;
		for (int j = n_vars - 1; j > 0; j--) {	/* Fisher-Yates */
			int k = rand() % (j + 1), x = order[j];

			order[j] = order[k];
			order[k] = x;
		}
		for (int j = 0; j < n_vars; j++) {
			struct variant *v = &vars[order[j]];
			int ok = v->n_ok, bad = v->n_fail;

			if (r < warmup && v->n_ok < runs) {
				run_one(v);
				v->n_ok = ok;		/* discard */
				v->n_fail = bad;
				continue;
			}
			if (r >= warmup)
				run_one(v);
		}
		fprintf(stderr, "\rharness: round %d/%d", r + 1, warmup + runs);
	}
	fputc('\n', stderr);
	f = out ? fopen(out, "w") : stdout;
	if (!f) {
		perror(out);
		return 1;
	}
	write_json(f);
	if (out)
		fclose(f);
	return 0;
}
