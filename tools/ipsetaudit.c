// SPDX-License-Identifier: BSD-2-Clause
/*
 * coreprobe ipsetaudit: one line per ipset set created or destroyed: when, by which process and
 * user, which set, of which type and family. Probes the ip_set module's nfnetlink handlers by
 * fentry where the kernel's own BTF allows it, else by kprobe; which of the handlers' two
 * historical signatures applies is decided by CO-RE against the BTF at hand (see
 * bpf/ipsetaudit.bpf.c), and coreprobe refuses to run where that BTF cannot tell.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "src/runtime/attach.h"
#include "src/common.h"
#include "src/runtime/tracer.h"
#include "src/runtime/userdb.h"
#include "tools/tools.h"

#include "bpf/ipsetaudit.h"
#include "ipsetaudit.skel.h"
#include "tools/objects.h"

CP_OBJECT_BYTES(ipsetaudit)

static const char ipsetaudit_usage[] =
	"usage: coreprobe ipsetaudit [-c COUNT] [-d SECONDS] [--attach fentry|kprobe] [-v] [-j]\n"
	"\n"
	"Reports every ipset set creation and destruction: time, pid, uid, user name (from this\n"
	"machine's /etc/passwd), command, set name, set type and family. Needs the ip_set module\n"
	"loaded before it starts.\n"
	"\n"
	"  -c COUNT     exit after COUNT events\n"
	"  -d SECONDS   exit after SECONDS\n"
	"  --attach T   use attach type T only (default: fentry, else kprobe)\n";

enum { OPT_ATTACH = OPT_TOOL_BASE };

static const enum cp_attach_type auto_order[] = { CP_AT_FENTRY, CP_AT_KPROBE, CP_AT_NONE };
#define TARGETS "ip_set_create,ip_set_destroy"

struct ipset_state {
	struct cp_run *run;
	struct ipsetaudit_bpf *skel;
	struct bpf_link *links[2];
	struct cp_load load;
	enum cp_attach_type type;
	int layout;
};

static int parse_args(int argc, char **argv, struct cp_run *run, enum cp_attach_type *force)
{
	static const struct option opts[] = {
		CP_COMMON_LONGOPTS,
		CP_LIMIT_LONGOPTS,
		{ "attach", required_argument, 0, OPT_ATTACH },
		{ 0 }
	};
	static const enum cp_attach_type allowed[] = { CP_AT_FENTRY, CP_AT_KPROBE, CP_AT_NONE };
	int c, err;

	while ((c = getopt_long(argc, argv, CP_COMMON_SHORTOPTS "c:d:", opts, NULL)) != -1) {
		int r = cp_common_option(c, optarg, ipsetaudit_usage);

		if (r < 0)
			return -1;
		if (r)
			continue;
		switch (c) {
		case 'c':
		case 'd': err = cp_limit_option(c, optarg, run); break;
		case OPT_ATTACH: err = cp_attach_parse(optarg, allowed, force); break;
		default: return cp_usage_error("ipsetaudit", ipsetaudit_usage);
		}
		if (err)
			return err;
	}
	if (optind != argc)
		return cp_usage_error("ipsetaudit", ipsetaudit_usage);
	return 0;
}

static void attempt_free(struct ipset_state *s)
{
	for (int i = 0; i < 2; i++) {
		bpf_link__destroy(s->links[i]);
		s->links[i] = NULL;
	}
	ipsetaudit_bpf__destroy(s->skel);
	s->skel = NULL;
	cp_load_free(&s->load);
}

/* What CO-RE resolved, from the object's own layout program. */
static int read_layout(struct ipset_state *s)
{
	char pkt[64] = { 0 };	/* a socket filter test run wants at least an Ethernet header */
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(s->skel->progs.ipset_layout), &o);

	if (err)
		return cp_bpf_error(err, "running the BPF layout check");
	if ((o.retval & 0xff00) != IPSETAUDIT_LAYOUT_MAGIC)
		return cp_error(CP_ERUNTIME, "the BPF layout check returned %#x, not an answer", o.retval);
	s->layout = o.retval;
	if (env.verbose)
		fprintf(stderr, "coreprobe: ipsetaudit: BTF at hand: struct nfnl_info %s, struct ip_set %s, module BTF %s\n",
			o.retval & IPSETAUDIT_SIG_NFNL_INFO ? "yes" : "no", o.retval & IPSETAUDIT_IPSET_TYPES ? "yes" : "no",
			o.retval & IPSETAUDIT_MODULE_BTF ? "published by this kernel" : "not a feature of this kernel");
	/* Without ip_set's types, "no struct nfnl_info" means nothing on a kernel that keeps
	 * them in module BTF: the new signature would be taken for the old. Never guess. */
	if (!(o.retval & IPSETAUDIT_IPSET_TYPES) && (o.retval & IPSETAUDIT_MODULE_BTF))
		return cp_error(CP_ENOBTF, "ipsetaudit: the kernel BTF at hand (%s) has no types of the ip_set module although this kernel keeps module types in module BTF, so which ip_set_create() signature it has cannot be told: refusing to guess; load ip_set before starting coreprobe and use the kernel's own BTF (/sys/kernel/btf) or an embedded blob built with ip_set in btfs/kernel/modules.list",
				s->run->kernel.choice.source == KBTF_FILE ? s->run->kernel.choice.file :
				kbtf_source_name(s->run->kernel.choice.source));
	return 0;
}

static int try_attach(struct ipset_state *s, enum cp_attach_type t, struct cp_attach_log *log)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	struct bpf_program *progs[2], *p;
	char why[384], rs[160];
	int err;

	if (t == CP_AT_FENTRY && !cp_have_kernel_btf_ids(why, sizeof(why))) {
		cp_attach_note(log, "ipsetaudit", t, TARGETS, CP_ENOFEAT, "%s", why);
		return 1;
	}
	if (t == CP_AT_KPROBE && !cp_have_kprobes(why, sizeof(why))) {
		cp_attach_note(log, "ipsetaudit", t, TARGETS, CP_ENOFEAT, "%s", why);
		return 1;
	}
	if ((err = cp_load_begin(s->run, &s->load, &open_opts)))
		return err;
	s->skel = ipsetaudit_bpf__open_opts(&open_opts);
	if (!s->skel) {
		err = cp_bpf_error(errno, "opening the BPF object");
		cp_load_free(&s->load);
		return err;
	}
	progs[0] = t == CP_AT_FENTRY ? s->skel->progs.ipset_create_fentry : s->skel->progs.ipset_create_kprobe;
	progs[1] = t == CP_AT_FENTRY ? s->skel->progs.ipset_destroy_fentry : s->skel->progs.ipset_destroy_kprobe;
	bpf_object__for_each_program(p, s->skel->obj)
		bpf_program__set_autoload(p, p == progs[0] || p == progs[1] || p == s->skel->progs.ipset_layout);
	if ((err = cp_load_prepare(s->run, &s->load, s->skel->obj))) {
		attempt_free(s);
		return err;
	}
	err = ipsetaudit_bpf__load(s->skel);
	cp_load_done(&s->load);
	if (err) {
		cp_attach_note(log, "ipsetaudit", t, TARGETS, CP_ENOFEAT, "load: %s", cp_errno_reason(err, rs, sizeof(rs)));
		attempt_free(s);
		return 1;
	}
	/* the same answer for every attach type: a refusal ends the run */
	if ((err = read_layout(s))) {
		attempt_free(s);
		return err;
	}
	for (int i = 0; i < 2; i++) {
		s->links[i] = bpf_program__attach(progs[i]);
		if (!s->links[i]) {
			err = errno;
			s->links[i] = NULL;
			cp_attach_note(log, "ipsetaudit", t, TARGETS, CP_ENOFEAT, "attach %s: %s",
				       i ? "ip_set_destroy" : "ip_set_create", cp_errno_reason(err, rs, sizeof(rs)));
			attempt_free(s);
			return 1;
		}
	}
	s->type = t;
	cp_attach_chosen("ipsetaudit", t, TARGETS);
	return 0;
}

static const char *family_name(__u8 f, char *buf, size_t n)
{
	switch (f) {
	case 0xff: return "-";		/* not given (destroy) */
	case 0: return "unspec";	/* NFPROTO_UNSPEC: list:set */
	case 2: return "inet";		/* NFPROTO_IPV4 */
	case 10: return "inet6";	/* NFPROTO_IPV6 */
	default: snprintf(buf, n, "%u", f); return buf;
	}
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct ipset_state *s = ctx;
	const struct ipsetaudit_event *e = data;
	char user[64], ts[32], fam[8];
	const char *name, *op = e->op == IPSETAUDIT_CREATE ? "CREATE" : "DESTROY";
	const char *set = e->has_name ? e->setname : "*";
	struct timespec now;
	struct tm tm;

	if (size < sizeof(*e) || !cp_event_accept(s->run))
		return 0;
	/* the time the event reached us: milliseconds after the call, plenty for an audit line */
	clock_gettime(CLOCK_REALTIME, &now);
	localtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	name = cp_user_name(e->uid, user, sizeof(user));
	if (env.json) {
		printf("{\"time\":\"%s.%03ld\",\"pid\":%u,\"uid\":%u,\"gid\":%u,\"user\":", ts, now.tv_nsec / 1000000,
		       e->pid, e->uid, e->gid);
		if (name)
			json_str(stdout, name);
		else
			fputs("null", stdout);
		fputs(",\"comm\":", stdout);
		json_strn(stdout, e->comm, strnlen(e->comm, sizeof(e->comm)));
		printf(",\"op\":\"%s\",\"set\":", e->op == IPSETAUDIT_CREATE ? "create" : "destroy");
		if (e->has_name)
			json_strn(stdout, e->setname, strnlen(e->setname, sizeof(e->setname)));
		else
			fputs("null", stdout);	/* destroy without a name: every set */
		if (e->op == IPSETAUDIT_CREATE) {
			fputs(",\"type\":", stdout);
			json_strn(stdout, e->typename, strnlen(e->typename, sizeof(e->typename)));
			printf(",\"family\":\"%s\"", family_name(e->family, fam, sizeof(fam)));
			if (e->revision != 0xff)
				printf(",\"revision\":%u", e->revision);
		}
		printf("}\n");
	} else {
		printf("%-19s %-7u %-6u %-12s %-16.16s %-7s %-24.32s %-16.32s %s\n", ts, e->pid, e->uid, name ? name : "?",
		       e->comm, op, set, e->op == IPSETAUDIT_CREATE ? e->typename : "-",
		       family_name(e->family, fam, sizeof(fam)));
	}
	return 0;
}

static const char *signature(int layout)
{
	return layout & IPSETAUDIT_SIG_NFNL_INFO ? "(skb, nfnl_info, attr)" : "(net, ctnl, skb, nlh, attr, extack)";
}

int do_ipsetaudit(int argc, char **argv)
{
	static const char *const modules[] = { "ip_set", NULL };
	enum cp_attach_type force = CP_AT_NONE, one[2] = { CP_AT_NONE, CP_AT_NONE };
	const enum cp_attach_type *order = auto_order;
	struct cp_run run = { 0 };
	struct ipset_state s = { .run = &run };
	struct cp_attach_log log = { 0 };
	struct cp_events events = { 0 };
	__u64 mismatch = 0;
	__u32 zero = 0;
	bool known;
	int err;

	if ((err = parse_args(argc, argv, &run, &force)))
		return err < 0 ? 0 : err;
	if ((err = cp_check_privilege(false)))
		return err;
	/* Before the BTF is read: the module's BTF only shows in sysfs once it is loaded. */
	if (!cp_kernel_has_symbol("ip_set_create", &known) && known)
		return cp_error(CP_ENOFEAT, "ipsetaudit: this kernel has no ip_set_create(): load the ip_set module first (modprobe ip_set)");
	if (force) {
		one[0] = force;
		order = one;
	}
	if ((err = cp_run_init(&run, modules)))
		goto out;
	cp_signals_install();
	err = 1;
	for (int i = 0; order[i] != CP_AT_NONE && err == 1 && !cp_exiting; i++)
		err = try_attach(&s, order[i], &log);
	if (err == 1) {
		err = cp_exiting ? 0 : cp_attach_log_fail(&log, "ipsetaudit");
		goto out;
	}
	if (err || (err = cp_events_open(&events, &run, s.skel->obj, on_event, &s)))
		goto out;
	cp_tracing_banner("ipset create/destroy by %s(%s)", cp_attach_name(s.type), TARGETS);
	if (env.json) {
		printf("{\"attach\":\"%s\",\"target\":\"%s\",\"signature\":\"%s\",\"ipset_types\":%s}\n",
		       cp_attach_name(s.type), TARGETS, signature(s.layout),
		       s.layout & IPSETAUDIT_IPSET_TYPES ? "true" : "false");
	} else {
		printf("attach: %s(%s), signature %s\n", cp_attach_name(s.type), TARGETS, signature(s.layout));
		printf("%-19s %-7s %-6s %-12s %-16s %-7s %-24s %-16s %s\n", "TIME", "PID", "UID", "USER", "COMM", "OP",
		       "SET", "TYPE", "FAMILY");
	}
	fflush(stdout);
	err = cp_events_loop(&events);
	bpf_map__lookup_elem(s.skel->maps.ipset_mismatch, &zero, sizeof(zero), &mismatch, sizeof(mismatch), 0);
	cp_events_close(&events);
	if (!err && mismatch)
		err = cp_error(CP_ENOBTF, "ipsetaudit: %llu ip_set calls did not carry the netlink message the signature %s implies: the BTF at hand does not describe this kernel's ip_set; they were not reported",
			       (unsigned long long)mismatch, signature(s.layout));
out:
	attempt_free(&s);
	cp_run_free(&run);
	return err;
}
