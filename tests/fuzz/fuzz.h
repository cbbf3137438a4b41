/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the libFuzzer harnesses in tests/fuzz: fixed BTF the fuzzed inputs are combined
 * with, so each harness varies one outside input while the others stay realistic. */
#ifndef COREPROBE_FUZZ_H
#define COREPROBE_FUZZ_H

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdlib.h>

#include "src/common.h"

/* libbpf's warnings about bad input would flood the fuzzer's log; our code records errors. */
static inline void fuzz_quiet(void)
{
	libbpf_set_print(NULL);
}

/* A kernel-like BTF: a struct pointing at another, a nested struct, an enum, a typedef and a
 * struct named "data" (the name the structs tool's object asks for). */
static inline struct btf *fuzz_kernel_btf(void)
{
	struct btf *b = btf__new_empty();
	int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int i64 = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	int arr = btf__add_array(b, i32, i32, 8);
	int big = btf__add_struct(b, "big", 32), pbig, inner;

	btf__add_field(b, "x", arr, 0, 0);
	pbig = btf__add_ptr(b, big);
	inner = btf__add_struct(b, "inner", 4);
	btf__add_field(b, "q", i32, 0, 0);
	btf__add_struct(b, "sock", 24);
	btf__add_field(b, "a", i32, 0, 0);
	btf__add_field(b, "p", pbig, 64, 0);
	btf__add_field(b, "in", inner, 128, 0);
	btf__add_struct(b, "pt_regs", 8);
	btf__add_field(b, "di", i64, 0, 0);
	btf__add_typedef(b, "sock_t", btf__find_by_name_kind(b, "sock", BTF_KIND_STRUCT));
	btf__add_enum(b, "e", 4);
	btf__add_enum_value(b, "E1", 1);
	btf__add_struct(b, "data", 16);
	btf__add_field(b, "x", i64, 0, 0);
	btf__add_field(b, "c", i32, 64, 0);
	btf__add_field(b, "a", i32, 96, 0);
	return b;
}

/* An application BTF: struct data {a, b, c, d} as in the demo target. */
static inline struct btf *fuzz_app_btf(void)
{
	struct btf *b = btf__new_empty();
	int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);

	btf__add_struct(b, "data", 16);
	btf__add_field(b, "a", i32, 0, 0);
	btf__add_field(b, "b", i32, 32, 0);
	btf__add_field(b, "c", i32, 64, 0);
	btf__add_field(b, "d", i32, 96, 0);
	return b;
}

/* What a BPF object's own BTF names: a plain struct, a "___flavor" and a typedef. */
static inline struct btf *fuzz_local_btf(void)
{
	struct btf *b = btf__new_empty();
	int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);

	btf__add_struct(b, "data", 8);
	btf__add_field(b, "a", i32, 0, 0);
	btf__add_field(b, "c", i32, 32, 0);
	btf__add_struct(b, "sock___old", 4);
	btf__add_field(b, "a", i32, 0, 0);
	btf__add_struct(b, "pt_regs", 8);
	btf__add_typedef(b, "sock_t", i32);
	return b;
}

/* A merge result must itself be valid BTF: libbpf is handed it next. */
static inline void fuzz_check_btf(const void *raw, size_t size)
{
	struct btf *b = btf__new(raw, size);

	if (libbpf_get_error(b))
		abort();
	btf__free(b);
}


/* The BTF of `coreprobe trace`'s tests (tests/unit, tests/fuzz/fuzz_trace.c): every kind of
 * path. struct rec (64 bytes): id int @0, fl @4 {a:3 unsigned, b:5 signed}, arr int[4] @8,
 * next struct node * @24, an anonymous union {i, l} @32, name char[8] @40, str char * @48,
 * color enum @56; struct node (16): id @0, next @8; typedef rec_t; FUNC visit(rec_t *, long)
 * -> int; FUNC fl(double, struct rec *) -> void. */
static inline struct btf *fuzz_trace_btf(void)
{
	struct btf *b = btf__new_empty();
	int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int chr = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
	int i64 = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	int dbl = btf__add_float(b, "double", 8);
	int color = btf__add_enum(b, "color", 4);
	int node __attribute__((unused)), pnode, flags, arr, names, pchar, un, rec, rect, prect, proto, prec;

	btf__add_enum_value(b, "RED", 1);
	btf__add_enum_value(b, "BLUE", -3);
	/* the pointer first (to the next id): fields go to the type added last */
	pnode = btf__add_ptr(b, btf__type_cnt(b) + 1);
	node = btf__add_struct(b, "node", 16);
	btf__add_field(b, "id", i32, 0, 0);
	btf__add_field(b, "next", pnode, 64, 0);
	flags = btf__add_struct(b, "flags", 4);
	btf__add_field(b, "a", u32, 0, 3);
	btf__add_field(b, "b", i32, 3, 5);
	arr = btf__add_array(b, i32, i32, 4);
	names = btf__add_array(b, i32, chr, 8);
	pchar = btf__add_ptr(b, chr);
	un = btf__add_union(b, NULL, 8);
	btf__add_field(b, "i", i32, 0, 0);
	btf__add_field(b, "l", i64, 0, 0);
	rec = btf__add_struct(b, "rec", 64);
	btf__add_field(b, "id", i32, 0, 0);
	btf__add_field(b, "fl", flags, 32, 0);
	btf__add_field(b, "arr", arr, 64, 0);
	btf__add_field(b, "next", pnode, 192, 0);
	btf__add_field(b, NULL, un, 256, 0);
	btf__add_field(b, "name", names, 320, 0);
	btf__add_field(b, "str", pchar, 384, 0);
	btf__add_field(b, "color", color, 448, 0);
	rect = btf__add_typedef(b, "rec_t", rec);
	prect = btf__add_ptr(b, rect);
	proto = btf__add_func_proto(b, i32);
	btf__add_func_param(b, "r", prect);
	btf__add_func_param(b, "k", i64);
	btf__add_func(b, "visit", BTF_FUNC_GLOBAL, proto);
	prec = btf__add_ptr(b, rec);
	proto = btf__add_func_proto(b, 0);
	btf__add_func_param(b, "d", dbl);
	btf__add_func_param(b, "r", prec);
	btf__add_func(b, "fl", BTF_FUNC_GLOBAL, proto);
	return b;
}

#endif
