/*
 * atomic2volatile IN OUT
 *
 * Copies the ELF file IN to OUT, then rewrites, in OUT only, every abbreviation whose tag is
 * DW_TAG_atomic_type (0x47) into DW_TAG_volatile_type (0x35) inside .debug_abbrev.
 *
 * Why: pahole 1.24 does not know DW_TAG_atomic_type. On OpenSSL (whose headers use _Atomic
 * through the C11 atomics in its refcount code) it silently emits broken BTF: struct ssl_st
 * appears dozens of times and some typedefs resolve to void. BTF has no atomic qualifier but has
 * a volatile one; and the layout pahole encodes cannot change, because member offsets and
 * struct sizes come from DW_AT_data_member_location and DW_AT_byte_size, which are untouched:
 * only the qualifier on the type of the _Atomic members (reference counts, flags) changes.
 *
 * Only the abbreviation table is touched, in place, and each tag keeps its encoded length, so
 * no offset in .debug_info (which refers to abbreviations by code) or anywhere else moves.
 * The table is walked entry by entry (ULEB128 code, ULEB128 tag, children byte, ULEB128
 * attribute/form pairs ending in 0,0, with the extra SLEB128 of DW_FORM_implicit_const), so a
 * 0x47 byte that is not a tag is never changed.
 *
 * Prints "<count> atomic tag(s) rewritten, <n> abbreviations in <t> tables" on stdout.
 * Build: gcc -O2 -Wall -o atomic2volatile atomic2volatile.c -lelf
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DW_TAG_volatile_type 0x35
#define DW_TAG_atomic_type 0x47
#define DW_FORM_implicit_const 0x21

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "atomic2volatile: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void die_elf(const char *what)
{
	fprintf(stderr, "atomic2volatile: %s: %s\n", what, elf_errmsg(-1));
	exit(1);
}

/* Reads one LEB128 number at *pos (bounded by end); returns 0 on truncation. */
static int read_leb(const unsigned char *buf, size_t end, size_t *pos, uint64_t *val, int is_signed)
{
	uint64_t result = 0;
	unsigned shift = 0;
	unsigned char byte;

	do {
		if (*pos >= end)
			return 0;
		byte = buf[(*pos)++];
		if (shift < 64)
			result |= (uint64_t)(byte & 0x7f) << shift;
		shift += 7;
	} while (byte & 0x80);
	if (is_signed && shift < 64 && (byte & 0x40))
		result |= ~(uint64_t)0 << shift;
	*val = result;
	return 1;
}

/* Writes value as ULEB128 in exactly len bytes (padding with continuation bytes). */
static void write_uleb_fixed(unsigned char *p, size_t len, uint64_t value)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char byte = value & 0x7f;
		value >>= 7;
		if (i + 1 < len)
			byte |= 0x80;
		p[i] = byte;
	}
}

static void copy_file(const char *in, const char *out)
{
	int ifd = open(in, O_RDONLY);
	if (ifd < 0)
		die("cannot open %s", in);
	struct stat st;
	if (fstat(ifd, &st) < 0)
		die("cannot stat %s", in);
	int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 0777);
	if (ofd < 0)
		die("cannot create %s", out);
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(ifd, buf, sizeof buf)) > 0) {
		char *p = buf;
		while (n > 0) {
			ssize_t w = write(ofd, p, (size_t)n);
			if (w < 0)
				die("write error on %s", out);
			p += w;
			n -= w;
		}
	}
	if (n < 0)
		die("read error on %s", in);
	if (close(ofd) < 0)
		die("close error on %s", out);
	close(ifd);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], argv[2]) == 0)
		die("refusing to rewrite %s in place", argv[1]);
	copy_file(argv[1], argv[2]);

	if (elf_version(EV_CURRENT) == EV_NONE)
		die_elf("elf_version");
	int fd = open(argv[2], O_RDWR);
	if (fd < 0)
		die("cannot open %s", argv[2]);
	Elf *elf = elf_begin(fd, ELF_C_RDWR, NULL);
	if (!elf)
		die_elf("elf_begin");
	/* Keep the file layout exactly as it is: only bytes inside .debug_abbrev change. */
	elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);

	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		die_elf("elf_getshdrstrndx");

	Elf_Scn *scn = NULL, *abbrev = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			die_elf("gelf_getshdr");
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (strcmp(name, ".zdebug_abbrev") == 0)
			die("%s: GNU-compressed .zdebug_abbrev is not supported", argv[2]);
		if (strcmp(name, ".debug_abbrev") == 0) {
			if (sh.sh_flags & SHF_COMPRESSED)
				die("%s: compressed .debug_abbrev is not supported", argv[2]);
			abbrev = scn;
		}
	}
	if (!abbrev)
		die("%s: no .debug_abbrev section (built without -g?)", argv[2]);

	Elf_Data *data = elf_getdata(abbrev, NULL);
	if (!data || !data->d_buf)
		die_elf("elf_getdata");
	unsigned char *buf = data->d_buf;
	size_t end = data->d_size, pos = 0;
	unsigned long rewritten = 0, entries = 0, tables = 0;
	int in_table = 0;

	while (pos < end) {
		uint64_t code, tag, attr, form, cval;
		if (!read_leb(buf, end, &pos, &code, 0))
			die("%s: truncated abbreviation code", argv[2]);
		if (code == 0) { /* end of one CU's table; the next table (if any) follows */
			if (in_table)
				tables++;
			in_table = 0;
			continue;
		}
		in_table = 1;
		size_t tag_pos = pos;
		if (!read_leb(buf, end, &pos, &tag, 0))
			die("%s: truncated abbreviation tag", argv[2]);
		if (tag == DW_TAG_atomic_type) {
			write_uleb_fixed(buf + tag_pos, pos - tag_pos, DW_TAG_volatile_type);
			rewritten++;
		}
		if (pos >= end)
			die("%s: truncated children flag", argv[2]);
		pos++; /* DW_CHILDREN_yes / DW_CHILDREN_no */
		for (;;) {
			if (!read_leb(buf, end, &pos, &attr, 0) || !read_leb(buf, end, &pos, &form, 0))
				die("%s: truncated attribute specification", argv[2]);
			if (attr == 0 && form == 0)
				break;
			if (form == DW_FORM_implicit_const && !read_leb(buf, end, &pos, &cval, 1))
				die("%s: truncated implicit_const value", argv[2]);
		}
		entries++;
	}
	if (in_table)
		die("%s: last abbreviation table is not terminated", argv[2]);

	if (rewritten) {
		elf_flagdata(data, ELF_C_SET, ELF_F_DIRTY);
		if (elf_update(elf, ELF_C_WRITE) < 0)
			die_elf("elf_update");
	}
	elf_end(elf);
	if (close(fd) < 0)
		die("close error on %s", argv[2]);
	printf("%lu atomic tag(s) rewritten, %lu abbreviations in %lu tables\n", rewritten, entries,
	       tables);
	return 0;
}
