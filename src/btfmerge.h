/* SPDX-License-Identifier: BSD-2-Clause */
/* Building the BTF that libbpf relocates a BPF object against: kernel types and application
 * types in one BTF, in memory. */
#ifndef COREPROBE_BTFMERGE_H
#define COREPROBE_BTFMERGE_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

struct btf_src {
	const struct btf *btf;	/* a module's split BTF must come after its base's entry */
	bool app;		/* application types: they win name clashes with kernel types */
	const char *label;	/* for messages */
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

#endif
