/* SPDX-License-Identifier: BSD-2-Clause */
/* `coreprobe tcprtt`: what the kernel side and userspace share. */
#ifndef COREPROBE_TCPRTT_H
#define COREPROBE_TCPRTT_H

/* log2 buckets: slot k counts values in [2^k, 2^(k+1)), slot 0 also counts 0 */
#define TCPRTT_SLOTS 32

/* what a histogram is keyed by (-b, -B): the zero key is "all sockets" */
enum tcprtt_key_by { TCPRTT_BY_NONE, TCPRTT_BY_LADDR, TCPRTT_BY_RADDR };

struct tcprtt_addr {
	__u8 family;		/* AF_INET or AF_INET6; an IPv4-mapped IPv6 address is AF_INET */
	__u8 pad[3];
	__u8 addr[16];		/* IPv4 in the first 4 bytes, network order */
};

struct tcprtt_hist {
	__u64 sum;		/* of the values counted (usecs or msecs), for -e */
	__u64 count;
	__u32 slots[TCPRTT_SLOTS];
};

struct tcprtt_event {
	struct tcprtt_addr laddr;
	struct tcprtt_addr raddr;
	__u16 lport;
	__u16 rport;
	__u32 srtt_us;		/* smoothed RTT in microseconds (tcp_sock.srtt_us >> 3) */
};

#endif
