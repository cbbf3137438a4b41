// SPDX-License-Identifier: BSD-2-Clause
/*
 * FUNC + FUNC_PROTO from DWARF subprograms (see dwfunc.h). libdw reads the DWARF and the
 * parameter locations, libelf the symbol table, libbpf writes the BTF; what is hand-written is
 * the decision no library makes: whether the prototype the source declares is the one the
 * function's code is entered with. A uprobe reads registers at the entry of the symbol it is
 * put on, so a FUNC record is written only when all of these hold for every out-of-line copy
 * of that name:
 *  - its entry address carries an ELF symbol of exactly that name. A copy whose symbol is
 *    foo.isra.0 / foo.constprop.0 / foo.part.0 is a compiler clone with its own signature: it
 *    is not foo's entry and is passed over; a name only clones have code for is left out;
 *    with no symbol table, a copy with DW_AT_abstract_origin is not proven;
 *  - it is not marked DW_AT_calling_convention DW_CC_nocall (gcc's mark of a signature it
 *    changed in place);
 *  - the copy has as many parameters as the source prototype (none removed), and each of the
 *    leading integer/pointer parameters that has a location at the entry is in the ABI's
 *    register for its position (clang changes static functions' signatures without a mark);
 *  - all copies of the name (static functions of different units) have the same prototype:
 *    same parameter count, names and type names, same return type; else none is written, as
 *    BTF cannot say which copy a FUNC describes.
 * pahole (1.25+, --btf_features=optimized_func,consistent_func) decides on register use and
 * on parameter count + names; this also compares the type names.
 */
#include <bpf/btf.h>
#include <elfutils/dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/btf/dwfunc.h"
#include "src/common.h"

struct inst {
	Dwarf_Die die;
	const char *name;
	size_t seq;		/* order seen: ties of the sort stay in DWARF order */
};

struct sym {
	GElf_Addr addr;
	char *name;
};

struct dwfunc {
	struct dwfunc_req *req;
	const char *path;
	struct inst *v;
	size_t n, cap;
	struct sym *syms;	/* STT_FUNC symbols by address; NULL: no symbol table */
	size_t n_syms;
	bool have_symtab;
	GElf_Half machine;
	/* taint walk over the BTF written so far (tainted()) */
	uint8_t *clean;		/* by BTF id: reaches no placeholder */
	uint32_t *seen, stamp;	/* by BTF id: visited in the current walk */
	uint32_t *stack, *vis, *refs;
	size_t ncap;
	bool retry;		/* a function reached a placeholder: encode again without it */
};

/* ---------------------------------------------------------------- symbol table */

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The debug file's .symtab (objcopy --only-keep-debug keeps it), else .dynsym. */
static void load_symbols(struct dwfunc *f)
{
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	Elf *elf = NULL;
	Elf_Scn *scn = NULL, *use = NULL;
	GElf_Shdr sh, ush = { 0 };
	GElf_Ehdr eh;

	if (fd < 0)
		return;
	elf_version(EV_CURRENT);
	if (!(elf = elf_begin(fd, ELF_C_READ_MMAP, NULL)) || !gelf_getehdr(elf, &eh))
		goto out;
	f->machine = eh.e_machine;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && !use))) {
			use = scn;
			ush = sh;
		}
	if (use && ush.sh_entsize) {
		Elf_Data *d = elf_getdata(use, NULL);
		size_t n = d ? ush.sh_size / ush.sh_entsize : 0;

		f->syms = calloc(n + 1, sizeof(*f->syms));
		for (size_t i = 0; f->syms && i < n; i++) {
			GElf_Sym s;
			const char *nm;

			if (!gelf_getsym(d, i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF ||
			    !(nm = elf_strptr(elf, ush.sh_link, s.st_name)) || !*nm)
				continue;
			if (!(f->syms[f->n_syms].name = strdup(nm)))
				break;
			f->syms[f->n_syms++].addr = s.st_value;
		}
		f->have_symtab = f->syms && f->n_syms;
		if (f->have_symtab)
			qsort(f->syms, f->n_syms, sizeof(*f->syms), sym_cmp);
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
}

/* 1: a symbol named exactly name at addr; 0: none; *other: a symbol there of another name */
static int symbol_at(struct dwfunc *f, GElf_Addr addr, const char *name, const char **other)
{
	size_t lo = 0, hi = f->n_syms;

	*other = NULL;
	while (lo < hi) {
		size_t m = (lo + hi) / 2;

		if (f->syms[m].addr < addr)
			lo = m + 1;
		else
			hi = m;
	}
	for (; lo < f->n_syms && f->syms[lo].addr == addr; lo++) {
		const char *s = f->syms[lo].name;
		size_t len = strlen(name);

		/* foo@GLIBC_2.2.5, foo@@V: a versioned name of the same entry */
		if (!strncmp(s, name, len) && (!s[len] || s[len] == '@'))
			return 1;
		if (!*other || strchr(f->syms[lo].name, '.'))
			*other = f->syms[lo].name;
	}
	return 0;
}

/* ---------------------------------------------------------------- collection */

struct dwfunc *dwfunc_new(struct dwfunc_req *req, const char *debug_path)
{
	struct dwfunc *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->req = req;
	f->path = debug_path;
	return f;
}

void dwfunc_free(struct dwfunc *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_syms; i++)
		free(f->syms[i].name);
	free(f->syms);
	free(f->v);
	free(f->clean);
	free(f->seen);
	free(f->stack);
	free(f->vis);
	free(f->refs);
	free(f);
}

static bool wanted(const struct dwfunc_req *r, const char *name)
{
	if (!r->names)
		return true;
	for (int i = 0; i < r->n_names; i++)
		if (!strcmp(r->names[i], name))
			return true;
	return false;
}

int dwfunc_collect(struct dwfunc *f, const Dwarf_Die *die, const char *name)
{
	Dwarf_Die d = *die;

	if (!name && !(name = dwarf_diename(&d)))
		return 0;
	if (!wanted(f->req, name)) {
		/* a clone's symbol is named after the function: keep foo for a request of foo.isra.0 */
		const char *dot;
		bool clone_of = false;

		for (int i = 0; f->req->names && i < f->req->n_names; i++)
			if ((dot = strchr(f->req->names[i], '.')) && (size_t)(dot - f->req->names[i]) == strlen(name) &&
			    !strncmp(f->req->names[i], name, dot - f->req->names[i]))
				clone_of = true;
		if (!clone_of)
			return 0;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 256;
		struct inst *nv = realloc(f->v, cap * sizeof(*nv));

		if (!nv)
			return cp_error(CP_ERUNTIME, "out of memory");
		f->v = nv;
		f->cap = cap;
	}
	f->v[f->n] = (struct inst){ .die = d, .name = name, .seq = f->n };
	f->n++;
	return 0;
}

/* ---------------------------------------------------------------- deciding */

static int refuse_fn(struct dwfunc *f, const char *name, const char *fmt, ...)
{
	struct dwarf_refusals *r = &f->req->refused;
	char why[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	for (unsigned i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].type, name))
			return 0;
	if (r->n == r->cap) {
		unsigned cap = r->cap ? r->cap * 2 : 16;
		__typeof__(r->v) nv = realloc(r->v, cap * sizeof(*nv));

		if (!nv)
			return cp_error(CP_ERUNTIME, "out of memory");
		r->v = nv;
		r->cap = cap;
	}
	r->v[r->n].type = strdup(name);
	r->v[r->n].why = strdup(why);
	if (!r->v[r->n].type || !r->v[r->n].why) {
		free(r->v[r->n].type);
		free(r->v[r->n].why);
		return cp_error(CP_ERUNTIME, "out of memory");
	}
	r->n++;
	return 0;
}

static bool already_refused(struct dwfunc *f, const char *name)
{
	for (unsigned i = 0; i < f->req->refused.n; i++)
		if (!strcmp(f->req->refused.v[i].type, name))
			return true;
	return false;
}

static int inst_cmp(const void *a, const void *b)
{
	const struct inst *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* The DIE the source prototype is on: through DW_AT_abstract_origin / DW_AT_specification. */
static void origin_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;
	Dwarf_Die cur = *die, next;

	for (int depth = 0; depth < 8; depth++) {
		if (!(dwarf_attr(&cur, DW_AT_abstract_origin, &a) || dwarf_attr(&cur, DW_AT_specification, &a)) ||
		    !dwarf_formref_die(&a, &next))
			break;
		cur = next;
	}
	*out = cur;
}

/* The address the function is entered at: DW_AT_entry_pc / low_pc, else its first range. */
static bool entry_of(Dwarf_Die *die, Dwarf_Addr *pc)
{
	Dwarf_Addr base, start, end;

	if (dwarf_entrypc(die, pc) == 0)
		return true;
	if (dwarf_ranges(die, 0, &base, &start, &end) > 0) {
		*pc = start;
		return true;
	}
	return false;
}

static int count_params(Dwarf_Die *die, Dwarf_Die *params, int max, bool *vararg)
{
	Dwarf_Die c;
	int n = 0;

	if (vararg)
		*vararg = false;
	if (dwarf_child(die, &c) != 0)
		return 0;
	do {
		if (dwarf_tag(&c) == DW_TAG_formal_parameter) {
			if (n < max && params)
				params[n] = c;
			n++;
		} else if (dwarf_tag(&c) == DW_TAG_unspecified_parameters && vararg) {
			*vararg = true;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return n;
}

/* A type's name as the source spells it, enough to compare two prototypes. */
static void type_str(Dwarf_Die *die, bool has, char *buf, size_t n, int depth)
{
	Dwarf_Attribute a;
	Dwarf_Die t;
	const char *nm, *kw = "";
	char inner[256];
	Dwarf_Word sz = 0;

	if (!has || !dwarf_attr_integrate(die, DW_AT_type, &a) || !dwarf_formref_die(&a, &t)) {
		snprintf(buf, n, "void");
		return;
	}
	if (depth > 12) {
		snprintf(buf, n, "...");
		return;
	}
	nm = dwarf_diename(&t);
	if (dwarf_attr(&t, DW_AT_byte_size, &a))
		dwarf_formudata(&a, &sz);
	switch (dwarf_tag(&t)) {
	case DW_TAG_structure_type: case DW_TAG_class_type: kw = "struct "; goto named;
	case DW_TAG_union_type: kw = "union "; goto named;
	case DW_TAG_enumeration_type: kw = "enum "; goto named;
	case DW_TAG_base_type: case DW_TAG_typedef: case DW_TAG_unspecified_type:
named:
		snprintf(buf, n, "%s%s/%llu", kw, nm ? nm : "(anon)", (unsigned long long)sz);
		return;
	case DW_TAG_subroutine_type:
		snprintf(buf, n, "fn");
		return;
	default:
		type_str(&t, true, inner, sizeof(inner), depth + 1);
		snprintf(buf, n, "%s<%x,%llu>", inner, dwarf_tag(&t), (unsigned long long)sz);
		return;
	}
}

#define MAX_PARAMS 64

/* The prototype as a string: return type, then each parameter's name and type. */
static void proto_str(Dwarf_Die *origin, char *buf, size_t n)
{
	Dwarf_Die p[MAX_PARAMS];
	bool va;
	int np = count_params(origin, p, MAX_PARAMS, &va);
	size_t len;

	type_str(origin, true, buf, n, 0);
	for (int i = 0; i < np && i < MAX_PARAMS && (len = strlen(buf)) + 1 < n; i++) {
		char t[256];
		const char *pn = dwarf_diename(&p[i]);

		type_str(&p[i], true, t, sizeof(t), 0);
		snprintf(buf + len, n - len, ",%s:%s", pn ? pn : "", t);
	}
	if ((len = strlen(buf)) + 1 < n)
		snprintf(buf + len, n - len, "%s/%d", va ? ",..." : "", np);
}

/* DWARF register numbers of the integer argument registers, in order; NULL: not checked. */
static const int *arg_regs(GElf_Half machine, int *n)
{
	static const int x86_64[] = { 5, 4, 1, 2, 8, 9 };		/* rdi rsi rdx rcx r8 r9 */
	static const int aarch64[] = { 0, 1, 2, 3, 4, 5, 6, 7 };	/* x0..x7 */

	switch (machine) {
	case EM_X86_64: *n = 6; return x86_64;
	case EM_AARCH64: *n = 8; return aarch64;
	default: *n = 0; return NULL;
	}
}

/* Integer or pointer, at most 8 bytes: the kinds whose register follows from position alone. */
static bool int_class(Dwarf_Die *param)
{
	Dwarf_Attribute a;
	Dwarf_Die t;
	Dwarf_Word sz = 0;

	if (!dwarf_attr_integrate(param, DW_AT_type, &a) || !dwarf_formref_die(&a, &t))
		return false;
	for (int depth = 0; depth < 16; depth++) {
		int tag = dwarf_tag(&t);

		if (tag == DW_TAG_pointer_type || tag == DW_TAG_enumeration_type)
			return true;
		if (tag == DW_TAG_base_type) {
			Dwarf_Word enc = 0;

			if (dwarf_attr(&t, DW_AT_encoding, &a))
				dwarf_formudata(&a, &enc);
			if (dwarf_attr(&t, DW_AT_byte_size, &a))
				dwarf_formudata(&a, &sz);
			return enc != DW_ATE_float && enc != DW_ATE_complex_float && sz && sz <= 8;
		}
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
		    tag != DW_TAG_restrict_type && tag != DW_TAG_atomic_type)
			return false;
		if (!dwarf_attr(&t, DW_AT_type, &a) || !dwarf_formref_die(&a, &t))
			return false;
	}
	return false;
}

enum copy_verdict { COPY_OK, COPY_CLONE, COPY_UNPROVEN };

/* Whether this out-of-line copy's entry takes the source prototype; why: if not. A clone (its
 * symbol is name.suffix) is not that function's entry: the caller skips it. */
static enum copy_verdict copy_check(struct dwfunc *f, struct inst *in, Dwarf_Die *origin, char *why, size_t n)
{
	Dwarf_Die cp[MAX_PARAMS], op[MAX_PARAMS];
	Dwarf_Attribute a;
	Dwarf_Word cc;
	Dwarf_Addr pc;
	const char *other;
	const int *regs;
	int nregs, nc, no;

	if (!entry_of(&in->die, &pc))
		return COPY_OK;	/* not a copy with code (caller checks) */
	if (f->have_symtab) {
		if (!symbol_at(f, pc, in->name, &other)) {
			if (other && !strncmp(other, in->name, strlen(in->name)) && other[strlen(in->name)] == '.') {
				snprintf(why, n, "only compiler clones have code (%s at 0x%llx): their signature may differ from the source's",
					 other, (unsigned long long)pc);
				return COPY_CLONE;
			}
			snprintf(why, n, "no symbol '%s' at its entry 0x%llx (%s%s): its calling convention is not proven",
				 in->name, (unsigned long long)pc, other ? "there: " : "none there", other ? other : "");
			return COPY_UNPROVEN;
		}
	} else if (dwarf_hasattr(&in->die, DW_AT_abstract_origin)) {
		snprintf(why, n, "no symbol table to tell its copy at 0x%llx from a compiler clone", (unsigned long long)pc);
		return COPY_UNPROVEN;
	}
	if (dwarf_attr_integrate(&in->die, DW_AT_calling_convention, &a) && !dwarf_formudata(&a, &cc) &&
	    cc == DW_CC_nocall) {
		snprintf(why, n, "the compiler changed its calling convention (DW_AT_calling_convention DW_CC_nocall)");
		return COPY_UNPROVEN;
	}
	nc = count_params(&in->die, cp, MAX_PARAMS, NULL);
	no = count_params(origin, op, MAX_PARAMS, NULL);
	if (no > MAX_PARAMS) {
		snprintf(why, n, "%d parameters (at most %d are checked)", no, MAX_PARAMS);
		return COPY_UNPROVEN;
	}
	if (origin->addr != in->die.addr && nc && nc != no) {
		snprintf(why, n, "the compiler removed parameters (%d in the code, %d in the source)", nc, no);
		return COPY_UNPROVEN;
	}
	if (!(regs = arg_regs(f->machine, &nregs)))
		return COPY_OK;
	for (int i = 0; i < nc && i < nregs; i++) {
		Dwarf_Op *ops;
		size_t len;

		if (!int_class(&cp[i]))
			break;		/* later registers are not fixed by position: trace checks */
		if (!dwarf_attr(&cp[i], DW_AT_location, &a) || dwarf_getlocation_addr(&a, pc, &ops, &len, 1) != 1 || !len)
			continue;	/* no location at the entry: nothing to contradict */
		if (ops[0].atom >= DW_OP_reg0 && ops[0].atom <= DW_OP_reg31 && (int)(ops[0].atom - DW_OP_reg0) != regs[i]) {
			const char *pn = dwarf_diename(&cp[i]);

			snprintf(why, n, "parameter %d (%s) is in DWARF register %d at the entry, not the ABI's %d: the compiler changed its calling convention",
				 i, pn ? pn : "?", ops[0].atom - DW_OP_reg0, regs[i]);
			return COPY_UNPROVEN;
		}
	}
	return COPY_OK;
}

/* ---------------------------------------------------------------- encoding */

#define MAX_REFS (65535 + 1)	/* a BTF vlen, and a prototype's return type */

/* The ids type t refers to. */
static int type_refs(const struct btf_type *t, uint32_t *out, int max)
{
	int n = 0;

	switch (btf_kind(t)) {
	case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG: case BTF_KIND_FUNC: case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		out[n++] = t->type;
		break;
	case BTF_KIND_ARRAY:
		out[n++] = btf_array(t)->type;
		break;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		for (int i = 0; i < btf_vlen(t) && n < max; i++)
			out[n++] = btf_members(t)[i].type;
		break;
	case BTF_KIND_FUNC_PROTO:
		out[n++] = t->type;
		for (int i = 0; i < btf_vlen(t) && n < max; i++)
			out[n++] = btf_params(t)[i].type;
		break;
	default:
		break;
	}
	return n;
}

/* Does BTF id root reach a placeholder (a type that cannot be encoded, written by dwarf.c as
 * the INT "__coreprobe_refused__")? Every type a walk that found none visited is clean for good:
 * what it reaches was visited too, or was clean before. -1: out of memory. */
static int tainted(struct dwfunc *f, struct btf *btf, uint32_t root)
{
	uint32_t n = btf__type_cnt(btf), sp = 0, *refs;
	size_t top;
	bool bad = false;

	if (n > f->ncap) {
		size_t cap = n * 2;
		uint8_t *c = realloc(f->clean, cap);
		uint32_t *se = realloc(f->seen, cap * sizeof(*se)), *st;

		if (c)
			f->clean = c;
		if (se)
			f->seen = se;
		if (!c || !se || !(st = realloc(f->stack, cap * sizeof(*st))))
			return -1;
		f->stack = st;
		if (!(st = realloc(f->vis, cap * sizeof(*st))))
			return -1;
		f->vis = st;
		memset(f->clean + f->ncap, 0, cap - f->ncap);
		memset(f->seen + f->ncap, 0, (cap - f->ncap) * sizeof(*se));
		f->ncap = cap;
	}
	if (!f->refs && !(f->refs = malloc(MAX_REFS * sizeof(*f->refs))))
		return -1;
	refs = f->refs;
	f->stamp++;
	top = 0;
	if (root && !f->clean[root]) {
		f->stack[sp++] = root;
		f->seen[root] = f->stamp;
		f->vis[top++] = root;
	}
	while (sp && !bad) {
		const struct btf_type *t = btf__type_by_id(btf, f->stack[--sp]);
		int k;

		if (btf_is_int(t) && !strcmp(btf__name_by_offset(btf, t->name_off), "__coreprobe_refused__")) {
			bad = true;
			break;
		}
		k = type_refs(t, refs, MAX_REFS);
		for (int i = 0; i < k; i++) {
			uint32_t r = refs[i];

			if (r && r < n && !f->clean[r] && f->seen[r] != f->stamp) {
				f->seen[r] = f->stamp;
				f->stack[sp++] = r;
				f->vis[top++] = r;
			}
		}
	}
	for (size_t i = 0; !bad && i < top; i++)
		f->clean[f->vis[i]] = 1;
	return bad;
}

static int add_func(struct dwfunc *f, const struct dwfunc_enc *enc, struct inst *in, Dwarf_Die *origin,
		    bool global)
{
	Dwarf_Die p[MAX_PARAMS];
	uint32_t ret, ids[MAX_PARAMS];
	size_t bad0;
	const char *why = NULL;
	bool bad;
	struct btf *btf;
	bool va;
	int np = count_params(origin, p, MAX_PARAMS, &va), proto, err;

	/* an unprototyped `int f()` takes unspecified arguments: BTF's "..." */
	if (!np && !dwarf_hasattr(origin, DW_AT_prototyped))
		va = true;
	bad0 = enc->refused(enc->e, NULL);
	if ((err = enc->type_of(enc->e, origin, &ret)))
		return err;
	for (int i = 0; i < np; i++)
		if ((err = enc->type_of(enc->e, &p[i], &ids[i])))
			return err;
	if ((err = enc->flush(enc->e)))
		return err;
	btf = enc->btf(enc->e);
	/* a type that cannot be encoded: a placeholder written now, or reached through a type an
	 * earlier function made one for */
	bad = enc->refused(enc->e, &why) != bad0;
	for (int i = -1; !bad && i < np; i++) {
		int r = tainted(f, btf, i < 0 ? ret : ids[i]);

		if (r < 0)
			return cp_error(CP_ERUNTIME, "out of memory");
		bad = r;
	}
	if (bad) {
		f->retry = true;
		return refuse_fn(f, in->name, "a type it uses cannot be encoded in BTF faithfully%s%s",
				 why ? ": " : "", why ? why : "");
	}

	proto = btf__add_func_proto(btf, ret);
	for (int i = 0; i < np && proto > 0; i++)
		if (btf__add_func_param(btf, dwarf_diename(&p[i]), ids[i]) < 0)
			proto = -errno;
	if (proto > 0 && va && btf__add_func_param(btf, NULL, 0) < 0)
		proto = -errno;
	if (proto > 0)
		proto = btf__add_func(btf, in->name, global ? BTF_FUNC_GLOBAL : BTF_FUNC_STATIC, proto);
	enc->appended(enc->e);
	if (proto < 0)
		return cp_error(CP_ERUNTIME, "%s: libbpf refused the FUNC of '%s': %s", f->path, in->name, strerror(-proto));
	f->req->funcs++;
	return 0;
}

/* gas describes an assembler function as a subprogram returning DW_TAG_unspecified_type with
 * no parameters: that is no prototype (bind(2)'s stub takes three arguments). */
static bool is_asm_stub(Dwarf_Die *origin)
{
	Dwarf_Attribute a;
	Dwarf_Die t;

	return dwarf_attr(origin, DW_AT_type, &a) && dwarf_formref_die(&a, &t) &&
	       dwarf_tag(&t) == DW_TAG_unspecified_type && !count_params(origin, NULL, 0, NULL);
}

/* One name: its copies with code are v[0..n). */
static int encode_name(struct dwfunc *f, const struct dwfunc_enc *enc, struct inst *v, size_t n)
{
	char why[400], clone_why[400] = "", first[2048], cur[2048];
	Dwarf_Die origin, first_origin;
	Dwarf_Attribute a;
	struct inst *keep = NULL;
	bool global = false, flag;

	for (size_t i = 0; i < n; i++) {
		Dwarf_Addr pc;

		if (!entry_of(&v[i].die, &pc))
			continue;	/* an abstract instance (inlined), not code */
		origin_of(&v[i].die, &origin);
		switch (copy_check(f, &v[i], &origin, why, sizeof(why))) {
		case COPY_CLONE:	/* foo.isra.0: not foo's entry; foo's own copy may still be */
			memcpy(clone_why, why, sizeof(clone_why));
			continue;
		case COPY_UNPROVEN:
			return refuse_fn(f, v[i].name, "%s", why);
		case COPY_OK:
			break;
		}
		proto_str(&origin, cur, sizeof(cur));
		if (!keep) {
			keep = &v[i];
			first_origin = origin;
			memcpy(first, cur, sizeof(first));
		} else if (strcmp(first, cur)) {
			return refuse_fn(f, v[i].name, "several definitions with different prototypes (static functions of the same name in different units?): BTF cannot say which one a FUNC is");
		}
		if (dwarf_attr_integrate(&v[i].die, DW_AT_external, &a) && !dwarf_formflag(&a, &flag) && flag)
			global = true;
	}
	if (!keep)	/* inlined everywhere (no entry to trace), or only clones */
		return clone_why[0] ? refuse_fn(f, v[0].name, "%s", clone_why) : 0;
	if (is_asm_stub(&first_origin))
		return refuse_fn(f, keep->name, "written in assembler: its DWARF gives no prototype (return type DW_TAG_unspecified_type, no parameters)");
	return add_func(f, enc, keep, &first_origin, global);
}

/* A clone's own name (foo.isra.0), asked for by name: never typed, and say why. */
static int refuse_clone_names(struct dwfunc *f)
{
	for (int i = 0; f->req->names && i < f->req->n_names; i++) {
		const char *nm = f->req->names[i], *dot = strchr(nm, '.');
		int err;

		if (dot && !already_refused(f, nm) &&
		    (err = refuse_fn(f, nm, "a compiler clone of %.*s (its signature may differ from the source's prototype)",
				     (int)(dot - nm), nm)))
			return err;
	}
	return 0;
}

int dwfunc_encode(struct dwfunc *f, const struct dwfunc_enc *enc)
{
	int err = 0;

	load_symbols(f);
	if ((err = refuse_clone_names(f)))
		return err;
	if (f->n)
		qsort(f->v, f->n, sizeof(*f->v), inst_cmp);
	for (size_t i = 0, j; i < f->n; i = j) {
		for (j = i + 1; j < f->n && !strcmp(f->v[j].name, f->v[i].name); j++)
			;
		if (!wanted(f->req, f->v[i].name) || already_refused(f, f->v[i].name))
			continue;
		if ((err = encode_name(f, enc, f->v + i, j - i)))
			return err;
	}
	return f->retry ? DWFUNC_RETRY : 0;
}
