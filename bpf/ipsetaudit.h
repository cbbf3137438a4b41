/* SPDX-License-Identifier: BSD-2-Clause */
/* `coreprobe ipsetaudit`: what the kernel side and userspace share. */
#ifndef COREPROBE_IPSETAUDIT_H
#define COREPROBE_IPSETAUDIT_H

#define IPSETAUDIT_NAMELEN 32	/* IPSET_MAXNAMELEN (UAPI) */
#define IPSETAUDIT_COMMLEN 16

enum ipsetaudit_op { IPSETAUDIT_CREATE = 1, IPSETAUDIT_DESTROY = 2 };

/* What CO-RE saw in the BTF at hand, as the `ipset_layout` program returns it: userspace runs
 * that program once after the load, so its decision rests on the very relocations the probes
 * got, not on a second reading of the BTF. */
#define IPSETAUDIT_SIG_NFNL_INFO 0x1	/* struct nfnl_info exists: ip_set_create(skb, info, attr) */
#define IPSETAUDIT_IPSET_TYPES	 0x2	/* struct ip_set exists: the ip_set code's types are at hand */
#define IPSETAUDIT_MODULE_BTF	 0x4	/* struct btf_module exists: the kernel publishes module BTF */
#define IPSETAUDIT_LAYOUT_MAGIC	 0x1500	/* marks a real answer (not a default return value) */

struct ipsetaudit_event {
	__u32 pid;
	__u32 uid;
	__u32 gid;
	__u8 op;		/* enum ipsetaudit_op */
	__u8 family;		/* IPSET_ATTR_FAMILY (NFPROTO_*), 0xff when absent */
	__u8 revision;		/* IPSET_ATTR_REVISION, 0xff when absent */
	__u8 has_name;		/* IPSET_ATTR_SETNAME given (destroy without it: every set) */
	char comm[IPSETAUDIT_COMMLEN];
	char setname[IPSETAUDIT_NAMELEN];
	char typename[IPSETAUDIT_NAMELEN];
};

#endif
