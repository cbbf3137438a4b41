// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "src/common.h"
#include "src/runtime/tchook.h"
#include "src/runtime/tracer.h"

const char *cp_tc_kind_name(enum cp_tc_kind k)
{
	switch (k) {
	case CP_TC_TCX: return "tcx";
	case CP_TC_CLSACT: return "clsact";
	default: return "auto";
	}
}

static int attach_tcx(struct cp_tc *t, const struct bpf_program *progs[2])
{
	for (int i = 0; i < 2; i++) {
		t->links[i] = bpf_program__attach_tcx(progs[i], t->ifindex, NULL);
		if (!t->links[i]) {
			int err = errno;

			t->links[i] = NULL;
			cp_tc_detach(t);
			return -err;
		}
	}
	t->kind = CP_TC_TCX;
	return 0;
}

static int attach_clsact(struct cp_tc *t, const char *ifname, const struct bpf_program *progs[2])
{
	static const enum bpf_tc_attach_point points[2] = { BPF_TC_INGRESS, BPF_TC_EGRESS };
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = t->ifindex, .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err = bpf_tc_hook_create(&hook);

	/* An existing clsact qdisc belongs to someone else: use it, but never delete it. */
	if (err == -ENOENT)	/* the qdisc kind is unknown: sch_ingress not built or loaded */
		return cp_error(CP_ENOFEAT, "%s: this kernel has no clsact qdisc (%s): load it (modprobe sch_ingress)",
				ifname, strerror(-err));
	if (err && err != -EEXIST)
		return cp_bpf_error(err, "creating the clsact qdisc");
	t->own_qdisc = !err;
	t->qdisc_made = true;
	t->kind = CP_TC_CLSACT;
	for (int i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = t->ifindex, .attach_point = points[i]);

		memset(&t->opts[i], 0, sizeof(t->opts[i]));
		t->opts[i].sz = sizeof(t->opts[i]);
		t->opts[i].prog_fd = bpf_program__fd(progs[i]);
		/* handle and priority 0: the kernel picks free ones, returned in opts for detach */
		err = bpf_tc_attach(&h, &t->opts[i]);
		if (err) {
			cp_tc_detach(t);
			if (err == -ENOENT)	/* the classifier kind is unknown */
				return cp_error(CP_ENOFEAT, "%s: this kernel has no bpf tc classifier (%s): load it (modprobe cls_bpf)",
						ifname, strerror(-err));
			return cp_bpf_error(err, i ? "attaching the egress tc filter" : "attaching the ingress tc filter");
		}
		t->filters[i] = true;
	}
	return 0;
}

int cp_tc_attach(struct cp_tc *t, int ifindex, const char *ifname, const struct bpf_program *ingress,
		 const struct bpf_program *egress, enum cp_tc_kind want)
{
	const struct bpf_program *progs[2] = { ingress, egress };
	int err;

	memset(t, 0, sizeof(*t));
	t->ifindex = ifindex;
	if (want != CP_TC_CLSACT) {
		err = attach_tcx(t, progs);
		if (!err)
			return 0;
		if (want == CP_TC_TCX) {
			if (err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTSUP)
				return cp_error(CP_ENOFEAT, "%s: this kernel has no tcx hooks (%s; tcx needs Linux 6.6): use --hook clsact",
						ifname, strerror(-err));
			return cp_bpf_error(err, "attaching tcx programs");
		}
		snprintf(t->tried, sizeof(t->tried), "tcx: %s", strerror(-err));
		if (env.verbose)
			fprintf(stderr, "coreprobe: %s: tcx attach failed (%s): using a clsact qdisc\n", ifname, strerror(-err));
	}
	return attach_clsact(t, ifname, progs);
}

void cp_tc_detach(struct cp_tc *t)
{
	for (int i = 0; i < 2; i++) {
		bpf_link__destroy(t->links[i]);
		t->links[i] = NULL;
	}
	for (int i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = t->ifindex,
			    .attach_point = i ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, o, .handle = t->opts[i].handle, .priority = t->opts[i].priority);
		int err;

		if (!t->filters[i])
			continue;
		/* Our filter goes even from a qdisc we are about to delete: the qdisc is kept if
		 * its deletion fails, and must not keep our program then. */
		err = bpf_tc_detach(&h, &o);
		if (err && err != -ENOENT)
			cp_warn("removing the %s tc filter (handle %u, priority %u) failed: %s",
				i ? "egress" : "ingress", t->opts[i].handle, t->opts[i].priority, strerror(-err));
		t->filters[i] = false;
	}
	if (t->qdisc_made && t->own_qdisc) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = t->ifindex, .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
		int err = bpf_tc_hook_destroy(&hook);

		if (err && err != -ENOENT && err != -EINVAL)
			cp_warn("removing the clsact qdisc coreprobe created failed: %s", strerror(-err));
	}
	t->qdisc_made = t->own_qdisc = false;
}
