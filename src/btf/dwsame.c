// SPDX-License-Identifier: BSD-2-Clause
/*
 * Proves that two DWARF type definitions encode to the same BTF, so that the encoder (dwarf.c)
 * writes a definition once instead of once per unit that includes its header: libssl's ssl_st
 * is defined in 41 units, and encoding each copy (with everything it reaches) was most of that
 * file's encode, only for btf__dedup to fold the copies back into the first.
 *
 * Why by hand: neither libdw nor libbpf compares DIE trees (btf__dedup compares BTF, after the
 * encode this avoids). The comparison reads the two trees on the skim's reader of the image
 * (dwskim.c), no libdw: the same abbreviation tag and children flag; the same attributes in the
 * same order with the same forms (DW_AT_decl_file/line/column and DW_AT_sibling left out: the
 * encoder reads none of them); strings by their text; unit-relative references by comparing the
 * DIEs they name, in turn (a pair under comparison counts as the same: the type graphs are
 * cyclic); every other value byte for byte (other references then name the same DIE). It
 * mirrors what the encoder reads in context: in object mode a named struct or union behind a
 * pointer that the object does not name is written as a FWD, so only its tag and name count;
 * a declaration is replaced by the first definition of its name, so its name and tag are all
 * that counts. Anything it does not read exactly (strx strings, address indexes, an irregular
 * DIE, too deep, too many DIEs) answers "not proven", and the encoder encodes that definition.
 */
#include <elfutils/dwarf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/btf/dwsame.h"

#define MAX_DEPTH 160
#define MAX_VISITS 200000

static size_t memo_slot(const void *a, const void *b, bool shallow, size_t cap)
{
	return ((uintptr_t)a * 31 + (uintptr_t)b * 7 + shallow) & (cap - 1);
}

static bool memo_grow(struct dw_same *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	struct dw_same_pair *m = calloc(cap, sizeof(*m));	/* gen 0: empty (s->gen starts at 1) */

	if (!m)
		return false;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (s->memo[i].gen != s->gen)
			continue;
		for (j = memo_slot(s->memo[i].a, s->memo[i].b, s->memo[i].shallow, cap); m[j].gen == s->gen;
		     j = (j + 1) & (cap - 1))
			;
		m[j] = s->memo[i];
	}
	free(s->memo);
	s->memo = m;
	s->cap = cap;
	return true;
}

/* true: the pair is already under comparison (or proven); else it is added. Out of memory
 * answers true with *nomem set, and the caller gives up. */
static bool memo_seen(struct dw_same *s, const void *a, const void *b, bool shallow, bool *nomem)
{
	if ((s->n + 1) * 2 > s->cap && !memo_grow(s)) {
		*nomem = true;
		return true;
	}
	for (size_t i = memo_slot(a, b, shallow, s->cap);; i = (i + 1) & (s->cap - 1)) {
		struct dw_same_pair *p = &s->memo[i];

		if (p->gen != s->gen) {
			*p = (struct dw_same_pair){ .a = a, .b = b, .gen = s->gen, .shallow = shallow };
			s->n++;
			return false;
		}
		if (p->a == a && p->b == b && p->shallow == shallow)
			return true;
	}
}

/* A new comparison: no pair of an earlier one counts (the pairs assumed during a failed one
 * prove nothing; those of a proven one would not come again: each copy is compared once). */
static void memo_reset(struct dw_same *s)
{
	s->n = 0;
	if (++s->gen == 0) {	/* wrapped: entries of gen 0 would look current */
		if (s->memo)
			memset(s->memo, 0, s->cap * sizeof(*s->memo));
		s->gen = 1;
	}
}

static bool ignored(unsigned at)
{
	return at == DW_AT_decl_file || at == DW_AT_decl_line || at == DW_AT_decl_column || at == DW_AT_sibling;
}

static bool is_composite(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type ||
	       tag == DW_TAG_enumeration_type;
}

/* The types through which the encoder passes its pointer context on (dwarf.c, die_id). */
static bool passes_context(int tag)
{
	return tag == DW_TAG_typedef || tag == DW_TAG_pointer_type || tag == DW_TAG_const_type ||
	       tag == DW_TAG_volatile_type || tag == DW_TAG_restrict_type || tag == DW_TAG_subroutine_type ||
	       tag == DW_TAG_array_type || tag == DW_TAG_atomic_type;
}

/* The context in which the encoder reads the type named by the DW_AT_type of a DIE of tag
 * OWNER (a child of a PARENT DIE, or 0), itself read in context SHALLOW (write_item, add_proto,
 * add_composite): behind a pointer; a function prototype's return and parameters in object
 * mode; passed on by typedefs, qualifiers, arrays and _Atomic; else not. */
static bool type_context(const struct dw_same *s, int owner, int parent, bool shallow)
{
	bool c;

	switch (owner) {
	case DW_TAG_pointer_type: case DW_TAG_subroutine_type:
		c = true;
		break;
	case DW_TAG_formal_parameter:
		c = parent == DW_TAG_subroutine_type;
		break;
	case DW_TAG_typedef: case DW_TAG_const_type: case DW_TAG_volatile_type: case DW_TAG_restrict_type:
	case DW_TAG_array_type: case DW_TAG_atomic_type:
		c = shallow;
		break;
	default:
		c = false;
	}
	return s->minimal && c;
}

static const struct dw_raw_attr *find_attr(const struct dw_raw_die *d, unsigned at)
{
	for (unsigned i = 0; i < d->n; i++)
		if (d->a[i].name == at)
			return &d->a[i];
	return NULL;
}

static bool same_die(struct dw_same *s, const struct dw_same_unit *ua, const unsigned char *a,
		     const struct dw_same_unit *ub, const unsigned char *b, bool shallow, int depth);

static bool same_value(struct dw_same *s, const struct dw_same_unit *ua, const struct dw_raw_attr *x,
		       const struct dw_same_unit *ub, const struct dw_raw_attr *y, bool shallow, int depth)
{
	switch (x->form) {
	case DW_FORM_ref1: case DW_FORM_ref2: case DW_FORM_ref4: case DW_FORM_ref8: case DW_FORM_ref_udata: {
		const unsigned char *ta = dw_raw_unit_ref(ua->u, x), *tb = dw_raw_unit_ref(ub->u, y);

		return ta && tb && same_die(s, ua, ta, ub, tb, shallow, depth + 1);
	}
	case DW_FORM_string: case DW_FORM_strp: case DW_FORM_line_strp: {
		const char *p = dw_raw_str(ua->u, x), *q = dw_raw_str(ub->u, y);

		return p && q && !strcmp(p, q);
	}
	case DW_FORM_implicit_const:
		return x->implicit == y->implicit;
	/* indexes into tables of the unit's own (its str_offsets, addr, loclists, rnglists bases) */
	case DW_FORM_strx: case DW_FORM_strx1: case DW_FORM_strx2: case DW_FORM_strx3: case DW_FORM_strx4:
	case DW_FORM_addrx: case DW_FORM_addrx1: case DW_FORM_addrx2: case DW_FORM_addrx3: case DW_FORM_addrx4:
	case DW_FORM_loclistx: case DW_FORM_rnglistx: case DW_FORM_GNU_addr_index: case DW_FORM_GNU_str_index:
		return false;
	default:	/* constants, flags, blocks, expressions; references out of the unit by offset
			 * (both DIEs are in one file: dw_same_type) */
		return x->len == y->len && !memcmp(x->val, y->val, x->len);
	}
}

/* The same value in two forms: gcc writes a constant as data1 in one unit and as an
 * abbreviation's implicit_const in another (a base type's DW_AT_encoding, say). Only for the
 * attributes the encoder reads with dwarf_formudata whatever the form, and only values every
 * reading gives alike; before DWARF 4 a data4/data8 member location is a location list. */
static bool same_constant(const struct dw_same_unit *ua, const struct dw_raw_attr *x,
			  const struct dw_same_unit *ub, const struct dw_raw_attr *y)
{
	uint64_t p, q;

	switch (x->name) {
	case DW_AT_encoding: case DW_AT_byte_size: case DW_AT_bit_size: case DW_AT_data_bit_offset:
	case DW_AT_bit_offset: case DW_AT_alignment:
		break;
	case DW_AT_data_member_location:
		if (ua->u->version < 4)
			return false;
		break;
	default:
		return false;
	}
	return dw_raw_plain_const(ua->u, x, &p) && dw_raw_plain_const(ub->u, y, &q) && p == q;
}

/* One DIE's attributes and children (read into X and Y), PARENT its parent's tag, SHALLOW its
 * own context. */
static bool same_body(struct dw_same *s, const struct dw_same_unit *ua, const struct dw_raw_die *x,
		      const struct dw_same_unit *ub, const struct dw_raw_die *y, int parent, bool shallow, int depth)
{
	const unsigned char *ca, *cb;
	unsigned i = 0, j = 0;

	if (x->tag != y->tag || x->children != y->children)
		return false;
	for (;;) {
		while (i < x->n && ignored(x->a[i].name))
			i++;
		while (j < y->n && ignored(y->a[j].name))
			j++;
		if (i == x->n || j == y->n)
			break;
		if (x->a[i].name != y->a[j].name)
			return false;
		if (x->a[i].form != y->a[j].form ? !same_constant(ua, &x->a[i], ub, &y->a[j]) :
		    !same_value(s, ua, &x->a[i], ub, &y->a[j],
				x->a[i].name == DW_AT_type && type_context(s, x->tag, parent, shallow), depth))
			return false;
		i++;
		j++;
	}
	if (i != x->n || j != y->n)
		return false;
	if (dw_raw_first_child(ua->u, x, &ca) || dw_raw_first_child(ub->u, y, &cb))
		return false;
	while (ca && cb) {
		struct dw_raw_die *cx, *cy;

		if (depth + 1 >= MAX_DEPTH || ++s->visits > MAX_VISITS)
			return false;
		cx = &s->scratch[2 * (depth + 1)];
		cy = cx + 1;
		if (dw_raw_read(ua->u, ua->t, ca, cx) || dw_raw_read(ub->u, ub->t, cb, cy) ||
		    !same_body(s, ua, cx, ub, cy, x->tag, false, depth + 1) ||
		    dw_raw_next_of(ua->u, ua->t, ca, cx, &ca) || dw_raw_next_of(ub->u, ub->t, cb, cy, &cb))
			return false;
	}
	return !ca && !cb;
}

/* Two type DIEs named by references, read in context SHALLOW. */
static bool same_die(struct dw_same *s, const struct dw_same_unit *ua, const unsigned char *a,
		     const struct dw_same_unit *ub, const unsigned char *b, bool shallow, int depth)
{
	struct dw_raw_die *x, *y;
	bool nomem = false;

	if (ua->u == ub->u && a == b)
		return true;	/* the same DIE, read in the same context */
	if (depth >= MAX_DEPTH || ++s->visits > MAX_VISITS)
		return false;
	x = &s->scratch[2 * depth];
	y = x + 1;
	if (dw_raw_read(ua->u, ua->t, a, x) || dw_raw_read(ub->u, ub->t, b, y) || x->tag != y->tag)
		return false;
	if (!s->minimal)
		shallow = false;
	if (is_composite(x->tag)) {
		const struct dw_raw_attr *na = find_attr(x, DW_AT_name), *nb = find_attr(y, DW_AT_name);
		const char *pa = na ? dw_raw_str(ua->u, na) : NULL, *pb = nb ? dw_raw_str(ub->u, nb) : NULL;
		bool da = find_attr(x, DW_AT_declaration), db = find_attr(y, DW_AT_declaration);

		if ((na && !pa) || (nb && !pb) || find_attr(x, DW_AT_specification) || find_attr(y, DW_AT_specification) ||
		    find_attr(x, DW_AT_abstract_origin) || find_attr(y, DW_AT_abstract_origin) || da != db ||
		    !pa != !pb || (pa && strcmp(pa, pb)))
			return false;
		if (da)	/* both stand for the first definition of this name and tag, or its FWD */
			return pa != NULL;
		if (x->tag != DW_TAG_enumeration_type && shallow && pa && !s->named_by_object(s->ctx, pa))
			return true;	/* both written as a FWD of this name */
		shallow = false;
	} else if (!passes_context(x->tag)) {
		shallow = false;
	}
	if (memo_seen(s, a, b, shallow, &nomem))
		return !nomem;
	return same_body(s, ua, x, ub, y, 0, shallow, depth);
}

bool dw_same_type(struct dw_same *s, const struct dw_same_unit *ua, const unsigned char *a,
		  const struct dw_same_unit *ub, const unsigned char *b)
{
	/* the encoder reads some values by the unit's version (bit offsets); and references out of
	 * the unit (ref_addr, GNU_ref_alt, strp_alt, sec_offset) are compared by value, which names
	 * the same thing only within one file: a main file's unit and its dwz alt file's are not
	 * compared (each image has its own .debug_abbrev) */
	if (!ua->t || !ub->t || ua->u->abbrev != ub->u->abbrev || ua->u->version != ub->u->version ||
	    ua->u->offset_size != ub->u->offset_size || ua->u->addr_size != ub->u->addr_size)
		return false;
	if (!s->scratch && !(s->scratch = malloc(2 * (MAX_DEPTH + 1) * sizeof(*s->scratch))))
		return false;
	s->visits = 0;
	memo_reset(s);
	return same_die(s, ua, a, ub, b, false, 0);
}

void dw_same_free(struct dw_same *s)
{
	free(s->memo);
	free(s->scratch);
	memset(s, 0, sizeof(*s));
}
