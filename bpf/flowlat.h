/* SPDX-License-Identifier: BSD-2-Clause */
/* `coreprobe flowlat`: what the kernel side and userspace share. */
#ifndef COREPROBE_FLOWLAT_H
#define COREPROBE_FLOWLAT_H

/* One direction of a flow, as the packet carried it. Ports in host order. */
struct flowlat_key {
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u16 sport;
	__u16 dport;
	__u16 pad;
	__u8 saddr[16];		/* IPv4 in the first 4 bytes, network order */
	__u8 daddr[16];
};

struct flowlat_event {
	struct flowlat_key flow;	/* the packet that left (its reply came back reversed) */
	__u64 latency_ns;		/* from its egress to the reply's ingress */
};

#endif
