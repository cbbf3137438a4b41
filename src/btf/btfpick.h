/* SPDX-License-Identifier: BSD-2-Clause */
/* Which kernel BTF and which application BTF a trace uses, loading them, and handing the merged
 * result to libbpf. */
#ifndef COREPROBE_BTFPICK_H
#define COREPROBE_BTFPICK_H

#include <limits.h>
#include <stdbool.h>

#include "src/btf/blobstore.h"
#include "src/btf/btfmerge.h"
#include "src/btf/dwarf.h"
#include "src/btf/elfinfo.h"
#include "src/btf/hostinfo.h"

struct btf;
struct bpf_object;

#define SYSFS_VMLINUX "/sys/kernel/btf/vmlinux"

enum kbtf_source {
	KBTF_NONE,
	KBTF_FILE,		/* --kernel-btf */
	KBTF_BLOB_BUILD_ID,	/* embedded, recorded kernel build-id == running kernel's: proven */
	KBTF_SYSFS,		/* /sys/kernel/btf/vmlinux */
	KBTF_BLOB_RELEASE,	/* embedded, same `uname -r` only: a weaker match */
};

struct kbtf_choice {
	enum kbtf_source source;
	const struct cp_store_entry *entry;	/* blobs */
	const char *file;			/* --kernel-btf */
	bool sysfs_present;
	bool build_id_differs;			/* release match whose recorded build-id is another */
};

/*
 * The kernel BTF, in this order: --kernel-btf; an embedded blob whose recorded kernel build-id
 * is the running kernel's (proven to describe it, so it is preferred even to sysfs: a few KB
 * instead of parsing several MB); /sys/kernel/btf/vmlinux unless no_sysfs; an embedded blob
 * of the same release (ties broken by distro, version and arch). Otherwise exit code 3 with
 * the closest embedded releases named. Pure: decides from its arguments only.
 */
int kbtf_choose(const struct cp_store *st, const struct host_info *h, const char *file,
		bool no_sysfs, bool sysfs_present, struct kbtf_choice *c);
const char *kbtf_source_name(enum kbtf_source s);
/* "debian/12/x86_64 6.1.0-50-amd64"-style description of an entry; the build host's own kernel
 * (CP_ENTRY_BUILD_HOST) is "build-host/x86_64 RELEASE" */
void store_entry_describe(const struct cp_store *st, const struct cp_store_entry *e, char *buf, size_t n);

enum abtf_source {
	ABTF_NONE,
	ABTF_FILE,		/* --app-btf */
	ABTF_BLOB,		/* embedded, keyed by the target's build-id */
	ABTF_SECTION,		/* the target's own .BTF section */
	ABTF_DWARF,		/* encoded from the target's DWARF (own or a debug file) */
};

struct abtf_choice {
	enum abtf_source source;
	const struct cp_store_entry *entry;
	const char *file;
	const char *read_path;	/* ABTF_SECTION: read the target's .BTF here (elf_info.read_path) */
	struct dwarf_file dwarf;	/* ABTF_DWARF: where its DWARF is */
};

/* The application BTF for a target: --app-btf, the embedded blob of its build-id, its own
 * .BTF section, its DWARF (dwarf_find with --debug-file/--debug-dir from env); else exit code 3
 * naming the binary, its build-id, every place looked at and how to add a blob. */
int abtf_choose(const struct cp_store *st, const char *target, const struct elf_info *ei,
		const char *file, struct abtf_choice *c);
const char *abtf_source_name(enum abtf_source s);

/* BTF from outside bytes (a file, a target's .BTF, an embedded blob): btf__new, or
 * btf__new_split on base, after the header checks libbpf does not make. libbpf checks that the
 * type section's offset is 4-aligned but not the header's length, so an odd hdr_len gave it
 * (and coreprobe) misaligned struct btf_type pointers (found by tests/fuzz/fuzz_btfmerge).
 * NULL with errno set on failure (libbpf style). */
struct btf *cp_btf_new(const void *data, size_t size, struct btf *base);
/* The same check on a header alone: 0, or -EINVAL when libbpf would be handed a misaligned
 * type section. Bytes that are not a BTF header at all are left to libbpf to refuse. */
int cp_btf_header_check(const void *data, size_t size);

/* Parses a BTF file given on the command line or found in a target: raw BTF, or the .BTF
 * section of an ELF (checked like any target). NULL with errno set on failure (libbpf style). */
struct btf *cp_btf_parse(const char *path);

/* The kernel's BTF (+ module split BTFs), loaded once and shared by every load of a run. */
struct kernel_btf {
	struct kbtf_choice choice;
	struct btf *vmlinux;		/* libbpf's: blobs, --kernel-btf files */
	struct btf *modules[4];
	struct btf_raw raw;		/* sysfs: read in place (then vmlinux is NULL) */
	struct btf_raw raw_modules[4];
	const char *module_names[4];
	int n_modules;
};

/* Loads the chosen kernel BTF; for sysfs, also the split BTF of each listed module present in
 * /sys/kernel/btf (libbpf does not look at module BTF once it is given a custom BTF). The
 * kernel's own sysfs BTF is read in place (struct btf_raw), never parsed by libbpf. */
int kernel_btf_load(struct kernel_btf *k, const struct cp_store *st, const char *const *modules);
void kernel_btf_free(struct kernel_btf *k);

/* The search options of the global --debug-file/--debug-dir (env). */
void dwarf_search_from_env(struct dwarf_search *s);

/* The BTF sources of one load: the shared kernel's, then the applications' (owned). An app
 * from DWARF is encoded when the BPF object is known (btf_handoff_fill): only the types its
 * relocations name. */
struct btf_set {
	struct btf *apps[8];
	struct dwarf_file *dwarf[8];	/* pending DWARF encodes, by app index (owned) */
	int app_src[8];			/* the srcs index of each app */
	int n_apps;
	struct btf_src srcs[1 + 4 + 8];
	int n_srcs;
};

void btf_set_init(struct btf_set *set, const struct kernel_btf *k);
int btf_set_load_app(struct btf_set *set, const struct cp_store *st, const char *target,
		     const struct abtf_choice *c);
void btf_set_free(struct btf_set *set);

/* The merged BTF handed to libbpf as btf_custom_path: a memfd seen as /proc/self/fd/N; only
 * without /proc, a private temp file that is unlinked right after the load. */
struct btf_handoff {
	int fd;
	char path[PATH_MAX];
	bool is_temp;
	struct merge_stats stats;
};
int btf_handoff_open(struct btf_handoff *h);
/* Writes the BTF for obj (pruned to what its relocations can touch) into the hand-off file. */
int btf_handoff_fill(struct btf_handoff *h, struct btf_set *set, const struct bpf_object *obj);
void btf_handoff_close(struct btf_handoff *h);

#endif
