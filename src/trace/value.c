// SPDX-License-Identifier: BSD-2-Clause
/*
 * Values by BTF type. Text: integers in decimal, enums by name, pointers in hex, strings
 * quoted; a whole struct through libbpf's btf_dump__dump_type_data (compact). JSON: the same
 * scalars as numbers and strings (pointers as "0x..." strings), and structs, unions and
 * arrays as objects and arrays — written here, since btf_dump's output is C-like, not JSON.
 */
#include <bpf/btf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "src/common.h"
#include "src/trace/value.h"
#include "src/linebuf.h"

/* Little-endian bytes (x86_64, arm64) to an integer, sign-extended if signed. */
static __u64 load_int(const __u8 *d, __u32 size, bool is_signed)
{
	__u64 v = 0;

	/* Fixed sizes compile to one load: this runs for every value of every event. */
	switch (size) {
	case 1: v = d[0]; break;
	case 2: { __u16 x; memcpy(&x, d, 2); v = x; break; }
	case 4: { __u32 x; memcpy(&x, d, 4); v = x; break; }
	case 8: memcpy(&v, d, 8); break;
	default: memcpy(&v, d, size > 8 ? 8 : size);
	}
	if (is_signed && size < 8 && (v >> (size * 8 - 1)) & 1)
		v |= ~0ULL << (size * 8);
	return v;
}

static __u64 load_bits(const __u8 *d, __u32 shift, __u32 bits, bool is_signed)
{
	__u64 v = 0;

	memcpy(&v, d, (shift + bits + 7) / 8);
	v >>= shift;
	if (bits < 64)
		v &= (1ULL << bits) - 1;
	if (is_signed && bits < 64 && (v >> (bits - 1)) & 1)
		v |= ~0ULL << bits;
	return v;
}

static const char *enum_name(const struct btf *btf, const struct btf_type *t, __u64 val)
{
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);

		for (int i = 0; i < btf_vlen(t); i++, e++)
			if ((__u32)e->val == (__u32)val)
				return btf__name_by_offset(btf, e->name_off);
	} else if (btf_is_enum64(t)) {
		const struct btf_enum64 *e = btf_enum64(t);

		for (int i = 0; i < btf_vlen(t); i++, e++)
			if (btf_enum64_value(e) == val)
				return btf__name_by_offset(btf, e->name_off);
	}
	return NULL;
}

/* Decimal by hand, one fwrite: printf's machinery was a large part of the per-event cost. */
static void print_num(FILE *f, __u64 v, bool is_signed)
{
	char t[LB_NUM_MAX];

	fwrite(t, 1, is_signed ? lb_fmt_i64(t, (int64_t)v) : lb_fmt_u64(t, v), f);
}

static void print_cstring(FILE *f, const __u8 *d, size_t n, bool truncated)
{
	size_t len = strnlen((const char *)d, n);

	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = d[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
	if (truncated && len == n)
		fputs("...", f);
}

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

/* An integer, enum or bitfield value; *name: the enumerator it equals, if it is one. */
static __u64 value_int(const struct btf *btf, const struct btf_type *t, const struct trace_value *v,
		       const __u8 *data, const char **name)
{
	__u64 x = v->kind == TV_BITFIELD ? load_bits(data, v->bit_shift, v->bit_size, v->is_signed) :
					   load_int(data, v->size, v->is_signed);

	*name = t && (btf_is_enum(t) || btf_is_enum64(t)) ? enum_name(btf, t, x) : NULL;
	return x;
}

void tv_print_text(FILE *f, const struct btf *btf, const struct trace_value *v, const __u8 *data)
{
	const struct btf_type *t = btf__type_by_id(btf, v->resolved_id);
	const char *name;
	__u64 x;

	switch (v->kind) {
	case TV_STR:
		print_cstring(f, data, v->size, v->truncated);
		return;
	case TV_PTR:
		fprintf(f, "0x%" PRIx64, (uint64_t)load_int(data, v->size, false));
		return;
	case TV_INT:
	case TV_ENUM:
	case TV_BITFIELD:
		x = value_int(btf, t, v, data, &name);
		name ? (void)fputs(name, f) : print_num(f, x, v->is_signed);
		return;
	case TV_AGGR: {
		LIBBPF_OPTS(btf_dump_type_data_opts, o, .compact = true, .emit_zeroes = true);
		struct btf_dump *d = btf_dump__new(btf, dump_printf, f, NULL);

		if (!d || btf_dump__dump_type_data(d, v->type_id, data, v->size, &o) < 0)
			fputs("(unprintable)", f);
		btf_dump__free(d);
		return;
	}
	}
}

static void json_aggr(FILE *f, const struct btf *btf, __u32 id, const __u8 *data, __u32 size, int depth);

/* One member or element of an aggregate: type id at data, bitfield if bits. */
static void json_scalar(FILE *f, const struct btf *btf, __u32 id, const __u8 *data, __u32 size,
			__u32 shift, __u32 bits, int depth)
{
	int rid = btf__resolve_type(btf, id);
	const struct btf_type *t = rid >= 0 ? btf__type_by_id(btf, rid) : NULL;
	__s64 sz = btf__resolve_size(btf, id);
	bool sgn;
	__u64 x;

	if (!t || sz < 0 || (!bits && sz > size) || depth > 16) {
		fputs("null", f);
		return;
	}
	if (btf_is_struct(t) || btf_is_union(t) || btf_is_array(t)) {
		json_aggr(f, btf, rid, data, sz, depth + 1);
		return;
	}
	if (btf_is_ptr(t)) {
		fprintf(f, "\"0x%" PRIx64 "\"", (uint64_t)load_int(data, sz, false));
		return;
	}
	if (btf_is_float(t)) {
		if (sz == 8) {
			double d;

			memcpy(&d, data, 8);
			fprintf(f, "%.17g", d);
		} else if (sz == 4) {
			float fl;

			memcpy(&fl, data, 4);
			fprintf(f, "%.9g", fl);
		} else {
			fputs("null", f);
		}
		return;
	}
	if (!btf_is_int(t) && !btf_is_enum(t) && !btf_is_enum64(t)) {
		fputs("null", f);
		return;
	}
	sgn = btf_is_int(t) ? !!(btf_int_encoding(t) & BTF_INT_SIGNED) : !!btf_kflag(t);
	x = bits ? load_bits(data, shift, bits, sgn) : load_int(data, sz, sgn);
	if (!btf_is_int(t)) {
		const char *n = enum_name(btf, t, x);

		if (n) {
			json_str(f, n);
			return;
		}
	}
	print_num(f, x, sgn);
}

static bool is_char_type(const struct btf *btf, __u32 id)
{
	int rid = btf__resolve_type(btf, id);
	const struct btf_type *t = rid >= 0 ? btf__type_by_id(btf, rid) : NULL;

	return t && btf_is_int(t) && t->size == 1 && ((btf_int_encoding(t) & BTF_INT_CHAR) || btf_int_bits(t) == 8);
}

static void json_members(FILE *f, const struct btf *btf, const struct btf_type *t, const __u8 *data, __u32 size,
			 bool *first, int depth)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		__u32 off = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);

		if (off / 8 >= size)
			continue;
		if (!name || !*name) {
			/* anonymous struct/union: its members appear at this level, as in C */
			int rid = btf__resolve_type(btf, m->type);
			const struct btf_type *mt = rid >= 0 ? btf__type_by_id(btf, rid) : NULL;

			if (mt && (btf_is_struct(mt) || btf_is_union(mt)))
				json_members(f, btf, mt, data + off / 8, size - off / 8, first, depth + 1);
			continue;
		}
		if (!*first)
			fputc(',', f);
		*first = false;
		json_str(f, name);
		fputc(':', f);
		json_scalar(f, btf, m->type, data + off / 8, size - off / 8, bits ? off % 8 : 0, bits, depth);
	}
}

static void json_aggr(FILE *f, const struct btf *btf, __u32 id, const __u8 *data, __u32 size, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		__s64 esz = btf__resolve_size(btf, a->type);

		if (is_char_type(btf, a->type)) {
			print_cstring(f, data, size, false);
			return;
		}
		fputc('[', f);
		for (__u32 i = 0; esz > 0 && i < a->nelems && (i + 1) * esz <= size; i++) {
			if (i)
				fputc(',', f);
			json_scalar(f, btf, a->type, data + i * esz, esz, 0, 0, depth);
		}
		fputc(']', f);
		return;
	}
	bool first = true;

	fputc('{', f);
	json_members(f, btf, t, data, size, &first, depth);
	fputc('}', f);
}

void tv_print_json(FILE *f, const struct btf *btf, const struct trace_value *v, const __u8 *data)
{
	const struct btf_type *t = btf__type_by_id(btf, v->resolved_id);
	const char *name;
	__u64 x;

	switch (v->kind) {
	case TV_STR:
		json_strn(f, (const char *)data, strnlen((const char *)data, v->size));
		return;
	case TV_PTR:
		fprintf(f, "\"0x%" PRIx64 "\"", (uint64_t)load_int(data, v->size, false));
		return;
	case TV_INT:
	case TV_ENUM:
	case TV_BITFIELD:
		x = value_int(btf, t, v, data, &name);
		name ? json_str(f, name) : print_num(f, x, v->is_signed);
		return;
	case TV_AGGR:
		json_aggr(f, btf, v->resolved_id, data, v->size, 0);
		return;
	}
}

void tv_status_text(const struct trace_value *v, __u8 status, char *buf, size_t n)
{
	__u32 k = status >= TRACE_NULL ? status - TRACE_NULL : status - TRACE_READ_FAILED;
	const char *base = k <= TRACE_MAX_STEPS && *v->base[k] ? v->base[k] : "?";

	if (status >= TRACE_NULL)
		snprintf(buf, n, "%s is NULL (step %u)", base, k + 1);
	else if (status >= TRACE_READ_FAILED)
		snprintf(buf, n, "reading through %s failed: address not readable (step %u)", base, k + 1);
	else
		snprintf(buf, n, "ok");
}
