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
