// SPDX-License-Identifier: BSD-2-Clause
/*
 * coreprobe flowlat: per-flow latency on one interface, between a packet leaving it and the
 * first packet of the reverse flow arriving on it (TCP and UDP over IPv4 and IPv6). Two tc
 * programs, on tcx hooks where the kernel has them (6.6+), else on a clsact qdisc; whatever
 * is created on the interface is removed on exit, and a clsact qdisc that was there before is
 * left as it was.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "src/common.h"
#include "src/runtime/netutil.h"
#include "src/runtime/tchook.h"
#include "src/runtime/tracer.h"
#include "tools/tools.h"

#include "bpf/flowlat.h"
#include "flowlat.skel.h"
#include "tools/objects.h"

CP_OBJECT_BYTES(flowlat)

static const char flowlat_usage[] =
	"usage: coreprobe flowlat -i IFACE [-p PORT] [-c COUNT] [-d SECONDS] [--hook tcx|clsact] [-v] [-j]\n"
	"\n"
	"Latency between a packet leaving IFACE and the first packet of the reverse flow arriving on\n"
	"it, per flow (TCP, UDP; IPv4, IPv6). On loopback both ends are local, so every packet is\n"
	"the reply of the last one sent the other way.\n"
	"\n"
	"  -i IFACE     the interface (lo included)\n"
	"  -p PORT      only flows with this port on either side\n"
	"  -c COUNT     exit after COUNT replies\n"
	"  -d SECONDS   exit after SECONDS\n"
	"  --hook H     tcx (Linux 6.6+) or clsact; default: tcx where the kernel has it\n";

enum { OPT_HOOK = OPT_TOOL_BASE };

/* enum bpf_attach_type values of Linux 6.6 (UAPI), newer than the headers coreprobe builds with */
#define CP_BPF_TCX_INGRESS 46
#define CP_BPF_TCX_EGRESS 47

/* ARPHRD_* values (linux/if_arp.h) whose packets reach tc with or without an Ethernet header */
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
#define ARPHRD_NONE 65534
#define ARPHRD_TUNNEL 768
#define ARPHRD_TUNNEL6 769
#define ARPHRD_SIT 776
#define ARPHRD_IPGRE 778

struct flowlat_env {
	const char *ifname;
	int ifindex;
	int l2_len;
	uint16_t port;
	enum cp_tc_kind hook;
};

static int parse_args(int argc, char **argv, struct flowlat_env *fe, struct cp_run *run)
{
	static const struct option opts[] = {
		CP_COMMON_LONGOPTS,
		{ "interface", required_argument, 0, 'i' },
		{ "port", required_argument, 0, 'p' },
		CP_LIMIT_LONGOPTS,
		{ "hook", required_argument, 0, OPT_HOOK },
		{ 0 }
	};
	int c, err, type;

	while ((c = getopt_long(argc, argv, CP_COMMON_SHORTOPTS "i:p:c:d:", opts, NULL)) != -1) {
		int r = cp_common_option(c, optarg, flowlat_usage);

		if (r < 0)
			return -1;
		if (r)
			continue;
		err = 0;
		switch (c) {
		case 'i': fe->ifname = optarg; err = cp_parse_iface("-i", optarg, &fe->ifindex); break;
		case 'p': err = cp_parse_port("-p", optarg, &fe->port); break;
		case 'c':
		case 'd': err = cp_limit_option(c, optarg, run); break;
		case OPT_HOOK:
			if (!strcmp(optarg, "tcx"))
				fe->hook = CP_TC_TCX;
			else if (!strcmp(optarg, "clsact"))
				fe->hook = CP_TC_CLSACT;
			else
				err = cp_error(CP_EUSAGE, "--hook %s: use tcx or clsact", optarg);
			break;
		default: return cp_usage_error("flowlat", flowlat_usage);
		}
		if (err)
			return err;
	}
	if (optind != argc || !fe->ifname)
		return cp_usage_error("flowlat", flowlat_usage);
	type = cp_iface_type(fe->ifname);
	switch (type) {
	case ARPHRD_ETHER: case ARPHRD_LOOPBACK:
		fe->l2_len = 14;
		break;
	case ARPHRD_NONE: case ARPHRD_TUNNEL: case ARPHRD_TUNNEL6: case ARPHRD_SIT: case ARPHRD_IPGRE:
		fe->l2_len = 0;
		break;
	default:
		return cp_error(CP_EUSAGE, "-i %s: link type %d: flowlat reads Ethernet, loopback or bare-IP interfaces only",
				fe->ifname, type);
	}
	return 0;
}

static const char *proto_name(int p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : "?";
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct cp_run *run = ctx;
	const struct flowlat_event *e = data;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	if (size < sizeof(*e) || !cp_event_accept(run))
		return 0;
	cp_ipaddr_str(e->flow.family, e->flow.saddr, s, sizeof(s));
	cp_ipaddr_str(e->flow.family, e->flow.daddr, d, sizeof(d));
	if (env.json)
		printf("{\"proto\":\"%s\",\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,\"latency_ns\":%llu}\n",
		       proto_name(e->flow.proto), s, e->flow.sport, d, e->flow.dport,
		       (unsigned long long)e->latency_ns);
	else
		printf("%-5s %-39s %-5u %-39s %-5u %12.3f\n", proto_name(e->flow.proto), s, e->flow.sport, d,
		       e->flow.dport, e->latency_ns / 1000.0);
	return 0;
}

int do_flowlat(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	struct flowlat_env fe = { 0 };
	struct cp_run run = { .no_kernel_btf = true };
	struct flowlat_bpf *skel = NULL;
	struct cp_events events = { 0 };
	struct cp_load load = { 0 };
	struct cp_tc tc = { 0 };
	int err;

	if ((err = parse_args(argc, argv, &fe, &run)))
		return err < 0 ? 0 : err;
	/* tc hooks are network configuration: CAP_NET_ADMIN on top of CAP_BPF */
	if ((err = cp_check_privilege(true)))
		return err;
	if ((err = cp_run_init(&run, NULL)) || (err = cp_load_begin(&run, &load, &open_opts)))
		goto out;
	skel = flowlat_bpf__open_opts(&open_opts);
	if (!skel) {
		err = cp_bpf_error(errno, "opening the BPF object");
		goto out;
	}
	/* tcx links want programs typed for their direction; cls_bpf ignores this */
	bpf_program__set_expected_attach_type(skel->progs.flowlat_ingress, (enum bpf_attach_type)CP_BPF_TCX_INGRESS);
	bpf_program__set_expected_attach_type(skel->progs.flowlat_egress, (enum bpf_attach_type)CP_BPF_TCX_EGRESS);
	skel->rodata->l2_len = fe.l2_len;
	skel->rodata->targ_port = fe.port;
	if ((err = cp_load_prepare(&run, &load, skel->obj)))
		goto out;
	err = flowlat_bpf__load(skel);
	cp_load_done(&load);
	if (err) {
		err = cp_bpf_error(err, "loading the tc programs");
		goto out;
	}
	/* handlers first: from here on an interrupted run must still reach the detach */
	cp_signals_install();
	if ((err = cp_tc_attach(&tc, fe.ifindex, fe.ifname, skel->progs.flowlat_ingress, skel->progs.flowlat_egress,
				fe.hook)))
		goto out;
	if (env.verbose)
		fprintf(stderr, "coreprobe: flowlat: %s: %s hooks%s%s%s\n", fe.ifname, cp_tc_kind_name(tc.kind),
			tc.kind == CP_TC_CLSACT ? (tc.own_qdisc ? " (qdisc created)" : " (existing qdisc)") : "",
			*tc.tried ? "; " : "", tc.tried);
	if ((err = cp_events_open(&events, &run, skel->obj, on_event, &run)))
		goto out;
	cp_tracing_banner("flow latency on %s by %s", fe.ifname, cp_tc_kind_name(tc.kind));
	if (env.json) {
		printf("{\"attach\":\"%s\",\"interface\":", cp_tc_kind_name(tc.kind));
		json_str(stdout, fe.ifname);
		printf(",\"qdisc\":\"%s\"}\n", tc.kind == CP_TC_TCX ? "none" : tc.own_qdisc ? "created" : "existing");
	} else {
		printf("attach: %s on %s\n", cp_tc_kind_name(tc.kind), fe.ifname);
		printf("%-5s %-39s %-5s %-39s %-5s %12s\n", "PROTO", "SRC", "SPORT", "DST", "DPORT", "LAT(us)");
	}
	fflush(stdout);
	err = cp_events_loop(&events);
	cp_events_close(&events);
out:
	cp_tc_detach(&tc);
	flowlat_bpf__destroy(skel);
	cp_load_free(&load);
	cp_run_free(&run);
	return err;
}
