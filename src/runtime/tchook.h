/* SPDX-License-Identifier: BSD-2-Clause */
/* A pair of tc programs (ingress + egress) on one interface: tcx links where the kernel has
 * them (6.6+: owned by this process, gone with it), else filters on a clsact qdisc (netlink
 * objects that outlive the process, so every one created here is removed on detach). */
#ifndef COREPROBE_TCHOOK_H
#define COREPROBE_TCHOOK_H

#include <bpf/libbpf.h>
#include <stdbool.h>

enum cp_tc_kind { CP_TC_AUTO, CP_TC_TCX, CP_TC_CLSACT };

struct cp_tc {
	int ifindex;
	enum cp_tc_kind kind;		/* what was attached */
	bool own_qdisc;			/* clsact created here: removed on detach */
	bool qdisc_made;		/* the hook exists (created or found) */
	struct bpf_link *links[2];	/* tcx: [0] ingress, [1] egress */
	struct bpf_tc_opts opts[2];	/* clsact: the filters' handle and priority */
	bool filters[2];
	char tried[512];		/* why tcx was not used (auto) */
};

const char *cp_tc_kind_name(enum cp_tc_kind k);
/* Attaches ingress and egress programs. want: AUTO (tcx, else clsact), TCX or CLSACT. 0 or an
 * exit code with the error recorded (nothing stays attached on failure). */
int cp_tc_attach(struct cp_tc *t, int ifindex, const char *ifname, const struct bpf_program *ingress,
		 const struct bpf_program *egress, enum cp_tc_kind want);
/* Removes what cp_tc_attach made: the links, or our filters and a qdisc we created. Idempotent. */
void cp_tc_detach(struct cp_tc *t);

#endif
