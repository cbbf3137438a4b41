// SPDX-License-Identifier: BSD-2-Clause
/* Merging and pruning BTF for CO-RE; see btfmerge.h for what and why. */
#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/btf/btfmerge.h"
#include "src/btf/btfrec.h"
#include "src/common.h"

enum keep { KEEP_NONE = 0, KEEP_SHELL = 1, KEEP_FULL = 2 };

struct src_state {
	const struct btf *btf;	/* or raw */
	const struct btf_raw *raw;
	int base;		/* index of the source this split BTF extends, or -1 */
	uint32_t start, end;	/* own type ids: [start, end) */
	uint8_t *keep;		/* per own id - start */
	uint8_t *rename;	/* kernel type whose name an app type took */
	uint32_t *new_id;
	bool app;
};

/* ---- a small string hash set (names are compared by pointer + length) ---- */

struct nameset {
	struct { const char *s; uint32_t len; } *slot;
	uint32_t cap, n;
	uint64_t first[4];	/* first bytes of the names held: rules most kernel names out */
};

static bool nameset_may_hold(const struct nameset *ns, const char *s)
{
	unsigned char c = s[0];

	return ns->first[c >> 6] >> (c & 63) & 1;
}

static uint32_t hash_name(const char *s, uint32_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (uint32_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int nameset_add(struct nameset *ns, const char *s, uint32_t len)
{
	if (ns->n * 2 >= ns->cap) {
		struct nameset big = { .cap = ns->cap ? ns->cap * 2 : 64 };

		big.slot = calloc(big.cap, sizeof(*big.slot));
		if (!big.slot)
			return -ENOMEM;
		for (uint32_t i = 0; i < ns->cap; i++)
			if (ns->slot[i].s)
				nameset_add(&big, ns->slot[i].s, ns->slot[i].len);
		free(ns->slot);
		*ns = big;
	}
	for (uint32_t i = hash_name(s, len) & (ns->cap - 1);; i = (i + 1) & (ns->cap - 1)) {
		if (!ns->slot[i].s) {
			ns->slot[i].s = s;
			ns->slot[i].len = len;
			ns->n++;
			ns->first[(unsigned char)s[0] >> 6] |= 1ull << ((unsigned char)s[0] & 63);
			return 0;
		}
		if (ns->slot[i].len == len && !memcmp(ns->slot[i].s, s, len))
			return 0;
	}
}

static bool nameset_has(const struct nameset *ns, const char *s, uint32_t len)
{
	if (!ns->cap)
		return false;
	for (uint32_t i = hash_name(s, len) & (ns->cap - 1);; i = (i + 1) & (ns->cap - 1)) {
		if (!ns->slot[i].s)
			return false;
		if (ns->slot[i].len == len && !memcmp(ns->slot[i].s, s, len))
			return true;
	}
}

/* libbpf matches CO-RE candidates on the "essential" name: the name up to the last
 * "X___Y" flavor separator (X and Y not underscores), as libbpf's relo_core.c defines it. */
static uint32_t essential_len(const char *name)
{
	size_t n = strlen(name);

	for (long i = (long)n - 5; i >= 0; i--)
		if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' && name[i + 3] == '_' &&
		    name[i + 4] != '_')
			return i + 1;
	return n;
}

uint32_t btf_essential_name_len(const char *name)
{
	return essential_len(name);
}

/* Kinds a CO-RE relocation can be rooted at (by name). */
static bool is_root_kind(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
	case BTF_KIND_TYPEDEF: case BTF_KIND_FWD:
		return true;
	default:
		return false;
	}
}

/* ---- raw BTF read in place ---- */

int btf_raw_init(struct btf_raw *r, const void *data, size_t size, const struct btf_raw *base)
{
	const struct btf_header *h = data;
	uint64_t types_end, strs_end;
	uint32_t off = 0, n = 0;

	memset(r, 0, sizeof(*r));
	if (size < sizeof(*h) || h->magic != BTF_MAGIC || h->version != BTF_VERSION ||
	    h->hdr_len < sizeof(*h) || h->hdr_len > size || (h->hdr_len & 3) || (h->type_off & 3))
		return -EINVAL;
	types_end = (uint64_t)h->hdr_len + h->type_off + h->type_len;
	strs_end = (uint64_t)h->hdr_len + h->str_off + h->str_len;
	if (types_end > size || strs_end > size || !h->str_len)
		return -EINVAL;
	r->types = (const unsigned char *)data + h->hdr_len + h->type_off;
	r->types_len = h->type_len;
	r->strs = (const char *)data + h->hdr_len + h->str_off;
	r->strs_len = h->str_len;
	/* every offset inside the section then ends in a NUL; offset 0 of a base is "" */
	if (r->strs[r->strs_len - 1] || (!base && r->strs[0]))
		return -EINVAL;
	r->base = base;
	r->start = base ? base->end : 1;
	r->str_start = base ? base->str_start + base->strs_len : 0;
	/* at most one type per header's worth of bytes; one offset per BTF_RAW_STRIDE types */
	r->offs = malloc((r->types_len / sizeof(struct btf_type) / BTF_RAW_STRIDE + 1) * sizeof(uint32_t));
	if (!r->offs)
		return -ENOMEM;
	while (off < r->types_len) {
		const struct btf_type *t = (const void *)(r->types + off);
		size_t sz;

		if (r->types_len - off < sizeof(*t) || btf_kind(t) > BTF_KIND_ENUM64 ||
		    (sz = type_rec_size(t)) > r->types_len - off) {
			free(r->offs);
			r->offs = NULL;
			return -EINVAL;
		}
		if (n++ % BTF_RAW_STRIDE == 0)
			r->offs[(n - 1) / BTF_RAW_STRIDE] = off;
		off += sz;
	}
	r->end = r->start + n;
	if (r->end < r->start) {	/* more ids than a u32 holds */
		free(r->offs);
		r->offs = NULL;
		return -EINVAL;
	}
	return 0;
}

int btf_raw_load(struct btf_raw *r, const char *path, const struct btf_raw *base)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	size_t len, got = 0;
	struct stat st;
	void *mem;
	bool mapped = true;

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size <= 0 || st.st_size > (1 << 30)) {
		close(fd);
		return -EINVAL;
	}
	len = st.st_size;
	/* private and read-only: the kernel maps its own BTF pages, no copy and no RSS growth */
	mem = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (mem == MAP_FAILED) {
		mapped = false;
		if (!(mem = malloc(len))) {
			close(fd);
			return -ENOMEM;
		}
		while (got < len) {	/* sysfs hands out a page per read */
			ssize_t n = read(fd, (char *)mem + got, len - got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += n;
		}
		len = got;
	}
	close(fd);
	if ((err = btf_raw_init(r, mem, len, base))) {
		if (mapped)
			munmap(mem, len);
		else
			free(mem);
		return err;
	}
	r->mem = mem;
	r->mem_len = len;
	r->mapped = mapped;
	return 0;
}

void btf_raw_fini(struct btf_raw *r)
{
	free(r->offs);
	if (r->mem && r->mapped)
		munmap(r->mem, r->mem_len);
	else
		free(r->mem);
	memset(r, 0, sizeof(*r));
}

/* Own type ids only (the merge asks a split source for its own types). A raw source finds
 * the nearest indexed type and walks on from it. */
static const struct btf_type *src_type(const struct src_state *s, uint32_t id)
{
	const struct btf_raw *r = s->raw;
	const unsigned char *p;

	if (!r)
		return btf__type_by_id(s->btf, id);
	if (id < r->start || id >= r->end)
		return NULL;
	p = r->types + r->offs[(id - r->start) / BTF_RAW_STRIDE];
	for (uint32_t k = (id - r->start) % BTF_RAW_STRIDE; k; k--)
		p += type_rec_size((const void *)p);
	return (const void *)p;
}

/* Type id of a source when prev is id - 1's (NULL at the first): scans in id order walk a raw
 * source record by record instead of looking each id up. */
static const struct btf_type *src_type_next(const struct src_state *s, uint32_t id, const struct btf_type *prev)
{
	if (s->raw && prev)
		return (const void *)((const unsigned char *)prev + type_rec_size(prev));
	return src_type(s, id);
}

static const char *src_str(const struct src_state *s, uint32_t off)
{
	const struct btf_raw *r = s->raw;

	if (!r)
		return btf__str_by_offset(s->btf, off);
	while (r && off < r->str_start)
		r = r->base;
	if (!r || off - r->str_start >= r->strs_len)
		return NULL;
	return r->strs + (off - r->str_start);
}

/* Calls fn on every type-id field of the record t (which may be a copy being rewritten). */
#define FOR_EACH_TYPE_REF(t, ref, body) do {						\
	struct btf_type *_t = (t);							\
	uint32_t *ref;									\
	switch (btf_kind(_t)) {								\
	case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:		\
	case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_FUNC:		\
	case BTF_KIND_VAR: case BTF_KIND_TYPE_TAG: case BTF_KIND_DECL_TAG:		\
		ref = &_t->type; body; break;						\
	case BTF_KIND_FUNC_PROTO:							\
		ref = &_t->type; body;							\
		for (uint16_t _i = 0; _i < btf_vlen(_t); _i++) {			\
			ref = &btf_params(_t)[_i].type; body;				\
		}									\
		break;									\
	case BTF_KIND_ARRAY:								\
		ref = &btf_array(_t)->type; body;					\
		ref = &btf_array(_t)->index_type; body;					\
		break;									\
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:					\
		for (uint16_t _i = 0; _i < btf_vlen(_t); _i++) {			\
			ref = &btf_members(_t)[_i].type; body;				\
		}									\
		break;									\
	case BTF_KIND_DATASEC:								\
		for (uint16_t _i = 0; _i < btf_vlen(_t); _i++) {			\
			ref = &btf_var_secinfos(_t)[_i].type; body;			\
		}									\
		break;									\
	default: break;									\
	}										\
} while (0)

/* Same for string-offset fields. */
#define FOR_EACH_NAME_REF(t, ref, body) do {						\
	struct btf_type *_t = (t);							\
	uint32_t *ref = &_t->name_off;							\
	body;										\
	switch (btf_kind(_t)) {								\
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:					\
		for (uint16_t _i = 0; _i < btf_vlen(_t); _i++) {			\
			ref = &btf_members(_t)[_i].name_off; body;			\
		}									\
		break;									\
	case BTF_KIND_ENUM:								\
		for (uint16_t _i = 0; _i < btf_vlen(_t); _i++) {			\
			ref = &btf_enum(_t)[_i].name_off; body;				\
		}									\
		break;									\
	case BTF_KIND_ENUM64:								\
		for (uint16_t _i = 0; _i < btf_vlen(_t); _i++) {			\
			ref = &btf_enum64(_t)[_i].name_off; body;			\
		}									\
		break;									\
	case BTF_KIND_FUNC_PROTO:							\
		for (uint16_t _i = 0; _i < btf_vlen(_t); _i++) {			\
			ref = &btf_params(_t)[_i].name_off; body;			\
		}									\
		break;									\
	default: break;									\
	}										\
} while (0)

/* ---- output: raw BTF built in one pass ---- */

struct out {
	unsigned char *types;
	size_t types_len, types_cap;
	char *strs;
	size_t strs_len, strs_cap;
	uint32_t *str_slot;	/* hash of offsets into strs (0 = empty) */
	uint32_t str_cap, str_n;
};

static int out_reserve(void **p, size_t *cap, size_t need)
{
	void *q;
	size_t c = *cap ? *cap : 4096;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if (!(q = realloc(*p, c)))
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static int out_str_rehash(struct out *o)
{
	uint32_t cap = o->str_cap ? o->str_cap * 2 : 1024, *slot = calloc(cap, sizeof(uint32_t));

	if (!slot)
		return -ENOMEM;
	for (uint32_t i = 0; i < o->str_cap; i++) {
		uint32_t off = o->str_slot[i], j;

		if (!off)
			continue;
		for (j = hash_name(o->strs + off, strlen(o->strs + off)) & (cap - 1); slot[j]; j = (j + 1) & (cap - 1))
			;
		slot[j] = off;
	}
	free(o->str_slot);
	o->str_slot = slot;
	o->str_cap = cap;
	return 0;
}

/* Offset of s in the output string section, adding it once. */
static int64_t out_str(struct out *o, const char *s)
{
	uint32_t len = strlen(s), j;

	if (!len)
		return 0;
	if (o->str_n * 2 >= o->str_cap && out_str_rehash(o))
		return -ENOMEM;
	for (j = hash_name(s, len) & (o->str_cap - 1); o->str_slot[j]; j = (j + 1) & (o->str_cap - 1))
		if (!strcmp(o->strs + o->str_slot[j], s))
			return o->str_slot[j];
	if (out_reserve((void **)&o->strs, &o->strs_cap, o->strs_len + len + 1))
		return -ENOMEM;
	memcpy(o->strs + o->strs_len, s, len + 1);
	o->str_slot[j] = o->strs_len;
	o->str_n++;
	o->strs_len += len + 1;
	return o->str_slot[j];
}

static void out_free(struct out *o)
{
	free(o->types);
	free(o->strs);
	free(o->str_slot);
}

/* ---- marking ---- */

struct mark_item {
	int src;
	uint32_t id;
	uint8_t mode;
};

struct marker {
	struct src_state *s;
	int n;
	struct mark_item *stack;
	size_t len, cap;
};

/* The source that owns id as seen from source si (split BTF ids below start are the base's). */
static int owner_of(const struct marker *m, int si, uint32_t id)
{
	while (si >= 0 && id < m->s[si].start)
		si = m->s[si].base;
	return si;
}

static int push(struct marker *m, int si, uint32_t id, uint8_t mode)
{
	if (id == 0)		/* void */
		return 0;
	si = owner_of(m, si, id);
	if (si < 0 || id >= m->s[si].end)
		return cp_error(CP_EUSAGE, "BTF type id %u out of range", id);
	if (m->s[si].keep[id - m->s[si].start] >= mode)
		return 0;
	if (m->len == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		void *q = realloc(m->stack, cap * sizeof(*m->stack));

		if (!q)
			return cp_error(CP_ERUNTIME, "out of memory");
		m->stack = q;
		m->cap = cap;
	}
	m->stack[m->len++] = (struct mark_item){ si, id, mode };
	return 0;
}

/* Marks a type and what it needs: members in full, pointer targets as shells. */
static int mark_all(struct marker *m)
{
	int err = 0;

	while (m->len && !err) {
		struct mark_item it = m->stack[--m->len];
		struct src_state *s = &m->s[it.src];
		const struct btf_type *t = src_type(s, it.id);
		uint8_t *k = &s->keep[it.id - s->start];

		if (!t)
			return cp_error(CP_EUSAGE, "BTF type id %u missing", it.id);
		if (*k >= it.mode)
			continue;
		*k = it.mode;
		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT: case BTF_KIND_UNION:
			if (it.mode != KEEP_FULL)
				break;
			for (uint16_t i = 0; i < btf_vlen(t) && !err; i++)
				err = push(m, it.src, btf_members(t)[i].type, KEEP_FULL);
			break;
		case BTF_KIND_PTR:
			err = push(m, it.src, t->type, KEEP_SHELL);
			break;
		case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
			err = push(m, it.src, t->type, it.mode);
			break;
		case BTF_KIND_ARRAY:
			err = push(m, it.src, btf_array(t)->type, it.mode);
			if (!err)
				err = push(m, it.src, btf_array(t)->index_type, KEEP_FULL);
			break;
		case BTF_KIND_FUNC_PROTO:
			err = push(m, it.src, t->type, it.mode);
			for (uint16_t i = 0; i < btf_vlen(t) && !err; i++)
				err = push(m, it.src, btf_params(t)[i].type, it.mode);
			break;
		case BTF_KIND_FUNC: case BTF_KIND_VAR: case BTF_KIND_DECL_TAG:
			err = push(m, it.src, t->type, KEEP_FULL);
			break;
		case BTF_KIND_DATASEC:
			for (uint16_t i = 0; i < btf_vlen(t) && !err; i++)
				err = push(m, it.src, btf_var_secinfos(t)[i].type, KEEP_FULL);
			break;
		default:	/* int, float, enum, fwd: nothing behind them */
			break;
		}
	}
	return err;
}

/* ---- emission ---- */

static int emit(struct src_state *s, int n, struct out *o, struct merge_stats *st)
{
	uint32_t next = 1;
	int64_t off;

	/* New ids in source order; a split BTF's own types follow its base's. */
	for (int i = 0; i < n; i++)
		for (uint32_t id = s[i].start; id < s[i].end; id++)
			if (s[i].keep[id - s[i].start])	/* the rest stays 0 (calloc): untouched */
				s[i].new_id[id - s[i].start] = next++;
	if (out_reserve((void **)&o->strs, &o->strs_cap, 1))	/* offset 0 is "" */
		return -ENOMEM;
	o->strs[o->strs_len++] = 0;

	for (int i = 0; i < n; i++) {
		for (uint32_t id = s[i].start; id < s[i].end; id++) {
			uint8_t keep = s[i].keep[id - s[i].start];
			const struct btf_type *t;
			struct btf_type *nt;
			size_t sz;

			if (!keep)
				continue;
			t = src_type(&s[i], id);
			if (keep == KEEP_SHELL && btf_is_composite(t)) {
				sz = sizeof(struct btf_type);
				st->shells++;
			} else {
				sz = type_rec_size(t);
			}
			if (out_reserve((void **)&o->types, &o->types_cap, o->types_len + sz))
				return -ENOMEM;
			nt = (struct btf_type *)(o->types + o->types_len);
			memcpy(nt, t, sz);
			if (sz == sizeof(struct btf_type) && btf_is_composite(t))
				nt->info = (uint32_t)btf_kind(t) << 24;	/* a shell: no members */

			FOR_EACH_TYPE_REF(nt, ref, {
				int owner = *ref ? i : -1;
				while (owner >= 0 && *ref < s[owner].start)
					owner = s[owner].base;
				if (*ref && (owner < 0 || *ref >= s[owner].end))
					return -EINVAL;
				*ref = *ref ? s[owner].new_id[*ref - s[owner].start] : 0;
			});
			FOR_EACH_NAME_REF(nt, ref, {
				const char *name = src_str(&s[i], *ref);
				if (!name)
					return -EINVAL;
				off = out_str(o, name);
				if (off < 0)
					return -ENOMEM;
				*ref = off;
			});
			if (s[i].rename && s[i].rename[id - s[i].start]) {
				char renamed[512];

				snprintf(renamed, sizeof(renamed), "kernel__%s", src_str(&s[i], t->name_off));
				if ((off = out_str(o, renamed)) < 0)
					return -ENOMEM;
				nt->name_off = off;
				st->renamed++;
			}
			o->types_len += sz;
			st->types_out++;
		}
	}
	return 0;
}

static int finish(struct out *o, void **raw, size_t *size, struct merge_stats *st)
{
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
		.type_off = 0, .type_len = o->types_len,
		.str_off = o->types_len, .str_len = o->strs_len,
	};
	size_t total = sizeof(h) + o->types_len + o->strs_len;
	unsigned char *buf = malloc(total);

	if (!buf)
		return cp_error(CP_ERUNTIME, "out of memory");
	memcpy(buf, &h, sizeof(h));
	if (o->types_len)	/* nothing kept: types is NULL, and memcpy from NULL is undefined */
		memcpy(buf + sizeof(h), o->types, o->types_len);
	memcpy(buf + sizeof(h) + o->types_len, o->strs, o->strs_len);
	*raw = buf;
	*size = total;
	st->bytes_out = total;
	return 0;
}

static int states_init(const struct btf_src *srcs, int n, struct src_state *s, struct merge_stats *st)
{
	for (int i = 0; i < n; i++) {
		const struct btf_raw *raw = srcs[i].btf ? NULL : srcs[i].raw;
		const struct btf *base = raw ? NULL : btf__base_btf(srcs[i].btf);
		const struct btf_raw *raw_base = raw ? raw->base : NULL;
		uint32_t cnt;

		s[i].btf = srcs[i].btf;
		s[i].raw = raw;
		s[i].app = srcs[i].app;
		s[i].base = -1;
		s[i].start = 1;
		if (base || raw_base) {
			for (int j = 0; j < i; j++)
				if ((base && srcs[j].btf == base) || (raw_base && !srcs[j].btf && srcs[j].raw == raw_base))
					s[i].base = j;
			if (s[i].base < 0)
				return cp_error(CP_ERUNTIME, "BTF %s: its base BTF is not among the inputs", srcs[i].label);
			s[i].start = base ? btf__type_cnt(base) : raw_base->end;
		}
		s[i].end = raw ? raw->end : btf__type_cnt(srcs[i].btf);
		cnt = s[i].end - s[i].start;
		s[i].keep = calloc(cnt + 1, 1);
		s[i].rename = calloc(cnt + 1, 1);
		s[i].new_id = calloc(cnt + 1, sizeof(uint32_t));
		if (!s[i].keep || !s[i].rename || !s[i].new_id)
			return cp_error(CP_ERUNTIME, "out of memory");
		st->types_in += cnt;
	}
	return 0;
}

static void states_free(struct src_state *s, int n)
{
	for (int i = 0; i < n; i++) {
		free(s[i].keep);
		free(s[i].rename);
		free(s[i].new_id);
	}
	free(s);
}

static int run_emit(struct src_state *s, int n, void **raw, size_t *size, struct merge_stats *st)
{
	struct out o = { 0 };
	int err = emit(s, n, &o, st);

	if (err == -ENOMEM)
		err = cp_error(CP_ERUNTIME, "out of memory");
	else if (err)
		err = cp_error(CP_EUSAGE, "malformed BTF input (type reference or string out of range)");
	else
		err = finish(&o, raw, size, st);
	out_free(&o);
	return err;
}

int btf_merge_for_object(const struct btf *local, const struct btf_src *srcs, int n,
			 void **raw, size_t *size, struct merge_stats *stp)
{
	return btf_merge_for_objects(&local, 1, srcs, n, raw, size, stp);
}

int btf_merge_for_objects(const struct btf *const *locals, int n_locals, const struct btf_src *srcs,
			  int n, void **raw, size_t *size, struct merge_stats *stp)
{
	struct nameset roots = { 0 }, app_owned = { 0 };
	struct merge_stats st_local = { 0 }, *st = stp ? stp : &st_local;
	struct src_state *s = calloc(n ? n : 1, sizeof(*s));
	struct marker m = { .s = s, .n = n };
	int err;

	memset(st, 0, sizeof(*st));
	if (!s)
		return cp_error(CP_ERUNTIME, "out of memory");
	if ((err = states_init(srcs, n, s, st)))
		goto out;

	/* The names the object's types are known by: the roots of its CO-RE relocations. */
	for (int l = 0; l < n_locals; l++) {
		const struct btf *local = locals[l];

		for (uint32_t id = 1; id < btf__type_cnt(local); id++) {
			const struct btf_type *t = btf__type_by_id(local, id);
			const char *name = btf__name_by_offset(local, t->name_off);

			if (is_root_kind(t) && name && *name && nameset_add(&roots, name, essential_len(name))) {
				err = cp_error(CP_ERUNTIME, "out of memory");
				goto out;
			}
		}
	}
	/* Names an application defines belong to the application. */
	for (int i = 0; i < n; i++) {
		const struct btf_type *t = NULL;

		if (!s[i].app)
			continue;
		for (uint32_t id = s[i].start; id < s[i].end; id++) {
			const char *name;
			uint32_t len;

			t = src_type_next(&s[i], id, t);
			if (!is_root_kind(t) || !(name = src_str(&s[i], t->name_off)) || !*name ||
			    !nameset_may_hold(&roots, name))
				continue;
			len = essential_len(name);
			if (nameset_has(&roots, name, len) && nameset_add(&app_owned, name, len)) {
				err = cp_error(CP_ERUNTIME, "out of memory");
				goto out;
			}
		}
	}
	for (int i = 0; i < n && !err; i++) {
		const struct btf_type *t = NULL;

		for (uint32_t id = s[i].start; id < s[i].end && !err; id++) {
			const char *name;
			uint32_t len;

			t = src_type_next(&s[i], id, t);
			if (!is_root_kind(t) || !(name = src_str(&s[i], t->name_off)) || !*name ||
			    !nameset_may_hold(&roots, name))
				continue;
			len = essential_len(name);
			if (!s[i].app && nameset_has(&app_owned, name, len)) {
				s[i].rename[id - s[i].start] = 1;	/* only matters if something else needs it */
				continue;
			}
			if (nameset_has(&roots, name, len)) {
				err = push(&m, i, id, KEEP_FULL);
				if (!err)
					err = mark_all(&m);
			}
		}
	}
	if (!err)
		err = run_emit(s, n, raw, size, st);
out:
	free(m.stack);
	free(roots.slot);
	free(app_owned.slot);
	states_free(s, n);
	return err;
}

int btf_merge_all(const struct btf_src *srcs, int n, void **raw, size_t *size, struct merge_stats *stp)
{
	struct merge_stats st_local = { 0 }, *st = stp ? stp : &st_local;
	struct src_state *s = calloc(n ? n : 1, sizeof(*s));
	int err;

	memset(st, 0, sizeof(*st));
	if (!s)
		return cp_error(CP_ERUNTIME, "out of memory");
	err = states_init(srcs, n, s, st);
	for (int i = 0; i < n && !err; i++)
		memset(s[i].keep, KEEP_FULL, s[i].end - s[i].start);
	if (!err)
		err = run_emit(s, n, raw, size, st);
	states_free(s, n);
	return err;
}
