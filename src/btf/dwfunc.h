/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BTF FUNC + FUNC_PROTO records from DWARF subprogram definitions (dwfunc.c), for the DWARF ->
 * BTF encoder (dwarf.c): `coreprobe trace` types a function's arguments and return value from
 * its FUNC record. A function is written only when its prototype is proven to be the one its
 * code is entered with; otherwise it is left out with one line saying why (struct dwarf_refusals).
 */
#ifndef COREPROBE_DWFUNC_H
#define COREPROBE_DWFUNC_H

#include <elfutils/libdw.h>
#include <stdint.h>

#include "src/btf/dwarf.h"

struct btf;

/* What the caller asks for, and what it gets back. */
struct dwfunc_req {
	const char *const *names;	/* the functions wanted; NULL: every function */
	int n_names;
	struct dwarf_refusals refused;	/* out: functions left out, each with why (caller frees) */
	unsigned funcs;			/* out: FUNC records written */
};

/* The type encoder's side, given by dwarf.c: ids for DWARF types, reserved then written. */
struct dwfunc_enc {
	void *e;
	struct btf *(*btf)(void *e);
	/* the BTF id of die's DW_AT_type (0: void); a type that cannot be encoded becomes a
	 * placeholder, counted by refused() */
	int (*type_of)(void *e, Dwarf_Die *die, uint32_t *id);
	int (*flush)(void *e);			/* writes every type reserved so far */
	void (*appended)(void *e);		/* after btf__add_* of our own records */
	size_t (*refused)(void *e, const char **why);	/* placeholders so far; why: the last's */
};

struct dwfunc;		/* the subprogram definitions seen while indexing */

struct dwfunc *dwfunc_new(struct dwfunc_req *req, const char *debug_path);
void dwfunc_free(struct dwfunc *f);
/* A top-level DW_TAG_subprogram without DW_AT_declaration (name: NULL if not known yet). */
int dwfunc_collect(struct dwfunc *f, const Dwarf_Die *die, const char *name);

/* After the types: the FUNC records. DWFUNC_RETRY: a function reached a type that cannot be
 * encoded; it is now in req->refused and the whole encode must be run again without it. */
#define DWFUNC_RETRY (-1000)
int dwfunc_encode(struct dwfunc *f, const struct dwfunc_enc *enc);

#endif
