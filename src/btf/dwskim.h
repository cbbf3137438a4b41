/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef COREPROBE_DWSKIM_H
#define COREPROBE_DWSKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/btf/dwimage.h"

/* A top-level DIE of a unit that the encoder's index wants (see dwskim.c). name NULL: ask libdw
 * (a name form the skim does not resolve itself). */
struct skim_die {
	const unsigned char *addr;
	const char *name;
	int tag;
};

struct skim_unit {
	const unsigned char *start, *end;	/* the unit, header included */
	const unsigned char *cudie;
	const struct dw_sect *abbrev, *str, *line_str;
	size_t abbrev_off;
	int version, offset_size, addr_size;
};

struct skim_cache;	/* parsed abbreviation tables, by offset */

/* The unit's top-level DIEs whose tag want() accepts and whose abbreviation has no
 * DW_AT_declaration, in order, appended to *out. 0: done; 1: something irregular (the caller
 * walks the unit with libdw instead, which then gives libdw's own answer or error). */
int dw_skim_unit(struct skim_cache **cache, const struct skim_unit *u, bool (*want)(int tag),
		 struct skim_die **out, size_t *n, size_t *cap);
void dw_skim_free(struct skim_cache *cache);

#endif
