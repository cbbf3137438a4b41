/* SPDX-License-Identifier: BSD-2-Clause */
/* What coreprobe needs to know about an ELF file it did not build: is it a whole ELF for this
 * machine, its GNU build-id, whether it has a symbol or a section. Targets are outside input:
 * every offset is checked against the file's size before it is trusted. */
#ifndef COREPROBE_ELFINFO_H
#define COREPROBE_ELFINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BUILD_ID_MAX 64

struct elf_info {
	unsigned char build_id[BUILD_ID_MAX];
	int build_id_len;		/* 0: none */
	char build_id_hex[2 * BUILD_ID_MAX + 1];
	bool has_btf;			/* a .BTF section is present */
	dev_t dev;			/* identity of the file inspected (time-of-check) */
	ino_t ino;
	/* Set by a caller that keeps the inspected fd open: a name of that very file
	 * (/proc/self/fd/N) for every later read and for the attach, so that a rename over the
	 * target's path cannot substitute another file. NULL: the path itself. */
	const char *read_path;
};

/* Opens PATH, checks it is a complete ELF for this machine, reads build-id and .BTF presence.
 * Returns 0 or an exit code with the error recorded (names PATH and the fix). */
int elf_inspect(const char *path, struct elf_info *info);
/* Same, on a file already open (the caller keeps the fd for the time-of-check comparison). */
int elf_inspect_fd(int fd, const char *path, struct elf_info *info);
/* Is NAME a defined function in PATH's .symtab or .dynsym? 1 yes, 0 no, <0 error code. */
int elf_has_function(const char *path, const char *name);
/* Does function FROM of PATH do nothing but jump to function TO, with its first three
 * arguments as it got them (a direct jump, or through the PLT slot bound to TO)? 1 proven,
 * 0 not proven, <0 error code. The decoders are apart for the unit tests. */
int elf_func_tail_calls(const char *path, const char *from, const char *to);
int elf_thunk_target(int machine, const uint8_t *code, size_t n, uint64_t addr, uint64_t *target);
int elf_plt_slot(int machine, const uint8_t *code, size_t n, uint64_t addr, uint64_t *slot);
/* Copies section NAME of PATH into a malloc'ed buffer (*data, *size). 0, or an exit code;
 * a missing section is -1 with nothing recorded. */
int elf_read_section(const char *path, const char *name, void **data, size_t *size);
/* Finds the GNU build-id in a buffer of ELF notes (e.g. /sys/kernel/notes). Returns its
 * length, or 0 when absent or malformed. */
int notes_find_build_id(const void *notes, size_t len, unsigned char *id, size_t max);
/* Our machine's e_machine value. */
int elf_host_machine(void);

/* Writes to dst_fd a copy of the ELF file src whose section NAME holds data instead: the new
 * content goes after the end of the old file, followed by the section header table; nothing
 * else moves, so the program's segments stay valid. 0 or an exit code. */
int elf_copy_replace_section(const char *src, int dst_fd, const char *dst_name, const char *name,
			     const void *data, size_t size);

#endif
