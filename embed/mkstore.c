// SPDX-License-Identifier: BSD-2-Clause
/*
 * Build-time helper (runs on the build host, never shipped):
 *   mkstore flatten OUT BASE [SPLIT...]  one standalone BTF: a kernel's vmlinux BTF followed by
 *                                        its modules' split BTF (bpftool's min_core_btf
 *                                        reads no split BTF)
 *   mkstore notes-build-id FILE          the GNU build-id in a file of ELF notes
 *   mkstore image-btf IMAGE OUT          the vmlinux BTF inside a raw kernel image (arm64 Image)
 *   mkstore image-build-id IMAGE         the kernel's GNU build-id note inside a raw image
 *   mkstore replace EXE STORE OUT        a copy of EXE carrying STORE as its blob store
 *   mkstore pack OUT LIST                the blob store (src/btf/blobstore.h) from LIST lines:
 *       kernel RELEASE BUILD-ID|- DISTRO VERSION ARCH FILE
 *       kernel-host RELEASE BUILD-ID|- ARCH FILE   the build host's own kernel, from its
 *                                        sysfs: no distro or version (CP_ENTRY_BUILD_HOST)
 *       app NAME BUILD-ID FILE
 * It uses the same store writer and merger as coreprobe itself.
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/btf.h>
#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/btf/blobstore.h"
#include "src/btf/btfmerge.h"
#include "src/common.h"
#include "src/btf/elfinfo.h"

static int fail(const char *what)
{
	fprintf(stderr, "mkstore: %s%s%s\n", what, cp_errcode() ? ": " : "", cp_errmsg());
	return 1;
}

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc(n)) && fread(buf, 1, n, f) == (size_t)n)
		*size = n;
	else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(data, 1, n, f) == n;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

static int flatten(int argc, char **argv)
{
	struct btf *b[16];
	struct btf_src srcs[16];
	struct merge_stats st;
	void *raw;
	size_t n;
	int cnt = argc - 3;

	if (cnt < 1 || cnt > 16)
		return fail("usage: flatten OUT BASE [SPLIT...]");
	for (int i = 0; i < cnt; i++) {
		b[i] = i == 0 ? btf__parse(argv[3], NULL) : btf__parse_split(argv[3 + i], b[0]);
		if (libbpf_get_error(b[i])) {
			fprintf(stderr, "mkstore: %s: not BTF\n", argv[3 + i]);
			return 1;
		}
		srcs[i] = (struct btf_src){ b[i], false, argv[3 + i] };
	}
	if (btf_merge_all(srcs, cnt, &raw, &n, &st))
		return fail("flatten");
	if (write_file(argv[2], raw, n))
		return fail(argv[2]);
	free(raw);
	for (int i = cnt - 1; i >= 0; i--)
		btf__free(b[i]);
	return 0;
}

static const char *opt(const char *s)
{
	return strcmp(s, "-") ? s : NULL;
}

static int pack(int argc, char **argv)
{
	struct store_builder *sb = sb_new();
	char line[4096];
	unsigned char *out;
	size_t out_n, raw_total = 0;
	int entries = 0;
	FILE *list;

	if (argc != 4 || !sb || !(list = fopen(argv[3], "r")))
		return fail("usage: pack OUT LIST");
	while (fgets(line, sizeof(line), list)) {
		char kind[16], key[256], bid[2 * BUILD_ID_MAX + 2], d[64], v[64], a[64], file[2048];
		unsigned char id[BUILD_ID_MAX];
		int idlen = 0, r;
		unsigned flags = 0;
		size_t n;
		void *raw;

		if (sscanf(line, "%15s", kind) != 1 || kind[0] == '#')
			continue;
		if (!strcmp(kind, "kernel-host")) {
			if (sscanf(line, "%*s %255s %129s %63s %2047s", key, bid, a, file) != 4)
				return fail("bad kernel-host line");
			d[0] = v[0] = 0;
			flags = CP_ENTRY_BUILD_HOST;
		} else if (!strcmp(kind, "kernel")) {
			if (sscanf(line, "%*s %255s %129s %63s %63s %63s %2047s", key, bid, d, v, a, file) != 6)
				return fail("bad kernel line");
		} else if (!strcmp(kind, "app")) {
			if (sscanf(line, "%*s %255s %129s %2047s", key, bid, file) != 3)
				return fail("bad app line");
			d[0] = v[0] = a[0] = 0;
		} else {
			return fail("unknown line kind");
		}
		if (strcmp(bid, "-") && (idlen = hex_decode(bid, id, sizeof(id))) <= 0)
			return fail("bad build-id");
		if (!(raw = read_file(file, &n))) {
			fprintf(stderr, "mkstore: %s: %s\n", file, strerror(errno));
			return 1;
		}
		r = sb_add_flagged(sb, strcmp(kind, "app") ? CP_BLOB_KERNEL : CP_BLOB_APP, flags, key, id, idlen,
			   *d ? opt(d) : NULL, *v ? opt(v) : NULL, *a ? opt(a) : NULL, raw, n);
		free(raw);
		if (r < 0)
			return fail(file);
		raw_total += n;
		entries++;
	}
	fclose(list);
	if (sb_serialize(sb, &out, &out_n) || write_file(argv[2], out, out_n))
		return fail(argv[2]);
	fprintf(stderr, "mkstore: %s: %d entries, %zu bytes of minimized BTF, store %zu bytes\n", argv[2], entries,
		raw_total, out_n);
	free(out);
	sb_free(sb);
	return 0;
}

/* prints the GNU build-id found in a file of ELF notes (/sys/kernel/notes) */
static int notes_build_id(int argc, char **argv)
{
	unsigned char notes[65536], id[BUILD_ID_MAX];
	char hex[2 * BUILD_ID_MAX + 1];
	long n;
	int len;

	if (argc != 3 || (n = read_small_file(argv[2], notes, sizeof(notes))) <= 0)
		return fail("usage: notes-build-id FILE");
	if (!(len = notes_find_build_id(notes, n, id, sizeof(id))))
		return fail("no GNU build-id note");
	hex_encode(id, len, hex);
	printf("%s\n", hex);
	return 0;
}

/*
 * A raw kernel image (arm64's Image: the kernel's memory image, not an ELF file) has no section
 * table, but its .BTF and .notes contents are in it byte for byte (the kernel serves them from
 * memory as /sys/kernel/btf/vmlinux and /sys/kernel/notes). No library finds them in a raw
 * image, so these scan for them and accept only an unambiguous, fully valid result: one BTF
 * that libbpf parses whole and that has the kernel's core types, one GNU build-id note that
 * libelf's note parser reads. The VM matrix then proves the build-id against the booted kernel.
 */
static int image_btf(int argc, char **argv)
{
	const unsigned char *found = NULL;
	size_t n, found_n = 0;
	unsigned char *img;
	int cands = 0;

	if (argc != 4 || !(img = read_file(argv[2], &n)))
		return fail("usage: image-btf IMAGE OUT");
	for (size_t off = 0; off + sizeof(struct btf_header) <= n; off += 4) {
		struct btf_header h;
		struct btf *b;
		size_t end;

		memcpy(&h, img + off, sizeof(h));
		if (h.magic != BTF_MAGIC || h.version != 1 || h.flags || h.hdr_len != sizeof(h))
			continue;
		end = (size_t)h.type_off + h.type_len;
		if ((size_t)h.str_off + h.str_len > end)
			end = (size_t)h.str_off + h.str_len;
		end += h.hdr_len;
		if (end > n - off)
			continue;
		b = btf__new(img + off, end);
		if (!b)
			continue;
		if (btf__type_cnt(b) > 1000 && btf__find_by_name_kind(b, "task_struct", BTF_KIND_STRUCT) > 0 &&
		    btf__find_by_name_kind(b, "pt_regs", BTF_KIND_STRUCT) > 0) {
			if (!found || found_n != end || memcmp(found, img + off, end))
				cands++;
			found = img + off;
			found_n = end;
		}
		btf__free(b);
	}
	if (cands != 1) {
		free(img);
		fprintf(stderr, "mkstore: %s: %s kernel BTF in the image\n", argv[2], cands ? "more than one" : "no");
		return 1;
	}
	if (write_file(argv[3], found, found_n)) {
		free(img);
		return fail(argv[3]);
	}
	free(img);
	return 0;
}

/* End (from its start) of the ELF file embedded at img[0..n) (the vDSO images a kernel carries),
 * from libelf's view of its headers and sections; 0 if it is not a whole ELF file. */
static size_t embedded_elf_size(unsigned char *img, size_t n)
{
	Elf *e = elf_memory((char *)img, n);
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	size_t end = 0;

	if (!e || !gelf_getehdr(e, &eh)) {
		if (e)
			elf_end(e);
		return 0;
	}
	end = eh.e_shoff + (size_t)eh.e_shnum * eh.e_shentsize;
	if (eh.e_phoff + (size_t)eh.e_phnum * eh.e_phentsize > end)
		end = eh.e_phoff + (size_t)eh.e_phnum * eh.e_phentsize;
	while ((scn = elf_nextscn(e, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type != SHT_NOBITS && sh.sh_offset + sh.sh_size > end)
			end = sh.sh_offset + sh.sh_size;
	elf_end(e);
	return end <= n ? end : 0;
}

static int image_build_id(int argc, char **argv)
{
	/* an NT_GNU_BUILD_ID note header: namesz 4, descsz 20 (SHA-1, what kbuild uses), type 3, "GNU" */
	static const unsigned char hdr[16] = { 4, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0 };
	unsigned char *img, id[BUILD_ID_MAX], first[BUILD_ID_MAX];
	char hex[2 * BUILD_ID_MAX + 1];
	size_t n, skip_to = 0;
	int len = 0, cands = 0;

	if (argc != 3 || !(img = read_file(argv[2], &n)))
		return fail("usage: image-build-id IMAGE");
	(void)elf_version(EV_CURRENT);
	for (size_t off = 0; off + sizeof(hdr) + 20 <= n; off += 4) {
		int l;

		/* the vDSOs are whole ELF files at page boundaries, with build-ids of their own */
		if (off % 4096 == 0 && off >= skip_to && !memcmp(img + off, ELFMAG, SELFMAG)) {
			size_t sz = embedded_elf_size(img + off, n - off);

			if (sz)
				skip_to = off + sz;
		}
		if (off < skip_to || memcmp(img + off, hdr, sizeof(hdr)))
			continue;
		if ((l = notes_find_build_id(img + off, sizeof(hdr) + 20, id, sizeof(id))) != 20)
			continue;
		if (!cands || memcmp(first, id, l))
			cands++;
		memcpy(first, id, l);
		len = l;
	}
	free(img);
	if (cands != 1) {
		fprintf(stderr, "mkstore: %s: %s GNU build-id note in the image (outside its vDSOs)\n", argv[2],
			cands ? "more than one" : "no");
		return 1;
	}
	hex_encode(first, len, hex);
	printf("%s\n", hex);
	return 0;
}

static int replace(int argc, char **argv)
{
	size_t n;
	void *store;
	int fd, err;

	if (argc != 5 || !(store = read_file(argv[3], &n)))
		return fail("usage: replace EXE STORE OUT");
	fd = open(argv[4], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);	/* libelf rewrites it in place */
	if (fd < 0)
		return fail(argv[4]);
	err = elf_copy_replace_section(argv[2], fd, argv[4], CP_STORE_SECTION, store, n);
	close(fd);
	free(store);
	return err ? fail("replace") : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "replace"))
		return replace(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "notes-build-id"))
		return notes_build_id(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "image-btf"))
		return image_btf(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "image-build-id"))
		return image_build_id(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "flatten"))
		return flatten(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "pack"))
		return pack(argc, argv);
	fprintf(stderr, "usage: mkstore flatten OUT BASE [SPLIT...] | pack OUT LIST | notes-build-id FILE | image-btf IMAGE OUT | image-build-id IMAGE | replace EXE STORE OUT\n");
	return 2;
}
