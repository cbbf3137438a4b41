// SPDX-License-Identifier: BSD-2-Clause
/*
 * coreprobe tcprtt: the smoothed RTT of TCP connections, as a log2 histogram (per local or
 * remote address with -b/-B) or, with --events, one line per sample. The attach type is chosen
 * at run time: the first of fentry, tp_btf, kprobe, raw_tp that loads and attaches on this
 * kernel with the BTF at hand, or the one --attach names (sockops only on request: it samples
 * at another point, per RTT measurement, and sees only connections made after it started).
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "src/runtime/attach.h"
#include "src/common.h"
#include "src/runtime/hist.h"
#include "src/runtime/netutil.h"
#include "src/runtime/tracer.h"
#include "tools/tools.h"

#include "bpf/tcprtt.h"
#include "tcprtt.skel.h"
#include "tools/objects.h"

CP_OBJECT_BYTES(tcprtt)

static const char tcprtt_usage[] =
	"usage: coreprobe tcprtt [-i INTERVAL] [-d SECONDS] [-c COUNT] [-m] [-e] [-b | -B]\n"
	"                        [-p LPORT] [-P RPORT] [-a LADDR] [-A RADDR] [--events]\n"
	"                        [--attach fentry|tp_btf|kprobe|raw_tp|sockops] [-v] [-j]\n"
	"\n"
	"Smoothed RTT (tcp_sock.srtt_us) of established TCP sockets, sampled on each received\n"
	"segment, as a log2 histogram; or one line per sample with --events.\n"
	"\n"
	"  -i INTERVAL   print (and reset) the histogram every INTERVAL seconds\n"
	"  -d SECONDS    stop after SECONDS\n"
	"  -c COUNT      stop after COUNT histograms (COUNT samples with --events)\n"
	"  -m            histogram in milliseconds (default microseconds)\n"
	"  -e            also print the average of each histogram\n"
	"  -b, -B        one histogram per local (-b) or remote (-B) address\n"
	"  -p, -P PORT   only sockets with this local (-p) or remote (-P) port\n"
	"  -a, -A ADDR   only sockets with this local (-a) or remote (-A) address (IPv4 or IPv6)\n"
	"  --events      one line per sample: addresses, ports, srtt\n"
	"  --attach T    use attach type T only (default: the first that works of fentry,\n"
	"                tp_btf, kprobe, raw_tp; sockops needs CAP_NET_ADMIN and cgroup v2)\n";

enum { OPT_EVENTS = OPT_TOOL_BASE, OPT_ATTACH };

static const enum cp_attach_type auto_order[] = { CP_AT_FENTRY, CP_AT_TP_BTF, CP_AT_KPROBE, CP_AT_RAW_TP, CP_AT_NONE };
static const enum cp_attach_type allowed[] = { CP_AT_FENTRY, CP_AT_TP_BTF, CP_AT_KPROBE, CP_AT_RAW_TP, CP_AT_SOCKOPS,
					       CP_AT_NONE };

struct tcprtt_env {
	double interval;
	bool ms, avg, events;
	enum tcprtt_key_by key_by;
	uint16_t lport, rport;
	uint8_t laddr_family, raddr_family;
	uint8_t laddr[16], raddr[16];
	enum cp_attach_type force;
};

struct tcprtt_state {
	struct tcprtt_env *te;
	struct cp_run *run;
	struct tcprtt_bpf *skel;
	struct bpf_link *link;
	struct cp_load load;
	enum cp_attach_type type;
	char target[256];
	long intervals;		/* interval ends reached (what -c counts) */
	long printed;		/* histograms printed (one per key and interval) */
	unsigned long long samples;
};

static int parse_args(int argc, char **argv, struct tcprtt_env *te, struct cp_run *run)
{
	static const struct option opts[] = {
		CP_COMMON_LONGOPTS,
		{ "interval", required_argument, 0, 'i' },
		CP_LIMIT_LONGOPTS,
		{ "milliseconds", no_argument, 0, 'm' },
		{ "extension", no_argument, 0, 'e' },
		{ "laddr-hist", no_argument, 0, 'b' },
		{ "raddr-hist", no_argument, 0, 'B' },
		{ "lport", required_argument, 0, 'p' },
		{ "rport", required_argument, 0, 'P' },
		{ "laddr", required_argument, 0, 'a' },
		{ "raddr", required_argument, 0, 'A' },
		{ "events", no_argument, 0, OPT_EVENTS },
		{ "attach", required_argument, 0, OPT_ATTACH },
		{ 0 }
	};
	int c, err;

	while ((c = getopt_long(argc, argv, CP_COMMON_SHORTOPTS "i:d:c:mebBp:P:a:A:", opts, NULL)) != -1) {
		int r = cp_common_option(c, optarg, tcprtt_usage);

		if (r < 0)
			return -1;
		if (r)
			continue;
		err = 0;
		switch (c) {
		case 'i': err = cp_parse_double("-i", optarg, 0.01, 1e7, &te->interval); break;
		case 'c':
		case 'd': err = cp_limit_option(c, optarg, run); break;
		case 'm': te->ms = true; break;
		case 'e': te->avg = true; break;
		case 'b': te->key_by = TCPRTT_BY_LADDR; break;
		case 'B': te->key_by = TCPRTT_BY_RADDR; break;
		case 'p': err = cp_parse_port("-p", optarg, &te->lport); break;
		case 'P': err = cp_parse_port("-P", optarg, &te->rport); break;
		case 'a': err = cp_parse_ipaddr("-a", optarg, &te->laddr_family, te->laddr); break;
		case 'A': err = cp_parse_ipaddr("-A", optarg, &te->raddr_family, te->raddr); break;
		case OPT_EVENTS: te->events = true; break;
		case OPT_ATTACH: err = cp_attach_parse(optarg, allowed, &te->force); break;
		default: return cp_usage_error("tcprtt", tcprtt_usage);
		}
		if (err)
			return err;
	}
	if (optind != argc)
		return cp_usage_error("tcprtt", tcprtt_usage);
	if (te->events && (te->interval || te->key_by || te->avg))
		return cp_error(CP_EUSAGE, "tcprtt: -i, -b, -B and -e shape histograms: they do not apply with --events");
	return 0;
}

static const char *target_of(enum cp_attach_type t)
{
	switch (t) {
	case CP_AT_TP_BTF: case CP_AT_RAW_TP: return "tcp_probe";
	case CP_AT_SOCKOPS: return "cgroup";
	default: return "tcp_rcv_established";
	}
}

static struct bpf_program *program_of(struct tcprtt_bpf *skel, enum cp_attach_type t)
{
	switch (t) {
	case CP_AT_FENTRY: return skel->progs.tcprtt_fentry;
	case CP_AT_TP_BTF: return skel->progs.tcprtt_tp_btf;
	case CP_AT_KPROBE: return skel->progs.tcprtt_kprobe;
	case CP_AT_RAW_TP: return skel->progs.tcprtt_raw_tp;
	case CP_AT_SOCKOPS: return skel->progs.tcprtt_sockops;
	default: return NULL;
	}
}

static void configure(struct tcprtt_bpf *skel, const struct tcprtt_env *te)
{
	skel->rodata->targ_lport = te->lport;
	skel->rodata->targ_rport = te->rport;
	skel->rodata->targ_laddr_family = te->laddr_family;
	memcpy((void *)skel->rodata->targ_laddr, te->laddr, 16);
	skel->rodata->targ_raddr_family = te->raddr_family;
	memcpy((void *)skel->rodata->targ_raddr, te->raddr, 16);
	skel->rodata->key_by = te->key_by;
	skel->rodata->in_ms = te->ms;
	skel->rodata->emit_events = te->events;
	/* one slot is enough where samples go out as events */
	if (te->events)
		bpf_map__set_max_entries(skel->maps.hists, 1);
}

static void attempt_free(struct tcprtt_state *s)
{
	bpf_link__destroy(s->link);
	tcprtt_bpf__destroy(s->skel);
	cp_load_free(&s->load);
	s->link = NULL;
	s->skel = NULL;
}

/* One attach type on a fresh object: 0 attached, 1 failed (noted in log), else an exit code
 * that ends the run (a failure that no other attach type can avoid). */
static int try_attach(struct tcprtt_state *s, enum cp_attach_type t, struct cp_attach_log *log)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	char why[384], rs[160], cg[512] = "";
	struct bpf_program *prog, *p;
	int err;

	snprintf(s->target, sizeof(s->target), "%s", target_of(t));
	if ((t == CP_AT_FENTRY || t == CP_AT_TP_BTF) && !cp_have_kernel_btf_ids(why, sizeof(why))) {
		cp_attach_note(log, "tcprtt", t, s->target, CP_ENOFEAT, "%s", why);
		return 1;
	}
	if (t == CP_AT_KPROBE && !cp_have_kprobes(why, sizeof(why))) {
		cp_attach_note(log, "tcprtt", t, s->target, CP_ENOFEAT, "%s", why);
		return 1;
	}
	if (t == CP_AT_SOCKOPS) {
		if (!cp_cgroup2_root(cg, sizeof(cg), why, sizeof(why))) {
			cp_attach_note(log, "tcprtt", t, s->target, CP_ENOFEAT, "%s", why);
			return 1;
		}
		snprintf(s->target, sizeof(s->target), "%s", cg);
	}
	if ((err = cp_load_begin(s->run, &s->load, &open_opts)))
		return err;
	s->skel = tcprtt_bpf__open_opts(&open_opts);
	if (!s->skel) {
		err = cp_bpf_error(errno, "opening the BPF object");
		cp_load_free(&s->load);
		return err;
	}
	prog = program_of(s->skel, t);
	bpf_object__for_each_program(p, s->skel->obj)
		bpf_program__set_autoload(p, p == prog);
	configure(s->skel, s->te);
	if ((err = cp_load_prepare(s->run, &s->load, s->skel->obj))) {
		attempt_free(s);
		return err;
	}
	err = tcprtt_bpf__load(s->skel);
	cp_load_done(&s->load);
	if (err) {
		cp_attach_note(log, "tcprtt", t, s->target, CP_ENOFEAT, "load: %s", cp_errno_reason(err, rs, sizeof(rs)));
		attempt_free(s);
		return 1;
	}
	if (t == CP_AT_SOCKOPS) {
		int fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0) {
			cp_attach_note(log, "tcprtt", t, s->target, CP_ENOFEAT, "open: %s", strerror(errno));
			attempt_free(s);
			return 1;
		}
		/* a link, not a plain attachment: it goes away with this process, even on a crash */
		s->link = bpf_program__attach_cgroup(prog, fd);
		close(fd);
	} else {
		s->link = bpf_program__attach(prog);
	}
	if (!s->link) {
		err = errno;
		s->link = NULL;
		cp_attach_note(log, "tcprtt", t, s->target, CP_ENOFEAT, "attach: %s", cp_errno_reason(err, rs, sizeof(rs)));
		attempt_free(s);
		return 1;
	}
	s->type = t;
	cp_attach_chosen("tcprtt", t, s->target);
	return 0;
}

static const char *unit(const struct tcprtt_env *te)
{
	return te->ms ? "msecs" : "usecs";
}

static int cmp_keys(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct tcprtt_addr));
}

/* Prints every histogram in the map and clears it: one interval's worth. */
static void print_hists(struct tcprtt_state *s)
{
	const struct tcprtt_env *te = s->te;
	int fd = bpf_map__fd(s->skel->maps.hists);
	static struct tcprtt_addr keys[4096];
	struct tcprtt_addr k, *prev = NULL;
	int n = 0;

	while (n < (int)ARRAY_SIZE(keys) && bpf_map_get_next_key(fd, prev, &k) == 0) {
		keys[n] = k;
		prev = &keys[n++];
	}
	s->intervals++;
	qsort(keys, n, sizeof(keys[0]), cmp_keys);
	if (!n)
		return;	/* an interval without samples prints nothing, as a quiet network should */
	if (!env.json) {
		time_t now = time(NULL);
		char ts[32];

		strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
		printf("\n%s\n", ts);
	}
	for (int i = 0; i < n; i++) {
		struct tcprtt_hist h;
		char a[INET6_ADDRSTRLEN];
		const char *which = te->key_by == TCPRTT_BY_LADDR ? "laddr" : "raddr";

		if (bpf_map_lookup_elem(fd, &keys[i], &h))
			continue;
		/* delete right after reading: samples counted in between are lost, as in every
		 * interval histogram read from a live map; the final one has none in flight */
		bpf_map_delete_elem(fd, &keys[i]);
		s->samples += h.count;
		cp_ipaddr_str(keys[i].family, keys[i].addr, a, sizeof(a));
		if (env.json) {
			printf("{\"attach\":\"%s\",\"unit\":\"%s\"", cp_attach_name(s->type), unit(te));
			if (te->key_by)
				printf(",\"%s\":\"%s\"", which, a);
			printf(",\"samples\":%llu,\"avg\":%.3f,\"hist\":", (unsigned long long)h.count,
			       h.count ? (double)h.sum / h.count : 0.0);
			cp_hist_json(stdout, h.slots, TCPRTT_SLOTS);
			printf("}\n");
			s->printed++;
			continue;
		}
		if (te->key_by)
			printf("%s %s\n", te->key_by == TCPRTT_BY_LADDR ? "Local address" : "Remote address", a);
		else
			printf("All addresses\n");
		cp_hist_print(stdout, h.slots, TCPRTT_SLOTS, unit(te));
		if (te->avg)
			printf("average %.3f %s over %llu samples\n", h.count ? (double)h.sum / h.count : 0.0, unit(te),
			       (unsigned long long)h.count);
		s->printed++;
	}
	fflush(stdout);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int hist_loop(struct tcprtt_state *s)
{
	double start = now_s(), end = s->run->duration > 0 ? start + s->run->duration : 0;
	double next = s->te->interval > 0 ? start + s->te->interval : 0;

	while (!cp_exiting) {
		double t = now_s(), wake = 0.1;
		struct timespec ts;

		if (end && t >= end)
			break;
		if (next && t >= next) {
			print_hists(s);
			if (s->run->max_events && s->intervals >= s->run->max_events)
				return 0;
			next += s->te->interval;
			continue;
		}
		if (next && next - t < wake)
			wake = next - t;
		if (end && end - t < wake)
			wake = end - t;
		ts.tv_sec = 0;
		ts.tv_nsec = wake * 1e9;
		nanosleep(&ts, NULL);	/* a signal cuts it short: cp_exiting is set */
	}
	print_hists(s);		/* what accumulated since the last interval */
	return 0;
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct tcprtt_state *s = ctx;
	const struct tcprtt_event *e = data;
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

	if (size < sizeof(*e) || !cp_event_accept(s->run))
		return 0;
	cp_ipaddr_str(e->laddr.family, e->laddr.addr, l, sizeof(l));
	cp_ipaddr_str(e->raddr.family, e->raddr.addr, r, sizeof(r));
	if (env.json)
		printf("{\"laddr\":\"%s\",\"lport\":%u,\"raddr\":\"%s\",\"rport\":%u,\"srtt_us\":%u}\n", l, e->lport, r,
		       e->rport, e->srtt_us);
	else if (s->te->ms)
		printf("%-39s %-5u %-39s %-5u %10.3f\n", l, e->lport, r, e->rport, e->srtt_us / 1000.0);
	else
		printf("%-39s %-5u %-39s %-5u %10u\n", l, e->lport, r, e->rport, e->srtt_us);
	return 0;
}

int do_tcprtt(int argc, char **argv)
{
	struct tcprtt_env te = { 0 };
	struct cp_run run = { 0 };
	struct tcprtt_state s = { .te = &te, .run = &run };
	struct cp_attach_log log = { 0 };
	struct cp_events events = { 0 };
	const enum cp_attach_type *order = auto_order;
	enum cp_attach_type one[2] = { CP_AT_NONE, CP_AT_NONE };
	int err;

	if ((err = parse_args(argc, argv, &te, &run)))
		return err < 0 ? 0 : err;
	/* sockops is a cgroup (network) program: CAP_NET_ADMIN on top of the tracing ones */
	if ((err = cp_check_privilege(te.force == CP_AT_SOCKOPS)))
		return err;
	if (te.force) {
		one[0] = te.force;
		order = one;
	}
	if ((err = cp_run_init(&run, NULL)))
		goto out;
	/* handlers before attaching: a signal in between must still end in a clean detach */
	cp_signals_install();
	err = 1;
	for (int i = 0; order[i] != CP_AT_NONE && err == 1 && !cp_exiting; i++)
		err = try_attach(&s, order[i], &log);
	if (err == 1) {
		err = cp_exiting ? 0 : cp_attach_log_fail(&log, "tcprtt");
		goto out;
	}
	if (err)
		goto out;
	if (te.events && (err = cp_events_open(&events, &run, s.skel->obj, on_event, &s)))
		goto out;
	cp_tracing_banner("TCP RTT by %s(%s)", cp_attach_name(s.type), s.target);
	if (env.json) {
		printf("{\"attach\":\"%s\",\"target\":", cp_attach_name(s.type));
		json_str(stdout, s.target);
		printf(",\"mode\":\"%s\"}\n", te.events ? "events" : "histogram");
	} else {
		printf("attach: %s(%s)\n", cp_attach_name(s.type), s.target);
		if (te.events)
			printf("%-39s %-5s %-39s %-5s %10s\n", "LADDR", "LPORT", "RADDR", "RPORT",
			       te.ms ? "SRTT(ms)" : "SRTT(us)");
	}
	fflush(stdout);
	if (te.events) {
		err = cp_events_loop(&events);
		cp_events_close(&events);
	} else {
		err = hist_loop(&s);
		if (env.json)
			printf("{\"summary\":{\"intervals\":%ld,\"histograms\":%ld,\"samples\":%llu}}\n", s.intervals,
			       s.printed, s.samples);
	}
out:
	attempt_free(&s);
	cp_run_free(&run);
	return err;
}
