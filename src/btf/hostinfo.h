/* SPDX-License-Identifier: BSD-2-Clause */
/* Identity of the running kernel and host: what picks an embedded kernel BTF blob. */
#ifndef COREPROBE_HOSTINFO_H
#define COREPROBE_HOSTINFO_H

#include <stddef.h>
#include "src/btf/elfinfo.h"

struct host_info {
	char release[128];		/* uname -r */
	char arch[32];			/* BTFhub naming: x86_64, arm64 */
	char os_id[64];			/* os-release ID (unquoted), "" if unknown */
	char os_version[64];		/* os-release VERSION_ID (unquoted), "" if unknown */
	unsigned char build_id[BUILD_ID_MAX];
	int build_id_len;		/* from /sys/kernel/notes; 0 if unreadable */
	char build_id_hex[2 * BUILD_ID_MAX + 1];
};

void host_info_read(struct host_info *h);
/* Parses os-release text (KEY=value lines, values optionally quoted with ' or " and
 * backslash escapes). Missing keys leave "" in the output. */
void os_release_parse(const char *text, size_t len, char *id, size_t id_sz, char *ver, size_t ver_sz);
/* uname -m to BTFhub's arch directory name (aarch64 -> arm64). */
const char *arch_normalize(const char *machine);
/* The architecture this coreprobe is built for, in the same naming: "x86_64" or "arm64". */
const char *build_arch(void);

#endif
