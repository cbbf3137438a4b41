/* SPDX-License-Identifier: BSD-2-Clause */
/* Building the BTF that libbpf relocates a BPF object against: kernel types and application
 * types in one BTF, in memory. */
#ifndef COREPROBE_BTFMERGE_H
#define COREPROBE_BTFMERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct btf;

/*
 * A raw BTF read in place, without libbpf: the kernel's own BTF from /sys/kernel/btf (5+ MB).
 * libbpf's btf__parse copies it twice (read buffer, then its own) and indexes and validates
 * every type: ~12 ms and ~11 MB here. The merge needs only each type's offset, which one walk
 * over the types gives (<1 ms), and no copy at all where the kernel lets sysfs BTF be mapped.
 * Only for BTF the kernel itself provides: the walk checks bounds and kinds, not semantics.
 */
#define BTF_RAW_STRIDE 16	/* a sparse index: lookups walk <16 records, it costs 1/16 the RSS */
struct btf_raw {
	const unsigned char *types;	/* the type section */
	const char *strs;		/* the own string section */
	uint32_t types_len, strs_len;
	uint32_t start, end;		/* own type ids: [start, end) */
	uint32_t str_start;		/* string offsets below it are the base's */
	const struct btf_raw *base;	/* split BTF (a module's): its base */
	uint32_t *offs;			/* offset in types of every BTF_RAW_STRIDE-th own type */
	void *mem;			/* what types/strs point into, owned (see btf_raw_load) */
	size_t mem_len;
	bool mapped;			/* mem is an mmap, else malloc'ed */
};

/* Indexes raw BTF in data (split on base if base): 0, or -EINVAL / -ENOMEM. data must stay
 * valid until btf_raw_fini; r does not own it unless r->mem is set. */
int btf_raw_init(struct btf_raw *r, const void *data, size_t size, const struct btf_raw *base);
/* Reads a BTF file in place: mapped read-only if the file allows it (sysfs vmlinux on 6.16+),
 * else read once into one buffer; then btf_raw_init. 0 or -errno. */
int btf_raw_load(struct btf_raw *r, const char *path, const struct btf_raw *base);
void btf_raw_fini(struct btf_raw *r);

struct btf_src {
	const struct btf *btf;	/* a module's split BTF must come after its base's entry */
	bool app;		/* application types: they win name clashes with kernel types */
	const char *label;	/* for messages */
	const struct btf_raw *raw; /* instead of btf: a raw BTF read in place (split on raw only) */
};

struct merge_stats {
	unsigned types_in, types_out, shells, renamed;
	size_t bytes_out;
};

/*
 * The BTF for relocating the BPF object whose own BTF is `local`: from every source, the types
 * named like a type of the object (struct, union, enum, typedef, fwd; "___flavor" suffixes
 * ignored) and everything they contain. A pointer's target is kept only as a member-less
 * "shell" of the same kind, name and size unless it is itself kept in full: libbpf's CO-RE
 * never looks behind a pointer except at the kind and name of a struct or union, so the
 * relocations come out exactly as against the complete sources, from a BTF that is a few KB
 * instead of several MB. When the kernel and an application both define a name the object
 * uses, the application's type is the candidate; a kernel type of that name that is still
 * needed is renamed, so libbpf never sees two conflicting candidates.
 *
 * This is written by hand because no library offers it: libbpf appends whole BTFs only
 * (btf__add_btf, 130-200 ms on a kernel BTF), and `bpftool gen min_core_btf` is a
 * command-line tool that is not available on the hosts coreprobe runs on.
 *
 * *raw is malloc'ed raw BTF. Returns 0 or an exit code (error recorded).
 */
int btf_merge_for_object(const struct btf *local, const struct btf_src *srcs, int n,
			 void **raw, size_t *size, struct merge_stats *st);
/* Same, for the union of several objects' names (`btf add` prunes for every embedded tool). */
int btf_merge_for_objects(const struct btf *const *locals, int n_locals, const struct btf_src *srcs,
			  int n, void **raw, size_t *size, struct merge_stats *st);

/* All types of all sources, appended in order (module split BTFs flattened onto their base):
 * the seed's merge-btf, `coreprobe btf merge`, and the build's kernel+module flattening. */
int btf_merge_all(const struct btf_src *srcs, int n, void **raw, size_t *size, struct merge_stats *st);

/* The length of name up to a CO-RE "___flavor" suffix (libbpf matches candidates on it). */
uint32_t btf_essential_name_len(const char *name);

#endif
