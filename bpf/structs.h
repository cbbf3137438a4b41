/* SPDX-License-Identifier: BSD-2-Clause */
/* `coreprobe structs`: the event both sides share. */
#ifndef COREPROBE_STRUCTS_H
#define COREPROBE_STRUCTS_H

#define STRUCTS_COMM_LEN 16

struct structs_event {
	__u32 pid;
	__u32 tid;
	__s32 a;
	__s32 c;
	char comm[STRUCTS_COMM_LEN];
};

#endif
