// SPDX-License-Identifier: BSD-2-Clause
/*
 * The sections of a debug file that the DWARF -> BTF encoder reads, inflated once into an
 * in-memory ELF image for libdw (dwarf_begin_elf over elf_memory).
 *
 * Why not hand the file to libdw as it is: dwarf_begin_elf inflates every compressed DWARF
 * section it knows before returning, and in Debian's debug files (objcopy
 * --compress-debug-sections) .debug_line and .debug_loclists are as large as .debug_info
 * together — sections that describe code, never types. Inflating them was most of the start-up
 * encode of libcrypto. libdw has no option to leave sections out, so the image holds only
 * .debug_info, .debug_types, .debug_abbrev, .debug_str, .debug_str_offsets, .debug_line_str,
 * .debug_addr and .gnu_debugaltlink — what DIEs, their names and their references use — and
 * libdw reads them exactly as it would read the file (same section contents; the dropped ones
 * it would not consult for any call the encoder makes). libdeflate inflates (zlib's own inflate
 * is about 2.5x slower on these files; the data format is the same zlib stream).
 */
#include <gelf.h>
#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "src/btf/dwimage.h"
#include "src/common.h"

enum { SECT_DROP, SECT_KEEP, SECT_FALLBACK };

/* Which sections go into the image. Names as libdw's dwarf_begin_elf matches them (exact). */
static int classify(const char *name, bool *gnu_z, const char **base)
{
	static const char *const keep[] = { "info", "types", "abbrev", "str", "str_offsets", "line_str", "addr" };
	size_t len = strlen(name);

	*gnu_z = false;
	*base = NULL;
	if (!strcmp(name, ".gnu_debugaltlink")) {
		*base = name;
		return SECT_KEEP;
	}
	if (!strncmp(name, ".gnu.debuglto_", 14))
		return SECT_FALLBACK;	/* LTO sections: libdw's choice among sets is its own */
	if (!strncmp(name, ".debug_", 7)) {
		*base = name + 7;
	} else if (!strncmp(name, ".zdebug_", 8)) {
		*base = name + 8;
		*gnu_z = true;
	} else {
		return SECT_DROP;
	}
	if (len > 4 && !strcmp(name + len - 4, ".dwo"))
		return SECT_FALLBACK;	/* split DWARF */
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
		if (!strcmp(*base, keep[i]))
			return SECT_KEEP;
	return SECT_DROP;
}

struct part {
	Elf_Scn *scn;
	const char *name;	/* the name in the image: always the plain .debug_ one */
	const char *orig;	/* the name in the file */
	char namebuf[32];
	const unsigned char *in;	/* compressed payload, or the data itself */
	size_t in_n, out_n, off;
	bool inflate;
};

static int damaged(const char *path, const char *name, const char *why)
{
	return cp_error(CP_EUSAGE, "%s: compressed section %s does not decompress (%s): the debug file is damaged, reinstall it",
			path, name, why);
}

static const char *deflate_why(enum libdeflate_result r)
{
	switch (r) {
	case LIBDEFLATE_BAD_DATA: return "invalid compressed data";
	case LIBDEFLATE_SHORT_OUTPUT: return "shorter than its header says";
	case LIBDEFLATE_INSUFFICIENT_SPACE: return "longer than its header says";
	default: return "inflate failed";
	}
}

/* The bytes a section contributes: its data, or its compressed payload and inflated size. */
static int section_input(Elf_Scn *scn, const GElf_Shdr *sh, bool gnu_z, const char *path, const char *name,
			 struct part *p)
{
	Elf_Data *d = elf_rawdata(scn, NULL);

	if (!d || (sh->sh_size && !d->d_buf) || d->d_size != sh->sh_size)
		return cp_error(CP_EUSAGE, "%s: section %s cannot be read (%s): the debug file is truncated or damaged, reinstall it",
				path, name, elf_errmsg(-1));
	p->in = d->d_buf;
	p->in_n = d->d_size;
	p->out_n = d->d_size;
	if (sh->sh_flags & SHF_COMPRESSED) {
		GElf_Chdr ch;

		if (gnu_z)
			return DW_IMAGE_NONE;
		if (!gelf_getchdr(scn, &ch))
			return damaged(path, name, elf_errmsg(-1));
		if (ch.ch_type != ELFCOMPRESS_ZLIB)
			return damaged(path, name, "not zlib");
		if (p->in_n < sizeof(Elf64_Chdr))
			return damaged(path, name, "truncated header");
		p->in += sizeof(Elf64_Chdr);
		p->in_n -= sizeof(Elf64_Chdr);
		p->out_n = ch.ch_size;
		p->inflate = true;
	} else if (gnu_z) {
		/* .zdebug_*: "ZLIB", the inflated size as 8 bytes big-endian, the zlib stream */
		if (p->in_n < 12 || memcmp(p->in, "ZLIB", 4))
			return damaged(path, name, "no ZLIB header");
		p->out_n = 0;
		for (int i = 4; i < 12; i++)
			p->out_n = p->out_n << 8 | p->in[i];
		p->in += 12;
		p->in_n -= 12;
		p->inflate = true;
	}
	/* deflate expands at most ~1032:1: a larger claim is damage, not a reason to allocate */
	if (p->inflate && p->out_n / 1032 > p->in_n + 64)
		return damaged(path, name, "its size header is impossible");
	return 0;
}

/* The image's memory, zeroed (the padding between sections). Its own mapping rather than
 * calloc's so that its pages are faulted in by one mmap (MAP_POPULATE) instead of one fault per
 * 4 KiB page while inflating (libcrypto's encode: 5885 -> 4266 page faults). Not THP
 * (MADV_HUGEPAGE): with "defrag: madvise" (the default here) the encode's wall time was 2-4x
 * its CPU time, the allocation waiting for compaction. */
static unsigned char *image_alloc(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
}

void dw_image_free(struct dw_image *img)
{
	if (img->elf)
		elf_end(img->elf);
	if (img->buf)
		munmap(img->buf, img->len);
	memset(img, 0, sizeof(*img));
}

static void note_section(struct dw_image *img, const char *name, const unsigned char *p, size_t n)
{
	struct { const char *name; struct dw_sect *s; } map[] = {
		{ ".debug_info", &img->info }, { ".debug_types", &img->types }, { ".debug_abbrev", &img->abbrev },
		{ ".debug_str", &img->str }, { ".debug_line_str", &img->line_str },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(name, map[i].name)) {
			map[i].s->p = p;
			map[i].s->n = n;
		}
}

int dw_image_load(Elf *file, const char *path, struct dw_image *img)
{
	struct part parts[16];
	int nparts = 0, err = 0;
	size_t shstrndx, strsz = 1 + sizeof(".shstrtab"), off, shoff, len;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	struct libdeflate_decompressor *dec = NULL;
	bool have_info = false;
	static const uint16_t one = 1;
	const int host_data = *(const unsigned char *)&one ? ELFDATA2LSB : ELFDATA2MSB;

	memset(img, 0, sizeof(*img));
	if (!gelf_getehdr(file, &eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != host_data ||
	    elf_getshdrstrndx(file, &shstrndx))
		return DW_IMAGE_NONE;
	while ((scn = elf_nextscn(file, scn))) {
		GElf_Shdr sh;
		const char *n, *base;
		bool gnu_z, dup = false;
		int c, r;

		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(file, shstrndx, sh.sh_name)))
			return DW_IMAGE_NONE;
		c = classify(n, &gnu_z, &base);
		if (c == SECT_FALLBACK)
			return DW_IMAGE_NONE;
		/* what libdw skips: no file bytes, in a section group, or empty */
		if (c == SECT_DROP || sh.sh_type == SHT_NOBITS || (sh.sh_flags & SHF_GROUP) || !sh.sh_size)
			continue;
		if (nparts == ARRAY_SIZE(parts))
			return DW_IMAGE_NONE;
		struct part *p = &parts[nparts];

		memset(p, 0, sizeof(*p));
		if (base == n)
			snprintf(p->namebuf, sizeof(p->namebuf), "%s", n);
		else
			snprintf(p->namebuf, sizeof(p->namebuf), ".debug_%s", base);
		p->name = p->namebuf;
		p->orig = n;
		for (int i = 0; i < nparts; i++)
			dup |= !strcmp(parts[i].name, p->name);
		if (dup)
			continue;	/* libdw uses the first of a name */
		if ((r = section_input(scn, &sh, gnu_z, path, n, p)))
			return r;	/* DW_IMAGE_NONE or an error */
		if (!p->out_n)
			continue;	/* inflates to nothing: libdw leaves it out too */
		p->scn = scn;
		have_info |= !strcmp(p->name, ".debug_info");
		strsz += strlen(p->name) + 1;
		nparts++;
	}
	if (!have_info)
		return DW_IMAGE_NONE;	/* libdw's own rules (and messages) for a file without types */

	/* ELF header, the sections 8-aligned, the section names, the section headers */
	off = sizeof(Elf64_Ehdr);
	for (int i = 0; i < nparts; i++) {
		parts[i].off = off;
		off = (off + parts[i].out_n + 7) & ~(size_t)7;
	}
	size_t stroff = off;

	shoff = (stroff + strsz + 7) & ~(size_t)7;
	len = shoff + (nparts + 2) * sizeof(Elf64_Shdr);
	if ((img->buf = image_alloc(len)) == MAP_FAILED) {
		img->buf = NULL;
		return cp_error(CP_ERUNTIME, "out of memory (%zu bytes for %s's DWARF)", len, path);
	}
	img->len = len;
	for (int i = 0; i < nparts && !err; i++) {
		struct part *p = &parts[i];
		unsigned char *dst = img->buf + p->off;

		if (!p->inflate) {
			memcpy(dst, p->in, p->out_n);
		} else {
			size_t got = 0;
			enum libdeflate_result r;

			if (!dec && !(dec = libdeflate_alloc_decompressor())) {
				err = cp_error(CP_ERUNTIME, "out of memory");
				break;
			}
			r = libdeflate_zlib_decompress(dec, p->in, p->in_n, dst, p->out_n, &got);
			if (r == LIBDEFLATE_SUCCESS && got != p->out_n)
				r = LIBDEFLATE_SHORT_OUTPUT;
			if (r != LIBDEFLATE_SUCCESS)
				err = damaged(path, p->orig, deflate_why(r));
		}
		note_section(img, p->name, dst, p->out_n);
	}
	if (dec)
		libdeflate_free_decompressor(dec);
	if (err) {
		dw_image_free(img);
		return err;
	}

	Elf64_Ehdr *h = (Elf64_Ehdr *)img->buf;
	Elf64_Shdr *s = (Elf64_Shdr *)(img->buf + shoff);
	char *names = (char *)img->buf + stroff;
	size_t np = 1;

	memcpy(h->e_ident, eh.e_ident, EI_NIDENT);
	h->e_type = eh.e_type;
	h->e_machine = eh.e_machine;
	h->e_version = EV_CURRENT;
	h->e_flags = eh.e_flags;
	h->e_ehsize = sizeof(Elf64_Ehdr);
	h->e_shentsize = sizeof(Elf64_Shdr);
	h->e_shoff = shoff;
	h->e_shnum = nparts + 2;
	h->e_shstrndx = nparts + 1;
	for (int i = 0; i < nparts; i++) {
		s[i + 1] = (Elf64_Shdr){ .sh_name = np, .sh_type = SHT_PROGBITS, .sh_offset = parts[i].off,
					 .sh_size = parts[i].out_n, .sh_addralign = 1 };
		strcpy(names + np, parts[i].name);
		np += strlen(parts[i].name) + 1;
	}
	strcpy(names + np, ".shstrtab");
	s[nparts + 1] = (Elf64_Shdr){ .sh_name = np, .sh_type = SHT_STRTAB, .sh_offset = stroff,
				      .sh_size = np + sizeof(".shstrtab"), .sh_addralign = 1 };
	if (!(img->elf = elf_memory((char *)img->buf, img->len)) || elf_kind(img->elf) != ELF_K_ELF) {
		dw_image_free(img);
		return DW_IMAGE_NONE;
	}
	return 0;
}
