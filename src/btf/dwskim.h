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

/* Raw reading of one DIE at a time (dwsame.c). Every function answers 1 (or NULL) on anything
 * it does not read exactly: the caller then proves nothing. */
struct abbrev_table;
/* The unit's abbreviation table, parsed once and kept in *cache. */
const struct abbrev_table *dw_skim_abbrevs(struct skim_cache **cache, const struct skim_unit *u);

#define DW_RAW_MAX_ATTRS 24
struct dw_raw_attr {
	unsigned name, form;
	const unsigned char *val;	/* the value's bytes in the DIE */
	size_t len;
	int64_t implicit;		/* DW_FORM_implicit_const: the abbreviation's value */
};
struct dw_raw_die {
	int tag;
	bool children;
	unsigned n;
	struct dw_raw_attr a[DW_RAW_MAX_ATTRS];
	const unsigned char *after;	/* past its attributes */
};
int dw_raw_read(const struct skim_unit *u, const struct abbrev_table *t, const unsigned char *die,
		struct dw_raw_die *out);
/* *child: the DIE's first child, NULL if none. */
int dw_raw_first_child(const struct skim_unit *u, const struct dw_raw_die *d, const unsigned char **child);
/* *next: the DIE's next sibling (its subtree stepped over), NULL at the end of the list. */
int dw_raw_next(const struct skim_unit *u, const struct abbrev_table *t, const unsigned char *die,
		const unsigned char **next);
/* The same for a DIE already read into *d (no second decoding of its attributes). */
int dw_raw_next_of(const struct skim_unit *u, const struct abbrev_table *t, const unsigned char *die,
		   const struct dw_raw_die *d, const unsigned char **next);
/* A string attribute's text (DW_FORM_string, strp, line_strp); NULL: another form, or bad. */
const char *dw_raw_str(const struct skim_unit *u, const struct dw_raw_attr *a);
/* A constant (data1..8, udata, sdata, implicit_const) that every libdw reading gives alike:
 * non-negative, and without its top bit set in its own width (then dwarf_formudata and the
 * sign-extending dwarf_formsdata agree). false: not such a constant. */
bool dw_raw_plain_const(const struct skim_unit *u, const struct dw_raw_attr *a, uint64_t *v);
/* A unit-relative reference's target (DW_FORM_ref1/2/4/8/udata); NULL: another form, or bad. */
const unsigned char *dw_raw_unit_ref(const struct skim_unit *u, const struct dw_raw_attr *a);

#endif
