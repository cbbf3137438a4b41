// SPDX-License-Identifier: BSD-2-Clause
/* `coreprobe flowlat`: per-flow latency between a packet leaving an interface and the first
 * packet of the reverse flow arriving on it, from two tc programs (egress, ingress).
 *
 * Everything read here is ABI: the __sk_buff context (the kernel rewrites its accesses) and the
 * packet bytes (wire formats). So this object is built from the UAPI headers rather than
 * vmlinux.h, has no CO-RE relocation at all, and loads without any kernel BTF: it runs on
 * kernels coreprobe has no BTF for. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <stdbool.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "flowlat.h"
#define CP_EVENT_MAX sizeof(struct flowlat_event)
#include "events.bpf.h"

#define AF_INET 2
#define AF_INET6 10

/* Set by userspace before load: the link-layer header length of the interface (14 for
 * Ethernet and loopback, 0 where packets start at the IP header, e.g. tun or WireGuard). */
const volatile __u32 l2_len = 14;
/* only flows with this port on either side (0: all) */
const volatile __u16 targ_port = 0;

/* the egress time of the oldest unanswered packet of each flow direction; LRU, so flows that
 * never get a reply age out instead of filling the map */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flowlat_key);
	__type(value, __u64);
} pending SEC(".maps");

/* wire headers, only the fields used (no kernel struct, no relocation) */
struct w_eth {
	__u8 dst[6], src[6];
	__be16 proto;
};
struct w_ipv4 {
	__u8 ver_ihl;
	__u8 tos;
	__be16 len, id, frag;
	__u8 ttl, proto;
	__be16 csum;
	__u8 saddr[4], daddr[4];
};
struct w_ipv6 {
	__be32 ver_tc_flow;
	__be16 plen;
	__u8 next, hops;
	__u8 saddr[16], daddr[16];
};
struct w_ext {
	__u8 next, len;		/* len: in 8-byte units, not counting the first 8 */
};
struct w_ports {
	__be16 sport, dport;
};

#define IPV6_MAX_EXT 6

static __always_inline int parse(struct __sk_buff *skb, struct flowlat_key *k)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	void *l3 = data, *l4;
	struct w_ports *p;
	__be16 proto;
	__u8 l4proto;

	if (l2_len) {
		struct w_eth *eth = data;

		if ((void *)(eth + 1) > end)
			return -1;
		proto = eth->proto;
		l3 = eth + 1;
	} else {
		proto = skb->protocol;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct w_ipv4 *ip = l3;
		__u32 ihl;

		if ((void *)(ip + 1) > end)
			return -1;
		ihl = (ip->ver_ihl & 0x0f) * 4;
		/* a fragment after the first has no L4 header to read */
		if (ihl < sizeof(*ip) || (ip->frag & bpf_htons(0x1fff)))
			return -1;
		l4 = l3 + ihl;
		l4proto = ip->proto;
		k->family = AF_INET;
		__builtin_memcpy(k->saddr, ip->saddr, 4);
		__builtin_memcpy(k->daddr, ip->daddr, 4);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct w_ipv6 *ip6 = l3;

		if ((void *)(ip6 + 1) > end)
			return -1;
		l4 = ip6 + 1;
		l4proto = ip6->next;
		k->family = AF_INET6;
		__builtin_memcpy(k->saddr, ip6->saddr, 16);
		__builtin_memcpy(k->daddr, ip6->daddr, 16);
		/* walk a few extension headers (hop-by-hop, routing, destination options,
		 * fragment) to the transport header */
#pragma unroll
		for (int i = 0; i < IPV6_MAX_EXT; i++) {
			struct w_ext *x = l4;

			if (l4proto != 0 && l4proto != 43 && l4proto != 60 && l4proto != 44)
				break;
			if ((void *)(x + 1) > end)
				return -1;
			if (l4proto == 44) {
				__be16 *off = l4 + 2;

				if ((void *)(off + 1) > end || (*off & bpf_htons(0xfff8)))
					return -1;	/* not the first fragment */
				l4proto = x->next;
				l4 += 8;
				continue;
			}
			l4proto = x->next;
			l4 += (x->len + 1) * 8;
		}
	} else {
		return -1;
	}
	if (l4proto != IPPROTO_TCP && l4proto != IPPROTO_UDP)
		return -1;
	p = l4;
	if ((void *)(p + 1) > end)
		return -1;
	k->proto = l4proto;
	k->sport = bpf_ntohs(p->sport);
	k->dport = bpf_ntohs(p->dport);
	if (targ_port && k->sport != targ_port && k->dport != targ_port)
		return -1;
	return 0;
}

static __always_inline void reverse(const struct flowlat_key *k, struct flowlat_key *r)
{
	r->family = k->family;
	r->proto = k->proto;
	r->sport = k->dport;
	r->dport = k->sport;
	r->pad = 0;
	__builtin_memcpy(r->saddr, k->daddr, 16);
	__builtin_memcpy(r->daddr, k->saddr, 16);
}

/* egress: remember when this flow direction last sent something not yet answered; the oldest
 * unanswered packet stays the reference (BPF_NOEXIST) */
SEC("tc")
int flowlat_egress(struct __sk_buff *skb)
{
	struct flowlat_key k = {};
	__u64 now;

	if (parse(skb, &k) == 0) {
		now = bpf_ktime_get_ns();
		bpf_map_update_elem(&pending, &k, &now, BPF_NOEXIST);
	}
	/* tcx: continue with the next program; clsact: no verdict, the packet goes on */
	return TC_ACT_UNSPEC;
}

/* ingress: a packet of the reverse flow answers the pending one */
SEC("tc")
int flowlat_ingress(struct __sk_buff *skb)
{
	struct flowlat_key k = {}, r;
	struct flowlat_event *e;
	__u64 *ts, now;

	if (parse(skb, &k))
		return TC_ACT_UNSPEC;
	reverse(&k, &r);
	ts = bpf_map_lookup_elem(&pending, &r);
	if (!ts)
		return TC_ACT_UNSPEC;
	now = bpf_ktime_get_ns();
	e = cp_event_reserve(sizeof(*e));
	if (e) {
		e->flow = r;
		e->latency_ns = now - *ts;
		cp_event_submit(skb, e, sizeof(*e));
	}
	bpf_map_delete_elem(&pending, &r);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
