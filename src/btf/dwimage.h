/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef COREPROBE_DWIMAGE_H
#define COREPROBE_DWIMAGE_H

#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A debug file's DWARF, reduced to the sections the DWARF -> BTF encoder reads and inflated once,
 * as an in-memory ELF image that libdw opens with dwarf_begin_elf (see dwimage.c for why).
 */
struct dw_sect {
	const unsigned char *p;	/* in the image; NULL if absent */
	size_t n;
};

struct dw_image {
	unsigned char *buf;
	size_t len;
	Elf *elf;		/* elf_memory over buf */
	struct dw_sect info, types, abbrev, str, line_str;
};

/* 0: img made; DW_IMAGE_NONE: not for this file (libdw reads the file itself: no .debug_info, a
 * foreign byte order, split or LTO sections); else a cp_error code (a section libdw would read
 * does not inflate). */
#define DW_IMAGE_NONE (-1)
int dw_image_load(Elf *file, const char *path, struct dw_image *img);
void dw_image_free(struct dw_image *img);

#endif
