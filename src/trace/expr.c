// SPDX-License-Identifier: BSD-2-Clause
/*
 * The expression language of `coreprobe trace` (a small subset of C's):
 *   expr    := '*' expr | '(' cast ')' expr | postfix
 *   postfix := primary { '->' NAME | '.' NAME | '[' NUMBER ']' }
 *   primary := argN | ret | '(' expr ')'
 *   cast    := [struct|union|enum] NAME {NAME} '*'...
 * Precedence is C's: `*a->b` is `*(a->b)` and `(T *)arg0->f` casts `arg0->f`.
 *
 * Hand-written: no library parses C access paths against BTF. The parser applies each
 * operation to a planner state as it reads it (recursive descent, no tree): the state is the
 * expression's type and where its value is — in the register itself, or in memory at
 * "the pointer reached so far + a constant offset". A `->`, `*` or `[]` on a pointer that is
 * in memory becomes one (offset, dereference) step of the plan.
 */
#include <bpf/btf.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/common.h"
#include "src/trace/expr.h"

struct pstate {
	const char *text;	/* the whole expression, for messages */
	const char *s;		/* parse position */
	struct btf *btf;
	const struct trace_site *site;
	struct trace_expr_plan *p;
	__u32 type;		/* BTF id as declared; 0: an untyped register (no FUNC in the BTF) */
	bool lvalue;		/* the value is in memory at (v + pending), else it is v */
	__u32 pending;
	__u8 bit_off, bit_size;	/* a bitfield member: bits at pending*8 + bit_off */
	const char *opnd, *opnd_end;	/* the text of the operand the next operation applies to */
	struct trace_value *val;
};

/* The operand now used as a pointer is the base of the next read: remembered for messages. */
static void note_base(struct pstate *ps)
{
	__u32 k = ps->p->n_steps + (ps->lvalue ? 1 : 0);
	const char *a = ps->opnd, *b = ps->opnd_end;

	if (k > TRACE_MAX_STEPS || !a || !b || b < a)
		return;
	while (a < b && isspace((unsigned char)*a))
		a++;
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	snprintf(ps->val->base[k], sizeof(ps->val->base[k]), "%.*s", (int)(b - a), a);
}

static int bad(struct pstate *ps, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(struct pstate *ps, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cp_error(code, "trace: '%s': %s", ps->text, msg);
}

static const struct btf_type *resolved(struct pstate *ps, __u32 id, __u32 *out)
{
	int r = btf__resolve_type(ps->btf, id);

	if (r < 0)
		return NULL;
	if (out)
		*out = r;
	return btf__type_by_id(ps->btf, r);
}

/* "struct foo", "int", "char *": a short name of a type for messages. */
static void type_name(struct pstate *ps, __u32 id, char *buf, size_t n)
{
	const struct btf_type *t = btf__type_by_id(ps->btf, id);
	const char *name;

	if (!id) {
		snprintf(buf, n, "an untyped register");
		return;
	}
	if (!t) {
		snprintf(buf, n, "type #%u", id);
		return;
	}
	name = btf__name_by_offset(ps->btf, t->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_PTR: {
		char inner[128] = "void";

		if (t->type)
			type_name(ps, t->type, inner, sizeof(inner));
		snprintf(buf, n, "%s *", inner);
		return;
	}
	case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
		type_name(ps, t->type, buf, n);
		return;
	case BTF_KIND_STRUCT: snprintf(buf, n, "struct %s", name && *name ? name : "(anonymous)"); return;
	case BTF_KIND_UNION: snprintf(buf, n, "union %s", name && *name ? name : "(anonymous)"); return;
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64: snprintf(buf, n, "enum %s", name && *name ? name : "(anonymous)"); return;
	case BTF_KIND_ARRAY: {
		char inner[128];

		type_name(ps, btf_array(t)->type, inner, sizeof(inner));
		snprintf(buf, n, "%s[%u]", inner, btf_array(t)->nelems);
		return;
	}
	case BTF_KIND_FUNC_PROTO: snprintf(buf, n, "a function"); return;
	default: snprintf(buf, n, "%s", name && *name ? name : "void");
	}
}

static void skip_space(struct pstate *ps)
{
	while (isspace((unsigned char)*ps->s))
		ps->s++;
}

static bool eat(struct pstate *ps, const char *tok)
{
	size_t n = strlen(tok);

	skip_space(ps);
	if (strncmp(ps->s, tok, n))
		return false;
	ps->s += n;
	return true;
}

/* An identifier into buf (at most n-1 chars); false if none. */
static bool ident(struct pstate *ps, char *buf, size_t n)
{
	size_t len = 0;

	skip_space(ps);
	if (!isalpha((unsigned char)*ps->s) && *ps->s != '_')
		return false;
	while (isalnum((unsigned char)ps->s[len]) || ps->s[len] == '_')
		len++;
	if (len >= n)
		return false;
	memcpy(buf, ps->s, len);
	buf[len] = 0;
	ps->s += len;
	return true;
}

static bool is_char(const struct btf_type *t)
{
	return t && btf_is_int(t) && t->size == 1 &&
	       ((btf_int_encoding(t) & BTF_INT_CHAR) || btf_int_bits(t) == 8);
}

/* A pointer that is in memory is read into v: one dereference step. */
static int load_pointer(struct pstate *ps)
{
	if (!ps->lvalue)
		return 0;
	if (ps->p->n_steps >= TRACE_MAX_STEPS)
		return bad(ps, CP_EUSAGE, "more than %d pointers to follow: split it into shorter expressions", TRACE_MAX_STEPS);
	ps->p->steps[ps->p->n_steps].off = ps->pending;
	ps->p->steps[ps->p->n_steps].deref = 1;
	ps->p->n_steps++;
	ps->pending = 0;
	ps->lvalue = false;
	return 0;
}

static int no_bitfield(struct pstate *ps)
{
	if (ps->bit_size)
		return bad(ps, CP_EUSAGE, "a bitfield is an integer: nothing can follow it");
	return 0;
}

/* The pointee of a pointer value, for `->`, `*` and `[]` on a pointer. */
static int pointee(struct pstate *ps, const char *op, __u32 *out)
{
	const struct btf_type *t, *pt;
	char tn[160];

	if (!ps->type)
		return bad(ps, CP_EUSAGE, "%s on an untyped argument (the BTF has no FUNC %s): cast it first, e.g. ((struct T *)arg0)",
			   op, ps->site->func);
	t = resolved(ps, ps->type, NULL);
	if (!t || !btf_is_ptr(t)) {
		type_name(ps, ps->type, tn, sizeof(tn));
		return bad(ps, CP_EUSAGE, "%s needs a pointer, and this is %s%s", op, tn,
			   t && (btf_is_struct(t) || btf_is_union(t)) && !strcmp(op, "->") ? ": use ." : "");
	}
	pt = resolved(ps, t->type, NULL);
	if (!t->type || !pt || btf_is_func_proto(pt) || btf__resolve_size(ps->btf, t->type) <= 0) {
		type_name(ps, ps->type, tn, sizeof(tn));
		return bad(ps, CP_EUSAGE, "%s through %s: what it points to has no size in the BTF: cast it to a pointer to a known type", op, tn);
	}
	*out = t->type;
	note_base(ps);
	return 0;
}

/* Finds member name in struct/union id, descending anonymous members; sets *bit_off (from
 * the start of id), *bf_size (0 unless a bitfield) and *mtype. */
static bool find_member(const struct btf *btf, __u32 id, const char *name, __u32 *bit_off, __u32 *bf_size,
			__u32 *mtype, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;

	if (!t || depth > 32 || (!btf_is_struct(t) && !btf_is_union(t)))
		return false;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		__u32 off = btf_member_bit_offset(t, i);

		if (mn && *mn) {
			if (strcmp(mn, name))
				continue;
			*bit_off = off;
			*bf_size = btf_member_bitfield_size(t, i);
			*mtype = m->type;
			return true;
		}
		int inner = btf__resolve_type(btf, m->type);

		if (inner > 0 && find_member(btf, inner, name, bit_off, bf_size, mtype, depth + 1)) {
			*bit_off += off;
			return true;
		}
	}
	return false;
}

/* "a, b, c (and those of its anonymous members)" */
static void member_names(const struct btf *btf, __u32 id, char *buf, size_t n, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;

	if (!t || depth > 32 || (!btf_is_struct(t) && !btf_is_union(t)))
		return;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		size_t len = strlen(buf);

		if (mn && *mn) {
			snprintf(buf + len, n - len, "%s%s", len ? ", " : "", mn);
			continue;
		}
		int inner = btf__resolve_type(btf, m->type);

		if (inner > 0)
			member_names(btf, inner, buf, n, depth + 1);
	}
}

static int apply_member(struct pstate *ps, bool arrow)
{
	char name[128], tn[160], names[1024] = "";
	const struct btf_type *t;
	__u32 sid, bit_off, bf, mtype;
	int err;

	if (!ident(ps, name, sizeof(name)))
		return bad(ps, CP_EUSAGE, "a field name must follow %s", arrow ? "->" : ".");
	if ((err = no_bitfield(ps)))
		return err;
	if (arrow) {
		__u32 to;

		if ((err = pointee(ps, "->", &to)) || (err = load_pointer(ps)))
			return err;
		ps->type = to;
		ps->lvalue = true;
		ps->pending = 0;
	} else if (!ps->type) {
		return bad(ps, CP_EUSAGE, ". on an untyped argument: cast it first, e.g. ((struct T *)arg0)->%s", name);
	}
	t = resolved(ps, ps->type, &sid);
	if (!t || (!btf_is_struct(t) && !btf_is_union(t))) {
		type_name(ps, ps->type, tn, sizeof(tn));
		return bad(ps, CP_EUSAGE, "%s%s on %s, which is not a struct or union%s", arrow ? "->" : ".", name, tn,
			   t && btf_is_ptr(t) && !arrow ? ": use ->" : "");
	}
	if (!ps->lvalue)
		return bad(ps, CP_EUSAGE, "a struct passed by value is not in memory coreprobe can read: trace a pointer to it");
	if (!find_member(ps->btf, sid, name, &bit_off, &bf, &mtype, 0)) {
		type_name(ps, ps->type, tn, sizeof(tn));
		member_names(ps->btf, sid, names, sizeof(names), 0);
		return bad(ps, CP_EUSAGE, "%s has no field '%s'; its fields: %s", tn, name, *names ? names : "(none)");
	}
	if (bf || bit_off % 8) {
		const struct btf_type *mt = resolved(ps, mtype, NULL);

		if (!bf)
			bf = mt ? btf__resolve_size(ps->btf, mtype) * 8 : 0;
		if (!mt || (!btf_is_int(mt) && !btf_is_enum(mt) && !btf_is_enum64(mt)) ||
		    (bit_off % 8) + bf > 64)
			return bad(ps, CP_EUSAGE, "field '%s' is a bitfield coreprobe cannot read exactly (%u bits at bit %u)",
				   name, bf, bit_off);
		ps->bit_off = bit_off % 8;
		ps->bit_size = bf;
	}
	ps->pending += bit_off / 8;
	ps->type = mtype;
	return 0;
}

static int parse_number(struct pstate *ps, unsigned long long *out)
{
	char *end;

	skip_space(ps);
	if (!isdigit((unsigned char)*ps->s))
		return bad(ps, CP_EUSAGE, "an index must be a non-negative number");
	errno = 0;
	*out = strtoull(ps->s, &end, 0);
	if (errno || *out > (1u << 30))
		return bad(ps, CP_EUSAGE, "index out of range (at most %u)", 1u << 30);
	ps->s = end;
	return 0;
}

static int apply_index(struct pstate *ps)
{
	const struct btf_type *t;
	unsigned long long idx = 0;
	char tn[160];
	__u32 elem;
	__s64 esz;
	int err;

	if ((err = parse_number(ps, &idx)))
		return err;
	if (!eat(ps, "]"))
		return bad(ps, CP_EUSAGE, "missing ] after the index");
	if ((err = no_bitfield(ps)))
		return err;
	t = ps->type ? resolved(ps, ps->type, NULL) : NULL;
	if (t && btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);

		/* an array of 0 elements is a flexible one: no bound to check, like a pointer */
		if (a->nelems && idx >= a->nelems) {
			type_name(ps, ps->type, tn, sizeof(tn));
			return bad(ps, CP_EUSAGE, "index %llu is past the end of %s (0..%u)", idx, tn, a->nelems - 1);
		}
		if (!ps->lvalue)
			return bad(ps, CP_EUSAGE, "an array that is not in memory cannot be indexed");
		elem = a->type;
	} else {
		if ((err = pointee(ps, "[]", &elem)) || (err = load_pointer(ps)))
			return err;
		ps->lvalue = true;
		ps->pending = 0;
	}
	esz = btf__resolve_size(ps->btf, elem);
	if (esz <= 0)
		return bad(ps, CP_EUSAGE, "its elements have no size in the BTF");
	if (ps->pending + idx * (unsigned long long)esz > (1u << 30))
		return bad(ps, CP_EUSAGE, "offset out of range");
	ps->pending += idx * esz;
	ps->type = elem;
	return 0;
}

static int apply_deref(struct pstate *ps)
{
	__u32 to;
	int err;

	if ((err = no_bitfield(ps)) || (err = pointee(ps, "*", &to)) || (err = load_pointer(ps)))
		return err;
	ps->type = to;
	ps->lvalue = true;
	ps->pending = 0;
	return 0;
}

/* The type named in a cast, as a pointer type (added to the BTF if it has none). */
static int parse_cast_type(struct pstate *ps, __u32 *out)
{
	char words[160] = "", w[128];
	int kind = 0, stars = 0, id;

	if (eat(ps, "struct "))
		kind = BTF_KIND_STRUCT;
	else if (eat(ps, "union "))
		kind = BTF_KIND_UNION;
	else if (eat(ps, "enum "))
		kind = BTF_KIND_ENUM;
	while (ident(ps, w, sizeof(w))) {
		size_t len = strlen(words);

		snprintf(words + len, sizeof(words) - len, "%s%s", len ? " " : "", w);
		if (kind)
			break;
	}
	while (eat(ps, "*"))
		stars++;
	if (!eat(ps, ")"))
		return bad(ps, CP_EUSAGE, "a cast is (struct T *), (union T *) or (TYPEDEF *): missing )");
	if (!*words)
		return bad(ps, CP_EUSAGE, "a cast needs a type name");
	if (!stars)
		return bad(ps, CP_EUSAGE, "only casts to pointers are supported: (%s%s *)",
			   kind == BTF_KIND_STRUCT ? "struct " : kind == BTF_KIND_UNION ? "union " : kind ? "enum " : "", words);
	id = btf__find_by_name_kind(ps->btf, words, kind ? kind : BTF_KIND_TYPEDEF);
	if (id < 0 && !kind)
		id = btf__find_by_name_kind(ps->btf, words, BTF_KIND_INT);
	if (id < 0 && kind == BTF_KIND_ENUM)
		id = btf__find_by_name_kind(ps->btf, words, BTF_KIND_ENUM64);
	if (id < 0)
		return bad(ps, CP_ENOBTF, "the BTF in use has no type %s%s (embedded blobs are minimized: give the full BTF with --app-btf, or embed it with `btf add --app BINARY=FILE --full`)",
			   kind == BTF_KIND_STRUCT ? "struct " : kind == BTF_KIND_UNION ? "union " : kind ? "enum " : "", words);
	while (stars--) {
		id = btf__add_ptr(ps->btf, id);
		if (id < 0)
			return bad(ps, CP_ERUNTIME, "adding a pointer type to the BTF: %s", strerror(-id));
	}
	*out = id;
	return 0;
}

static int apply_cast(struct pstate *ps, __u32 to)
{
	const struct btf_type *t;
	char tn[160];
	int err;

	if ((err = no_bitfield(ps)))
		return err;
	if (ps->type) {
		t = resolved(ps, ps->type, NULL);
		if (!t || !(btf_is_ptr(t) || (btf_is_int(t) && t->size == 8))) {
			type_name(ps, ps->type, tn, sizeof(tn));
			return bad(ps, CP_EUSAGE, "only a pointer or a 64-bit integer can be cast to a pointer, and this is %s", tn);
		}
	}
	ps->type = to;
	return 0;
}

/* The register of argument n: the n-th integer-class argument of the prototype. An argument
 * after a float or a struct passed by value may live in another register or on the stack: that
 * is not proven here, so it is refused. */
static int arg_register(struct pstate *ps, int n)
{
	int fid = btf__find_by_name_kind(ps->btf, ps->site->func, BTF_KIND_FUNC);
	const struct btf_type *proto;
	const struct btf_param *prm;
	char tn[160];

	if (n > 5)
		return bad(ps, CP_EUSAGE, "arg%d: only the first 6 arguments (arg0..arg5) are in registers", n);
	if (ps->site->at_return)
		return bad(ps, CP_EUSAGE, "arg%d at %%return: the argument registers are reused by then: trace the entry, or use ret", n);
	ps->p->reg = TRACE_REG_ARG0 + n;
	ps->type = 0;
	if (fid < 0)
		return 0;	/* untyped: a cast must follow (checked when it is used) */
	proto = btf__type_by_id(ps->btf, btf__type_by_id(ps->btf, fid)->type);
	if (!proto || !btf_is_func_proto(proto))
		return 0;
	prm = btf_params(proto);
	if (n >= btf_vlen(proto))
		return bad(ps, CP_EUSAGE, "arg%d: %s has %d argument%s in its BTF (arg0..arg%d)", n, ps->site->func,
			   btf_vlen(proto), btf_vlen(proto) == 1 ? "" : "s", btf_vlen(proto) - 1);
	for (int i = 0; i <= n; i++) {
		const struct btf_type *t = resolved(ps, prm[i].type, NULL);

		if (!t || !(btf_is_int(t) || btf_is_ptr(t) || btf_is_enum(t) || btf_is_enum64(t)) ||
		    btf__resolve_size(ps->btf, prm[i].type) > 8) {
			type_name(ps, prm[i].type, tn, sizeof(tn));
			return bad(ps, CP_EUSAGE, "arg%d: %s of %s is %s: its register (or the following ones') is not proven; only integer and pointer arguments are read",
				   n, i == n ? "this argument" : "an earlier argument", ps->site->func, tn);
		}
	}
	ps->type = prm[n].type;
	return 0;
}

static int ret_register(struct pstate *ps)
{
	int fid = btf__find_by_name_kind(ps->btf, ps->site->func, BTF_KIND_FUNC);
	const struct btf_type *proto, *t;
	char tn[160];

	if (!ps->site->at_return)
		return bad(ps, CP_EUSAGE, "ret is the return value: probe %s%%return", ps->site->func);
	ps->p->reg = TRACE_REG_RET;
	ps->type = 0;
	if (fid < 0)
		return 0;
	proto = btf__type_by_id(ps->btf, btf__type_by_id(ps->btf, fid)->type);
	if (!proto || !btf_is_func_proto(proto))
		return 0;
	if (!proto->type)
		return bad(ps, CP_EUSAGE, "%s returns void", ps->site->func);
	t = resolved(ps, proto->type, NULL);
	if (!t || !(btf_is_int(t) || btf_is_ptr(t) || btf_is_enum(t) || btf_is_enum64(t)) ||
	    btf__resolve_size(ps->btf, proto->type) > 8) {
		type_name(ps, proto->type, tn, sizeof(tn));
		return bad(ps, CP_EUSAGE, "%s returns %s: only integer and pointer return values are read", ps->site->func, tn);
	}
	ps->type = proto->type;
	return 0;
}

static int parse_expr(struct pstate *ps, int depth);

static int parse_primary(struct pstate *ps, int depth)
{
	char w[32];

	if (eat(ps, "(")) {
		int err = parse_expr(ps, depth + 1);

		if (err)
			return err;
		if (!eat(ps, ")"))
			return bad(ps, CP_EUSAGE, "missing )");
		return 0;
	}
	if (!ident(ps, w, sizeof(w)))
		return bad(ps, CP_EUSAGE, "expected argN, ret, *, ( at \"%.20s\"", ps->s);
	if (!strcmp(w, "ret"))
		return ret_register(ps);
	if (!strncmp(w, "arg", 3) && isdigit((unsigned char)w[3]) && (!w[4] || (isdigit((unsigned char)w[4]) && !w[5])))
		return arg_register(ps, atoi(w + 3));
	return bad(ps, CP_EUSAGE, "unknown name '%s': an expression starts with argN or ret", w);
}

static int parse_postfix(struct pstate *ps, int depth)
{
	const char *start;
	int err;

	skip_space(ps);
	start = ps->s;
	err = parse_primary(ps, depth);
	while (!err) {
		ps->opnd = start;
		ps->opnd_end = ps->s;
		if (eat(ps, "->"))
			err = apply_member(ps, true);
		else if (eat(ps, "."))
			err = apply_member(ps, false);
		else if (eat(ps, "["))
			err = apply_index(ps);
		else
			break;
	}
	return err;
}

/* '(' starts a cast when a type name follows, else a parenthesised expression. */
static bool cast_follows(struct pstate *ps)
{
	const char *s = ps->s;
	char w[32];
	bool cast;

	if (!eat(ps, "("))
		return false;
	skip_space(ps);
	cast = ident(ps, w, sizeof(w)) && strcmp(w, "ret") &&
	       !(!strncmp(w, "arg", 3) && isdigit((unsigned char)w[3]));
	ps->s = s;
	if (cast)
		eat(ps, "(");
	return cast;
}

static int parse_expr(struct pstate *ps, int depth)
{
	__u32 to;
	int err;

	if (depth > 64)
		return bad(ps, CP_EUSAGE, "nested too deeply");
	if (eat(ps, "*")) {
		const char *start = ps->s;

		if ((err = parse_expr(ps, depth + 1)))
			return err;
		ps->opnd = start;
		ps->opnd_end = ps->s;
		return apply_deref(ps);
	}
	if (cast_follows(ps)) {
		if ((err = parse_cast_type(ps, &to)) || (err = parse_expr(ps, depth + 1)))
			return err;
		return apply_cast(ps, to);
	}
	return parse_postfix(ps, depth);
}

/* The value's plan leaf and its printing description. */
static int finish(struct pstate *ps, struct trace_value *v)
{
	struct trace_expr_plan *p = ps->p;
	const struct btf_type *t;
	__u32 rid = 0;
	__s64 size;
	char tn[160];

	if (!ps->type)
		return bad(ps, CP_EUSAGE, "the BTF has no FUNC %s, so its arguments have no type: cast, e.g. (struct T *)arg0",
			   ps->site->func);
	t = resolved(ps, ps->type, &rid);
	size = btf__resolve_size(ps->btf, ps->type);
	v->type_id = ps->type;
	v->resolved_id = rid;
	if (!t || size <= 0 || btf_is_func_proto(t)) {
		type_name(ps, ps->type, tn, sizeof(tn));
		return bad(ps, CP_EUSAGE, "%s has no printable value", tn);
	}
	p->leaf_off = ps->pending;
	if (ps->bit_size) {
		v->kind = TV_BITFIELD;
		v->bit_shift = ps->bit_off;
		v->bit_size = ps->bit_size;
		v->is_signed = btf_is_int(t) ? !!(btf_int_encoding(t) & BTF_INT_SIGNED) :
			       !!btf_kflag(t);
		v->size = (ps->bit_off + ps->bit_size + 7) / 8;
		p->leaf = TRACE_LEAF_MEM;
		p->size = v->size;
		return 0;
	}
	if (btf_is_ptr(t) && is_char(resolved(ps, t->type, NULL))) {
		/* char *: the string it points to */
		int err;

		ps->opnd = ps->text;
		ps->opnd_end = ps->text + strlen(ps->text);
		note_base(ps);
		err = load_pointer(ps);

		if (err)
			return err;
		v->kind = TV_STR;
		v->size = TRACE_LEAF_MAX;
		p->leaf = TRACE_LEAF_STR;
		p->leaf_off = 0;
		p->size = v->size;
		return 0;
	}
	if (btf_is_array(t) && is_char(resolved(ps, btf_array(t)->type, NULL))) {
		v->kind = TV_STR;
		v->size = size > TRACE_LEAF_MAX ? TRACE_LEAF_MAX : size;
		v->truncated = size > TRACE_LEAF_MAX;
		p->leaf = TRACE_LEAF_MEM;
		p->size = v->size;
		return 0;
	}
	if (btf_is_int(t) || btf_is_enum(t) || btf_is_enum64(t) || btf_is_ptr(t)) {
		if (size > 8) {
			type_name(ps, ps->type, tn, sizeof(tn));
			return bad(ps, CP_EUSAGE, "%s is %lld bytes: integers of more than 8 bytes are not printed", tn, (long long)size);
		}
		v->kind = btf_is_ptr(t) ? TV_PTR : btf_is_int(t) ? TV_INT : TV_ENUM;
		v->is_signed = btf_is_int(t) ? !!(btf_int_encoding(t) & BTF_INT_SIGNED) : !!btf_kflag(t);
		v->size = size;
		p->leaf = ps->lvalue ? TRACE_LEAF_MEM : TRACE_LEAF_VALUE;
		p->size = size;
		return 0;
	}
	if (btf_is_struct(t) || btf_is_union(t) || btf_is_array(t)) {
		if (size > TRACE_LEAF_MAX) {
			type_name(ps, ps->type, tn, sizeof(tn));
			return bad(ps, CP_EUSAGE, "%s is %lld bytes, more than the %d read for one value: print its fields instead",
				   tn, (long long)size, TRACE_LEAF_MAX);
		}
		if (!ps->lvalue)
			return bad(ps, CP_EUSAGE, "a struct passed by value is not in memory coreprobe can read");
		v->kind = TV_AGGR;
		v->size = size;
		p->leaf = TRACE_LEAF_MEM;
		p->size = size;
		return 0;
	}
	type_name(ps, ps->type, tn, sizeof(tn));
	return bad(ps, CP_EUSAGE, "%s values are not printed (integers, enums, pointers, strings, structs, unions, arrays are)", tn);
}

int trace_plan_build(struct btf *btf, const struct trace_site *site, const char *const *exprs, int n,
		     struct trace_plan *plan, struct trace_value *vals)
{
	memset(plan, 0, sizeof(*plan));
	if (n > TRACE_MAX_EXPRS)
		return cp_error(CP_EUSAGE, "trace: %d expressions: at most %d per probe", n, TRACE_MAX_EXPRS);
	plan->n_exprs = n;
	plan->kernel = site->kernel;
	for (int i = 0; i < n; i++) {
		struct pstate ps = { .text = exprs[i], .s = exprs[i], .btf = btf, .site = site, .p = &plan->exprs[i],
				     .val = &vals[i] };
		int err;

		memset(&vals[i], 0, sizeof(vals[i]));
		err = parse_expr(&ps, 0);

		if (!err) {
			skip_space(&ps);
			if (*ps.s)
				err = bad(&ps, CP_EUSAGE, "unexpected \"%.20s\"", ps.s);
		}
		if (!err)
			err = finish(&ps, &vals[i]);
		if (err)
			return err;
		/* packed, 8-aligned: the event carries only what the values need */
		plan->exprs[i].data_off = plan->data_size;
		plan->data_size += (plan->exprs[i].size + 7) & ~7u;
	}
	return 0;
}
