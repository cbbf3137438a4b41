// SPDX-License-Identifier: BSD-2-Clause
#include "tools/objects.h"

#include "tcprtt.skel.h"
#include "ipsetaudit.skel.h"
#include "flowlat.skel.h"
#include "structs.skel.h"
#include "sslsniff.skel.h"
#include <linux/types.h>
#include "bpf/trace.h"
#include "trace.skel.h"
#include "procwatch.skel.h"

const struct cp_object cp_objects[] = {
	{ "tcprtt", tcprtt_bpf__elf_bytes },
	{ "ipsetaudit", ipsetaudit_bpf__elf_bytes },
	{ "flowlat", flowlat_bpf__elf_bytes },
	{ "structs", structs_bpf__elf_bytes },
	{ "sslsniff", sslsniff_bpf__elf_bytes },
	{ "trace", trace_bpf__elf_bytes },
	{ "procwatch", procwatch_bpf__elf_bytes },	/* loaded by sslsniff */
};
const int cp_n_objects = sizeof(cp_objects) / sizeof(cp_objects[0]);
