// SPDX-License-Identifier: BSD-2-Clause
#include "tools/objects.h"


const struct cp_object cp_objects[] = {
	{ "tcprtt", cp_tcprtt_elf_bytes },
	{ "ipsetaudit", cp_ipsetaudit_elf_bytes },
	{ "flowlat", cp_flowlat_elf_bytes },
	{ "structs", cp_structs_elf_bytes },
	{ "sslsniff", cp_sslsniff_elf_bytes },
	{ "trace", cp_trace_elf_bytes },
	{ "procwatch", cp_procwatch_elf_bytes },	/* loaded by sslsniff */
};
const int cp_n_objects = sizeof(cp_objects) / sizeof(cp_objects[0]);
