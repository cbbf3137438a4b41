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

#endif
