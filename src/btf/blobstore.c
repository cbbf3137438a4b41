// SPDX-License-Identifier: BSD-2-Clause
/* Reader and writer of the blob store; the format is described in blobstore.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include <zlib.h>

#include "src/btf/blobstore.h"
#include "src/common.h"

_Static_assert(sizeof(struct cp_store_hdr) == 56, "store header layout");
_Static_assert(sizeof(struct cp_store_entry) == 88, "store entry layout");
_Static_assert(sizeof(struct cp_store_blob) == 16, "store blob layout");

static int bad(const char *origin, const char *what)
{
	return cp_error(CP_ERUNTIME, "%s: damaged BTF blob store (%s): rebuild coreprobe or redo `coreprobe btf add`",
			origin, what);
}

/* [off, off + n*size) inside [lo, hi)? Without overflow. */
static bool in_range(uint64_t off, uint64_t n, uint64_t size, uint64_t lo, uint64_t hi)
{
	return off >= lo && off <= hi && (size == 0 || n <= (hi - off) / size);
}

int store_parse(struct cp_store *s, unsigned char *buf, size_t size, const char *origin)
{
	const struct cp_store_hdr *h = (const void *)buf;
	uint64_t end;
	bool v1;

	memset(s, 0, sizeof(*s));
	snprintf(s->origin, sizeof(s->origin), "%s", origin);
	if (size < sizeof(*h) || (memcmp(h->magic, CP_STORE_MAGIC, 8) && memcmp(h->magic, CP_STORE_MAGIC_V1, 8))) {
		free(buf);
		return bad(s->origin, size < sizeof(*h) ? "too short" : "bad magic");
	}
	v1 = !memcmp(h->magic, CP_STORE_MAGIC_V1, 8);
	if (size > UINT32_MAX || h->hdr_size != sizeof(*h) || h->entry_size != sizeof(struct cp_store_entry) ||
	    h->blob_size != sizeof(struct cp_store_blob))
		goto fail_hdr;
	if ((h->entries_off | h->blobs_off | h->strings_off | h->data_off) & 3)
		goto fail_hdr;
	end = (uint64_t)h->data_off + h->data_size;
	if (end > size || !in_range(h->entries_off, h->n_entries, h->entry_size, h->hdr_size, size) ||
	    !in_range(h->blobs_off, h->n_blobs, h->blob_size, h->hdr_size, size) ||
	    !in_range(h->strings_off, h->strings_size, 1, h->hdr_size, size) ||
	    !in_range(h->data_off, h->data_size, 1, h->hdr_size, size))
		goto fail_hdr;
	if (!h->strings_size || buf[h->strings_off] != 0 || buf[h->strings_off + h->strings_size - 1] != 0)
		goto fail_hdr;
	if (crc32(0, buf + h->hdr_size, end - h->hdr_size) != h->crc) {
		free(buf);
		return bad(s->origin, "checksum mismatch");
	}
	s->buf = buf;
	s->size = size;
	s->hdr = h;
	s->entries = (const void *)(buf + h->entries_off);
	s->blobs = (const void *)(buf + h->blobs_off);
	s->strings = (const char *)buf + h->strings_off;
	s->data = buf + h->data_off;
	for (uint32_t i = 0; i < h->n_entries; i++) {
		const struct cp_store_entry *e = &s->entries[i];

		if ((e->kind != CP_BLOB_KERNEL && e->kind != CP_BLOB_APP) || e->build_id_len > BUILD_ID_MAX ||
		    e->blob >= h->n_blobs || e->key_off >= h->strings_size || e->distro_off >= h->strings_size ||
		    e->version_off >= h->strings_size || e->arch_off >= h->strings_size ||
		    !*store_str(s, e->key_off) || (e->kind == CP_BLOB_APP && !e->build_id_len) ||
		    (e->flags & ~(v1 ? 0 : CP_ENTRY_FLAGS_KNOWN)) ||
		    ((e->flags & CP_ENTRY_BUILD_HOST) && (e->kind != CP_BLOB_KERNEL || e->distro_off || e->version_off))) {
			store_free(s);
			return bad(origin, "bad entry");
		}
	}
	for (uint32_t i = 0; i < h->n_blobs; i++) {
		const struct cp_store_blob *b = &s->blobs[i];

		if (!in_range(b->data_off, b->comp_size, 1, 0, h->data_size) || !b->raw_size ||
		    b->raw_size > CP_STORE_MAX_RAW) {
			store_free(s);
			return bad(origin, "bad blob extent");
		}
	}
	return 0;
fail_hdr:
	free(buf);
	return bad(s->origin, "bad header");
}

void store_free(struct cp_store *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/* Strings are NUL-terminated by construction (the last byte of the table is 0). */
const char *store_str(const struct cp_store *s, uint32_t off)
{
	if (!s->hdr || off >= s->hdr->strings_size)
		return "";
	return s->strings + off;
}

uint32_t store_count(const struct cp_store *s)
{
	return s->hdr ? s->hdr->n_entries : 0;
}

const char *store_self_path(void)
{
	const char *p;

	if (env.self_exe)
		return env.self_exe;
	if (access("/proc/self/exe", R_OK) == 0)
		return "/proc/self/exe";
	/* No /proc: the path we were executed by (relative paths still hold: nothing chdir'ed). */
	p = (const char *)getauxval(AT_EXECFN);
	return p ? p : "/proc/self/exe";
}

int store_open_self(struct cp_store *s)
{
	const char *path = store_self_path();
	void *buf;
	size_t size;
	int err;

	memset(s, 0, sizeof(*s));
	err = elf_read_section(path, CP_STORE_SECTION, &buf, &size);
	if (err == -1) {	/* no blobs at all: a valid, empty store */
		snprintf(s->origin, sizeof(s->origin), "%s", path);
		return 0;
	}
	if (err)
		return cp_error_prefix("reading coreprobe's own BTF blobs");
	return store_parse(s, buf, size, path);
}

int store_blob_get(const struct cp_store *s, uint32_t i, void **raw, size_t *raw_size)
{
	const struct cp_store_blob *b;
	uLongf n;
	void *out;

	if (!s->hdr || i >= s->hdr->n_blobs)
		return bad(s->origin, "no such blob");
	b = &s->blobs[i];
	n = b->raw_size;
	if (!(out = malloc(n)))
		return cp_error(CP_ERUNTIME, "out of memory");
	if (uncompress(out, &n, s->data + b->data_off, b->comp_size) != Z_OK || n != b->raw_size ||
	    crc32(0, out, n) != b->raw_crc) {
		free(out);
		return bad(s->origin, "blob does not decompress to its recorded size and checksum");
	}
	*raw = out;
	*raw_size = n;
	return 0;
}

unsigned store_blob_users(const struct cp_store *s, uint32_t blob)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < store_count(s); i++)
		n += s->entries[i].blob == blob;
	return n;
}

const struct cp_store_entry *store_find_app(const struct cp_store *s, const unsigned char *id, int len)
{
	for (uint32_t i = 0; i < store_count(s); i++) {
		const struct cp_store_entry *e = &s->entries[i];

		if (e->kind == CP_BLOB_APP && e->build_id_len == len && !memcmp(e->build_id, id, len))
			return e;
	}
	return NULL;
}

/* ---- writer ---- */

struct sb_blob {
	unsigned char *comp;
	uint32_t comp_size, raw_size, raw_crc;
	unsigned char *raw;		/* kept for exact de-duplication */
};

struct sb_entry {
	uint8_t kind, build_id_len;
	uint16_t flags;
	uint8_t build_id[BUILD_ID_MAX];
	char *key, *distro, *version, *arch;
	uint32_t blob;
};

struct store_builder {
	struct sb_entry *e;
	size_t n_e, cap_e;
	struct sb_blob *b;
	size_t n_b, cap_b;
};

struct store_builder *sb_new(void)
{
	return calloc(1, sizeof(struct store_builder));
}

static void entry_free(struct sb_entry *e)
{
	free(e->key);
	free(e->distro);
	free(e->version);
	free(e->arch);
}

void sb_free(struct store_builder *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_e; i++)
		entry_free(&b->e[i]);
	for (size_t i = 0; i < b->n_b; i++) {
		free(b->b[i].comp);
		free(b->b[i].raw);
	}
	free(b->e);
	free(b->b);
	free(b);
}

static int grow(void **p, size_t *cap, size_t n, size_t elem)
{
	void *q;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 16;
	if (!(q = realloc(*p, *cap * elem)))
		return cp_error(CP_ERUNTIME, "out of memory");
	*p = q;
	return 0;
}

static int blob_raw(struct sb_blob *b)
{
	uLongf n = b->raw_size;

	if (b->raw)
		return 0;
	if (!(b->raw = malloc(n)))
		return cp_error(CP_ERUNTIME, "out of memory");
	if (uncompress(b->raw, &n, b->comp, b->comp_size) != Z_OK || n != b->raw_size)
		return cp_error(CP_ERUNTIME, "blob store: stored blob does not decompress");
	return 0;
}

/* Index of an identical blob, adding it if new. Identical minimized BTF is stored once. */
static int sb_blob_intern(struct store_builder *sb, const void *raw, size_t size, uint32_t *idx)
{
	uint32_t crc = crc32(0, raw, size);
	struct sb_blob *nb;
	uLongf clen;
	int err;

	if (!size || size > CP_STORE_MAX_RAW)
		return cp_error(CP_EUSAGE, "BTF of %zu bytes cannot be stored (limit %u)", size, CP_STORE_MAX_RAW);
	for (size_t i = 0; i < sb->n_b; i++) {
		struct sb_blob *b = &sb->b[i];

		if (b->raw_size != size || b->raw_crc != crc)
			continue;
		if ((err = blob_raw(b)))
			return err;
		if (!memcmp(b->raw, raw, size)) {
			*idx = i;
			return 0;
		}
	}
	if ((err = grow((void **)&sb->b, &sb->cap_b, sb->n_b, sizeof(*sb->b))))
		return err;
	nb = &sb->b[sb->n_b];
	memset(nb, 0, sizeof(*nb));
	clen = compressBound(size);
	nb->comp = malloc(clen);
	nb->raw = malloc(size);
	if (!nb->comp || !nb->raw) {
		free(nb->comp);
		free(nb->raw);
		return cp_error(CP_ERUNTIME, "out of memory");
	}
	if (compress2(nb->comp, &clen, raw, size, Z_BEST_COMPRESSION) != Z_OK) {
		free(nb->comp);
		free(nb->raw);
		return cp_error(CP_ERUNTIME, "zlib compression failed");
	}
	memcpy(nb->raw, raw, size);
	nb->comp_size = clen;
	nb->raw_size = size;
	nb->raw_crc = crc;
	*idx = sb->n_b++;
	return 0;
}

static bool streq0(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static bool same_key(const struct sb_entry *a, const struct sb_entry *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == CP_BLOB_APP)
		return a->build_id_len == b->build_id_len && !memcmp(a->build_id, b->build_id, a->build_id_len);
	return streq0(a->key, b->key) && a->build_id_len == b->build_id_len &&
	       !memcmp(a->build_id, b->build_id, a->build_id_len) && streq0(a->distro, b->distro) &&
	       streq0(a->version, b->version) && streq0(a->arch, b->arch);
}

static char *dup0(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static int sb_put_entry(struct store_builder *sb, struct sb_entry *ne)
{
	int err;

	for (size_t i = 0; i < sb->n_e; i++) {
		if (same_key(&sb->e[i], ne)) {
			entry_free(&sb->e[i]);
			sb->e[i] = *ne;
			return 1;
		}
	}
	if ((err = grow((void **)&sb->e, &sb->cap_e, sb->n_e, sizeof(*sb->e)))) {
		entry_free(ne);
		return -err;
	}
	sb->e[sb->n_e++] = *ne;
	return 0;
}

int sb_add(struct store_builder *sb, enum cp_blob_kind kind, const char *key,
	   const unsigned char *build_id, int build_id_len, const char *distro,
	   const char *version, const char *arch, const void *btf, size_t btf_size)
{
	return sb_add_flagged(sb, kind, 0, key, build_id, build_id_len, distro, version, arch, btf, btf_size);
}

int sb_add_flagged(struct store_builder *sb, enum cp_blob_kind kind, unsigned flags, const char *key,
		   const unsigned char *build_id, int build_id_len, const char *distro,
		   const char *version, const char *arch, const void *btf, size_t btf_size)
{
	struct sb_entry ne = { .kind = kind, .flags = flags };
	int err;

	if (!key || !*key || build_id_len < 0 || build_id_len > BUILD_ID_MAX ||
	    (kind == CP_BLOB_APP && !build_id_len))
		return -cp_error(CP_EUSAGE, "blob store: an entry needs a key%s",
				 kind == CP_BLOB_APP ? " and a build-id" : "");
	if ((flags & ~CP_ENTRY_FLAGS_KNOWN) ||
	    ((flags & CP_ENTRY_BUILD_HOST) && (kind != CP_BLOB_KERNEL || (distro && *distro) || (version && *version))))
		return -cp_error(CP_EUSAGE, "blob store: a build-host entry is a kernel with no distro or version");
	if ((err = sb_blob_intern(sb, btf, btf_size, &ne.blob)))
		return -err;
	ne.build_id_len = build_id_len;
	if (build_id_len)
		memcpy(ne.build_id, build_id, build_id_len);
	ne.key = strdup(key);
	ne.distro = dup0(distro);
	ne.version = dup0(version);
	ne.arch = dup0(arch);
	if (!ne.key) {
		entry_free(&ne);
		return -cp_error(CP_ERUNTIME, "out of memory");
	}
	return sb_put_entry(sb, &ne);
}

int sb_add_store(struct store_builder *sb, const struct cp_store *s)
{
	for (uint32_t i = 0; i < store_count(s); i++) {
		const struct cp_store_entry *e = &s->entries[i];
		void *raw;
		size_t n;
		int err;

		if ((err = store_blob_get(s, e->blob, &raw, &n)))
			return err;
		err = sb_add_flagged(sb, e->kind, e->flags, store_str(s, e->key_off), e->build_id, e->build_id_len,
			     store_str(s, e->distro_off), store_str(s, e->version_off),
			     store_str(s, e->arch_off), raw, n);
		free(raw);
		if (err < 0)
			return -err;
	}
	return 0;
}

/* String table with linear de-duplication: a store holds a few hundred strings at most. */
struct strtab {
	char *buf;
	size_t len, cap;
};

static uint32_t strtab_add(struct strtab *t, const char *s)
{
	size_t n;

	if (!s || !*s)
		return 0;
	for (size_t off = 1; off < t->len; off += strlen(t->buf + off) + 1)
		if (!strcmp(t->buf + off, s))
			return off;
	n = strlen(s) + 1;
	while (t->len + n > t->cap) {
		char *q = realloc(t->buf, t->cap = t->cap * 2 + 256);

		if (!q)
			return UINT32_MAX;
		t->buf = q;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	return t->len - n;
}

#define ALIGN4(x) (((x) + 3) & ~(size_t)3)

int sb_serialize(struct store_builder *sb, unsigned char **out, size_t *size)
{
	struct strtab st = { .buf = calloc(1, 256), .len = 1, .cap = 256 };
	struct cp_store_hdr h = { .hdr_size = sizeof(h), .entry_size = sizeof(struct cp_store_entry),
				  .blob_size = sizeof(struct cp_store_blob) };
	struct cp_store_entry *ents = calloc(sb->n_e ? sb->n_e : 1, sizeof(*ents));
	size_t data_size = 0, total;
	unsigned char *buf;

	if (!st.buf || !ents)
		goto oom;
	for (size_t i = 0; i < sb->n_e; i++) {
		struct sb_entry *e = &sb->e[i];

		ents[i].kind = e->kind;
		ents[i].flags = e->flags;
		ents[i].build_id_len = e->build_id_len;
		memcpy(ents[i].build_id, e->build_id, e->build_id_len);
		ents[i].key_off = strtab_add(&st, e->key);
		ents[i].distro_off = strtab_add(&st, e->distro);
		ents[i].version_off = strtab_add(&st, e->version);
		ents[i].arch_off = strtab_add(&st, e->arch);
		ents[i].blob = e->blob;
		if (ents[i].key_off == UINT32_MAX || ents[i].distro_off == UINT32_MAX ||
		    ents[i].version_off == UINT32_MAX || ents[i].arch_off == UINT32_MAX)
			goto oom;
	}
	for (size_t i = 0; i < sb->n_b; i++)
		data_size += ALIGN4(sb->b[i].comp_size);
	memcpy(h.magic, CP_STORE_MAGIC, 8);
	h.n_entries = sb->n_e;
	h.entries_off = sizeof(h);
	h.n_blobs = sb->n_b;
	h.blobs_off = h.entries_off + sb->n_e * sizeof(struct cp_store_entry);
	h.strings_off = h.blobs_off + sb->n_b * sizeof(struct cp_store_blob);
	h.strings_size = st.len;
	h.data_off = ALIGN4(h.strings_off + st.len);
	h.data_size = data_size;
	total = (size_t)h.data_off + data_size;
	if (total > UINT32_MAX)
		return cp_error(CP_EUSAGE, "blob store would exceed 4 GiB");
	if (!(buf = calloc(1, total)))
		goto oom;
	memcpy(buf + h.entries_off, ents, sb->n_e * sizeof(*ents));
	for (size_t i = 0, off = 0; i < sb->n_b; i++) {
		struct cp_store_blob b = { .data_off = off, .comp_size = sb->b[i].comp_size,
					   .raw_size = sb->b[i].raw_size, .raw_crc = sb->b[i].raw_crc };

		memcpy(buf + h.blobs_off + i * sizeof(b), &b, sizeof(b));
		memcpy(buf + h.data_off + off, sb->b[i].comp, b.comp_size);
		off += ALIGN4(b.comp_size);
	}
	memcpy(buf + h.strings_off, st.buf, st.len);
	h.crc = crc32(0, buf + sizeof(h), total - sizeof(h));
	memcpy(buf, &h, sizeof(h));
	free(st.buf);
	free(ents);
	*out = buf;
	*size = total;
	return 0;
oom:
	free(st.buf);
	free(ents);
	return cp_error(CP_ERUNTIME, "out of memory");
}
