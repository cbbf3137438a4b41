// SPDX-License-Identifier: BSD-2-Clause
/* `coreprobe tcprtt`: the smoothed RTT of TCP sockets, sampled each time an established socket
 * receives a segment. One object carries one program per attach type; userspace loads only the
 * one it picked for this kernel (the others have autoload off). Every field of the kernel's
 * socket structs is read through CO-RE, so the offsets come from the BTF coreprobe hands to
 * libbpf (sysfs or an embedded blob), never from the vmlinux.h this was compiled with. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "tcprtt.h"
#define CP_EVENT_MAX sizeof(struct tcprtt_event)
#include "events.bpf.h"

/* UAPI constants (not in BTF, so not in vmlinux.h) */
#define AF_INET 2
#define AF_INET6 10

/* Set by userspace before load. Ports in host order, 0 = any; address family 0 = any. */
const volatile __u16 targ_lport = 0;
const volatile __u16 targ_rport = 0;
const volatile __u8 targ_laddr_family = 0;
const volatile __u32 targ_laddr[4] = {};
const volatile __u8 targ_raddr_family = 0;
const volatile __u32 targ_raddr[4] = {};
const volatile __u8 key_by = TCPRTT_BY_NONE;
const volatile bool in_ms = false;
const volatile bool emit_events = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tcprtt_addr);
	__type(value, struct tcprtt_hist);
} hists SEC(".maps");

/* a zeroed histogram to insert from (too large for comfort on the BPF stack) */
static struct tcprtt_hist zero_hist;

static __always_inline __u32 log2_slot(__u32 v)
{
	__u32 s = 0;

	/* floor(log2(v)) by halving the search range; 0 and 1 both land in slot 0 */
	if (v >= 1u << 16) { v >>= 16; s += 16; }
	if (v >= 1u << 8) { v >>= 8; s += 8; }
	if (v >= 1u << 4) { v >>= 4; s += 4; }
	if (v >= 1u << 2) { v >>= 2; s += 2; }
	if (v >= 1u << 1) s += 1;
	return s;
}

static __always_inline bool addr_ok(__u8 want_family, const volatile __u32 *want, const struct tcprtt_addr *got)
{
	const __u32 *a = (const __u32 *)got->addr;

	if (!want_family)
		return true;
	if (want_family != got->family)
		return false;
	if (got->family == AF_INET)
		return a[0] == want[0];
	return a[0] == want[0] && a[1] == want[1] && a[2] == want[2] && a[3] == want[3];
}

/* ::ffff:a.b.c.d is an IPv4 peer on an IPv6 socket: report it as IPv4, as users know it */
static __always_inline void unmap_v4(struct tcprtt_addr *x)
{
	__u32 *a = (__u32 *)x->addr;

	if (a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff)) {
		a[0] = a[3];
		a[1] = a[2] = a[3] = 0;
		x->family = AF_INET;
	}
}

static __always_inline int record(void *ctx, struct tcprtt_event *s)
{
	struct tcprtt_addr key = {};
	struct tcprtt_hist *h;
	__u32 v;

	if (targ_lport && s->lport != targ_lport)
		return 0;
	if (targ_rport && s->rport != targ_rport)
		return 0;
	if (!addr_ok(targ_laddr_family, targ_laddr, &s->laddr) || !addr_ok(targ_raddr_family, targ_raddr, &s->raddr))
		return 0;
	if (emit_events) {
		struct tcprtt_event *e = cp_event_reserve(sizeof(*e));

		if (!e)
			return 0;
		*e = *s;
		cp_event_submit(ctx, e, sizeof(*e));
		return 0;
	}
	if (key_by == TCPRTT_BY_LADDR)
		key = s->laddr;
	else if (key_by == TCPRTT_BY_RADDR)
		key = s->raddr;
	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		bpf_map_update_elem(&hists, &key, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h)
			return 0;
	}
	v = in_ms ? s->srtt_us / 1000 : s->srtt_us;
	__sync_fetch_and_add(&h->slots[log2_slot(v) & (TCPRTT_SLOTS - 1)], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum, v);
	return 0;
}

/* Every path that gets a struct sock: addresses, ports and tcp_sock.srtt_us via CO-RE. */
static __always_inline int sample_sock(void *ctx, struct sock *sk)
{
	struct tcprtt_event s = {};
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u16 family;

	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == AF_INET) {
		s.laddr.family = s.raddr.family = AF_INET;
		*(__u32 *)s.laddr.addr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		*(__u32 *)s.raddr.addr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	} else if (family == AF_INET6) {
		/* the IPv6 members exist only in kernels built with IPv6 */
		if (!bpf_core_field_exists(sk->__sk_common.skc_v6_daddr))
			return 0;
		s.laddr.family = s.raddr.family = AF_INET6;
		bpf_core_read(&s.laddr.addr, sizeof(s.laddr.addr), &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(&s.raddr.addr, sizeof(s.raddr.addr), &sk->__sk_common.skc_v6_daddr);
		unmap_v4(&s.laddr);
		unmap_v4(&s.raddr);
	} else {
		return 0;
	}
	s.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	s.rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* srtt_us holds the smoothed RTT in microseconds, scaled by 8 */
	s.srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	return record(ctx, &s);
}

/* tcp_rcv_established() runs for each segment an established socket receives (fast and slow
 * path): the sampling point libbpf-tools' tcprtt uses, so the counts are comparable. */
SEC("fentry/tcp_rcv_established")
int BPF_PROG(tcprtt_fentry, struct sock *sk)
{
	return sample_sock(ctx, sk);
}

/* The tcp:tcp_probe tracepoint is fired at the top of tcp_rcv_established(): same samples. */
SEC("tp_btf/tcp_probe")
int BPF_PROG(tcprtt_tp_btf, struct sock *sk, struct sk_buff *skb)
{
	return sample_sock(ctx, sk);
}

SEC("kprobe/tcp_rcv_established")
int BPF_KPROBE(tcprtt_kprobe, struct sock *sk)
{
	return sample_sock(ctx, sk);
}

/* The raw tracepoint passes the same (sk, skb) as plain u64 arguments: no kernel BTF needed
 * to attach, the socket is read through CO-RE like everywhere else. */
SEC("raw_tp/tcp_probe")
int BPF_PROG(tcprtt_raw_tp, struct sock *sk)
{
	return sample_sock(ctx, sk);
}

/* sockops (cgroup v2): the kernel calls back with BPF_SOCK_OPS_RTT_CB after each RTT
 * measurement of a socket that asked for it, which sockets do here once established. The
 * socket's fields come from the bpf_sock_ops context, which the kernel itself translates to the
 * running kernel's tcp_sock: a stable ABI, so no relocation is needed on this path. */
SEC("sockops")
int tcprtt_sockops(struct bpf_sock_ops *skops)
{
	struct tcprtt_event s = {};
	__u32 op = skops->op;

	if (op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB || op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) {
		bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_RTT_CB_FLAG);
		return 1;
	}
	if (op != BPF_SOCK_OPS_RTT_CB)
		return 1;
	if (skops->family == AF_INET) {
		s.laddr.family = s.raddr.family = AF_INET;
		*(__u32 *)s.laddr.addr = skops->local_ip4;
		*(__u32 *)s.raddr.addr = skops->remote_ip4;
	} else if (skops->family == AF_INET6) {
		__u32 *l = (__u32 *)s.laddr.addr, *r = (__u32 *)s.raddr.addr;

		s.laddr.family = s.raddr.family = AF_INET6;
		l[0] = skops->local_ip6[0]; l[1] = skops->local_ip6[1];
		l[2] = skops->local_ip6[2]; l[3] = skops->local_ip6[3];
		r[0] = skops->remote_ip6[0]; r[1] = skops->remote_ip6[1];
		r[2] = skops->remote_ip6[2]; r[3] = skops->remote_ip6[3];
		unmap_v4(&s.laddr);
		unmap_v4(&s.raddr);
	} else {
		return 1;
	}
	/* local_port is in host order; the kernel hands remote_port over as the network-order
	 * 16 bits shifted up by 16 (on little endian), so a 32-bit swap yields the port */
	s.lport = skops->local_port;
	s.rport = bpf_ntohl(skops->remote_port);
	s.srtt_us = skops->srtt_us >> 3;
	record(skops, &s);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
