// SPDX-License-Identifier: BSD-2-Clause
/* `coreprobe ipsetaudit`: who creates and destroys ipset sets. Probes ip_set_create() and
 * ip_set_destroy(), the ip_set module's nfnetlink handlers, and reads the set name, type and
 * family from the netlink attributes they get.
 *
 * The handlers changed signature in Linux 5.12:
 *   before: (struct net *, struct sock *ctnl, struct sk_buff *, const struct nlmsghdr *,
 *            const struct nlattr *const attr[], struct netlink_ext_ack *)
 *   after:  (struct sk_buff *, const struct nfnl_info *, const struct nlattr *const attr[])
 * Which one this kernel has is told by CO-RE, not by a version number: the new one exists
 * exactly where struct nfnl_info does. That answer is only meaningful if the BTF at hand
 * describes the ip_set code at all (struct ip_set exists): on kernels where ip_set is a module
 * its types live in the module's BTF, and userspace refuses to run when the kernel publishes
 * module BTF but the BTF at hand lacks ip_set's. Each call is then checked against the netlink
 * message it carries, so a wrong guess shows as mismatches, never as garbage events. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ipsetaudit.h"
#define CP_EVENT_MAX sizeof(struct ipsetaudit_event)
#include "events.bpf.h"

/* Module-only types, declared here by name: CO-RE checks their existence, never their members.
 * (vmlinux.h comes from a kernel with ip_set as a module, so it declares neither.) */
struct nfnl_info {
	int cp_unused;
} __attribute__((preserve_access_index));
struct ip_set {
	int cp_unused;
} __attribute__((preserve_access_index));

/* UAPI constants (linux/netfilter/nfnetlink.h, linux/netfilter/ipset/ip_set.h): stable ABI */
#define NFNL_SUBSYS_IPSET 6
#define IPSET_CMD_CREATE 2
#define IPSET_CMD_DESTROY 3
#define IPSET_ATTR_SETNAME 2
#define IPSET_ATTR_TYPENAME 3
#define IPSET_ATTR_REVISION 4
#define IPSET_ATTR_FAMILY 5
#define NLA_HDRLEN 4

/* netlink wire headers: a protocol format, not a kernel struct, so no relocation */
struct wire_nlmsghdr {
	__u32 len;
	__u16 type;
	__u16 flags;
	__u32 seq;
	__u32 pid;
};
struct wire_nlattr {
	__u16 len;
	__u16 type;
};

/* calls whose netlink message did not match the signature CO-RE chose */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ipset_mismatch SEC(".maps");

static __always_inline int layout(void)
{
	int v = IPSETAUDIT_LAYOUT_MAGIC;

	if (bpf_core_type_exists(struct nfnl_info))
		v |= IPSETAUDIT_SIG_NFNL_INFO;
	if (bpf_core_type_exists(struct ip_set))
		v |= IPSETAUDIT_IPSET_TYPES;
	if (bpf_core_type_exists(struct btf_module))
		v |= IPSETAUDIT_MODULE_BTF;
	return v;
}

/* Run once by userspace (BPF_PROG_TEST_RUN, available for socket filters on every kernel
 * coreprobe supports): returns the layout bits above as relocated for this kernel. */
SEC("socket")
int ipset_layout(struct __sk_buff *skb)
{
	return layout();
}

static __always_inline void count_mismatch(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&ipset_mismatch, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* attr[i] of the handler's attribute array, or NULL */
static __always_inline const void *attr_at(const void *attrs, int i)
{
	const void *p = NULL;

	bpf_probe_read_kernel(&p, sizeof(p), (const __u64 *)attrs + i);
	return p;
}

static __always_inline __u8 attr_u8(const void *attrs, int i)
{
	const void *a = attr_at(attrs, i);
	__u8 v = 0xff;

	if (a)
		bpf_probe_read_kernel(&v, sizeof(v), a + NLA_HDRLEN);
	return v;
}

static __always_inline bool attr_str(const void *attrs, int i, char *dst, __u32 size)
{
	const void *a = attr_at(attrs, i);

	if (!a)
		return false;
	/* the policy made these NUL-terminated strings of at most IPSET_MAXNAMELEN - 1 chars */
	bpf_probe_read_kernel_str(dst, size, a + NLA_HDRLEN);
	return true;
}

/* skb: the request; nlh: the message header the old signature passes (0 with the new one). */
static __always_inline int audit(void *ctx, __u8 op, struct sk_buff *skb, const void *nlh, const void *attrs)
{
	struct wire_nlmsghdr hdr = {};
	struct ipsetaudit_event *e;
	unsigned char *data;
	__u64 id;

	/* the handler runs on the message at the head of skb: if the arguments were read by the
	 * wrong signature, this is not an ipset command of the expected kind */
	data = BPF_CORE_READ(skb, data);
	if (bpf_probe_read_kernel(&hdr, sizeof(hdr), data) ||
	    hdr.type != ((NFNL_SUBSYS_IPSET << 8) | (op == IPSETAUDIT_CREATE ? IPSET_CMD_CREATE : IPSET_CMD_DESTROY)) ||
	    (nlh && nlh != data) || !attrs) {
		count_mismatch();
		return 0;
	}
	e = cp_event_reserve(sizeof(*e));
	if (!e)
		return 0;
	id = bpf_get_current_pid_tgid();
	e->pid = id >> 32;
	id = bpf_get_current_uid_gid();
	e->uid = (__u32)id;
	e->gid = id >> 32;
	e->op = op;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->setname[0] = e->typename[0] = 0;
	e->has_name = attr_str(attrs, IPSET_ATTR_SETNAME, e->setname, sizeof(e->setname));
	e->family = 0xff;
	e->revision = 0xff;
	if (op == IPSETAUDIT_CREATE) {
		attr_str(attrs, IPSET_ATTR_TYPENAME, e->typename, sizeof(e->typename));
		e->family = attr_u8(attrs, IPSET_ATTR_FAMILY);
		e->revision = attr_u8(attrs, IPSET_ATTR_REVISION);
	}
	cp_event_submit(ctx, e, sizeof(*e));
	return 0;
}

/* fentry: the typed context would give the sk_buff, but the verifier refuses to read an
 * argument that points to pointers (attr[]) from it ("arg type PTR is not a struct"), so every
 * argument is fetched with bpf_get_func_arg() (5.17+; kernels without it fall back to kprobe).
 * The branch is a constant after relocation: only this kernel's signature is ever verified. */
static __always_inline __u64 func_arg(void *ctx, __u32 n)
{
	__u64 v = 0;

	bpf_get_func_arg(ctx, n, &v);
	return v;
}

#define FENTRY_AUDIT(op)                                                                            \
	do {                                                                                        \
		if (bpf_core_type_exists(struct nfnl_info))                                         \
			return audit(ctx, op, (void *)func_arg(ctx, 0), NULL, (const void *)func_arg(ctx, 2)); \
		return audit(ctx, op, (void *)func_arg(ctx, 2), (const void *)func_arg(ctx, 3),     \
			     (const void *)func_arg(ctx, 4));                                       \
	} while (0)

SEC("fentry/ip_set_create")
int BPF_PROG(ipset_create_fentry)
{
	FENTRY_AUDIT(IPSETAUDIT_CREATE);
}

SEC("fentry/ip_set_destroy")
int BPF_PROG(ipset_destroy_fentry)
{
	FENTRY_AUDIT(IPSETAUDIT_DESTROY);
}

#define KPROBE_AUDIT(op)                                                                          \
	do {                                                                                      \
		if (bpf_core_type_exists(struct nfnl_info))                                       \
			return audit(ctx, op, (void *)PT_REGS_PARM1(ctx), NULL,                   \
				     (const void *)PT_REGS_PARM3(ctx));                           \
		return audit(ctx, op, (void *)PT_REGS_PARM3(ctx), (const void *)PT_REGS_PARM4(ctx), \
			     (const void *)PT_REGS_PARM5(ctx));                                   \
	} while (0)

SEC("kprobe/ip_set_create")
int BPF_KPROBE(ipset_create_kprobe)
{
	KPROBE_AUDIT(IPSETAUDIT_CREATE);
}

SEC("kprobe/ip_set_destroy")
int BPF_KPROBE(ipset_destroy_kprobe)
{
	KPROBE_AUDIT(IPSETAUDIT_DESTROY);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
