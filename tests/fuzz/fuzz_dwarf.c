// SPDX-License-Identifier: BSD-2-Clause
/* The DWARF path on fuzzed files: a debug file (ELF + DWARF, compressed sections included) and
 * optionally a dwz alt file, as coreprobe reads them for a target without BTF: the alt link,
 * every unit indexed, every type encoded (btf dwarf with no names), named types, and the
 * object-mode encode of the structs tool's names. Input: a selector byte (bit 0: an alt file
 * follows), then for an alt file a little-endian u32 length of the debug file, the debug file,
 * the alt file. Both are written to memfds, so libelf/libdw read real file descriptors. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "src/btf/dwarf.h"
#include "src/btf/dwfunc.h"
#include "src/btf/elfinfo.h"

static int fd = -1, alt_fd = -1;
static char path[64], alt_path[64];
static struct btf *local;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	fd = memfd_create("fuzz-dwarf", MFD_CLOEXEC);
	alt_fd = memfd_create("fuzz-dwarf-alt", MFD_CLOEXEC);
	if (fd < 0 || alt_fd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	snprintf(alt_path, sizeof(alt_path), "/proc/self/fd/%d", alt_fd);
	/* the names the structs object asks for */
	local = btf__new_empty();
	if (!local || btf__add_struct(local, "data", 12) < 0 || btf__add_typedef(local, "size_t", 0) < 0)
		abort();
	return 0;
}

static void put(int f, const uint8_t *d, size_t n)
{
	if (ftruncate(f, 0) || (n && pwrite(f, d, n, 0) != (ssize_t)n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "data", "shapes", "_IO_FILE", "size_t" };
	struct dwarf_file df = { 0 };
	struct btf *b = NULL;
	struct elf_info ei;
	uint32_t n;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (size < 5)
			return 0;
		memcpy(&n, data + 1, 4);
		if (n > size - 5)
			return 0;
		put(fd, data + 5, n);
		put(alt_fd, data + 5 + n, size - 5 - n);
		snprintf(df.alt_path, sizeof(df.alt_path), "%s", alt_path);
	} else {
		put(fd, data + 1, size - 1);
	}
	snprintf(df.path, sizeof(df.path), "%s", path);
	snprintf(df.build_id_hex, sizeof(df.build_id_hex), "fuzz");
	cp_error_clear();
	/* what a target's own .debug_info goes through first (the checked inspector) */
	if (elf_inspect(path, &ei) == 0) {
		struct dwarf_search s = { .debug_file = path };
		struct dwarf_file found;

		cp_error_clear();
		if (ei.build_id_len)
			dwarf_find("fuzz-target", &ei, &s, &found);	/* alt link, alt lookup */
	}
	cp_error_clear();
	if (dwarf_btf_encode(&df, NULL, 0, &b, NULL) == 0)
		btf__free(b);
	cp_error_clear();
	if (dwarf_btf_encode(&df, names, 4, &b, NULL) == 0)
		btf__free(b);
	cp_error_clear();
	{	/* every type, refused ones left out (the placeholder and second-pass path) */
		struct dwarf_refusals ref;

		if (dwarf_btf_encode_all(&df, &b, NULL, &ref) == 0)
			btf__free(b);
		dwarf_refusals_free(&ref);
	}
	cp_error_clear();
	if (dwarf_btf_for_object(&df, local, &b, NULL) == 0)
		btf__free(b);
	cp_error_clear();
	{	/* FUNC records (src/btf/dwfunc.c): every function with all types, refused ones left
		 * out; and one named function with strict types, as trace asks */
		static const char *const fn[] = { "add_test" };
		struct dwfunc_req all = { 0 }, one = { .names = fn, .n_names = 1 };
		struct dwarf_refusals ref;

		if (dwarf_btf_encode_funcs(&df, NULL, 0, &all, &b, NULL, &ref) == 0)
			btf__free(b);
		dwarf_refusals_free(&ref);
		dwarf_refusals_free(&all.refused);
		cp_error_clear();
		if (dwarf_btf_encode_funcs(&df, NULL, 0, &one, &b, NULL, NULL) == 0)
			btf__free(b);
		dwarf_refusals_free(&one.refused);
	}
	cp_error_clear();
	return 0;
}
