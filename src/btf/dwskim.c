// SPDX-License-Identifier: BSD-2-Clause
/*
 * A skim of the top-level DIEs of a DWARF unit, for the encoder's name index (dwarf.c,
 * index_dwarf): which named type definitions each unit holds.
 *
 * Why by hand: libdw's dwarf_child + dwarf_siblingof + dwarf_tag + dwarf_hasattr + dwarf_diename
 * cost ~300 ns per top-level DIE (an abbreviation hash lookup under a lock and a walk of the
 * attribute forms for every call); libcrypto has 140 000 of them in 897 units, and that walk was
 * the largest part of the start-up encode after inflating. libdw has no cheaper way to list a
 * unit's top-level DIEs. This skim decodes each unit's abbreviation table once, and per DIE
 * reads its code and steps over its attributes by form size, following DW_AT_sibling exactly as
 * dwarf_siblingof does. It gives the same answers as those libdw calls on well-formed DWARF and
 * says "irregular" (1) on anything else — an unknown or indirect form, a read past the unit, an
 * unknown code, a bad sibling — so the caller walks that unit with libdw and gets libdw's own
 * answer or error. Names in forms other than strp/line_strp/string are left to libdw
 * (dwarf_diename), as are DIEs that would take their name from DW_AT_specification or
 * DW_AT_abstract_origin.
 */
#include <elfutils/dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "src/btf/dwskim.h"

struct abb {
	int tag;
	bool children, decl, name, origin;
	uint32_t nattr, attr;	/* attr: first index in the table's pool */
	/* for the unit sizes the table was sized for: the attributes' total size if every form
	 * has a fixed size (-1: not), and where the first DW_AT_sibling / DW_AT_name value is */
	int32_t fixed, sib_off, name_off;
	unsigned sib_form, name_form;
};

struct abbrev_table {
	size_t off;
	const unsigned char *sect;
	int version, offset_size, addr_size;	/* what abb.fixed was computed for */
	struct abb *by_code;	/* index: code; tag 0 = no such code */
	uint32_t ncodes;
	struct abb_attr { uint32_t name, form; int64_t implicit; } *pool;	/* implicit: DW_FORM_implicit_const's value */
};

struct skim_cache {
	struct abbrev_table **t;	/* each table allocated once: pointers to it stay valid */
	size_t n, cap;
	bool unsorted;	/* a table was added at an offset not above the one before */
};

static inline bool uleb(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	uint64_t r = 0;

	if (*p < end && !(**p & 0x80)) {	/* most codes, names and forms: one byte */
		*v = *(*p)++;
		return true;
	}
	for (int s = 0; s < 64; s += 7) {
		if (*p >= end)
			return false;
		unsigned char b = *(*p)++;

		r |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80)) {
			*v = r;
			return true;
		}
	}
	return false;
}

static bool skip_leb(const unsigned char **p, const unsigned char *end)
{
	uint64_t v;

	return uleb(p, end, &v);
}

static bool sleb(const unsigned char **p, const unsigned char *end, int64_t *v)
{
	uint64_t r = 0;
	int s = 0;
	unsigned char b;

	do {
		if (*p >= end || s >= 64)
			return false;
		b = *(*p)++;
		r |= (uint64_t)(b & 0x7f) << s;
		s += 7;
	} while (b & 0x80);
	if (s < 64 && (b & 0x40))
		r |= ~(uint64_t)0 << s;	/* sign-extend */
	*v = (int64_t)r;
	return true;
}

/* A form's size in a DIE when it does not depend on the data; -1: variable or unknown. */
static int fixed_size(unsigned form, int version, int osz, int asz)
{
	switch (form) {
	case DW_FORM_flag_present: case DW_FORM_implicit_const: return 0;
	case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1: case DW_FORM_addrx1: return 1;
	case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2: return 2;
	case DW_FORM_strx3: case DW_FORM_addrx3: return 3;
	case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_ref_sup4: case DW_FORM_strx4: case DW_FORM_addrx4: return 4;
	case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8: case DW_FORM_ref_sup8: return 8;
	case DW_FORM_data16: return 16;
	case DW_FORM_addr: return asz;
	case DW_FORM_ref_addr: return version == 2 ? asz : osz;
	case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset: case DW_FORM_strp_sup:
	case DW_FORM_GNU_ref_alt: case DW_FORM_GNU_strp_alt:
		return osz;
	default:
		return -1;
	}
}

static void size_abbrevs(struct abbrev_table *t, int version, int osz, int asz)
{
	t->version = version;
	t->offset_size = osz;
	t->addr_size = asz;
	for (uint32_t c = 0; c < t->ncodes; c++) {
		struct abb *a = &t->by_code[c];
		int32_t off = 0;

		a->sib_off = a->name_off = -1;
		for (uint32_t i = 0; i < a->nattr && off >= 0; i++) {
			unsigned an = t->pool[a->attr + i].name, af = t->pool[a->attr + i].form;
			int n = fixed_size(af, version, osz, asz);

			if (an == DW_AT_sibling && a->sib_off < 0) {
				a->sib_off = off;
				a->sib_form = af;
			}
			if (an == DW_AT_name && a->name_off < 0) {
				a->name_off = off;
				a->name_form = af;
			}
			off = n < 0 || off > (1 << 24) ? -1 : off + n;
		}
		a->fixed = off;
	}
}

/* Parses a whole table; stops (keeping what came before) at anything malformed: a code after
 * that point is "unknown", as it is to libdw, which parses a table in order too. */
static struct abbrev_table *table_get(struct skim_cache **cp, const struct skim_unit *u)
{
	const struct dw_sect *abbrev = u->abbrev;
	size_t off = u->abbrev_off;
	struct skim_cache *c = *cp;
	struct abbrev_table t = { .off = off, .sect = abbrev->p };
	const unsigned char *p, *end = abbrev->p + abbrev->n;
	size_t npool = 0, cappool = 0;

	if (!c && !(c = *cp = calloc(1, sizeof(*c))))
		return NULL;
	/* gcc gives each unit a table of its own, after the previous unit's: while the tables came
	 * in rising order, one above the last is new (the scan below was quadratic in units) */
	if (c->n && !c->unsorted && c->t[c->n - 1]->sect == abbrev->p && off > c->t[c->n - 1]->off)
		goto parse;
	for (size_t i = c->n; i-- > 0;)	/* units mostly have tables of their own, in order */
		if (c->t[i]->off == off && c->t[i]->sect == abbrev->p) {
			if (c->t[i]->version != u->version || c->t[i]->offset_size != u->offset_size ||
			    c->t[i]->addr_size != u->addr_size)
				size_abbrevs(c->t[i], u->version, u->offset_size, u->addr_size);
			return c->t[i];
		}
parse:
	if (!abbrev->p || off >= abbrev->n)
		return NULL;
	p = abbrev->p + off;
	for (uint32_t entries = 0;; entries++) {
		uint64_t code, tag, an, af;
		int64_t implicit;
		struct abb a = { 0 };

		/* producers number codes 1, 2, 3...: a code far beyond the entries read so far would
		 * make the by-code array large for nothing, so the table ends there for the skim
		 * (a unit using it is declined, and libdw reads it) */
		if (!uleb(&p, end, &code) || code == 0 || code > 2 * (uint64_t)entries + 256 ||
		    !uleb(&p, end, &tag) || p >= end)
			break;
		a.tag = tag;
		a.children = *p++ == DW_CHILDREN_yes;
		a.attr = npool;
		for (;;) {
			if (!uleb(&p, end, &an) || !uleb(&p, end, &af))
				goto done;
			if (!an && !af)
				break;
			implicit = 0;
			if (af == DW_FORM_implicit_const && !sleb(&p, end, &implicit))
				goto done;
			if (npool == cappool) {
				size_t nc = cappool ? cappool * 2 : 256;
				void *np = realloc(t.pool, nc * sizeof(*t.pool));

				if (!np)
					goto done;
				t.pool = np;
				cappool = nc;
			}
			t.pool[npool++] = (struct abb_attr){ .name = an, .form = af, .implicit = implicit };
			a.decl |= an == DW_AT_declaration;
			a.name |= an == DW_AT_name;
			a.origin |= an == DW_AT_abstract_origin || an == DW_AT_specification;
		}
		a.nattr = npool - a.attr;
		if (code >= t.ncodes) {
			/* from 64 codes: most units' tables have more, growing from 1 was ~8 reallocs each */
			uint32_t n = code + 1 > t.ncodes * 2 ? code + 1 : t.ncodes * 2;

			if (n < 64)
				n = 64;
			struct abb *nb = realloc(t.by_code, n * sizeof(*nb));

			if (!nb)
				break;
			memset(nb + t.ncodes, 0, (n - t.ncodes) * sizeof(*nb));
			t.by_code = nb;
			t.ncodes = n;
		}
		if (!t.by_code[code].tag && tag)	/* a duplicate code: libdw keeps the first */
			t.by_code[code] = a;
	}
done:
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 64;
		struct abbrev_table **nt = realloc(c->t, nc * sizeof(*nt));

		if (!nt) {
			free(t.by_code);
			free(t.pool);
			return NULL;
		}
		c->t = nt;
		c->cap = nc;
	}
	if (!(c->t[c->n] = malloc(sizeof(t)))) {
		free(t.by_code);
		free(t.pool);
		return NULL;
	}
	size_abbrevs(&t, u->version, u->offset_size, u->addr_size);
	if (c->n && (c->t[c->n - 1]->sect != t.sect || c->t[c->n - 1]->off >= t.off))
		c->unsorted = true;
	*c->t[c->n] = t;
	return c->t[c->n++];
}

void dw_skim_free(struct skim_cache *c)
{
	for (size_t i = 0; c && i < c->n; i++) {
		free(c->t[i]->by_code);
		free(c->t[i]->pool);
		free(c->t[i]);
	}
	if (c)
		free(c->t);
	free(c);
}

/* The image is in host byte order (dwimage.c). The usual widths as fixed-size loads: a memcpy
 * of a variable length is a call, and this runs for every reference and string read. */
static inline uint64_t rd(const unsigned char *p, int n)
{
	uint64_t v = 0;
	uint32_t w;
	uint16_t h;

	switch (n) {
	case 1: return *p;
	case 2: memcpy(&h, p, 2); return h;
	case 4: memcpy(&w, p, 4); return w;
	case 8: memcpy(&v, p, 8); return v;
	default: memcpy(&v, p, n); return v;
	}
}

/* Steps over one attribute value; false: a form this skim does not size, or past the end. */
static bool skip_form(const struct skim_unit *u, unsigned form, const unsigned char **p, const unsigned char *end)
{
	size_t n;
	uint64_t v;

	switch (form) {
	case DW_FORM_flag_present: case DW_FORM_implicit_const: n = 0; break;
	case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1: case DW_FORM_addrx1: n = 1; break;
	case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2: n = 2; break;
	case DW_FORM_strx3: case DW_FORM_addrx3: n = 3; break;
	case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_ref_sup4: case DW_FORM_strx4: case DW_FORM_addrx4: n = 4; break;
	case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8: case DW_FORM_ref_sup8: n = 8; break;
	case DW_FORM_data16: n = 16; break;
	case DW_FORM_addr: n = u->addr_size; break;
	case DW_FORM_ref_addr: n = u->version == 2 ? u->addr_size : u->offset_size; break;
	case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset: case DW_FORM_strp_sup:
	case DW_FORM_GNU_ref_alt: case DW_FORM_GNU_strp_alt:
		n = u->offset_size;
		break;
	case DW_FORM_udata: case DW_FORM_sdata: case DW_FORM_ref_udata: case DW_FORM_strx: case DW_FORM_addrx:
	case DW_FORM_loclistx: case DW_FORM_rnglistx: case DW_FORM_GNU_addr_index: case DW_FORM_GNU_str_index:
		return skip_leb(p, end);
	case DW_FORM_string: {
		const unsigned char *z = memchr(*p, 0, end - *p);

		if (!z)
			return false;
		*p = z + 1;
		return true;
	}
	case DW_FORM_block1: case DW_FORM_block2: case DW_FORM_block4: {
		int w = form == DW_FORM_block1 ? 1 : form == DW_FORM_block2 ? 2 : 4;

		if (end - *p < w)
			return false;
		n = rd(*p, w);
		*p += w;
		break;
	}
	case DW_FORM_block: case DW_FORM_exprloc:
		if (!uleb(p, end, &v))
			return false;
		n = v;
		break;
	default:
		return false;	/* DW_FORM_indirect and anything unknown: libdw's business */
	}
	if ((size_t)(end - *p) < n)
		return false;
	*p += n;
	return true;
}

struct die_walk {
	const struct abb *a;
	const unsigned char *after;	/* past the attributes (or the sibling value, see below) */
	const unsigned char *sib;	/* the DW_AT_sibling value, NULL if none */
	unsigned sib_form;
	const unsigned char *name;	/* the DW_AT_name value */
	unsigned name_form;
};

/* Reads a DIE's code and attributes: all of them if full, else up to DW_AT_sibling (what
 * dwarf_siblingof looks at). */
static bool walk_die(const struct skim_unit *u, const struct abbrev_table *t, const unsigned char *p, bool full,
		     struct die_walk *w)
{
	const unsigned char *end = u->end;
	uint64_t code;

	memset(w, 0, sizeof(*w));
	if (!uleb(&p, end, &code) || code == 0 || code >= t->ncodes || !t->by_code[code].tag)
		return false;
	w->a = &t->by_code[code];
	if (w->a->fixed >= 0) {		/* every form of a fixed size: no need to read the values */
		if (end - p < w->a->fixed)
			return false;
		w->sib = w->a->sib_off >= 0 ? p + w->a->sib_off : NULL;
		w->sib_form = w->a->sib_form;
		w->name = w->a->name_off >= 0 ? p + w->a->name_off : NULL;
		w->name_form = w->a->name_form;
		w->after = !full && w->sib ? w->sib : p + w->a->fixed;
		return true;
	}
	for (uint32_t i = 0; i < w->a->nattr; i++) {
		unsigned an = t->pool[w->a->attr + i].name, af = t->pool[w->a->attr + i].form;

		if (an == DW_AT_sibling && !w->sib) {
			w->sib = p;
			w->sib_form = af;
			if (!full) {
				w->after = p;
				return true;
			}
		}
		if (an == DW_AT_name && !w->name) {
			w->name = p;
			w->name_form = af;
		}
		if (!skip_form(u, af, &p, end))
			return false;
	}
	w->after = p;
	return true;
}

/* A unit-relative reference (DW_FORM_ref1/2/4/8/ref_udata) at q: its offset from the unit's
 * start. false: another form, or past the unit. */
static bool unit_ref_off(const struct skim_unit *u, unsigned form, const unsigned char *q, uint64_t *off)
{
	int n;

	switch (form) {
	case DW_FORM_ref1: n = 1; break;
	case DW_FORM_ref2: n = 2; break;
	case DW_FORM_ref4: n = 4; break;
	case DW_FORM_ref8: n = 8; break;
	case DW_FORM_ref_udata: return uleb(&q, u->end, off);
	default: return false;
	}
	if (u->end - q < n)
		return false;
	*off = rd(q, n);
	return true;
}

/* dwarf_siblingof's step: the next DIE on the level of the one walked, or NULL at the end of
 * the list (the unit's end, or a null entry). false: irregular. */
static bool next_sibling(const struct skim_unit *u, const struct abbrev_table *t, const unsigned char *die,
			 struct die_walk *w, const unsigned char **next)
{
	unsigned level = 0;
	const unsigned char *addr;

	for (;;) {
		if (w->sib) {
			uint64_t off;

			if (!unit_ref_off(u, w->sib_form, w->sib, &off) ||
			    off >= (size_t)(u->end - u->start) || off <= (size_t)(die - u->start))
				return false;
			addr = u->start + off;
		} else {
			addr = w->after;
			if (w->a->children)
				level++;
		}
		for (;;) {
			if (addr >= u->end) {
				*next = NULL;
				return true;
			}
			if (*addr)
				break;
			if (level-- == 0) {
				*next = NULL;
				return true;
			}
			addr++;
		}
		if (level == 0)
			break;
		die = addr;
		if (!walk_die(u, t, die, false, w))
			return false;
	}
	*next = addr;
	return true;
}

static const char *str_at(const struct dw_sect *s, uint64_t off)
{
	if (!s->p || off >= s->n)
		return NULL;
	/* a section that ends in NUL ends every string in it */
	if (s->p[s->n - 1] && !memchr(s->p + off, 0, s->n - off))
		return NULL;
	return (const char *)s->p + off;
}

int dw_skim_unit(struct skim_cache **cache, const struct skim_unit *u, bool (*want)(int tag),
		 struct skim_die **out, size_t *n, size_t *cap)
{
	const struct abbrev_table *t = table_get(cache, u);
	const unsigned char *p;
	struct die_walk w;

	if (!t || u->cudie < u->start || u->cudie >= u->end)
		return 1;
	/* dwarf_child of the unit DIE: its attributes are walked to the end */
	if (!walk_die(u, t, u->cudie, true, &w))
		return 1;
	if (!w.a->children)
		return 0;
	p = w.after;
	if (p >= u->end || *p == 0)
		return 0;
	if (*p == 0x80)
		return 1;	/* a padded null entry: libdw's reading of it is its own */
	while (p) {
		const unsigned char *die = p;

		if (!walk_die(u, t, die, true, &w))
			return 1;
		if (want(w.a->tag) && !w.a->decl && (w.a->name || w.a->origin)) {
			const char *name = NULL;

			if (w.name) {
				switch (w.name_form) {
				case DW_FORM_string:
					name = (const char *)w.name;
					break;
				case DW_FORM_strp:
					if (!(name = str_at(u->str, rd(w.name, u->offset_size))))
						return 1;
					break;
				case DW_FORM_line_strp:
					if (!(name = str_at(u->line_str, rd(w.name, u->offset_size))))
						return 1;
					break;
				default:
					break;	/* strx, alt strings, ...: libdw */
				}
			}
			if (*n == *cap) {
				size_t nc = *cap ? *cap * 2 : 1024;
				struct skim_die *no = realloc(*out, nc * sizeof(*no));

				if (!no)
					return 1;
				*out = no;
				*cap = nc;
			}
			(*out)[(*n)++] = (struct skim_die){ .addr = die, .name = name, .tag = w.a->tag };
		}
		/* the full walk found DW_AT_sibling (the first one) or the end of the attributes:
		 * what dwarf_siblingof steps by */
		if (!next_sibling(u, t, die, &w, &p))
			return 1;
	}
	return 0;
}

/* ---- raw reading of single DIEs, for dwsame.c's comparison of two definitions ---- */

/* The pointer stays valid until dw_skim_free(*cache). A table shared by units of other sizes
 * (version, offset or address size) is re-sized for the unit asked about: keep one cache per
 * kind of unit, or ask again. */
const struct abbrev_table *dw_skim_abbrevs(struct skim_cache **cache, const struct skim_unit *u)
{
	return table_get(cache, u);
}

int dw_raw_read(const struct skim_unit *u, const struct abbrev_table *t, const unsigned char *die,
		struct dw_raw_die *out)
{
	const unsigned char *p = die, *end = u->end;
	const struct abb *a;
	uint64_t code;

	if (die < u->start || die >= end || !uleb(&p, end, &code) || code == 0 || code >= t->ncodes ||
	    !t->by_code[code].tag)
		return 1;
	a = &t->by_code[code];
	if (a->nattr > DW_RAW_MAX_ATTRS)
		return 1;
	out->tag = a->tag;
	out->children = a->children;
	out->n = a->nattr;
	for (uint32_t i = 0; i < a->nattr; i++) {
		const struct abb_attr *aa = &t->pool[a->attr + i];

		out->a[i] = (struct dw_raw_attr){ .name = aa->name, .form = aa->form, .val = p,
						  .implicit = aa->implicit };
		if (!skip_form(u, aa->form, &p, end))
			return 1;
		out->a[i].len = p - out->a[i].val;
	}
	out->after = p;
	return 0;
}

int dw_raw_first_child(const struct skim_unit *u, const struct dw_raw_die *d, const unsigned char **child)
{
	*child = NULL;
	if (!d->children || d->after >= u->end || *d->after == 0)
		return 0;
	if (*d->after == 0x80)
		return 1;	/* a padded null entry: as in dw_skim_unit */
	*child = d->after;
	return 0;
}

int dw_raw_next(const struct skim_unit *u, const struct abbrev_table *t, const unsigned char *die,
		const unsigned char **next)
{
	struct die_walk w;

	/* walk_die's fixed-size step is for the unit sizes the table was last sized for */
	if (t->version != u->version || t->offset_size != u->offset_size || t->addr_size != u->addr_size ||
	    !walk_die(u, t, die, true, &w) || !next_sibling(u, t, die, &w, next))
		return 1;
	return 0;
}

int dw_raw_next_of(const struct skim_unit *u, const struct abbrev_table *t, const unsigned char *die,
		   const struct dw_raw_die *d, const unsigned char **next)
{
	const unsigned char *p = d->after;

	/* with children or a DW_AT_sibling, next_sibling's way (which steps by the sibling) */
	if (d->children)
		return dw_raw_next(u, t, die, next);
	for (unsigned i = 0; i < d->n; i++)
		if (d->a[i].name == DW_AT_sibling)
			return dw_raw_next(u, t, die, next);
	/* next_sibling at level 0 for a DIE without children: the DIE after its attributes, or the
	 * end of the list (the unit's end or a null entry) */
	*next = p < u->end && *p ? p : NULL;
	return 0;
}

const char *dw_raw_str(const struct skim_unit *u, const struct dw_raw_attr *a)
{
	switch (a->form) {
	case DW_FORM_string:
		return (const char *)a->val;	/* skip_form found its NUL */
	case DW_FORM_strp:
		return str_at(u->str, rd(a->val, u->offset_size));
	case DW_FORM_line_strp:
		return str_at(u->line_str, rd(a->val, u->offset_size));
	default:
		return NULL;	/* strx, alt strings: not read here */
	}
}

const unsigned char *dw_raw_unit_ref(const struct skim_unit *u, const struct dw_raw_attr *a)
{
	uint64_t off;

	if (!unit_ref_off(u, a->form, a->val, &off) || off >= (size_t)(u->end - u->start))
		return NULL;
	return u->start + off;
}

bool dw_raw_plain_const(const struct skim_unit *u, const struct dw_raw_attr *a, uint64_t *v)
{
	const unsigned char *p = a->val;
	int64_t sv;

	switch (a->form) {
	case DW_FORM_data1: case DW_FORM_data2: case DW_FORM_data4: case DW_FORM_data8:
		*v = rd(a->val, a->len);
		return !(*v >> (8 * a->len - 1));	/* no sign bit: sign extension changes nothing */
	case DW_FORM_udata:
		return uleb(&p, u->end, v) && !(*v >> 63);
	case DW_FORM_sdata:
		if (!sleb(&p, u->end, &sv) || sv < 0)
			return false;
		*v = sv;
		return true;
	case DW_FORM_implicit_const:
		if (a->implicit < 0)
			return false;
		*v = a->implicit;
		return true;
	default:
		return false;
	}
}
