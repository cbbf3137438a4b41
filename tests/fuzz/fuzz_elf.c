// SPDX-License-Identifier: BSD-2-Clause
/* The ELF inspector on fuzzed files: what coreprobe does to a target named on its command line
 * (elf_inspect_fd: checks, build-id from section or segment notes, .BTF presence;
 * elf_has_function: both symbol tables) and to an ELF it reads a section of (elf_read_section
 * of its own blob store, which then goes to store_parse; a target's .BTF, which libbpf parses).
 * The input is written to a memfd so that the code runs on a real file descriptor and path. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "src/btf/blobstore.h"
#include "src/btf/btfpick.h"
#include "src/btf/elfinfo.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_info ei;
	struct cp_store st;
	void *sec;
	size_t n;

	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	cp_error_clear();
	if (elf_inspect_fd(fd, path, &ei))
		return 0;	/* later steps would fail the same checks */
	cp_error_clear();
	elf_has_function(path, "add_test");
	cp_error_clear();
	elf_has_function(path, "SSL_write");
	cp_error_clear();
	if (elf_read_section(path, CP_STORE_SECTION, &sec, &n) == 0) {
		cp_error_clear();
		if (store_parse(&st, sec, n, path) == 0)
			store_free(&st);
	}
	cp_error_clear();
	if (elf_read_section(path, ".BTF", &sec, &n) == 0) {
		btf__free(cp_btf_new(sec, n, NULL));
		free(sec);
	}
	/* what --app-btf/--kernel-btf FILE and a target's own .BTF section go through */
	cp_error_clear();
	btf__free(cp_btf_parse(path));
	return 0;
}
