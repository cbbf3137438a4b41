/* SPDX-License-Identifier: BSD-2-Clause */
/* Every BPF object linked into coreprobe (one row per tool): `btf add` prunes new blobs to
 * what these objects can relocate against. */
#ifndef COREPROBE_OBJECTS_H
#define COREPROBE_OBJECTS_H

#include <stddef.h>

struct cp_object {
	const char *name;
	const void *(*elf_bytes)(size_t *size);
};
extern const struct cp_object cp_objects[];
extern const int cp_n_objects;

/* A skeleton's bytes come from a static inline function: every file that calls it links its
 * own copy of the whole object. The table above therefore must not include the skeletons;
 * the one file that opens each object exports its bytes with this, so each object is linked
 * once (it was twice: 450 KB more binary, and more of it paged in at start-up). */
#define CP_OBJECT_BYTES(obj) \
	const void *cp_##obj##_elf_bytes(size_t *size) { return obj##_bpf__elf_bytes(size); }
const void *cp_tcprtt_elf_bytes(size_t *size);
const void *cp_ipsetaudit_elf_bytes(size_t *size);
const void *cp_flowlat_elf_bytes(size_t *size);
const void *cp_structs_elf_bytes(size_t *size);
const void *cp_sslsniff_elf_bytes(size_t *size);
const void *cp_trace_elf_bytes(size_t *size);
const void *cp_procwatch_elf_bytes(size_t *size);

#endif
