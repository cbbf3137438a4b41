/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BTF from DWARF, in process: where a target's debug info is (its own .debug_info, a separate
 * debug file found the way distributions install them, a dwz supplementary file), and an encoder
 * that turns the DWARF definitions of some type names (or of every type) into BTF with libbpf's
 * btf__add_* and btf__dedup. Built on libdw (elfutils).
 *
 * Typical use (a tracer that needs the BTF of a BPF object's application types):
 *
 *	struct dwarf_file df;
 *	struct dwarf_search s = { .debug_file = env.debug_file, .debug_dirs = env.debug_dirs,
 *				  .n_debug_dirs = env.n_debug_dirs };
 *	struct btf *btf;
 *	if ((err = dwarf_find(target, &ei, &s, &df)))		// exit code 3: looked-at list
 *		return err;
 *	if ((err = dwarf_btf_for_object(&df, bpf_object__btf(obj), &btf, NULL)))
 *		return err;					// a refused type: one line
 *
 * or for named types (`coreprobe btf dwarf`): dwarf_btf_encode(&df, names, n, &btf, &stats).
 *
 * Every candidate debug file must carry the target's GNU build-id (a debug file of another build
 * is never used), a .gnu_debuglink candidate must also match its CRC32, and a dwz alt file must
 * carry the build-id the debug file's .gnu_debugaltlink names. A type whose DWARF cannot be
 * expressed in BTF exactly is refused, never approximated (docs/dwarf.md lists what).
 * Errors are recorded with cp_error() (src/common.h) and returned as exit codes.
 */
#ifndef COREPROBE_DWARF_H
#define COREPROBE_DWARF_H

#include <limits.h>
#include <stdbool.h>

#include "src/btf/elfinfo.h"

struct btf;

#define DWARF_DEFAULT_DEBUG_ROOT "/usr/lib/debug"

/* Where to look, besides the target itself. */
struct dwarf_search {
	const char *debug_file;		 /* --debug-file F: tried first, must match the build-id */
	const char *const *debug_dirs;	 /* --debug-dir roots, in order, before /usr/lib/debug */
	int n_debug_dirs;
	const char *root;		 /* "/proc/PID/root" for a process in another mount
					  * namespace: its /usr/lib/debug and debuglink paths are
					  * looked at under it too; NULL: the host's only */
};

/* The DWARF found for one target. */
struct dwarf_file {
	char path[PATH_MAX];		/* the file holding .debug_info */
	char alt_path[PATH_MAX];	/* its dwz supplementary file, "" if none */
	const char *how;		/* "--debug-file", "own .debug_info", "build-id tree",
					 * ".gnu_debuglink" */
	char build_id_hex[2 * BUILD_ID_MAX + 1];
	char looked[2048];		/* every place looked at and why it was not used */
};

/*
 * Finds the DWARF of target (whose elf_info ei was read by elf_inspect), in this order: s->debug_file;
 * the target's own .debug_info; ROOT/.build-id/NN/REST.debug for each --debug-dir root, then
 * /usr/lib/debug (and the same under s->root); the target's .gnu_debuglink name next to it, in
 * its .debug/ and under each root. For a dwz'd file, its alt file likewise (the altlink path, the
 * roots' .build-id trees and .dwz/ directories). 0 with df filled; CP_EUSAGE when --debug-file is
 * unusable (other build, damaged); CP_ENOBTF naming every place looked at and the build-id.
 */
int dwarf_find(const char *target, const struct elf_info *ei, const struct dwarf_search *s,
	       struct dwarf_file *df);

struct dwarf_stats {
	unsigned roots;		/* type definitions the encode started from */
	unsigned same;		/* more definitions proven the same as one of those, not encoded again */
	unsigned types;		/* BTF types out (after dedup) */
	unsigned units;		/* units (CUs, partial, type units) indexed, alt file's included */
	double ms;		/* open + index + encode + dedup */
	double cpu_ms;		/* the CPU time of that (the thread's: wall time on a busy machine
				 * counts other processes too) */
};

/*
 * BTF of the DWARF definitions of names[0..n) (struct, union, enum or typedef names, every
 * definition of each) and of everything they reach, declarations resolved to a definition in
 * another unit where there is one (else a BTF forward declaration). n == 0: every type defined
 * at the top of any unit. A name not defined in the DWARF, or a type that cannot be encoded
 * faithfully, is CP_ENOBTF with one line naming it and why. *out: libbpf's, caller frees.
 */
int dwarf_btf_encode(const struct dwarf_file *df, const char *const *names, int n,
		     struct btf **out, struct dwarf_stats *st);

/* Types an all-types encode left out, each with why (the refused DIE, as refuse() words it). */
struct dwarf_refusals {
	unsigned n, cap;
	struct { char *type; char *why; } *v;
};

/*
 * Every type defined at the top of any unit, like dwarf_btf_encode(df, NULL, 0, ...), except that
 * a type that cannot be encoded faithfully does not fail the whole encode: each top-level type
 * that reaches one (through any reference, pointers included, as a strict encode would refuse
 * it) is left out and listed in *ref (once per name); everything else is encoded exactly as the
 * strict encode would (a second pass without the refused roots). `coreprobe btf dwarf` with no
 * type names. *ref is the caller's to free with dwarf_refusals_free, on success or failure.
 */
int dwarf_btf_encode_all(const struct dwarf_file *df, struct btf **out, struct dwarf_stats *st,
			 struct dwarf_refusals *ref);
void dwarf_refusals_free(struct dwarf_refusals *ref);

/*
 * The same (all types when n == 0, refused ones left out and listed in *ref when ref is given,
 * else any refusal fails), plus a FUNC + FUNC_PROTO for each function fr asks for whose
 * prototype is proven (src/btf/dwfunc.h); the functions left out are in fr->refused, each
 * with why. fr->refused is the caller's to free with dwarf_refusals_free.
 */
struct dwfunc_req;
int dwarf_btf_encode_funcs(const struct dwarf_file *df, const char *const *names, int n,
			   struct dwfunc_req *fr, struct btf **out, struct dwarf_stats *st,
			   struct dwarf_refusals *ref);

/*
 * The BTF a BPF object's CO-RE relocations need from this DWARF: the definitions named like a
 * struct/union/enum/typedef/fwd of its local BTF ("___flavor" suffixes ignored; names the DWARF
 * does not define are left to other sources, e.g. the kernel's BTF) and what they contain. A
 * struct or union behind a pointer whose name the object does not use is encoded as a forward
 * declaration: CO-RE looks at nothing but the kind and name of a pointer's target (the same
 * argument as btf_merge_for_object's shells), and it keeps the BTF small.
 */
int dwarf_btf_for_object(const struct dwarf_file *df, const struct btf *local, struct btf **out,
			 struct dwarf_stats *st);
/* The same for the union of several objects' names (`btf add` prepares a blob for every tool). */
int dwarf_btf_for_objects(const struct dwarf_file *df, const struct btf *const *locals, int n_locals,
			  struct btf **out, struct dwarf_stats *st);

/* zlib's CRC-32 of a whole file, as .gnu_debuglink records it: 0 or -errno. */
int dwarf_file_crc32(const char *path, unsigned *crc);

#endif
