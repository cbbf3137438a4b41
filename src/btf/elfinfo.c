// SPDX-License-Identifier: BSD-2-Clause
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/common.h"
#include "src/btf/elfinfo.h"

int elf_host_machine(void)
{
#if defined(__x86_64__)
	return EM_X86_64;
#elif defined(__aarch64__)
	return EM_AARCH64;
#else
#error "unsupported architecture"
#endif
}

static const char *machine_name(int m)
{
	switch (m) {
	case EM_X86_64: return "x86-64";
	case EM_AARCH64: return "aarch64";
	case EM_386: return "i386";
	case EM_ARM: return "arm";
	case EM_RISCV: return "riscv";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	default: return "another architecture";
	}
}

static bool libelf_ready(void)
{
	static int ok = -1;

	if (ok < 0)
		ok = elf_version(EV_CURRENT) != EV_NONE;
	return ok;
}

/* Walks one buffer of notes with libelf's note parser; fills info on NT_GNU_BUILD_ID. */
static bool build_id_from_notes(Elf_Data *data, unsigned char *id, size_t max, int *len)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp((char *)data->d_buf + name_off, "GNU", 4) != 0)
			continue;
		if (nh.n_descsz == 0 || nh.n_descsz > max)
			return false;
		memcpy(id, (char *)data->d_buf + desc_off, nh.n_descsz);
		*len = nh.n_descsz;
		return true;
	}
	return false;
}

int notes_find_build_id(const void *notes, size_t len, unsigned char *id, size_t max)
{
	Elf_Data data = {
		.d_buf = (void *)notes, .d_size = len, .d_type = ELF_T_NHDR,
		.d_version = EV_CURRENT,
	};
	int n = 0;

	if (!libelf_ready() || len < 12)
		return 0;
	return build_id_from_notes(&data, id, max, &n) ? n : 0;
}

/* Every section and loadable segment must lie inside the file: libelf trusts the headers. */
static int check_extents(Elf *elf, const char *path, off_t fsize)
{
	size_t shnum = 0, phnum = 0;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;

	if (!gelf_getehdr(elf, &eh) || elf_getshdrnum(elf, &shnum) || elf_getphdrnum(elf, &phnum))
		return cp_error(CP_EUSAGE, "%s: damaged ELF headers (%s): copy the file again",
				path, elf_errmsg(-1));
	/* the header tables themselves must be inside the file (libelf may report no sections
	 * at all for a table past the end, so the raw header counts too) */
	if (eh.e_shnum > shnum)
		shnum = eh.e_shnum;
	if (eh.e_phnum > phnum && eh.e_phnum != PN_XNUM)
		phnum = eh.e_phnum;
	if ((shnum && (eh.e_shoff > (GElf_Off)fsize ||
		       (GElf_Off)shnum * sizeof(Elf64_Shdr) > (GElf_Off)fsize - eh.e_shoff)) ||
	    (phnum && (eh.e_phoff > (GElf_Off)fsize ||
		       (GElf_Off)phnum * sizeof(Elf64_Phdr) > (GElf_Off)fsize - eh.e_phoff)))
		return cp_error(CP_EUSAGE, "%s: truncated ELF (header tables end past the file's %lld bytes): copy the file again",
				path, (long long)fsize);
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph))
			return cp_error(CP_EUSAGE, "%s: damaged program header %zu: copy the file again", path, i);
		/* a segment with no file bytes may point anywhere: objcopy --only-keep-debug (a
		 * distribution's debug file) keeps the headers with filesz 0, and with arm64's 64 KB
		 * alignment their offsets lie past the end of the small file */
		if (ph.p_filesz && (ph.p_offset > (GElf_Off)fsize || ph.p_filesz > (GElf_Off)fsize - ph.p_offset))
			return cp_error(CP_EUSAGE, "%s: truncated ELF (segment %zu ends past the file's %lld bytes): copy the file again",
					path, i, (long long)fsize);
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			return cp_error(CP_EUSAGE, "%s: damaged section header: copy the file again", path);
		if (sh.sh_type == SHT_NOBITS)
			continue;
		if (sh.sh_offset > (GElf_Off)fsize || sh.sh_size > (GElf_Off)fsize - sh.sh_offset)
			return cp_error(CP_EUSAGE, "%s: truncated ELF (section %zu ends past the file's %lld bytes): copy the file again",
					path, elf_ndxscn(scn), (long long)fsize);
	}
	return 0;
}

static void find_build_id(Elf *elf, struct elf_info *info)
{
	Elf_Scn *scn = NULL;
	size_t phnum = 0;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		if ((d = elf_getdata(scn, NULL)) &&
		    build_id_from_notes(d, info->build_id, sizeof(info->build_id), &info->build_id_len))
			return;
	}
	/* No section headers (e.g. sstrip'ed): try the PT_NOTE segments. */
	if (elf_getphdrnum(elf, &phnum))
		return;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		Elf_Data *d;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_NOTE)
			continue;
		d = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (d && build_id_from_notes(d, info->build_id, sizeof(info->build_id), &info->build_id_len))
			return;
	}
}

static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *out)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, out))
			continue;
		n = elf_strptr(elf, shstrndx, out->sh_name);
		if (n && strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}

/* Opens the ELF read-only after checking ident, class, machine and extents. */
static int open_elf(int fd, const char *path, Elf **out)
{
	struct stat st;
	unsigned char ident[EI_NIDENT];
	GElf_Ehdr eh;
	Elf *elf;
	int err;

	if (!libelf_ready())
		return cp_error(CP_ERUNTIME, "libelf initialisation failed");
	if (fstat(fd, &st))
		return cp_error(CP_ERUNTIME, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cp_error(CP_EUSAGE, "%s: not a regular file: give the path of the program or library", path);
	if (pread(fd, ident, sizeof(ident), 0) != sizeof(ident) || memcmp(ident, ELFMAG, SELFMAG) != 0)
		return cp_error(CP_EUSAGE, "%s: not an ELF file: give the path of the program or library itself, not a script or wrapper", path);
	if (ident[EI_CLASS] != ELFCLASS64)
		return cp_error(CP_EUSAGE, "%s: 32-bit ELF: coreprobe traces 64-bit %s programs only",
				path, machine_name(elf_host_machine()));
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		if (elf)
			elf_end(elf);
		return cp_error(CP_EUSAGE, "%s: truncated or damaged ELF (%s): copy the file again",
				path, elf_errmsg(-1));
	}
	if (eh.e_machine != elf_host_machine()) {
		elf_end(elf);
		return cp_error(CP_EUSAGE, "%s: ELF for %s, this machine is %s: trace a binary built for this machine",
				path, machine_name(eh.e_machine), machine_name(elf_host_machine()));
	}
	if ((err = check_extents(elf, path, st.st_size))) {
		elf_end(elf);
		return err;
	}
	*out = elf;
	return 0;
}

int elf_inspect_fd(int fd, const char *path, struct elf_info *info)
{
	GElf_Shdr sh;
	struct stat st;
	Elf *elf;
	int err;

	memset(info, 0, sizeof(*info));
	if ((err = open_elf(fd, path, &elf)))
		return err;
	if (fstat(fd, &st) == 0) {
		info->dev = st.st_dev;
		info->ino = st.st_ino;
	}
	find_build_id(elf, info);
	hex_encode(info->build_id, info->build_id_len, info->build_id_hex);
	/* a NOBITS .BTF has no bytes in the file: no BTF */
	info->has_btf = find_section(elf, ".BTF", &sh) != NULL && sh.sh_type != SHT_NOBITS;
	elf_end(elf);
	return 0;
}

static int open_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			cp_error(CP_EUSAGE, "%s: no such file: give the path of the binary to trace", path);
		else
			cp_error(CP_EUSAGE, "%s: cannot open: %s", path, strerror(errno));
	}
	return fd;
}

int elf_inspect(const char *path, struct elf_info *info)
{
	int fd = open_path(path), err;

	if (fd < 0)
		return cp_errcode();
	err = elf_inspect_fd(fd, path, info);
	close(fd);
	return err;
}

static bool symtab_has_function(Elf *elf, Elf_Scn *scn, GElf_Shdr *sh, const char *name)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n;

	if (!d || !sh->sh_entsize)
		return false;
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *s;
		int type;

		if (!gelf_getsym(d, i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF)
			continue;
		s = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!s)
			continue;
		/* versioned names (SSL_write@@OPENSSL_3.0.0) match their base name */
		if (strncmp(s, name, strlen(name)) == 0 && (s[strlen(name)] == 0 || s[strlen(name)] == '@'))
			return true;
	}
	return false;
}

int elf_has_function(const char *path, const char *name)
{
	Elf_Scn *scn = NULL;
	bool found = false;
	Elf *elf;
	int fd = open_path(path), err;

	if (fd < 0)
		return -cp_errcode();
	if ((err = open_elf(fd, path, &elf))) {
		close(fd);
		return -err;
	}
	while (!found && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM))
			found = symtab_has_function(elf, scn, &sh, name);
	}
	elf_end(elf);
	close(fd);
	return found;
}

int elf_read_section(const char *path, const char *name, void **data, size_t *size)
{
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *d;
	Elf *elf;
	int fd = open_path(path), err;

	if (fd < 0)
		return cp_errcode();
	if ((err = open_elf(fd, path, &elf))) {
		close(fd);
		return err;
	}
	scn = find_section(elf, name, &sh);
	if (!scn || sh.sh_type == SHT_NOBITS) {
		elf_end(elf);
		close(fd);
		return -1;
	}
	d = elf_rawdata(scn, NULL);
	if (!d || d->d_size != sh.sh_size || !(*data = malloc(d->d_size ? d->d_size : 1))) {
		elf_end(elf);
		close(fd);
		return cp_error(CP_ERUNTIME, "%s: cannot read section %s", path, name);
	}
	if (d->d_size)		/* an empty section has no buffer (d_buf NULL) */
		memcpy(*data, d->d_buf, d->d_size);
	*size = d->d_size;
	elf_end(elf);
	close(fd);
	return 0;
}

static int copy_fd(int from, int to)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(from, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(to, buf + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			off += w;
		}
	}
	return 0;
}

int elf_copy_replace_section(const char *src, int dst_fd, const char *dst_name, const char *name,
			     const void *data, size_t size)
{
	GElf_Ehdr eh;
	GElf_Shdr sh;
	Elf_Data *d;
	Elf_Scn *scn;
	Elf *elf;
	off_t end;
	int fd = open_path(src), err;

	if (fd < 0)
		return cp_errcode();
	/* validate the source as any other ELF input, then copy it byte for byte */
	if ((err = open_elf(fd, src, &elf))) {
		close(fd);
		return err;
	}
	elf_end(elf);
	if (lseek(fd, 0, SEEK_SET) < 0 || copy_fd(fd, dst_fd) || (end = lseek(dst_fd, 0, SEEK_END)) < 0) {
		close(fd);
		return cp_error(CP_ERUNTIME, "copying %s to %s: %s", src, dst_name, strerror(errno));
	}
	close(fd);

	elf = elf_begin(dst_fd, ELF_C_RDWR, NULL);
	if (!elf || !gelf_getehdr(elf, &eh))
		goto fail;
	if (!(scn = find_section(elf, name, &sh)))
		goto fail;
	/* We place the section ourselves: libelf must not re-lay out an executable. */
	elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);
	if (!(d = elf_getdata(scn, NULL)))
		goto fail;
	d->d_buf = (void *)data;
	d->d_size = size;
	d->d_off = 0;
	d->d_align = 1;
	elf_flagdata(d, ELF_C_SET, ELF_F_DIRTY);
	sh.sh_offset = (end + 7) & ~(off_t)7;
	sh.sh_size = size;
	sh.sh_addralign = 1;
	if (!gelf_update_shdr(scn, &sh))
		goto fail;
	eh.e_shoff = (sh.sh_offset + size + 7) & ~(GElf_Off)7;
	if (!gelf_update_ehdr(elf, &eh) || elf_update(elf, ELF_C_WRITE) < 0)
		goto fail;
	elf_end(elf);
	return 0;
fail:
	err = cp_error(CP_ERUNTIME, "writing %s: %s", dst_name, elf_errmsg(-1));
	if (elf)
		elf_end(elf);
	return err;
}

/* ---- Is a function only a tail call of another? (elf_func_tail_calls) ----
 * Why by hand: no dependency of ours decodes machine code. The check is deliberately narrow:
 * a few instructions that only set registers other than the first three arguments, then one
 * direct jump to TO itself or to the PLT entry whose GOT slot the dynamic linker binds to TO.
 * Anything else is "not proven" and the caller keeps its general route. */

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* x86-64: rdi, rsi, rdx carry the first three arguments; rsp the return address */
static bool x86_reg_kept(int reg)
{
	return reg != 7 && reg != 6 && reg != 2 && reg != 4;
}

static int x86_thunk_target(const uint8_t *p, size_t n, uint64_t addr, uint64_t *target)
{
	size_t i = 0;

	if (n >= 4 && !memcmp(p, "\xf3\x0f\x1e\xfa", 4))	/* endbr64 */
		i = 4;
	for (int k = 0; k < 4 && i < n; k++) {
		uint8_t rex = (p[i] & 0xf0) == 0x40 ? p[i] : 0;
		size_t j = i + (rex != 0);

		if (j + 1 < n && (p[j] == 0x31 || p[j] == 0x33) && (p[j + 1] & 0xc0) == 0xc0) {
			/* xor r, r: zeroes r */
			int reg = ((p[j + 1] >> 3) & 7) | (rex & 4 ? 8 : 0), rm = (p[j + 1] & 7) | (rex & 1 ? 8 : 0);

			if (reg != rm || !x86_reg_kept(reg))
				return 0;
			i = j + 2;
		} else if (j + 4 < n && (p[j] & 0xf8) == 0xb8 && !(rex & 8)) {
			/* mov $imm32, r32 */
			if (!x86_reg_kept((p[j] & 7) | (rex & 1 ? 8 : 0)))
				return 0;
			i = j + 5;
		} else if (rex) {
			return 0;
		} else {
			break;
		}
	}
	if (i + 5 <= n && p[i] == 0xe9) {	/* jmp rel32 */
		*target = addr + i + 5 + (int64_t)(int32_t)le32(p + i + 1);
		return 1;
	}
	if (i + 2 <= n && p[i] == 0xeb) {	/* jmp rel8 */
		*target = addr + i + 2 + (int8_t)p[i + 1];
		return 1;
	}
	return 0;
}

/* arm64: x0..x2 carry the first three arguments */
static int arm64_thunk_target(const uint8_t *p, size_t n, uint64_t addr, uint64_t *target)
{
	size_t i = 0;

	if (n >= 4 && le32(p) == 0xd503245f)	/* bti c */
		i = 4;
	for (int k = 0; k < 4 && i + 4 <= n; k++, i += 4) {
		uint32_t insn = le32(p + i);

		if ((insn & 0x7f800000) != 0x52800000)	/* movz wN/xN, #imm */
			break;
		if ((insn & 31) <= 2)
			return 0;
	}
	if (i + 4 <= n && (le32(p + i) & 0xfc000000) == 0x14000000) {	/* b imm26 */
		int32_t imm = (int32_t)(le32(p + i) << 6) >> 6;

		*target = addr + i + (int64_t)imm * 4;
		return 1;
	}
	return 0;
}

int elf_thunk_target(int machine, const uint8_t *code, size_t n, uint64_t addr, uint64_t *target)
{
	if (machine == EM_X86_64)
		return x86_thunk_target(code, n, addr, target);
	if (machine == EM_AARCH64)
		return arm64_thunk_target(code, n, addr, target);
	return 0;
}

int elf_plt_slot(int machine, const uint8_t *p, size_t n, uint64_t addr, uint64_t *slot)
{
	size_t i = 0;

	if (machine == EM_X86_64) {
		if (n >= 4 && !memcmp(p, "\xf3\x0f\x1e\xfa", 4))	/* endbr64 (.plt.sec) */
			i = 4;
		if (i < n && p[i] == 0xf2)	/* bnd */
			i++;
		if (i + 6 > n || p[i] != 0xff || p[i + 1] != 0x25)	/* jmp *disp32(%rip) */
			return 0;
		*slot = addr + i + 6 + (int64_t)(int32_t)le32(p + i + 2);
		return 1;
	}
	if (machine == EM_AARCH64) {
		uint32_t adrp, ldr;
		int64_t page;

		if (n >= 4 && le32(p) == 0xd503245f)	/* bti c */
			i = 4;
		if (i + 8 > n)
			return 0;
		adrp = le32(p + i);
		ldr = le32(p + i + 4);
		/* adrp x16, page; ldr x17, [x16, #off] */
		if ((adrp & 0x9f00001f) != 0x90000010 || (ldr & 0xffc003ff) != 0xf9400211)
			return 0;
		page = (int64_t)((uint64_t)(((adrp >> 5) & 0x7ffff) << 2 | ((adrp >> 29) & 3)) << 43) >> 31;
		*slot = ((addr + i) & ~(uint64_t)0xfff) + page + ((ldr >> 10) & 0xfff) * 8;
		return 1;
	}
	return 0;
}

/* A defined function symbol's value and size, from .dynsym or .symtab. */
static bool find_function(Elf *elf, const char *name, GElf_Sym *out)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			const char *s;

			if (!gelf_getsym(d, i, out))
				break;
			if ((GELF_ST_TYPE(out->st_info) != STT_FUNC) || out->st_shndx == SHN_UNDEF)
				continue;
			if ((s = elf_strptr(elf, sh.sh_link, out->st_name)) && !strcmp(s, name))
				return true;
		}
	}
	return false;
}

/*
 * Up to n bytes at virtual address addr of an executable section, read from the file with
 * pread: never through libelf's mapping, since a mapping of a file that has uprobes gets the
 * kernel's breakpoint bytes (int3, brk) at the probed addresses, other tracers' included.
 * Returns how many bytes were read (0: none), and the section's name.
 */
static size_t code_at(Elf *elf, int fd, uint64_t addr, uint8_t *buf, size_t n, const char **sec)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		ssize_t got;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    addr < sh.sh_addr || addr >= sh.sh_addr + sh.sh_size)
			continue;
		if (n > sh.sh_addr + sh.sh_size - addr)
			n = sh.sh_addr + sh.sh_size - addr;
		got = pread(fd, buf, n, sh.sh_offset + (addr - sh.sh_addr));
		*sec = elf_strptr(elf, shstrndx, sh.sh_name);
		return got > 0 ? (size_t)got : 0;
	}
	return 0;
}

/* Is the GOT slot at addr bound to symbol NAME by a JUMP_SLOT relocation? */
static bool slot_binds(Elf *elf, int machine, uint64_t addr, const char *name)
{
	unsigned jump_slot = machine == EM_X86_64 ? R_X86_64_JUMP_SLOT : R_AARCH64_JUMP_SLOT;
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh, symsh;
		Elf_Data *d, *syms;
		Elf_Scn *symscn;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize ||
		    !(d = elf_getdata(scn, NULL)) || !(symscn = elf_getscn(elf, sh.sh_link)) ||
		    !gelf_getshdr(symscn, &symsh) || !(syms = elf_getdata(symscn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rela r;
			GElf_Sym sym;
			const char *s;

			if (!gelf_getrela(d, i, &r))
				break;
			if (r.r_offset != addr || GELF_R_TYPE(r.r_info) != jump_slot)
				continue;
			return gelf_getsym(syms, GELF_R_SYM(r.r_info), &sym) &&
			       (s = elf_strptr(elf, symsh.sh_link, sym.st_name)) && !strcmp(s, name);
		}
	}
	return false;
}

int elf_func_tail_calls(const char *path, const char *from, const char *to)
{
	GElf_Sym f, t;
	GElf_Ehdr eh;
	uint8_t code[32];
	const char *sec = NULL;
	uint64_t target, slot;
	size_t n;
	Elf *elf;
	int fd = open_path(path), err, proven = 0;

	if (fd < 0)
		return -cp_errcode();
	if ((err = open_elf(fd, path, &elf))) {
		close(fd);
		return -err;
	}
	if (gelf_getehdr(elf, &eh) && find_function(elf, from, &f) && find_function(elf, to, &t) &&
	    (n = code_at(elf, fd, f.st_value, code, f.st_size < sizeof(code) ? f.st_size : sizeof(code), &sec)) &&
	    elf_thunk_target(eh.e_machine, code, n, f.st_value, &target)) {
		if (target == t.st_value)
			proven = 1;
		else if ((n = code_at(elf, fd, target, code, 16, &sec)) && sec && !strncmp(sec, ".plt", 4) &&
			 elf_plt_slot(eh.e_machine, code, n, target, &slot))
			proven = slot_binds(elf, eh.e_machine, slot, to);
	}
	elf_end(elf);
	close(fd);
	return proven;
}
