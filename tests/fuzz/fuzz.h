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

#endif
