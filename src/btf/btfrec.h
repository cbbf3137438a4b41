/* SPDX-License-Identifier: BSD-2-Clause */
/* The size of one type record in raw BTF: the reader of src/btf/btfmerge.c walks types with it,
 * and so does bench/btfparse's index step (which measures that walk). */
#ifndef COREPROBE_BTFREC_H
#define COREPROBE_BTFREC_H

#include <bpf/btf.h>
#include <stddef.h>
#include <stdint.h>

/* Size of a type's record in raw BTF: the common header plus its kind's trailing data. */
static inline __attribute__((always_inline)) size_t type_rec_size(const struct btf_type *t)
{
	size_t base = sizeof(struct btf_type);
	uint16_t vlen = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_INT: return base + sizeof(uint32_t);
	case BTF_KIND_ARRAY: return base + sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: return base + vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM: return base + vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64: return base + vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO: return base + vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR: return base + sizeof(struct btf_var);
	case BTF_KIND_DATASEC: return base + vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG: return base + sizeof(struct btf_decl_tag);
	default: return base;
	}
}

#endif
