// SPDX-License-Identifier: BSD-2-Clause
/*
 * DWARF -> BTF (see dwarf.h). libdw reads the DWARF (decompression, DWARF 4/5 forms, dwz alt
 * references, type units); libbpf writes and deduplicates the BTF. What is written by hand is
 * only the mapping between the two, which no library offers in process (pahole's encoder is a
 * GPL command-line tool that refuses DW_TAG_atomic_type and skips dwz partial units).
 */
#include <bpf/btf.h>
#include <elfutils/dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "src/alloc.h"
#include "src/btf/btfmerge.h"
#include "src/btf/dwarf.h"
#include "src/btf/dwimage.h"
#include "src/btf/dwsame.h"
#include "src/btf/dwskim.h"
#include "src/btf/dwfunc.h"
#include "src/common.h"

/* ---------------------------------------------------------------- open + alt file */

struct dw_handle {
	int fd, alt_fd;
	Elf *elf, *alt_elf;
	Dwarf *dw, *alt;
	struct dw_image img, alt_img;	/* what libdw reads, when not the files themselves */
	bool big_endian;
	bool reference;		/* COREPROBE_DWARF_REFERENCE: libdw reads the files, walks, looks up */
};

static void dw_close(struct dw_handle *h)
{
	if (h->dw)
		dwarf_end(h->dw);
	if (h->alt)
		dwarf_end(h->alt);
	if (h->elf)
		elf_end(h->elf);
	if (h->alt_elf)
		elf_end(h->alt_elf);
	if (h->fd >= 0)
		close(h->fd);
	if (h->alt_fd >= 0)
		close(h->alt_fd);
	dw_image_free(&h->img);
	dw_image_free(&h->alt_img);
	memset(h, 0, sizeof(*h));
	h->fd = h->alt_fd = -1;
}

/* libdw decompresses SHF_COMPRESSED and .zdebug sections in dwarf_begin_elf, but a section whose
 * data does not inflate is then silently left out: find it and say so. */
static int check_decompressed(Elf *elf, const char *path)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return cp_error(CP_EUSAGE, "%s: damaged section headers (%s): reinstall the debug file", path, elf_errmsg(-1));
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if ((!strncmp(n, ".debug_", 7) && (sh.sh_flags & SHF_COMPRESSED)) || !strncmp(n, ".zdebug_", 8))
			if (sh.sh_type != SHT_NOBITS && elf_compress(scn, 0, 0) < 0 &&
			    (!strncmp(n, ".zdebug_", 8) ? elf_compress_gnu(scn, 0, 0) < 0 : true))
				return cp_error(CP_EUSAGE, "%s: compressed section %s does not decompress (%s): the debug file is damaged, reinstall it",
						path, n, elf_errmsg(-1));
	}
	return 0;
}

/* libdw reads the file's type sections from an in-memory image (dwimage.c: only those are
 * inflated), else the file itself. *big_endian: the file's byte order. */
static int open_dwarf_file(const char *path, int *fd, Elf **elf, struct dw_image *img, Dwarf **dw,
			   bool *big_endian, bool whole)
{
	GElf_Ehdr eh;
	int r;

	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cp_error(CP_EUSAGE, "%s: cannot open: %s", path, strerror(errno));
	elf_version(EV_CURRENT);
	if (!(*elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL)))
		return cp_error(CP_EUSAGE, "%s: not a readable ELF (%s)", path, elf_errmsg(-1));
	if (big_endian)
		*big_endian = gelf_getehdr(*elf, &eh) && eh.e_ident[EI_DATA] == ELFDATA2MSB;
	/* COREPROBE_DWARF_REFERENCE=1 (tests only): libdw reads the file, walks every unit and looks
	 * up every attribute itself, the reference the image, the skim and the one-pass attribute
	 * reads are compared with (tests/integration/dwarfsame.sh) */
	r = getenv("COREPROBE_DWARF_REFERENCE") || whole ? DW_IMAGE_NONE : dw_image_load(*elf, path, img);
	if (r > 0)
		return r;
	if (r == 0) {		/* the image is self-contained: the file is done with */
		elf_end(*elf);
		*elf = NULL;
		close(*fd);
		*fd = -1;
		if (!(*dw = dwarf_begin_elf(img->elf, DWARF_C_READ, NULL)))
			return cp_error(CP_EUSAGE, "%s: no usable DWARF (%s)", path, dwarf_errmsg(-1));
		return 0;
	}
	if (check_decompressed(*elf, path))
		return cp_errcode();
	if (!(*dw = dwarf_begin_elf(*elf, DWARF_C_READ, NULL)))
		return cp_error(CP_EUSAGE, "%s: no usable DWARF (%s)", path, dwarf_errmsg(-1));
	return 0;
}

/* whole: libdw reads the file itself (FUNC records need the address ranges and location lists,
 * which the image leaves out) */
static int dw_open(const struct dwarf_file *df, struct dw_handle *h, bool whole)
{
	int err;

	memset(h, 0, sizeof(*h));
	h->fd = h->alt_fd = -1;
	h->reference = getenv("COREPROBE_DWARF_REFERENCE") != NULL;
	if ((err = open_dwarf_file(df->path, &h->fd, &h->elf, &h->img, &h->dw, &h->big_endian, whole)))
		goto fail;
	if (df->alt_path[0]) {
		/* set before any DIE is read: libdw's own lookup would use host absolute paths */
		if ((err = open_dwarf_file(df->alt_path, &h->alt_fd, &h->alt_elf, &h->alt_img, &h->alt, NULL, whole)))
			goto fail;
		dwarf_setalt(h->dw, h->alt);
	}
	return 0;
fail:
	dw_close(h);
	return err;
}

/* ---------------------------------------------------------------- small hash tables */

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

/* name -> definitions */
struct def {
	const char *name;
	Dwarf_Die die;
	int next;		/* next definition of the same name, -1 */
	int tail;		/* in a name's first definition: its last one */
};
struct name_index {
	struct def *defs;
	int n, cap;
	int *slot;		/* head def index + 1, 0 empty */
	size_t nslot;		/* power of two */
};

static uint64_t name_hash(const char *name)
{
	return hash_bytes(name, strlen(name), 0xcbf29ce484222325ULL);
}

static int index_find_hashed(const struct name_index *x, const char *name, uint64_t h)
{
	if (!x->nslot)
		return -1;
	for (size_t i = h & (x->nslot - 1);; i = (i + 1) & (x->nslot - 1)) {
		if (!x->slot[i])
			return -1;
		if (!strcmp(x->defs[x->slot[i] - 1].name, name))
			return x->slot[i] - 1;
	}
}

static int index_find(const struct name_index *x, const char *name)
{
	return x->nslot ? index_find_hashed(x, name, name_hash(name)) : -1;
}

static int index_rehash(struct name_index *x)
{
	size_t n = x->nslot ? x->nslot * 2 : 1024;
	int *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < x->nslot; i++) {
		int d = x->slot[i];

		if (!d)
			continue;
		for (size_t j = hash_bytes(x->defs[d - 1].name, strlen(x->defs[d - 1].name), 0xcbf29ce484222325ULL) & (n - 1);;
		     j = (j + 1) & (n - 1))
			if (!s[j]) {
				s[j] = d;
				break;
			}
	}
	free(x->slot);
	x->slot = s;
	x->nslot = n;
	return 0;
}

/* h: name_hash(name) */
static int index_add_hashed(struct name_index *x, const char *name, uint64_t h, const Dwarf_Die *die,
			    unsigned *heads)
{
	int head = index_find_hashed(x, name, h), d;

	if (x->n == x->cap) {
		int cap = x->cap ? x->cap * 2 : 1024;
		struct def *nd = realloc(x->defs, cap * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		x->defs = nd;
		x->cap = cap;
	}
	d = x->n++;
	x->defs[d] = (struct def){ .name = name, .die = *die, .next = -1, .tail = d };
	if (head >= 0) {	/* append: definitions stay in unit order */
		x->defs[x->defs[head].tail].next = d;
		x->defs[head].tail = d;
		return 0;
	}
	if ((*heads + 1) * 2 > x->nslot && index_rehash(x))
		return -ENOMEM;
	for (size_t i = h & (x->nslot - 1);;
	     i = (i + 1) & (x->nslot - 1))
		if (!x->slot[i]) {
			x->slot[i] = d + 1;
			break;
		}
	(*heads)++;
	return 0;
}

static int index_add(struct name_index *x, const char *name, const Dwarf_Die *die, unsigned *heads)
{
	return index_add_hashed(x, name, name_hash(name), die, heads);
}

/* (DIE address, shallow) -> BTF id */
struct id_map {
	struct { const void *addr; uint32_t id; uint8_t used, shallow; } *e;
	size_t n, cap;
};

static uint32_t *map_get(struct id_map *m, const void *addr, bool shallow, bool *fresh)
{
	if (fresh && (m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 4096;
		__typeof__(m->e) e = calloc(cap, sizeof(*e));

		if (!e)
			return NULL;
		for (size_t i = 0; i < m->cap; i++) {
			size_t j;

			if (!m->e[i].used)
				continue;
			for (j = hash_bytes(&m->e[i].addr, sizeof(void *), m->e[i].shallow) & (cap - 1); e[j].used; j = (j + 1) & (cap - 1))
				;
			e[j] = m->e[i];
		}
		free(m->e);
		m->e = e;
		m->cap = cap;
	}
	if (!m->cap)
		return NULL;
	for (size_t i = hash_bytes(&addr, sizeof(void *), shallow) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->e[i].used) {
			if (!fresh)
				return NULL;
			m->e[i].used = 1;
			m->e[i].addr = addr;
			m->e[i].shallow = shallow;
			m->n++;
			*fresh = true;
			return &m->e[i].id;
		}
		if (m->e[i].addr == addr && m->e[i].shallow == shallow) {
			if (fresh)
				*fresh = false;
			return &m->e[i].id;
		}
	}
}

/* ---------------------------------------------------------------- the encoder */

enum item_kind { ITEM_TYPE, ITEM_FWD, ITEM_INDEX_INT, ITEM_REFUSED };

struct item {
	Dwarf_Die die;
	uint32_t id;
	bool shallow;
	uint8_t kind;
};

struct enc {
	struct dw_handle h;
	const char *path;
	struct name_index defs;
	unsigned heads;
	struct id_map ids;
	struct item *q;		/* FIFO of reserved, not yet written types, in id order */
	size_t qhead, qlen, qcap;
	uint32_t next_id;	/* the id the next reservation gets */
	uint32_t index_int;	/* array index type, 0 until needed */
	struct btf *btf;
	bool minimal;		/* object mode: pointer targets not named by the object -> FWD */
	struct name_index *roots_named;	/* object mode: names the object uses (as a set) */
	const char *root;	/* for messages: the root type being encoded */
	unsigned units;
	struct pre_attrs {	/* one DIE's attributes, read in one pass (attr_get) */
		const void *addr;	/* the DIE's; NULL: none */
		int n;
		Dwarf_Attribute a[16];
	} pre;
	/* all-types mode (dwarf_btf_encode_all): a refused type becomes a placeholder id instead of
	 * failing the encode; the roots that reach one are left out of a second pass */
	bool tolerant;
	bool refused;		/* refuse() ran since the last take_refusal() */
	char why[400];		/* its reason and place, without the root's name */
	struct { uint32_t id; char *why; } *bad;	/* placeholder ids and why */
	size_t n_bad, cap_bad;
	struct { const void *addr; uint32_t id; const char *name; } *rootv;	/* roots encoded */
	size_t n_rootv, cap_rootv;
	struct id_map skip;	/* root DIEs the second pass leaves out */
	struct dwfunc *funcs;	/* FUNC records wanted (dwfunc.c): subprograms are collected */
	/* encoding each distinct definition once (dwsame.c): the skimmed units, kept from the
	 * index (main and alt file), found by address, and the skim's abbreviation tables */
	bool once;			/* skip definitions proven the same as one encoded */
	struct index_unit *iu;
	size_t n_iu;
	size_t *iu_by_addr;		/* indexes into iu, by u.start */
	struct skim_cache *caches[4];	/* the index's abbreviation tables (main file, alt file) */
	size_t n_caches;
	struct dw_same same;
	unsigned n_same;		/* definitions skipped */
};

/* A member's eight attribute lookups were eight walks of its attributes in libdw (dwarf_attr
 * and dwarf_hasattr each decode from the first), most of the time an encode takes: pre_read
 * reads them all in one dwarf_getattrs pass, keeping the first of each name as dwarf_attr finds
 * it, and attr_get/attr_has answer from that for that DIE (from libdw for any other, or if the
 * pass did not complete). */
static int pre_cb(Dwarf_Attribute *a, void *arg)
{
	struct pre_attrs *p = arg;

	for (int i = 0; i < p->n; i++)
		if (p->a[i].code == a->code)
			return DWARF_CB_OK;
	if (p->n == (int)ARRAY_SIZE(p->a)) {
		p->n = -1;
		return DWARF_CB_ABORT;
	}
	p->a[p->n++] = *a;
	return DWARF_CB_OK;
}

static void pre_read(struct enc *e, Dwarf_Die *die)
{
	e->pre.addr = NULL;
	e->pre.n = 0;
	if (!e->h.reference && dwarf_getattrs(die, pre_cb, &e->pre, 0) == 1 && e->pre.n >= 0)
		e->pre.addr = die->addr;
}

static Dwarf_Attribute *attr_get(struct enc *e, Dwarf_Die *die, unsigned at, Dwarf_Attribute *buf)
{
	if (!e->pre.addr || e->pre.addr != die->addr)
		return dwarf_attr(die, at, buf);
	for (int i = 0; i < e->pre.n; i++)
		if (e->pre.a[i].code == at) {
			*buf = e->pre.a[i];
			return buf;
		}
	return NULL;
}

static bool attr_has(struct enc *e, Dwarf_Die *die, unsigned at)
{
	Dwarf_Attribute a;

	if (!e->pre.addr || e->pre.addr != die->addr)
		return dwarf_hasattr(die, at);
	return attr_get(e, die, at, &a) != NULL;
}

/* dwarf_diename: DW_AT_name, else through DW_AT_abstract_origin/specification (libdw's) */
static const char *name_of(struct enc *e, Dwarf_Die *die)
{
	Dwarf_Attribute a;

	if (e->pre.addr && e->pre.addr == die->addr && attr_get(e, die, DW_AT_name, &a))
		return dwarf_formstring(&a);
	return dwarf_diename(die);
}

static const char *tag_name(int tag)
{
	switch (tag) {
	case DW_TAG_structure_type: return "struct";
	case DW_TAG_union_type: return "union";
	case DW_TAG_class_type: return "class";
	case DW_TAG_enumeration_type: return "enum";
	case DW_TAG_typedef: return "typedef";
	case DW_TAG_base_type: return "base type";
	case DW_TAG_pointer_type: return "pointer";
	case DW_TAG_reference_type: return "C++ reference (DW_TAG_reference_type)";
	case DW_TAG_rvalue_reference_type: return "C++ rvalue reference (DW_TAG_rvalue_reference_type)";
	case DW_TAG_ptr_to_member_type: return "C++ pointer to member (DW_TAG_ptr_to_member_type)";
	case DW_TAG_unspecified_type: return "unspecified type (DW_TAG_unspecified_type)";
	case DW_TAG_string_type: return "string type (DW_TAG_string_type)";
	case DW_TAG_set_type: return "set type (DW_TAG_set_type)";
	case DW_TAG_subrange_type: return "subrange type (DW_TAG_subrange_type)";
	case DW_TAG_array_type: return "array";
	case DW_TAG_subroutine_type: return "function type";
	default: return NULL;
	}
}

/* One line: the root type, the DIE it failed at, and why. */
static int refuse(struct enc *e, Dwarf_Die *die, const char *fmt, ...)
{
	char why[256], at[200] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (die) {
		const char *n = dwarf_diename(die), *t = tag_name(dwarf_tag(die));
		char tb[32];

		if (!t) {
			snprintf(tb, sizeof(tb), "DWARF tag 0x%x", dwarf_tag(die));
			t = tb;
		}
		snprintf(at, sizeof(at), " (at %s%s%s, DIE 0x%llx)", t, n ? " " : "", n ? n : "",
			 (unsigned long long)dwarf_dieoffset(die));
	}
	if (e->tolerant) {
		e->refused = true;
		snprintf(e->why, sizeof(e->why), "%s%s", why, at);
	}
	return cp_error(CP_ENOBTF, "%s: type '%s' cannot be encoded in BTF faithfully: %s%s: refused, not approximated",
			e->path, e->root ? e->root : "?", why, at);
}

static int dwarf_broken(struct enc *e, const char *what)
{
	return cp_error(CP_EUSAGE, "%s: damaged DWARF (%s: %s): reinstall the debug file", e->path, what,
			dwarf_errmsg(-1));
}

static bool is_composite_tag(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type;
}

/* How many BTF ids a DIE takes: an N-dimensional array is N BTF arrays. */
static int id_width(struct enc *e, Dwarf_Die *die, uint32_t *w)
{
	Dwarf_Die c;
	int r;

	*w = 1;
	if (dwarf_tag(die) != DW_TAG_array_type)
		return 0;
	*w = 0;
	if ((r = dwarf_child(die, &c)) < 0)
		return dwarf_broken(e, "array");
	for (; r == 0; r = dwarf_siblingof(&c, &c))
		if (dwarf_tag(&c) == DW_TAG_subrange_type)
			(*w)++;
	if (r < 0)
		return dwarf_broken(e, "array");
	if (!*w)
		return refuse(e, die, "an array without dimensions");
	return 0;
}

static int reserve(struct enc *e, const Dwarf_Die *die, bool shallow, enum item_kind kind, uint32_t w,
		   uint32_t *id)
{
	if (e->qlen == e->qcap) {
		size_t cap = e->qcap ? e->qcap * 2 : 256;
		struct item *q = realloc(e->q, cap * sizeof(*q));

		if (!q)
			return cp_error(CP_ERUNTIME, "out of memory");
		e->q = q;
		e->qcap = cap;
	}
	e->q[e->qlen++] = (struct item){ .die = die ? *die : (Dwarf_Die){ 0 }, .id = e->next_id,
					 .shallow = shallow, .kind = kind };
	*id = e->next_id;
	e->next_id += w;
	return 0;
}

/* The definition a declaration stands for: the first one of the same name and kind. */
static bool find_definition(struct enc *e, Dwarf_Die *decl, Dwarf_Die *def)
{
	const char *n = dwarf_diename(decl);
	int tag = dwarf_tag(decl);

	if (!n)
		return false;
	for (int d = index_find(&e->defs, n); d >= 0; d = e->defs.defs[d].next) {
		int t = dwarf_tag(&e->defs.defs[d].die);

		if (t == tag || (is_composite_tag(t) && is_composite_tag(tag) &&
				 (t == DW_TAG_union_type) == (tag == DW_TAG_union_type))) {
			*def = e->defs.defs[d].die;
			return true;
		}
	}
	return false;
}

static bool named_by_object(struct enc *e, const char *n)
{
	return n && e->roots_named && index_find(e->roots_named, n) >= 0;
}

/* All-types mode: was the error just returned a refusal (then it is consumed)? */
static bool take_refusal(struct enc *e)
{
	if (!e->tolerant || !e->refused)
		return false;
	e->refused = false;
	cp_error_clear();
	return true;
}

/* Records placeholder id as refused, with e->why. */
static int note_bad(struct enc *e, uint32_t id)
{
	if (e->n_bad == e->cap_bad) {
		size_t cap = e->cap_bad ? e->cap_bad * 2 : 16;
		__typeof__(e->bad) nb = realloc(e->bad, cap * sizeof(*nb));

		if (!nb)
			return cp_error(CP_ERUNTIME, "out of memory");
		e->bad = nb;
		e->cap_bad = cap;
	}
	if (!(e->bad[e->n_bad].why = strdup(e->why)))
		return cp_error(CP_ERUNTIME, "out of memory");
	e->bad[e->n_bad++].id = id;
	return 0;
}

/* The BTF id of the type a DIE's DW_AT_type names (0: void), reserving it if new. shallow: the
 * reference is behind a pointer (object mode only). */
static int type_of(struct enc *e, Dwarf_Die *die, bool shallow, uint32_t *id);

static int die_id(struct enc *e, Dwarf_Die *die, bool shallow, uint32_t *id)
{
	Dwarf_Die def;
	int tag = dwarf_tag(die);
	bool fwd = false, fresh;
	uint32_t *slot, w;
	int err;

	if (tag == DW_TAG_atomic_type)		/* _Atomic T: same layout as T, BTF has no kind */
		return type_of(e, die, shallow, id);
	if (!e->minimal)
		shallow = false;
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type ||
	    tag == DW_TAG_enumeration_type) {
		if (dwarf_hasattr(die, DW_AT_declaration)) {
			if (find_definition(e, die, &def))
				die = &def;
			else
				fwd = true;
		}
		if (!fwd && shallow && tag != DW_TAG_enumeration_type && dwarf_diename(die) &&
		    !named_by_object(e, dwarf_diename(die)))
			fwd = true;	/* behind a pointer, not used by the object: kind and name only */
	}
	if (tag != DW_TAG_typedef && tag != DW_TAG_pointer_type && tag != DW_TAG_const_type &&
	    tag != DW_TAG_volatile_type && tag != DW_TAG_restrict_type && tag != DW_TAG_subroutine_type &&
	    tag != DW_TAG_array_type)
		shallow = false;	/* the key: only types that pass the pointer context on */
	if (fwd)
		shallow = true;
	if (!(slot = map_get(&e->ids, die->addr, shallow, &fresh)))
		return cp_error(CP_ERUNTIME, "out of memory");
	if (!fresh) {
		*id = *slot;
		return 0;
	}
	if (fwd && !dwarf_diename(die))
		err = refuse(e, die, "an anonymous declaration with no definition");
	else
		err = fwd ? 0 : id_width(e, die, &w);
	if (err && take_refusal(e)) {	/* all-types mode: a placeholder for the referrer to use */
		if ((err = reserve(e, die, shallow, ITEM_REFUSED, 1, id)) || (err = note_bad(e, *id)))
			return err;
		*slot = *id;
		return 0;
	}
	if (err)
		return err;
	if ((err = reserve(e, die, shallow, fwd ? ITEM_FWD : ITEM_TYPE, fwd ? 1 : w, id)))
		return err;
	*slot = *id;
	return 0;
}

static int type_of(struct enc *e, Dwarf_Die *die, bool shallow, uint32_t *id)
{
	Dwarf_Attribute a;
	Dwarf_Die t;

	*id = 0;
	if (!attr_get(e, die, DW_AT_type, &a))
		return 0;			/* void */
	if (!dwarf_formref_die(&a, &t))
		return dwarf_broken(e, "type reference");
	return die_id(e, &t, shallow, id);
}

static int udata(struct enc *e, Dwarf_Die *die, int at, Dwarf_Word *v, bool *present)
{
	Dwarf_Attribute a;

	*present = attr_get(e, die, at, &a) != NULL;
	if (!*present)
		return 0;
	if (dwarf_formudata(&a, v))
		return refuse(e, die, "attribute 0x%x is not a constant", at);
	return 0;
}

static bool is_constant_form(unsigned form)
{
	switch (form) {
	case DW_FORM_data1: case DW_FORM_data2: case DW_FORM_data4: case DW_FORM_data8:
	case DW_FORM_udata: case DW_FORM_sdata: case DW_FORM_implicit_const: case DW_FORM_data16:
		return true;
	default:
		return false;
	}
}

static int cu_version(Dwarf_Die *die)
{
	Dwarf_Half v = 0;

	dwarf_cu_info(die->cu, &v, NULL, NULL, NULL, NULL, NULL, NULL);
	return v;
}

/* A member's byte offset: a constant, or an expression that is a constant (DW_OP_plus_uconst N
 * from the start of the object, as DWARF 2 producers write it). Anything else is refused. */
static int member_location(struct enc *e, Dwarf_Die *m, Dwarf_Word *off, bool *present)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t nops;
	unsigned form;

	*off = 0;
	*present = attr_get(e, m, DW_AT_data_member_location, &a) != NULL;
	if (!*present)
		return 0;
	form = dwarf_whatform(&a);
	if (is_constant_form(form)) {
		/* before DWARF 4, data4/data8 here are location-list offsets, not constants */
		if ((form == DW_FORM_data4 || form == DW_FORM_data8) && cu_version(m) < 4)
			return refuse(e, m, "member location is a location list");
		if (dwarf_formudata(&a, off))
			return dwarf_broken(e, "member location");
		return 0;
	}
	if (dwarf_getlocation(&a, &ops, &nops) != 0)
		return refuse(e, m, "member location is not a constant or an expression (form 0x%x)", form);
	if (nops == 1 && (ops[0].atom == DW_OP_plus_uconst || ops[0].atom == DW_OP_constu)) {
		*off = ops[0].number;
		return 0;
	}
	if (nops == 1 && ops[0].atom >= DW_OP_lit0 && ops[0].atom <= DW_OP_lit31) {
		*off = ops[0].atom - DW_OP_lit0;
		return 0;
	}
	return refuse(e, m, "member location is a computed expression (%zu operations, first 0x%x)", nops,
		      nops ? ops[0].atom : 0);
}

/* The size of the type a DIE names, for DW_AT_bit_offset's storage unit. */
static int type_size(struct enc *e, Dwarf_Die *die, Dwarf_Word *size)
{
	Dwarf_Attribute a;
	Dwarf_Die t;

	if (!attr_get(e, die, DW_AT_type, &a) || !dwarf_formref_die(&a, &t) || dwarf_aggregate_size(&t, size))
		return refuse(e, die, "bitfield storage unit size unknown");
	return 0;
}

static int add_composite(struct enc *e, Dwarf_Die *s, int tag, const char *name, Dwarf_Word size, uint32_t want)
{
	bool is_union = tag == DW_TAG_union_type, any_bitfield = false;
	Dwarf_Die m;
	int r, n = 0, err;
	struct { const char *name; uint32_t type; uint64_t bit_off; uint32_t bits; } *mem = NULL;
	size_t cap = 0;

	if ((r = dwarf_child(s, &m)) < 0)
		return dwarf_broken(e, "members");
	for (; r == 0; r = dwarf_siblingof(&m, &m)) {
		Dwarf_Word loc, bits, dbo, bo, storage;
		bool has_loc, has_bits, has_dbo, has_bo, has_storage;
		uint64_t bit_off;
		uint32_t type;

		switch (dwarf_tag(&m)) {
		case DW_TAG_member:
			break;
		case DW_TAG_inheritance:
			err = refuse(e, &m, "C++ base class (DW_TAG_inheritance)");
			goto out;
		case DW_TAG_variant_part:
			err = refuse(e, &m, "variant part (DW_TAG_variant_part)");
			goto out;
		default:
			continue;	/* nested type definitions, methods: no storage */
		}
		pre_read(e, &m);
		/* C++ static data members are declarations: no storage in the object */
		if (attr_has(e, &m, DW_AT_declaration) || attr_has(e, &m, DW_AT_external))
			continue;
		if ((err = type_of(e, &m, false, &type)) || (err = member_location(e, &m, &loc, &has_loc)) ||
		    (err = udata(e, &m, DW_AT_bit_size, &bits, &has_bits)) ||
		    (err = udata(e, &m, DW_AT_data_bit_offset, &dbo, &has_dbo)))
			goto out;
		has_bo = attr_has(e, &m, DW_AT_bit_offset);
		bit_off = loc * 8;
		if (has_dbo) {
			bit_off = dbo + (has_loc ? loc * 8 : 0);
		} else if (has_bo) {
			Dwarf_Attribute a;
			Dwarf_Sword sbo;

			/* DWARF 2/3: bit_offset counts from the most significant bit of a storage unit
			 * of DW_AT_byte_size bytes (or the member type's size) at the member location */
			if (!has_bits) {
				err = refuse(e, &m, "DW_AT_bit_offset without DW_AT_bit_size");
				goto out;
			}
			if (dwarf_formsdata(attr_get(e, &m, DW_AT_bit_offset, &a), &sbo)) {
				err = dwarf_broken(e, "bit offset");
				goto out;
			}
			if ((err = udata(e, &m, DW_AT_byte_size, &storage, &has_storage)))
				goto out;
			if (!has_storage && (err = type_size(e, &m, &storage)))
				goto out;
			bo = sbo;
			if (e->h.big_endian) {
				bit_off = loc * 8 + (int64_t)bo;
			} else {
				int64_t v = (int64_t)(loc * 8 + storage * 8) - (int64_t)bo - (int64_t)bits;

				if (v < 0) {
					err = refuse(e, &m, "bitfield before the start of the object");
					goto out;
				}
				bit_off = v;
			}
		}
		/* no location at all: the start of the object (union members, offset-0 members) */
		if (!has_loc && !has_dbo && !has_bo)
			bit_off = 0;
		if (has_bits && (bits == 0 || bits > 255)) {
			err = refuse(e, &m, "bitfield of %llu bits", (unsigned long long)bits);
			goto out;
		}
		/* a member that starts (or a bitfield that ends) past the end: inconsistent DWARF */
		if (bit_off > size * 8 || (has_bits && bit_off + bits > size * 8)) {
			err = refuse(e, &m, "member at bit %llu is past the end of a %llu-byte type",
				     (unsigned long long)bit_off, (unsigned long long)size);
			goto out;
		}
		if (bit_off > UINT32_MAX) {
			err = refuse(e, &m, "member offset beyond 4 Gbit");
			goto out;
		}
		if (n == (int)cap) {
			size_t c = cap ? cap * 2 : 16;
			__typeof__(mem) nm = realloc(mem, c * sizeof(*mem));

			if (!nm) {
				err = cp_error(CP_ERUNTIME, "out of memory");
				goto out;
			}
			mem = nm;
			cap = c;
		}
		mem[n].name = name_of(e, &m);
		mem[n].type = type;
		mem[n].bit_off = bit_off;
		mem[n].bits = has_bits ? bits : 0;
		any_bitfield |= has_bits || bit_off % 8;
		n++;
	}
	if (r < 0) {
		err = dwarf_broken(e, "members");
		goto out;
	}
	if (n > 0xffff) {
		err = refuse(e, s, "%d members (BTF holds at most 65535)", n);
		goto out;
	}
	if (any_bitfield)
		for (int i = 0; i < n; i++)
			if (mem[i].bit_off > 0xffffff) {
				err = refuse(e, s, "a member at bit %llu in a struct with bitfields (BTF: 24 bits)",
					     (unsigned long long)mem[i].bit_off);
				goto out;
			}
	/* member types are reserved above; the struct and its fields go in now, fields right after */
	r = is_union ? btf__add_union(e->btf, name, size) : btf__add_struct(e->btf, name, size);
	if (r < 0 || (uint32_t)r != want) {
		err = cp_error(CP_ERUNTIME, "%s: libbpf refused '%s' (%d): %s", e->path, e->root, r, strerror(errno));
		goto out;
	}
	err = 0;
	for (int i = 0; i < n && !err; i++)
		if (btf__add_field(e->btf, mem[i].name, mem[i].type, mem[i].bit_off, mem[i].bits) < 0)
			err = cp_error(CP_ERUNTIME, "%s: libbpf refused member %s of '%s': %s", e->path,
				       mem[i].name ? mem[i].name : "(anonymous)", e->root, strerror(errno));
out:
	free(mem);
	return err;
}

static int add_base(struct enc *e, Dwarf_Die *d, const char *name, int *id)
{
	Dwarf_Word enc, size, bits;
	bool has_enc, has_size, has_bits;
	int err, flags = 0;

	if ((err = udata(e, d, DW_AT_encoding, &enc, &has_enc)) ||
	    (err = udata(e, d, DW_AT_byte_size, &size, &has_size)) ||
	    (err = udata(e, d, DW_AT_bit_size, &bits, &has_bits)))
		return err;
	if (!name || !has_enc || !has_size)
		return refuse(e, d, "a base type without a name, encoding or size");
	if (has_bits && bits != size * 8)
		return refuse(e, d, "a %llu-bit base type in %llu bytes (_BitInt)", (unsigned long long)bits,
			      (unsigned long long)size);
	switch (enc) {
	case DW_ATE_float:
		if (size != 2 && size != 4 && size != 8 && size != 12 && size != 16)
			return refuse(e, d, "a %llu-byte float", (unsigned long long)size);
		*id = btf__add_float(e->btf, name, size);
		return 0;
	case DW_ATE_signed: flags = BTF_INT_SIGNED; break;
	case DW_ATE_signed_char: flags = BTF_INT_SIGNED | BTF_INT_CHAR; break;
	case DW_ATE_unsigned_char: flags = BTF_INT_CHAR; break;
	case DW_ATE_boolean: flags = BTF_INT_BOOL; break;
	case DW_ATE_unsigned: case DW_ATE_UTF: flags = 0; break;
	case DW_ATE_complex_float:
		return refuse(e, d, "a complex float (BTF has no complex kind)");
	default:
		return refuse(e, d, "base type encoding 0x%llx has no BTF equivalent", (unsigned long long)enc);
	}
	if (size != 1 && size != 2 && size != 4 && size != 8 && size != 16)
		return refuse(e, d, "a %llu-byte integer", (unsigned long long)size);
	*id = btf__add_int(e->btf, name, size, flags);
	return 0;
}

static bool enum_is_signed(Dwarf_Die *d)
{
	Dwarf_Attribute a;
	Dwarf_Die t;
	Dwarf_Word enc;

	if (!dwarf_attr(d, DW_AT_type, &a) || !dwarf_formref_die(&a, &t) || dwarf_peel_type(&t, &t) ||
	    !dwarf_attr(&t, DW_AT_encoding, &a) || dwarf_formudata(&a, &enc))
		return false;
	return enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

static int add_enum(struct enc *e, Dwarf_Die *d, const char *name, int *idp)
{
	struct { const char *name; int64_t v; } *vals = NULL;
	Dwarf_Word size;
	bool has_size, is_signed = enum_is_signed(d), wide = false;
	bool typed = dwarf_hasattr(d, DW_AT_type);
	Dwarf_Die c;
	int r, n = 0, cap = 0, id, err = 0;

	if ((err = udata(e, d, DW_AT_byte_size, &size, &has_size)))
		return err;
	if (!has_size || (size != 1 && size != 2 && size != 4 && size != 8))
		return refuse(e, d, "an enum of %s%llu bytes", has_size ? "" : "unknown size ", (unsigned long long)size);
	if ((r = dwarf_child(d, &c)) < 0)
		return dwarf_broken(e, "enumerators");
	for (; r == 0; r = dwarf_siblingof(&c, &c)) {
		Dwarf_Attribute a;
		Dwarf_Sword sv;
		Dwarf_Word uv;
		unsigned form;

		if (dwarf_tag(&c) != DW_TAG_enumerator)
			continue;
		if (!dwarf_attr(&c, DW_AT_const_value, &a)) {
			err = refuse(e, &c, "an enumerator without a value");
			goto out;
		}
		form = dwarf_whatform(&a);
		/* data1..8 are sign-extended by dwarf_formsdata: read them as the enum's type says */
		if (is_signed || (!typed && (form == DW_FORM_sdata || form == DW_FORM_implicit_const))) {
			if (dwarf_formsdata(&a, &sv)) {
				err = dwarf_broken(e, "enumerator");
				goto out;
			}
			if (sv < 0)
				is_signed = true;
		} else {
			if (dwarf_formudata(&a, &uv)) {
				err = dwarf_broken(e, "enumerator");
				goto out;
			}
			sv = (Dwarf_Sword)uv;
		}
		if (n == cap) {
			int nc = cap ? cap * 2 : 16;
			__typeof__(vals) nv = realloc(vals, nc * sizeof(*vals));

			if (!nv) {
				err = cp_error(CP_ERUNTIME, "out of memory");
				goto out;
			}
			vals = nv;
			cap = nc;
		}
		vals[n].name = dwarf_diename(&c);
		vals[n++].v = sv;
	}
	if (r < 0) {
		err = dwarf_broken(e, "enumerators");
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (is_signed ? (vals[i].v < INT32_MIN || vals[i].v > INT32_MAX) : (uint64_t)vals[i].v > UINT32_MAX)
			wide = true;
	if (n > 0xffff) {
		err = refuse(e, d, "%d enumerators (BTF holds at most 65535)", n);
		goto out;
	}
	if (size == 8 || wide) {
		id = btf__add_enum64(e->btf, name, size, is_signed);
		for (int i = 0; i < n && id > 0; i++)
			if (btf__add_enum64_value(e->btf, vals[i].name, vals[i].v) < 0)
				id = -errno;
	} else {
		id = btf__add_enum(e->btf, name, size);
		for (int i = 0; i < n && id > 0; i++)
			if (btf__add_enum_value(e->btf, vals[i].name, vals[i].v) < 0)
				id = -errno;
		/* btf__add_enum_value marks an enum signed only on a negative value */
		if (id > 0 && is_signed) {
			struct btf_type *t = (struct btf_type *)btf__type_by_id(e->btf, id);

			t->info |= 1u << 31;
		}
	}
	*idp = id;
out:
	free(vals);
	return err;
}

/* Array dimensions, outermost first. */
static int array_dims(struct enc *e, Dwarf_Die *d, uint32_t *dims, uint32_t w)
{
	Dwarf_Die c;
	uint32_t i = 0;
	int r;

	if (dwarf_hasattr(d, DW_AT_ordering)) {
		Dwarf_Attribute a;
		Dwarf_Word o;

		if (!dwarf_formudata(dwarf_attr(d, DW_AT_ordering, &a), &o) && o != DW_ORD_row_major)
			return refuse(e, d, "a column-major array");
	}
	for (r = dwarf_child(d, &c); r == 0 && i < w; r = dwarf_siblingof(&c, &c)) {
		Dwarf_Attribute a;
		Dwarf_Word cnt = 0, lo = 0;
		Dwarf_Sword hi;
		bool has_lo;
		int err;

		if (dwarf_tag(&c) != DW_TAG_subrange_type)
			continue;
		if ((err = udata(e, &c, DW_AT_lower_bound, &lo, &has_lo)))
			return err;
		if (lo != 0)
			return refuse(e, &c, "an array whose lower bound is %llu", (unsigned long long)lo);
		if (dwarf_attr(&c, DW_AT_count, &a)) {
			if (!is_constant_form(dwarf_whatform(&a)) || dwarf_formudata(&a, &cnt))
				return refuse(e, &c, "a variable-length array");
		} else if (dwarf_attr(&c, DW_AT_upper_bound, &a)) {
			if (!is_constant_form(dwarf_whatform(&a)))
				return refuse(e, &c, "a variable-length array");
			if (dwarf_whatform(&a) == DW_FORM_sdata ? dwarf_formsdata(&a, &hi) :
			    dwarf_formudata(&a, (Dwarf_Word *)&hi))
				return dwarf_broken(e, "array bound");
			/* -1 (or all ones in the bound's size): a zero-length or flexible array */
			cnt = hi == -1 || (Dwarf_Word)hi == 0xffffffffULL ? 0 : (Dwarf_Word)hi + 1;
		}
		/* neither: a flexible array member, 0 elements */
		if (cnt > UINT32_MAX)
			return refuse(e, &c, "an array of %llu elements", (unsigned long long)cnt);
		dims[i++] = cnt;
	}
	if (r < 0)
		return dwarf_broken(e, "array");
	return 0;
}

static int index_type(struct enc *e, uint32_t *id)
{
	if (!e->index_int) {
		int err = reserve(e, NULL, false, ITEM_INDEX_INT, 1, &e->index_int);

		if (err)
			return err;
	}
	*id = e->index_int;
	return 0;
}

static int add_proto(struct enc *e, Dwarf_Die *d, int *idp)
{
	struct { const char *name; uint32_t type; } *p = NULL;
	uint32_t ret;
	Dwarf_Die c;
	int r, n = 0, cap = 0, err, id;
	bool vararg = false;

	if ((err = type_of(e, d, e->minimal, &ret)))
		return err;
	for (r = dwarf_child(d, &c); r == 0; r = dwarf_siblingof(&c, &c)) {
		uint32_t t;

		if (dwarf_tag(&c) == DW_TAG_unspecified_parameters) {
			vararg = true;
			continue;
		}
		if (dwarf_tag(&c) != DW_TAG_formal_parameter)
			continue;
		if ((err = type_of(e, &c, e->minimal, &t)))
			goto out;
		if (n == cap) {
			int nc = cap ? cap * 2 : 8;
			__typeof__(p) np = realloc(p, nc * sizeof(*p));

			if (!np) {
				err = cp_error(CP_ERUNTIME, "out of memory");
				goto out;
			}
			p = np;
			cap = nc;
		}
		p[n].name = dwarf_diename(&c);
		p[n++].type = t;
	}
	if (r < 0) {
		err = dwarf_broken(e, "parameters");
		goto out;
	}
	/* an unprototyped `int (*)()` takes unspecified arguments: BTF's "..." */
	if (!n && !dwarf_hasattr(d, DW_AT_prototyped))
		vararg = true;
	id = btf__add_func_proto(e->btf, ret);
	for (int i = 0; i < n && id > 0; i++)
		if (btf__add_func_param(e->btf, p[i].name, p[i].type) < 0)
			id = -errno;
	if (id > 0 && vararg && btf__add_func_param(e->btf, NULL, 0) < 0)
		id = -errno;
	*idp = id;
	err = 0;
out:
	free(p);
	return err;
}

/* Writes one reserved item; its BTF id must come out as reserved. */
static int write_item(struct enc *e, struct item *it)
{
	Dwarf_Die *d = &it->die;
	const char *name = it->kind == ITEM_INDEX_INT ? NULL : dwarf_diename(d);
	int tag = it->kind == ITEM_INDEX_INT ? 0 : dwarf_tag(d), id = -1, err;
	bool shallow = it->shallow;
	uint32_t ref;

	if (it->kind == ITEM_INDEX_INT) {
		id = btf__add_int(e->btf, "__ARRAY_SIZE_TYPE__", 4, 0);
	} else if (it->kind == ITEM_REFUSED) {
		id = btf__add_int(e->btf, "__coreprobe_refused__", 1, 0);	/* never in the output */
	} else if (it->kind == ITEM_FWD) {
		id = tag == DW_TAG_enumeration_type ? btf__add_fwd(e->btf, name, BTF_FWD_ENUM) :
		     btf__add_fwd(e->btf, name, tag == DW_TAG_union_type ? BTF_FWD_UNION : BTF_FWD_STRUCT);
	} else {
		switch (tag) {
		case DW_TAG_base_type:
			if ((err = add_base(e, d, name, &id)))
				return err;
			break;
		case DW_TAG_structure_type: case DW_TAG_union_type: case DW_TAG_class_type: {
			Dwarf_Word size;
			bool has;

			if ((err = udata(e, d, DW_AT_byte_size, &size, &has)))
				return err;
			if (!has)
				return refuse(e, d, "a struct or union without a size");
			if (size > UINT32_MAX)
				return refuse(e, d, "a type of %llu bytes", (unsigned long long)size);
			if ((err = add_composite(e, d, tag, name, size, it->id)))
				return err;
			return 0;
		}
		case DW_TAG_enumeration_type:
			if ((err = add_enum(e, d, name, &id)))
				return err;
			break;
		case DW_TAG_typedef:
			if (!name)
				return refuse(e, d, "a typedef without a name");
			if ((err = type_of(e, d, shallow, &ref)))
				return err;
			id = btf__add_typedef(e->btf, name, ref);
			break;
		case DW_TAG_pointer_type: {
			Dwarf_Word size;
			bool has;

			if ((err = udata(e, d, DW_AT_byte_size, &size, &has)))
				return err;
			if (has && size != sizeof(void *))
				return refuse(e, d, "a %llu-byte pointer", (unsigned long long)size);
			if ((err = type_of(e, d, true, &ref)))
				return err;
			id = btf__add_ptr(e->btf, ref);
			break;
		}
		case DW_TAG_const_type: case DW_TAG_volatile_type: case DW_TAG_restrict_type:
			if ((err = type_of(e, d, shallow, &ref)))
				return err;
			id = tag == DW_TAG_const_type ? btf__add_const(e->btf, ref) :
			     tag == DW_TAG_volatile_type ? btf__add_volatile(e->btf, ref) :
			     btf__add_restrict(e->btf, ref);
			break;
		case DW_TAG_array_type: {
			uint32_t w = 0, dims[64], elem, idx;

			if ((err = id_width(e, d, &w)))
				return err;
			if (w > ARRAY_SIZE(dims))
				return refuse(e, d, "an array of %u dimensions", w);
			if ((err = array_dims(e, d, dims, w)) || (err = type_of(e, d, shallow, &elem)) ||
			    (err = index_type(e, &idx)))
				return err;
			if (dwarf_hasattr(d, DW_AT_GNU_vector) && w != 1)
				return refuse(e, d, "a multi-dimensional vector");
			/* T a[2][3]: array(2) of array(3) of T, in consecutive reserved ids */
			for (uint32_t i = 0; i < w; i++) {
				int r = btf__add_array(e->btf, idx, i + 1 < w ? it->id + i + 1 : elem, dims[i]);

				if (r < 0 || (uint32_t)r != it->id + i) {
					id = r < 0 ? r : -EINVAL;
					break;
				}
				id = it->id;
			}
			break;
		}
		case DW_TAG_subroutine_type:
			if ((err = add_proto(e, d, &id)))
				return err;
			break;
		default:
			return refuse(e, d, "no BTF kind for it");
		}
	}
	if (id < 0 || (uint32_t)id != it->id)
		return cp_error(CP_ERUNTIME, "%s: libbpf refused a type of '%s' (%d, expected id %u): %s",
				e->path, e->root ? e->root : "?", id, it->id, strerror(id < 0 ? -id : EINVAL));
	return 0;
}

static int drain(struct enc *e)
{
	while (e->qhead < e->qlen) {
		struct item it = e->q[e->qhead++];	/* a copy: writing may grow the queue */
		int err = write_item(e, &it);

		/* all-types mode: a refused item is written as placeholders in its reserved ids (the
		 * refusals all come before the item's first btf__add_*), for the taint pass */
		if (err && take_refusal(e)) {
			uint32_t end = e->qhead < e->qlen ? e->q[e->qhead].id : e->next_id;

			for (uint32_t id = it.id; id < end; id++) {
				int r = btf__add_int(e->btf, "__coreprobe_refused__", 1, 0);

				if (r < 0 || (uint32_t)r != id)
					return cp_error(CP_ERUNTIME, "%s: libbpf refused a placeholder type", e->path);
				if ((err = note_bad(e, id)))
					return err;
			}
			err = 0;
		}
		if (err)
			return err;
	}
	return 0;
}

static bool is_type_tag(int tag)
{
	switch (tag) {
	case DW_TAG_structure_type: case DW_TAG_union_type: case DW_TAG_class_type:
	case DW_TAG_enumeration_type: case DW_TAG_typedef: case DW_TAG_base_type:
		return true;
	default:
		return false;
	}
}

static bool is_type_or_subprogram_tag(int tag)
{
	return is_type_tag(tag) || tag == DW_TAG_subprogram;
}

static int index_unit_libdw(struct enc *e, Dwarf_Die *cudie)
{
	Dwarf_Die c;
	int r;

	if ((r = dwarf_child(cudie, &c)) < 0)
		return dwarf_broken(e, "unit");
	for (; r == 0; r = dwarf_siblingof(&c, &c)) {
		const char *n;

		if (e->funcs && dwarf_tag(&c) == DW_TAG_subprogram && !dwarf_hasattr(&c, DW_AT_declaration)) {
			if (dwfunc_collect(e->funcs, &c, NULL))
				return cp_errcode();
			continue;
		}
		if (!is_type_tag(dwarf_tag(&c)) || dwarf_hasattr(&c, DW_AT_declaration) ||
		    !(n = dwarf_diename(&c)))
			continue;
		if (index_add(&e->defs, n, &c, &e->heads))
			return cp_error(CP_ERUNTIME, "out of memory");
	}
	if (r < 0)
		return dwarf_broken(e, "unit");
	return 0;
}

struct skim {
	const struct dw_image *img;
	Dwarf_Off cursor[2];	/* the next unit's offset in .debug_info, .debug_types */
};

static bool in_sect(const struct dw_sect *s, const void *p)
{
	return s->p && (const unsigned char *)p >= s->p && (const unsigned char *)p < s->p + s->n;
}

/* One unit of the index pass: where the skim reads it and, after the skim, its entries (in an
 * array of its own: the thread that skimmed it may still be skimming others). */
struct index_unit {
	Dwarf_Die cudie;
	struct skim_unit u;
	bool skim;		/* false: libdw walks it (declined before or by the skim) */
	bool nomem;
	atomic_bool done;	/* skimmed (or declined): its fields below may be read */
	struct skim_die *d;	/* its entries, and the name_hash of each (0 where no name) */
	uint64_t *hash;
	size_t nd;
	const struct abbrev_table *tab;	/* the skim's table for it (kept for dwsame.c) */
};

/* The unit as dwskim.c reads it; false: libdw walks it (not the unit libdw gave, or no image). */
static bool skim_input(Dwarf *dw, struct skim *k, Dwarf_CU *cu, Dwarf_Die *cudie, struct skim_unit *u)
{
	bool types = in_sect(&k->img->types, cudie->addr);
	const struct dw_sect *sec = types ? &k->img->types : &k->img->info;
	Dwarf_Off next, toff, at = k->cursor[types];
	Dwarf_Off abbrev_off, die_off = (const unsigned char *)cudie->addr - sec->p;
	Dwarf_Half version;
	uint8_t asz, osz;
	uint64_t sig;
	size_t hsize;
	Dwarf_Die cd;

	if (!in_sect(sec, cudie->addr) ||
	    dwarf_next_unit(dw, at, &next, &hsize, NULL, NULL, NULL, NULL, types ? &sig : NULL, types ? &toff : NULL) ||
	    !dwarf_cu_die(cu, &cd, &version, &abbrev_off, &asz, &osz, NULL, NULL))
		return false;
	k->cursor[types] = next;
	if (at + hsize != die_off || next <= at)
		return false;	/* not the unit libdw gave: its own walk */
	*u = (struct skim_unit){ .start = sec->p + at, .end = sec->p + (next < sec->n ? next : sec->n),
				 .cudie = cudie->addr, .abbrev = &k->img->abbrev, .str = &k->img->str,
				 .line_str = &k->img->line_str, .abbrev_off = abbrev_off, .version = version,
				 .offset_size = osz, .addr_size = asz };
	return true;
}

/* The index's skim, shared by this thread and a helper: each claims the next few units in
 * turn (whichever core is free does more; the other file's encode runs beside them), reads only
 * the image (dwskim.c: no libdw, no shared state but the claim counter), with an abbreviation
 * cache and scratch output of its own, and leaves each unit's entries (and their names'
 * hashes: off the index's critical path) in the unit. */
struct skim_work {
	struct index_unit *units;
	size_t n;
	atomic_size_t next;	/* the first unit nobody has claimed */
	bool (*keep)(int tag);	/* the tags the skim returns: types, and subprograms for FUNCs */
};
struct skim_share {
	struct skim_work *w;
	struct skim_cache *cache;
	struct skim_die *d;
	size_t n, cap;
};

#define SKIM_CHUNK 4	/* units per claim */

static void skim_one(struct skim_share *s, struct index_unit *iu)
{
	if (iu->skim) {
		s->n = 0;
		if (dw_skim_unit(&s->cache, &iu->u, s->w->keep, &s->d, &s->n, &s->cap)) {
			iu->skim = false;	/* declined: libdw walks it, in its turn */
		} else {
			iu->tab = dw_skim_abbrevs(&s->cache, &iu->u);	/* the one just used: found first */
			iu->nd = s->n;
			if (s->n && (!(iu->d = malloc(s->n * sizeof(*iu->d))) ||
				     !(iu->hash = malloc(s->n * sizeof(*iu->hash))))) {
				iu->nomem = true;
			} else if (s->n) {
				memcpy(iu->d, s->d, s->n * sizeof(*iu->d));
				for (size_t j = 0; j < s->n; j++)
					iu->hash[j] = s->d[j].name ? name_hash(s->d[j].name) : 0;
			}
		}
	}
	atomic_store_explicit(&iu->done, true, memory_order_release);
}

/* Skims the next claimed run of units; false: none left. */
static bool skim_claimed(struct skim_share *s)
{
	size_t from = atomic_fetch_add_explicit(&s->w->next, SKIM_CHUNK, memory_order_relaxed);

	if (from >= s->w->n)
		return false;
	for (size_t i = from; i < s->w->n && i < from + SKIM_CHUNK; i++)
		skim_one(s, &s->w->units[i]);
	return true;
}

static void *skim_share_run(void *arg)
{
	while (skim_claimed(arg))
		;
	return NULL;
}

/* The unit's definitions as the skim found them (the same ones index_unit_libdw finds). */
static int index_skimmed(struct enc *e, struct index_unit *iu)
{
	for (size_t i = 0; i < iu->nd; i++) {
		/* as dwarf_child/dwarf_siblingof make a DIE: its address and unit */
		Dwarf_Die c = { .addr = (void *)iu->d[i].addr, .cu = iu->cudie.cu };
		const char *n = iu->d[i].name;
		int err;

		if (iu->d[i].tag == DW_TAG_subprogram) {
			if (dwfunc_collect(e->funcs, &c, n))
				return cp_errcode();
			continue;
		}

		if (n)
			err = index_add_hashed(&e->defs, n, iu->hash[i], &c, &e->heads);
		else
			err = (n = dwarf_diename(&c)) ? index_add(&e->defs, n, &c, &e->heads) : 0;
		if (err)
			return cp_error(CP_ERUNTIME, "out of memory");
	}
	free(iu->d);
	free(iu->hash);
	iu->d = NULL;
	iu->hash = NULL;
	return 0;
}

/* One unit into the index, in unit order: the skim's entries, or libdw's walk of a unit the
 * skim declined. */
static int index_unit(struct enc *e, struct index_unit *iu)
{
	e->units++;
	if (iu->nomem)
		return cp_error(CP_ERUNTIME, "out of memory");
	return iu->skim ? index_skimmed(e, iu) : index_unit_libdw(e, &iu->cudie);
}

/* Keeps the index's units for the comparison of definitions (dwsame.c), appended to e->iu (the
 * main file's, then the alt file's). false: not kept (then nothing is compared). */
static bool keep_units(struct enc *e, struct index_unit *units, size_t n)
{
	struct index_unit *all;

	if (!e->iu) {
		e->iu = units;
		e->n_iu = n;
		return true;
	}
	if (!(all = realloc(e->iu, (e->n_iu + n) * sizeof(*all)))) {
		e->once = false;
		return false;
	}
	memcpy(all + e->n_iu, units, n * sizeof(*all));
	e->iu = all;
	e->n_iu += n;
	return false;	/* copied: the caller frees its array */
}

/* Above this much .debug_info the skim is shared with a helper thread (libcrypto: 5.5 MB, its
 * skim a third of the encode); below, a thread costs more than it saves. */
#define SKIM_SPLIT_BYTES (2u << 20)

/* Every named type definition at the top of every unit (partial and type units included, the
 * alt file's too): declarations are resolved through it. libdw lists the units first; the skim
 * (pure reads of the image) of a large file runs on this thread and a helper, which claim runs
 * of units in turn; this thread indexes the skimmed units in unit order as they are done, and
 * the rest after the helper ends. In unit order: each unit's entries, or libdw's walk of a unit
 * the skim declined, then libdw's error if the list of units broke off — the same entries,
 * order and error as one unit at a time. */
static int index_dwarf(struct enc *e, Dwarf *dw, const struct dw_image *img)
{
	struct skim k = { .img = img };
	struct index_unit *units = NULL;
	struct skim_work work = { .keep = e->funcs ? is_type_or_subprogram_tag : is_type_tag };
	struct skim_share mine = { .w = &work }, helper = { .w = &work };
	size_t n = 0, cap = 0, bytes = 0, ix = 0;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	Dwarf_Half ver;
	uint8_t ut;
	char broken[200] = "";
	pthread_t tid;
	bool threaded = false;
	int r, err = 0;

	while ((r = dwarf_get_units(dw, cu, &cu, &ver, &ut, &cudie, NULL)) == 0) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct index_unit *nu = realloc(units, nc * sizeof(*nu));

			if (!nu) {
				err = cp_error(CP_ERUNTIME, "out of memory");
				goto out;
			}
			units = nu;
			cap = nc;
		}
		units[n] = (struct index_unit){ .cudie = cudie };
		units[n].skim = img->elf && skim_input(dw, &k, cu, &cudie, &units[n].u);
		if (units[n].skim)
			bytes += units[n].u.end - units[n].u.start;
		n++;
	}
	if (r < 0)	/* reported after the units before it, as a walk unit by unit would */
		snprintf(broken, sizeof(broken), "%s", dwarf_errmsg(-1));

	work.units = units;
	work.n = n;
	if (bytes >= SKIM_SPLIT_BYTES) {
		pthread_attr_t attr;

		if (!pthread_attr_init(&attr)) {
			pthread_attr_setstacksize(&attr, 256 << 10);
			threaded = !pthread_create(&tid, &attr, skim_share_run, &helper);
			pthread_attr_destroy(&attr);
		}
	}
	/* this thread: a run of units, then every unit now done in order, and so on */
	while (skim_claimed(&mine))
		while (!err && ix < n && atomic_load_explicit(&units[ix].done, memory_order_acquire))
			err = index_unit(e, &units[ix++]);
	if (threaded)
		pthread_join(tid, NULL);
	while (!err && ix < n)
		err = index_unit(e, &units[ix++]);
	if (err)
		goto out;
	if (r < 0)
		err = cp_error(CP_EUSAGE, "%s: damaged DWARF (units: %s): reinstall the debug file", e->path, broken);
out:
	free(mine.d);
	free(helper.d);
	for (size_t i = 0; i < n; i++) {	/* after an error: entries not indexed */
		free(units[i].d);
		free(units[i].hash);
		units[i].d = NULL;
		units[i].hash = NULL;
	}
	if (!err && e->once && keep_units(e, units, n))
		units = NULL;	/* now e->iu's */
	if (e->once && e->n_caches + 2 <= ARRAY_SIZE(e->caches)) {	/* the units' tables, kept */
		e->caches[e->n_caches++] = mine.cache;
		e->caches[e->n_caches++] = helper.cache;
	} else {
		e->once = false;	/* (more than a main and an alt file: never) */
		dw_skim_free(mine.cache);
		dw_skim_free(helper.cache);
	}
	free(units);
	return err;
}

static int encode_root(struct enc *e, Dwarf_Die *d, unsigned *roots)
{
	uint32_t id;
	int err;

	e->root = dwarf_diename(d) ? dwarf_diename(d) : "(anonymous)";
	if (e->skip.cap && map_get(&e->skip, d->addr, false, NULL))
		return 0;	/* second all-types pass: a root that reaches a refused type */
	if ((err = die_id(e, d, false, &id)) || (err = drain(e)))
		return err;
	if (e->tolerant) {
		if (e->n_rootv == e->cap_rootv) {
			size_t cap = e->cap_rootv ? e->cap_rootv * 2 : 1024;
			__typeof__(e->rootv) nr = realloc(e->rootv, cap * sizeof(*nr));

			if (!nr)
				return cp_error(CP_ERUNTIME, "out of memory");
			e->rootv = nr;
			e->cap_rootv = cap;
		}
		e->rootv[e->n_rootv++] = (__typeof__(*e->rootv)){ d->addr, id, e->root };
	}
	(*roots)++;
	return 0;
}

/* ---- each distinct definition once (dwsame.c) */

static const struct index_unit *by_addr_unit;

static int cmp_unit_start(const void *a, const void *b)
{
	const unsigned char *x = by_addr_unit[*(const size_t *)a].u.start, *y = by_addr_unit[*(const size_t *)b].u.start;

	return x < y ? -1 : x > y;
}

/* The skimmed unit holding a DIE, with its abbreviation table; false: none (libdw read it). */
static bool unit_of(struct enc *e, const Dwarf_Die *d, struct dw_same_unit *out)
{
	const unsigned char *p = d->addr;
	size_t lo = 0, hi = e->n_iu;

	if (!e->iu_by_addr) {
		if (!(e->iu_by_addr = malloc(e->n_iu * sizeof(size_t)))) {
			e->once = false;
			return false;
		}
		for (size_t i = 0; i < e->n_iu; i++)
			e->iu_by_addr[i] = i;
		by_addr_unit = e->iu;	/* qsort has no context argument; only this thread sorts */
		qsort(e->iu_by_addr, e->n_iu, sizeof(size_t), cmp_unit_start);
	}
	while (lo < hi) {	/* the last unit starting at or below p */
		size_t mid = lo + (hi - lo) / 2;

		if (e->iu[e->iu_by_addr[mid]].u.start <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return false;
	size_t k = e->iu_by_addr[lo - 1];
	const struct index_unit *iu = &e->iu[k];

	if (!iu->skim || p >= iu->u.end)
		return false;
	*out = (struct dw_same_unit){ .u = &iu->u, .t = iu->tab };
	return out->t != NULL;
}

static bool same_named_by_object(void *ctx, const char *name)
{
	return named_by_object(ctx, name);
}

/* Whether definition D is proven to encode as one of the n already encoded (dwsame.c). A name
 * with many definitions unlike the others (*fails) is no longer compared: each comparison costs
 * up to an encode. */
static bool encoded_before(struct enc *e, const int *done, int n, int d, int *fails)
{
	struct dw_same_unit ud, uk;

	if (!e->once || !n || *fails >= 8 || !unit_of(e, &e->defs.defs[d].die, &ud))
		return false;
	e->same.minimal = e->minimal;
	e->same.named_by_object = same_named_by_object;
	e->same.ctx = e;
	for (int k = 0; k < n; k++)
		if (unit_of(e, &e->defs.defs[done[k]].die, &uk) &&
		    dw_same_type(&e->same, &uk, e->defs.defs[done[k]].die.addr, &ud, e->defs.defs[d].die.addr))
			return true;
	++*fails;	/* a definition like none of those: encoded */
	return false;
}

static int encode_all_units(struct enc *e, Dwarf *dw, unsigned *roots)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, c;
	Dwarf_Half ver;
	uint8_t ut;
	int r, err;

	while ((r = dwarf_get_units(dw, cu, &cu, &ver, &ut, &cudie, NULL)) == 0) {
		if ((r = dwarf_child(&cudie, &c)) < 0)
			return dwarf_broken(e, "unit");
		for (; r == 0; r = dwarf_siblingof(&c, &c))
			if (is_type_tag(dwarf_tag(&c)) && !dwarf_hasattr(&c, DW_AT_declaration) &&
			    (err = encode_root(e, &c, roots)))
				return err;
		if (r < 0)
			return dwarf_broken(e, "unit");
	}
	return r < 0 ? dwarf_broken(e, "units") : 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);	/* encodes may run side by side */
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void enc_free(struct enc *e)
{
	free(e->defs.defs);
	free(e->defs.slot);
	free(e->ids.e);
	free(e->q);
	btf__free(e->btf);
	dw_close(&e->h);
	for (size_t i = 0; i < e->n_bad; i++)
		free(e->bad[i].why);
	free(e->bad);
	free(e->rootv);
	free(e->skip.e);
	free(e->iu);
	free(e->iu_by_addr);
	for (size_t i = 0; i < e->n_caches; i++)
		dw_skim_free(e->caches[i]);
	dw_same_free(&e->same);
}

/* ---------------------------------------------------------------- all types, refusals apart */

/* The ids type t refers to, through fn(ctx, id). */
static void type_refs(const struct btf_type *t, void (*fn)(void *, uint32_t), void *ctx)
{
	switch (btf_kind(t)) {
	case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG: case BTF_KIND_FUNC: case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		fn(ctx, t->type);
		break;
	case BTF_KIND_ARRAY:
		fn(ctx, btf_array(t)->type);
		fn(ctx, btf_array(t)->index_type);
		break;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		for (int i = 0; i < btf_vlen(t); i++)
			fn(ctx, btf_members(t)[i].type);
		break;
	case BTF_KIND_FUNC_PROTO:
		fn(ctx, t->type);
		for (int i = 0; i < btf_vlen(t); i++)
			fn(ctx, btf_params(t)[i].type);
		break;
	default:
		break;
	}
}

struct rev_graph {
	uint32_t n, *start, *fill, *from;	/* CSR of "type <- types that refer to it" */
	uint32_t cur;
};
static void rev_count(void *ctx, uint32_t to)
{
	struct rev_graph *g = ctx;

	if (to && to < g->n)
		g->start[to + 1]++;
}
static void rev_fill(void *ctx, uint32_t to)
{
	struct rev_graph *g = ctx;

	if (to && to < g->n)
		g->from[g->fill[to]++] = g->cur;
}

/* After an all-types pass with placeholders: every type that reaches one (through any
 * reference: a struct holding a pointer to a refused type is left out too, as a strict encode
 * would refuse it) gets the placeholder's index in origin[]. Then each root that is tainted is
 * named in ref (once per name) and put in e->skip for the second pass. */
static int refused_roots(struct enc *e, struct dwarf_refusals *ref)
{
	struct rev_graph g = { .n = btf__type_cnt(e->btf) };
	struct name_index listed = { 0 };
	unsigned heads = 0;
	int32_t *origin = NULL;
	uint32_t *queue = NULL, qh = 0, qt = 0;
	int err = 0;

	g.start = calloc(g.n + 1, sizeof(*g.start));
	g.fill = calloc(g.n + 1, sizeof(*g.fill));
	origin = malloc(g.n * sizeof(*origin));
	queue = malloc(g.n * sizeof(*queue));
	if (!g.start || !g.fill || !origin || !queue)
		goto oom;
	for (uint32_t id = 1; id < g.n; id++)
		type_refs(btf__type_by_id(e->btf, id), rev_count, &g);
	for (uint32_t id = 0; id < g.n; id++)
		g.start[id + 1] += g.start[id];
	if (!(g.from = malloc((g.start[g.n] + 1) * sizeof(*g.from))))
		goto oom;
	memcpy(g.fill, g.start, (g.n + 1) * sizeof(*g.fill));
	for (g.cur = 1; g.cur < g.n; g.cur++)
		type_refs(btf__type_by_id(e->btf, g.cur), rev_fill, &g);
	for (uint32_t id = 0; id < g.n; id++)
		origin[id] = -1;
	for (size_t i = 0; i < e->n_bad; i++)
		if (e->bad[i].id < g.n && origin[e->bad[i].id] < 0) {
			origin[e->bad[i].id] = i;
			queue[qt++] = e->bad[i].id;
		}
	while (qh < qt) {
		uint32_t id = queue[qh++];

		for (uint32_t k = g.start[id]; k < g.start[id + 1]; k++)
			if (origin[g.from[k]] < 0) {
				origin[g.from[k]] = origin[id];
				queue[qt++] = g.from[k];
			}
	}
	for (size_t i = 0; i < e->n_rootv; i++) {
		Dwarf_Die none = { 0 };
		bool fresh;
		int32_t o;

		if (e->rootv[i].id >= g.n || (o = origin[e->rootv[i].id]) < 0)
			continue;
		if (!map_get(&e->skip, e->rootv[i].addr, false, &fresh))
			goto oom;
		if (index_find(&listed, e->rootv[i].name) >= 0)
			continue;
		if (index_add(&listed, e->rootv[i].name, &none, &heads))
			goto oom;
		if (ref->n == ref->cap) {
			unsigned cap = ref->cap ? ref->cap * 2 : 16;
			__typeof__(ref->v) nv = realloc(ref->v, cap * sizeof(*nv));

			if (!nv)
				goto oom;
			ref->v = nv;
			ref->cap = cap;
		}
		ref->v[ref->n].type = strdup(e->rootv[i].name);
		ref->v[ref->n].why = strdup(e->bad[o].why);
		if (!ref->v[ref->n].type || !ref->v[ref->n].why) {
			free(ref->v[ref->n].type);
			free(ref->v[ref->n].why);
			goto oom;
		}
		ref->n++;
	}
	goto out;
oom:
	err = cp_error(CP_ERUNTIME, "out of memory");
out:
	free(g.start);
	free(g.fill);
	free(g.from);
	free(origin);
	free(queue);
	free(listed.defs);
	free(listed.slot);
	return err;
}

/* The second all-types pass starts from nothing but the index (same DWARF handle, so the
 * skipped roots' DIE addresses stay valid), strict: it reaches no refused type. */
static int restart_strict(struct enc *e)
{
	btf__free(e->btf);
	free(e->ids.e);
	memset(&e->ids, 0, sizeof(e->ids));
	e->qhead = e->qlen = 0;
	e->next_id = 1;
	e->index_int = 0;
	e->tolerant = false;
	if (!(e->btf = btf__new_empty()))
		return cp_error(CP_ERUNTIME, "out of memory");
	return 0;
}

/* ---------------------------------------------------------------- FUNC records (dwfunc.c) */

/* The encoder's side of dwfunc_enc: a type a function uses that cannot be encoded becomes a
 * placeholder (all-types mode's mechanism), which dwfunc.c sees and answers by leaving the
 * function out and asking for the whole encode again without it. */
static struct btf *fn_btf(void *e)
{
	return ((struct enc *)e)->btf;
}
static int fn_type_of(void *ev, Dwarf_Die *die, uint32_t *id)
{
	struct enc *e = ev;
	bool tolerant = e->tolerant;
	int err;

	e->tolerant = true;
	err = type_of(e, die, false, id);
	e->tolerant = tolerant;
	return err;
}
static int fn_flush(void *ev)
{
	struct enc *e = ev;
	bool tolerant = e->tolerant;
	int err;

	e->tolerant = true;
	err = drain(e);
	e->tolerant = tolerant;
	return err;
}
static void fn_appended(void *ev)
{
	struct enc *e = ev;

	e->next_id = btf__type_cnt(e->btf);	/* the queue is empty (flushed): ids go on from here */
}
static size_t fn_refused(void *ev, const char **why)
{
	struct enc *e = ev;

	if (why)
		*why = e->why;
	return e->n_bad;
}

static int encode_funcs(struct enc *e)
{
	struct dwfunc_enc ops = { e, fn_btf, fn_type_of, fn_flush, fn_appended, fn_refused };

	e->root = "(function)";
	return dwfunc_encode(e->funcs, &ops);
}

/* names: the types to start from (NULL: all); strict: a name not defined is an error;
 * ref (all types only): refused types are listed there and left out instead of failing. */
static int encode(const struct dwarf_file *df, const char *const *names, int n, bool strict,
		  struct name_index *object_names, struct btf **out, struct dwarf_stats *st,
		  struct dwarf_refusals *ref, struct dwfunc_req *fr)
{
	struct enc e = { .path = df->path, .next_id = 1, .minimal = object_names != NULL,
			 .roots_named = object_names, .tolerant = !names && ref };
	double t0 = now_ms(), c0 = cpu_now_ms();
	unsigned roots = 0;
	int err;

	*out = NULL;
	if ((err = dw_open(df, &e.h, fr != NULL)))
		return err;
	if (fr && !(e.funcs = dwfunc_new(fr, df->path))) {
		err = cp_error(CP_ERUNTIME, "out of memory");
		goto out;
	}
	if (!(e.btf = btf__new_empty())) {
		err = cp_error(CP_ERUNTIME, "out of memory");
		goto out;
	}
	/* named types only (all-types mode keeps every root for its refusal pass); not with FUNC
	 * records; never in the reference reading, which dwarfsame.sh compares byte for byte */
	e.once = names && !fr && !e.h.reference;
	if ((err = index_dwarf(&e, e.h.dw, &e.h.img)) || (e.h.alt && (err = index_dwarf(&e, e.h.alt, &e.h.alt_img))))
		goto out;
	if (!names) {
		if ((err = encode_all_units(&e, e.h.dw, &roots)) ||
		    (e.h.alt && (err = encode_all_units(&e, e.h.alt, &roots))))
			goto out;
		if (e.tolerant && e.n_bad) {
			roots = 0;
			if ((err = refused_roots(&e, ref)) || (err = restart_strict(&e)) ||
			    (err = encode_all_units(&e, e.h.dw, &roots)) ||
			    (e.h.alt && (err = encode_all_units(&e, e.h.alt, &roots))))
				goto out;
		}
	}
	for (int i = 0; names && i < n; i++) {
		int d = index_find(&e.defs, names[i]);

		if (d < 0 && strict) {
			err = cp_error(CP_ENOBTF, "%s: type '%s' is not defined in this DWARF (build-id %s)%s: check the name (struct, union, enum or typedef name, without 'struct ')",
				       df->path, names[i], df->build_id_hex,
				       df->alt_path[0] ? " nor in its alt file" : "");
			goto out;
		}
		/* every definition of the name, in unit order, but once each distinct one (compared
		 * with the first few encoded: copies of one header's type are alike) */
		int done[4], n_done = 0, fails = 0;

		for (; d >= 0; d = e.defs.defs[d].next) {
			if (encoded_before(&e, done, n_done, d, &fails)) {
				e.n_same++;
				continue;
			}
			if ((err = encode_root(&e, &e.defs.defs[d].die, &roots)))
				goto out;
			if (n_done < (int)ARRAY_SIZE(done))
				done[n_done++] = d;
		}
	}
	if (e.funcs && (err = encode_funcs(&e)))
		goto out;
	if (btf__dedup(e.btf, NULL)) {
		err = cp_error(CP_ERUNTIME, "%s: libbpf's BTF dedup failed: %s", df->path, strerror(errno));
		goto out;
	}
	if (st) {
		st->roots = roots;
		st->same = e.n_same;
		st->types = btf__type_cnt(e.btf) - 1;
		st->units = e.units;
		st->ms = now_ms() - t0;
		st->cpu_ms = cpu_now_ms() - c0;
	}
	*out = e.btf;
	e.btf = NULL;
out:
	dwfunc_free(e.funcs);
	enc_free(&e);
	return err;
}

int dwarf_btf_encode(const struct dwarf_file *df, const char *const *names, int n,
		     struct btf **out, struct dwarf_stats *st)
{
	return encode(df, n ? names : NULL, n, true, NULL, out, st, NULL, NULL);
}

int dwarf_btf_encode_all(const struct dwarf_file *df, struct btf **out, struct dwarf_stats *st,
			 struct dwarf_refusals *ref)
{
	memset(ref, 0, sizeof(*ref));
	return encode(df, NULL, 0, true, NULL, out, st, ref, NULL);
}

int dwarf_btf_encode_funcs(const struct dwarf_file *df, const char *const *names, int n,
			   struct dwfunc_req *fr, struct btf **out, struct dwarf_stats *st,
			   struct dwarf_refusals *ref)
{
	int err;

	if (ref)
		memset(ref, 0, sizeof(*ref));
	do {	/* again without a function that reached a type BTF cannot hold (dwfunc.c) */
		if (ref)
			dwarf_refusals_free(ref);
		fr->funcs = 0;
		err = encode(df, n ? names : NULL, n, true, NULL, out, st, n ? NULL : ref, fr);
	} while (err == DWFUNC_RETRY);
	return err;
}

void dwarf_refusals_free(struct dwarf_refusals *ref)
{
	for (unsigned i = 0; i < ref->n; i++) {
		free(ref->v[i].type);
		free(ref->v[i].why);
	}
	free(ref->v);
	memset(ref, 0, sizeof(*ref));
}

int dwarf_btf_for_objects(const struct dwarf_file *df, const struct btf *const *locals, int n_locals,
			  struct btf **out, struct dwarf_stats *st)
{
	struct name_index set = { 0 };
	const char **names = NULL;
	char **owned = NULL;
	unsigned heads = 0;
	int n = 0, n_owned = 0, err = 0;
	uint32_t total = 0;

	for (int l = 0; l < n_locals; l++)
		total += btf__type_cnt(locals[l]);
	names = calloc(total + 1, sizeof(*names));
	owned = calloc(total + 1, sizeof(*owned));
	if (!names || !owned) {
		err = cp_error(CP_ERUNTIME, "out of memory");
		goto out;
	}
	for (int l = 0; l < n_locals; l++) {
		const struct btf *local = locals[l];

		for (uint32_t id = 1; id < btf__type_cnt(local); id++) {
			const struct btf_type *t = btf__type_by_id(local, id);
			const char *name = btf__name_by_offset(local, t->name_off);
			Dwarf_Die none = { 0 };
			char *ess;

			switch (btf_kind(t)) {
			case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
			case BTF_KIND_TYPEDEF: case BTF_KIND_FWD:
				break;
			default:
				continue;
			}
			if (!name || !*name)
				continue;
			/* libbpf matches on the name up to a "___flavor" suffix */
			if (!(ess = strndup(name, btf_essential_name_len(name)))) {
				err = cp_error(CP_ERUNTIME, "out of memory");
				goto out;
			}
			owned[n_owned++] = ess;
			if (index_find(&set, ess) >= 0)
				continue;
			if (index_add(&set, ess, &none, &heads)) {
				err = cp_error(CP_ERUNTIME, "out of memory");
				goto out;
			}
			names[n++] = ess;
		}
	}
	err = encode(df, names, n, false, &set, out, st, NULL, NULL);
out:
	for (int i = 0; owned && i < n_owned; i++)
		free(owned[i]);
	free(owned);
	free(names);
	free(set.defs);
	free(set.slot);
	return err;
}

int dwarf_btf_for_object(const struct dwarf_file *df, const struct btf *local, struct btf **out,
			 struct dwarf_stats *st)
{
	return dwarf_btf_for_objects(df, &local, 1, out, st);
}

/* ---------------------------------------------------------------- where the DWARF is */

int dwarf_file_crc32(const char *path, unsigned *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0, NULL, 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		c = crc32(c, buf, n);
	}
	close(fd);
	*crc = c;
	return 0;
}

static void looked_add(struct dwarf_file *df, const char *fmt, ...)
{
	size_t len = strlen(df->looked);
	va_list ap;

	if (len + 8 >= sizeof(df->looked))
		return;
	if (len)
		len += snprintf(df->looked + len, sizeof(df->looked) - len, "; ");
	va_start(ap, fmt);
	vsnprintf(df->looked + len, sizeof(df->looked) - len, fmt, ap);
	va_end(ap);
}

/* Does the ELF have DWARF type information in it (not a stripped file's empty sections)? */
static bool elf_has_debug_info(const char *path)
{
	void *data;
	size_t n;

	if (elf_read_section(path, ".debug_info", &data, &n) == 0 ||
	    elf_read_section(path, ".zdebug_info", &data, &n) == 0) {
		free(data);
		return n > 0;
	}
	cp_error_clear();
	return false;
}

/* A candidate debug file for a build: 0 usable; 1 absent or unusable (recorded in looked);
 * 2 present but of another build or damaged (recorded; the caller refuses an explicit one). */
static int try_candidate(struct dwarf_file *df, const char *path, const struct elf_info *want,
			 const char *how, char *why, size_t whylen)
{
	struct elf_info ei;
	struct stat st;

	why[0] = 0;
	if (stat(path, &st))
		return 1;
	if (elf_inspect(path, &ei)) {
		snprintf(why, whylen, "%s", cp_errmsg());
		cp_error_clear();
		looked_add(df, "%s: %s", path, why);
		return 2;
	}
	if (ei.build_id_len != want->build_id_len || memcmp(ei.build_id, want->build_id, ei.build_id_len)) {
		snprintf(why, whylen, "%s: a debug file of another build (build-id %s, the target's is %s)",
			 path, ei.build_id_len ? ei.build_id_hex : "none", want->build_id_hex);
		looked_add(df, "%s: other build (build-id %s)", path, ei.build_id_len ? ei.build_id_hex : "none");
		return 2;
	}
	if (!elf_has_debug_info(path)) {
		snprintf(why, whylen, "%s: no .debug_info (a stripped file, not a debug file)", path);
		looked_add(df, "%s: no .debug_info", path);
		return 2;
	}
	snprintf(df->path, sizeof(df->path), "%s", path);
	df->how = how;
	return 0;
}

/* dir/.build-id/NN/REST.debug for a build-id */
static void build_id_path(char *out, size_t n, const char *prefix, const char *dir, const char *hex)
{
	snprintf(out, n, "%s%s/.build-id/%.2s/%s.debug", prefix, dir, hex, hex + 2);
}

/* The debug roots in search order: --debug-dir ones, then /usr/lib/debug, each also under the
 * process's root when it has another one. */
static int debug_roots(const struct dwarf_search *s, const char *prefix[], const char *dir[], int max)
{
	int n = 0;

	for (int i = 0; s && i < s->n_debug_dirs && n < max; i++) {
		prefix[n] = "";
		dir[n++] = s->debug_dirs[i];
	}
	if (s && s->root && n < max) {
		prefix[n] = s->root;
		dir[n++] = DWARF_DEFAULT_DEBUG_ROOT;
	}
	if (n < max) {
		prefix[n] = "";
		dir[n++] = DWARF_DEFAULT_DEBUG_ROOT;
	}
	return n;
}

static int find_alt(struct dwarf_file *df, const struct dwarf_search *s)
{
	const char *prefix[10], *dir[10], *name;
	const void *id;
	unsigned char want_id[BUILD_ID_MAX];
	char hex[2 * BUILD_ID_MAX + 1], tried[2048] = "";
	ssize_t idlen;
	int nroots, err;

	df->alt_path[0] = 0;
	/* .gnu_debugaltlink: the alt file's path, NUL, its build-id (what libdwelf's
	 * dwelf_dwarf_gnu_debugaltlink returns). Read raw: dwarf_begin_elf just to get this section
	 * would inflate every compressed DWARF section of the file. */
	void *link = NULL;
	size_t linklen = 0;

	idlen = 0;
	name = NULL;
	if (elf_read_section(df->path, ".gnu_debugaltlink", &link, &linklen) == 0 && linklen) {
		const char *nul = memchr(link, 0, linklen);

		idlen = nul ? (ssize_t)(linklen - (nul - (const char *)link + 1)) : -1;
		if (idlen > 0 && idlen <= BUILD_ID_MAX) {
			id = nul + 1;
			memcpy(want_id, id, idlen);
			hex_encode(want_id, idlen, hex);
			name = strdup(link);
		} else if (idlen == 0) {
			idlen = -1;
		}
	}
	cp_error_clear();
	free(link);
	if (idlen == 0)
		return 0;	/* not dwz'd */
	if (idlen < 0 || idlen > BUILD_ID_MAX || !name)
		return cp_error(CP_EUSAGE, "%s: damaged .gnu_debugaltlink: reinstall the debug file", df->path);

	/* the altlink path (relative ones from the debug file's directory), the roots' build-id
	 * trees, and the roots' .dwz directories with the path's part after ".dwz/" */
	const char *dwz = strstr(name, "/.dwz/");
	char cands[24][PATH_MAX];
	int nc = 0;

	if (name[0] == '/') {
		if (s && s->root)
			snprintf(cands[nc++], PATH_MAX, "%s%s", s->root, name);
		snprintf(cands[nc++], PATH_MAX, "%s", name);
	} else {
		const char *slash = strrchr(df->path, '/');

		snprintf(cands[nc++], PATH_MAX, "%.*s%s", slash ? (int)(slash - df->path + 1) : 0, df->path, name);
	}
	nroots = debug_roots(s, prefix, dir, 10);
	for (int i = 0; i < nroots && nc < 22; i++) {
		build_id_path(cands[nc++], PATH_MAX, prefix[i], dir[i], hex);
		if (dwz)
			snprintf(cands[nc++], PATH_MAX, "%s%s%s", prefix[i], dir[i], dwz);
	}
	err = -1;
	for (int i = 0; i < nc && err; i++) {
		struct elf_info ei;
		struct stat st;
		size_t len = strlen(tried);

		if (stat(cands[i], &st)) {
			snprintf(tried + len, sizeof(tried) - len, "%s%s", len ? ", " : "", cands[i]);
			continue;
		}
		if (elf_inspect(cands[i], &ei)) {
			snprintf(tried + len, sizeof(tried) - len, "%s%s (%s)", len ? ", " : "", cands[i], cp_errmsg());
			cp_error_clear();
			continue;
		}
		if (ei.build_id_len != idlen || memcmp(ei.build_id, want_id, idlen)) {
			snprintf(tried + len, sizeof(tried) - len, "%s%s (other build-id %s)", len ? ", " : "",
				 cands[i], ei.build_id_len ? ei.build_id_hex : "none");
			continue;
		}
		snprintf(df->alt_path, sizeof(df->alt_path), "%s", cands[i]);
		err = 0;
	}
	if (err)
		err = cp_error(CP_ENOBTF, "%s is dwz-compressed and its supplementary file %s (build-id %s) was not found: looked at %s; install the package's debug files completely (the .dwz file too) or pass --debug-dir",
			       df->path, name, hex, tried);
	free((void *)name);
	return err;
}

/* .gnu_debuglink of the target: the name and CRC it records. */
static int read_debuglink(const char *path, char *name, size_t n, unsigned *crc)
{
	void *data;
	size_t len, nl;

	if (elf_read_section(path, ".gnu_debuglink", &data, &len)) {
		cp_error_clear();
		return -1;
	}
	nl = strnlen(data, len);
	/* name, NUL, padding to 4, then a 4-byte CRC in the file's byte order */
	if (nl == 0 || nl >= n || ((nl + 4) & ~3u) + 4 > len) {
		free(data);
		return -1;
	}
	memcpy(name, data, nl + 1);
	memcpy(crc, (char *)data + ((nl + 4) & ~3u), 4);
	free(data);
	return strchr(name, '/') ? -1 : 0;	/* a plain file name only */
}

/* A target seen through /proc/PID/root/... (another mount namespace): that root, so the process's
 * own /usr/lib/debug and debuglink directories are looked at too. */
static const char *root_of(const char *target, char *buf, size_t n)
{
	const char *p = target + 6;

	if (strncmp(target, "/proc/", 6) || !(*p >= '0' && *p <= '9'))
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	if (strncmp(p, "/root/", 6))
		return NULL;
	snprintf(buf, n, "%.*s", (int)(p + 5 - target), target);
	return buf;
}

int dwarf_find(const char *target, const struct elf_info *ei, const struct dwarf_search *s_in,
	       struct dwarf_file *df)
{
	const char *prefix[10], *dir[10], *in_root;
	char path[PATH_MAX], why[PATH_MAX + 256], link[256], tdir[PATH_MAX], rootbuf[64];
	struct dwarf_search sbuf = { 0 }, *s = &sbuf;
	unsigned crc;
	int nroots, r;

	/* Every DWARF path starts here, on the main thread, before any encoder thread: from now on
	 * the process allocates from mimalloc (why: src/alloc.c). */
	alloc_prefer_fast();
	if (s_in)
		sbuf = *s_in;
	if (!s->root)
		s->root = root_of(target, rootbuf, sizeof(rootbuf));
	memset(df, 0, sizeof(*df));
	snprintf(df->build_id_hex, sizeof(df->build_id_hex), "%s", ei->build_id_len ? ei->build_id_hex : "none");
	if (s && s->debug_file) {
		if (!ei->build_id_len)
			return cp_error(CP_EUSAGE, "--debug-file %s: %s has no GNU build-id, so no debug file can be proven to belong to it",
					s->debug_file, target);
		r = try_candidate(df, s->debug_file, ei, "--debug-file", why, sizeof(why));
		if (r == 1)
			return cp_error(CP_EUSAGE, "--debug-file %s: no such file", s->debug_file);
		if (r == 2)
			return cp_error(CP_EUSAGE, "--debug-file %s refused: %s: give the debug file of exactly this build",
					s->debug_file, why);
		return find_alt(df, s);
	}
	if (elf_has_debug_info(target)) {
		snprintf(df->path, sizeof(df->path), "%s", ei->read_path ? ei->read_path : target);
		df->how = "own .debug_info";
		return find_alt(df, s);
	}
	looked_add(df, "%s: no .debug_info", target);
	if (!ei->build_id_len)
		return cp_error(CP_ENOBTF, "no DWARF for %s: it has no .debug_info and no GNU build-id to find a debug file by (pass --app-btf FILE)",
				target);
	nroots = debug_roots(s, prefix, dir, 10);
	for (int i = 0; i < nroots; i++) {
		build_id_path(path, sizeof(path), prefix[i], dir[i], ei->build_id_hex);
		if ((r = try_candidate(df, path, ei, "build-id tree", why, sizeof(why))) == 0)
			return find_alt(df, s);
		if (r == 1)
			looked_add(df, "%s", path);
	}
	if (read_debuglink(ei->read_path ? ei->read_path : target, link, sizeof(link), &crc) == 0) {
		const char *slash = strrchr(target, '/');
		char cands[12][PATH_MAX];
		int nc = 0;

		snprintf(tdir, sizeof(tdir), "%.*s", slash ? (int)(slash - target) : 1, slash ? target : ".");
		snprintf(cands[nc++], PATH_MAX, "%s/%s", tdir, link);
		snprintf(cands[nc++], PATH_MAX, "%s/.debug/%s", tdir, link);
		/* under a debug root by the directory as the process sees it (Fedora's layout) */
		in_root = s->root && !strncmp(tdir, s->root, strlen(s->root)) ? tdir + strlen(s->root) : tdir;
		for (int i = 0; i < nroots && nc < 12; i++)
			snprintf(cands[nc++], PATH_MAX, "%s%s%s%s/%s", prefix[i], dir[i], in_root[0] == '/' ? "" : "/", in_root, link);
		for (int i = 0; i < nc; i++) {
			unsigned got;
			struct stat st;

			if (stat(cands[i], &st) || !strcmp(cands[i], target)) {
				if (strcmp(cands[i], target))
					looked_add(df, "%s", cands[i]);
				continue;
			}
			if (dwarf_file_crc32(cands[i], &got)) {
				looked_add(df, "%s: unreadable", cands[i]);
				continue;
			}
			if (got != crc) {
				looked_add(df, "%s: .gnu_debuglink CRC mismatch (file %08x, link %08x)", cands[i], got, crc);
				continue;
			}
			if (try_candidate(df, cands[i], ei, ".gnu_debuglink", why, sizeof(why)) == 0)
				return find_alt(df, s);
		}
	}
	return cp_error(CP_ENOBTF, "no BTF for %s (build-id %s): no embedded blob, no .BTF, no DWARF: looked at %s; install its debug file (e.g. the -dbgsym/-dbg package) or pass --debug-file F, --debug-dir DIR or --app-btf FILE (coreprobe never guesses a layout)",
			target, ei->build_id_hex, df->looked);
}
