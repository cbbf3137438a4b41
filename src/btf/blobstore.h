/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The blob store: every BTF blob coreprobe carries, and the index that finds one.
 *
 * It is the content of the ELF section ".coreprobe.btf" of the coreprobe executable: linked in
 * at build time (embed/), rewritten in a copy by `coreprobe btf add`. The section is not
 * loaded into memory by the program headers: coreprobe reads it from its own executable file
 * (/proc/self/exe, else the path it was executed by), and only the index and the blobs it
 * needs, so start-up cost does not grow with the number of kernels carried.
 *
 * Format (version 2). All integers little-endian; all offsets are from the start of the
 * section and multiples of 4; every offset and size is checked before use.
 *
 *   header    struct cp_store_hdr    magic "CPBTF\0v2", sizes and offsets of the parts below,
 *                                    crc32 (zlib) of all bytes after the header
 *   entries   n_entries x struct cp_store_entry   one per key (a kernel or an app build)
 *   blobs     n_blobs x struct cp_store_blob      one per distinct minimized BTF
 *   strings   NUL-terminated strings; offset 0 is ""
 *   data      zlib streams, one per blob
 *
 * Entry keys:
 *   kernel: release (uname -r) + optional kernel GNU build-id (from the image's ELF notes,
 *           compared with /sys/kernel/notes at run time) + distro / version / arch, used only
 *           to break ties between equal releases.
 *   app:    the GNU build-id of the binary or library the BTF describes, + a name for humans
 *           (e.g. "libssl"). An app blob is only ever picked by build-id.
 * Several entries may share one blob (identical minimized BTF is stored once).
 *
 * Versions: v2 gave the entry's reserved u16 a meaning, flags (CP_ENTRY_*); a v1 store (flags
 * always 0) is still read. CP_ENTRY_BUILD_HOST marks the kernel blob taken from the build
 * host's /sys/kernel/btf: it has no distro or version, because the build host's os-release
 * names its userland, not the kernel it happens to run (a custom kernel on a Debian userland
 * is no Debian kernel). It is found by its build-id, or by release with arch alone to rank it.
 */
#ifndef COREPROBE_BLOBSTORE_H
#define COREPROBE_BLOBSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/btf/elfinfo.h"

#define CP_STORE_SECTION ".coreprobe.btf"
#define CP_STORE_MAGIC "CPBTF\0v2"
#define CP_STORE_MAGIC_V1 "CPBTF\0v1"
#define CP_STORE_MAX_RAW (64u << 20)	/* no minimized or full BTF comes near 64 MiB */

enum cp_blob_kind { CP_BLOB_KERNEL = 1, CP_BLOB_APP = 2 };

enum cp_entry_flags {
	CP_ENTRY_BUILD_HOST = 1 << 0,	/* kernel: the build host's own, from its sysfs */
	CP_ENTRY_FLAGS_KNOWN = CP_ENTRY_BUILD_HOST,
};

struct cp_store_hdr {
	char magic[8];
	uint32_t hdr_size;		/* sizeof(struct cp_store_hdr) */
	uint32_t entry_size;		/* sizeof(struct cp_store_entry) */
	uint32_t blob_size;		/* sizeof(struct cp_store_blob) */
	uint32_t n_entries, entries_off;
	uint32_t n_blobs, blobs_off;
	uint32_t strings_off, strings_size;
	uint32_t data_off, data_size;
	uint32_t crc;			/* crc32 of bytes [hdr_size, data_off + data_size) */
};

struct cp_store_entry {
	uint8_t kind;			/* enum cp_blob_kind */
	uint8_t build_id_len;		/* 0..BUILD_ID_MAX; required for apps */
	uint16_t flags;			/* CP_ENTRY_* (v2; 0 in v1) */
	uint32_t key_off;		/* kernel: release; app: name */
	uint32_t distro_off, version_off, arch_off; /* kernel tie-breakers; 0 = unknown */
	uint32_t blob;			/* index into the blob table */
	uint8_t build_id[BUILD_ID_MAX];
};

struct cp_store_blob {
	uint32_t data_off;		/* from the start of the data part */
	uint32_t comp_size, raw_size;
	uint32_t raw_crc;		/* crc32 of the decompressed BTF */
};

/* A validated, read-only view of a store held in memory. */
struct cp_store {
	unsigned char *buf;
	size_t size;
	const struct cp_store_hdr *hdr;
	const struct cp_store_entry *entries;
	const struct cp_store_blob *blobs;
	const char *strings;
	const unsigned char *data;
	char origin[256];		/* the file it came from (for messages) */
};

/* Takes ownership of buf (malloc'ed) and validates every offset, size and string. 0, or an
 * exit code with the error recorded; buf is freed on failure. */
int store_parse(struct cp_store *s, unsigned char *buf, size_t size, const char *origin);
/* Reads the store of this executable (or env.self_exe). An executable without the section
 * gives an empty store. */
int store_open_self(struct cp_store *s);
void store_free(struct cp_store *s);
const char *store_str(const struct cp_store *s, uint32_t off);
uint32_t store_count(const struct cp_store *s);
/* Decompresses blob i and checks its size and crc. *raw is malloc'ed. */
int store_blob_get(const struct cp_store *s, uint32_t blob, void **raw, size_t *raw_size);
/* Number of entries that point at blob i. */
unsigned store_blob_users(const struct cp_store *s, uint32_t blob);
/* Lookup of an app entry by build-id; NULL if none. */
const struct cp_store_entry *store_find_app(const struct cp_store *s, const unsigned char *id, int len);
/* Path of this executable, for reading the store and for `btf add`. */
const char *store_self_path(void);

/* Building a store (build time and `btf add`). */
struct store_builder;
struct store_builder *sb_new(void);
void sb_free(struct store_builder *b);
/* Copies every entry of an existing store (blobs are re-used as they are). */
int sb_add_store(struct store_builder *b, const struct cp_store *s);
/* Adds an entry; an entry with the same key replaces an earlier one (returns 1 then). */
int sb_add(struct store_builder *b, enum cp_blob_kind kind, const char *key,
	   const unsigned char *build_id, int build_id_len, const char *distro,
	   const char *version, const char *arch, const void *btf, size_t btf_size);
/* sb_add with entry flags (CP_ENTRY_*); CP_ENTRY_BUILD_HOST takes no distro or version. */
int sb_add_flagged(struct store_builder *b, enum cp_blob_kind kind, unsigned flags, const char *key,
		   const unsigned char *build_id, int build_id_len, const char *distro,
		   const char *version, const char *arch, const void *btf, size_t btf_size);
int sb_serialize(struct store_builder *b, unsigned char **out, size_t *size);

#endif
