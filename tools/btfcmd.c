// SPDX-License-Identifier: BSD-2-Clause
/* coreprobe btf: list, which, merge, add — the embedded BTF blobs and how a trace picks them. */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/btf/blobstore.h"
#include "src/btf/btfmerge.h"
#include "src/btf/btfpick.h"
#include "src/btf/dwarf.h"
#include "src/btf/dwfunc.h"
#include "src/common.h"
#include "src/btf/elfinfo.h"
#include "src/btf/hostinfo.h"
#include "src/runtime/tracer.h"
#include "tools/objects.h"
#include "tools/tools.h"

static const char btf_usage[] =
	"usage: coreprobe btf list\n"
	"       coreprobe btf which [BINARY]\n"
	"       coreprobe btf merge VMLINUX APP OUT\n"
	"       coreprobe btf add [--kernel RELEASE[:BUILD-ID]=BTF]... [--app BINARY=BTF]... [--full] -o NEW\n"
	"       coreprobe btf dwarf [--debug-file F] [--debug-dir DIR]... [--funcs|--tools] BINARY [TYPE...] -o OUT\n"
	"\n"
	"  list   the embedded blobs: kind, key, build-id, raw and compressed size, shared-by count\n"
	"  which  the kernel BTF and the application BTF a trace of BINARY would use here, and why\n"
	"  merge  one BTF holding all types of VMLINUX then APP (raw BTF or ELF with .BTF)\n"
	"  add    write NEW: a copy of this coreprobe that also carries the given blobs.\n"
	"         BTF may be raw BTF or an ELF with .BTF (a vmlinux also gives its build-id);\n"
	"         an app blob is keyed by BINARY's GNU build-id (a hex build-id also works,\n"
	"         NAME:HEX names it). Blobs are pruned to the types coreprobe's tools use;\n"
	"         --full keeps every type of the --app blobs (for `coreprobe trace` on hosts\n"
	"         without the application's debug info) and reports what that costs.\n"
	"         For --app, BTF may also be BINARY's debug file or any ELF with its DWARF\n"
	"         (same build-id): the BTF is then encoded from the DWARF.\n"
	"  dwarf  write OUT: raw BTF of the named types (struct, union, enum or typedef names)\n"
	"         and all they reach, encoded from BINARY's DWARF (all types if none named),\n"
	"         found as a trace finds it (docs/dwarf.md); readable by `bpftool btf dump file`.\n"
	"         --funcs adds a FUNC record (and its prototype's types) for every function\n"
	"         whose prototype is proven; each one left out is named on stderr with why.\n"
	"         --tools writes what a tool's start-up encodes: only what the embedded tools'\n"
	"         BPF objects relocate, other structs behind pointers as FWD (to carry to hosts\n"
	"         that lack the debug file)\n";

static void print_build_id(const unsigned char *id, int len, int width)
{
	char hex[2 * BUILD_ID_MAX + 1];

	hex_encode(id, len, hex);
	if (width && len * 2 > width)
		printf("%.*s… ", width - 1, hex);
	else
		printf("%-*s ", width, len ? hex : "-");
}

static int btf_list(int argc, char **argv)
{
	struct cp_store st;
	int err;

	if (argc != 1)
		return cp_usage_error("btf list", btf_usage);
	if ((err = store_open_self(&st)))
		return err;
	if (!env.json)
		printf("%-6s %-44s %-17s %9s %10s %9s\n", "KIND", "KEY", "BUILD-ID", "RAW", "COMPRESSED", "SHARED-BY");
	for (uint32_t i = 0; i < store_count(&st); i++) {
		const struct cp_store_entry *e = &st.entries[i];
		const struct cp_store_blob *b = &st.blobs[e->blob];
		const char *kind = e->kind == CP_BLOB_KERNEL ? "kernel" : "app";
		char key[256], hex[2 * BUILD_ID_MAX + 1];

		store_entry_describe(&st, e, key, sizeof(key));
		if (env.json) {
			hex_encode(e->build_id, e->build_id_len, hex);
			printf("{\"kind\":\"%s\",\"key\":", kind);
			json_str(stdout, store_str(&st, e->key_off));
			printf(",\"distro\":");
			json_str(stdout, store_str(&st, e->distro_off));
			printf(",\"version\":");
			json_str(stdout, store_str(&st, e->version_off));
			printf(",\"arch\":");
			json_str(stdout, store_str(&st, e->arch_off));
			printf(",\"build_id\":\"%s\",\"blob\":%u,\"raw_size\":%u,\"compressed_size\":%u,\"shared_by\":%u,\"build_host\":%s}\n",
			       hex, e->blob, b->raw_size, b->comp_size, store_blob_users(&st, e->blob),
			       e->flags & CP_ENTRY_BUILD_HOST ? "true" : "false");
		} else {
			printf("%-6s %-44s ", kind, key);
			print_build_id(e->build_id, e->build_id_len, 17);
			printf("%9u %10u %9u\n", b->raw_size, b->comp_size, store_blob_users(&st, e->blob));
		}
	}
	store_free(&st);
	return 0;
}

static const char *kernel_match(const struct kbtf_choice *c)
{
	switch (c->source) {
	case KBTF_FILE: return "given with --kernel-btf";
	case KBTF_BLOB_BUILD_ID: return "build-id";
	case KBTF_SYSFS: return "running kernel";
	case KBTF_BLOB_RELEASE: return "release";
	default: return "none";
	}
}

static void which_kernel_text(const struct cp_store *st, const struct host_info *h, const struct kbtf_choice *c)
{
	char d[256] = "";

	if (c->entry)
		store_entry_describe(st, c->entry, d, sizeof(d));
	/* os-release describes the userland, not the kernel: said so, not glued to the release */
	printf("kernel  %s (build-id %s, %s; os-release: %s %s)\n", h->release,
	       h->build_id_len ? h->build_id_hex : "unknown", h->arch, *h->os_id ? h->os_id : "?",
	       *h->os_version ? h->os_version : "?");
	switch (c->source) {
	case KBTF_FILE:
		printf("  BTF   %s (given with --kernel-btf)\n", c->file);
		break;
	case KBTF_BLOB_BUILD_ID:
		printf("  BTF   embedded blob %s%s, matched by kernel build-id: proven to describe this kernel%s\n", d,
		       c->entry->flags & CP_ENTRY_BUILD_HOST ? " (taken from the build host's sysfs)" : "",
		       c->sysfs_present ? " (preferred to the larger /sys/kernel/btf/vmlinux)" : "");
		break;
	case KBTF_SYSFS:
		printf("  BTF   %s (the running kernel's own)\n", SYSFS_VMLINUX);
		break;
	case KBTF_BLOB_RELEASE:
		printf("  BTF   embedded blob %s%s, matched by release only: a weaker match%s\n", d,
		       c->entry->flags & CP_ENTRY_BUILD_HOST ? " (taken from the build host's sysfs)" : "",
		       c->build_id_differs ? " (its recorded build-id is another kernel's)" : "");
		break;
	default:
		break;
	}
}

static void which_kernel_json(const struct cp_store *st, const struct host_info *h, const struct kbtf_choice *c)
{
	char d[256] = "";

	if (c->entry)
		store_entry_describe(st, c->entry, d, sizeof(d));
	printf("\"kernel\":{\"release\":");
	json_str(stdout, h->release);
	printf(",\"build_id\":\"%s\",\"os\":", h->build_id_hex);
	json_str(stdout, h->os_id);
	printf(",\"os_version\":");
	json_str(stdout, h->os_version);
	printf(",\"arch\":");
	json_str(stdout, h->arch);
	printf(",\"sysfs\":%s,\"source\":\"%s\",\"match\":\"%s\",\"blob\":", c->sysfs_present ? "true" : "false",
	       kbtf_source_name(c->source), kernel_match(c));
	json_str(stdout, d);
	if (c->source == KBTF_FILE) {
		printf(",\"file\":");
		json_str(stdout, c->file);
	}
	printf("}");
}

static int load_object_btfs(struct bpf_object **objs, const struct btf **btfs);

/* -v: what the start-up encode of this DWARF costs, for the union of the embedded tools' names. */
static void which_dwarf_figures(const struct dwarf_file *df)
{
	struct bpf_object *objs[16] = { 0 };
	const struct btf *locals[16] = { 0 };
	struct dwarf_stats st;
	struct btf *b = NULL;

	if (load_object_btfs(objs, locals) == 0 && dwarf_btf_for_objects(df, locals, cp_n_objects, &b, &st) == 0)
		printf("  encode %u BTF types from %u definitions, %u units indexed, %.1f ms (%.1f ms CPU) (for all embedded tools; %u more definitions proven the same, not encoded again)\n",
		       st.types, st.roots, st.units, st.ms, st.cpu_ms, st.same);
	else
		printf("  encode refused: %s\n", cp_errmsg());
	cp_error_clear();
	btf__free(b);
	for (int i = 0; i < cp_n_objects; i++)
		bpf_object__close(objs[i]);
}

static int btf_which(int argc, char **argv)
{
	struct kbtf_choice kc;
	struct abtf_choice ac;
	struct host_info h;
	struct elf_info ei;
	struct cp_store st;
	int err, aerr = 0;

	if (argc > 2)
		return cp_usage_error("btf which", btf_usage);
	if ((err = store_open_self(&st)))
		return err;
	host_info_read(&h);
	err = kbtf_choose(&st, &h, env.kernel_btf, env.no_sysfs_btf, access(SYSFS_VMLINUX, R_OK) == 0, &kc);
	if (err)
		goto out;
	if (argc == 2 && !(aerr = elf_inspect(argv[1], &ei)))
		aerr = abtf_choose(&st, argv[1], &ei, env.app_btf, &ac);
	if (env.json) {
		printf("{");
		which_kernel_json(&st, &h, &kc);
		if (argc == 2 && !aerr) {
			char d[256] = "";

			if (ac.entry)
				store_entry_describe(&st, ac.entry, d, sizeof(d));
			printf(",\"app\":{\"path\":");
			json_str(stdout, argv[1]);
			printf(",\"build_id\":\"%s\",\"source\":\"%s\",\"blob\":", ei.build_id_hex, abtf_source_name(ac.source));
			json_str(stdout, d);
			if (ac.source == ABTF_DWARF) {
				printf(",\"debug_file\":");
				json_str(stdout, ac.dwarf.path);
				printf(",\"found_by\":\"%s\",\"alt_file\":", ac.dwarf.how);
				json_str(stdout, ac.dwarf.alt_path);
			}
			printf("}");
		}
		printf("}\n");
	} else {
		which_kernel_text(&st, &h, &kc);
		if (argc == 2 && !aerr) {
			char d[256] = "";

			if (ac.entry)
				store_entry_describe(&st, ac.entry, d, sizeof(d));
			printf("app     %s (build-id %s)\n", argv[1], ei.build_id_len ? ei.build_id_hex : "none");
			if (ac.source == ABTF_FILE)
				printf("  BTF   %s (given with --app-btf)\n", ac.file);
			else if (ac.source == ABTF_BLOB)
				printf("  BTF   embedded blob %s, matched by build-id\n", d);
			else if (ac.source == ABTF_DWARF) {
				printf("  BTF   encoded from DWARF at start-up: %s (%s, build-id checked)\n",
				       ac.dwarf.path, ac.dwarf.how);
				if (ac.dwarf.alt_path[0])
					printf("  alt   %s (dwz supplementary file, build-id checked)\n", ac.dwarf.alt_path);
				if (env.verbose)
					which_dwarf_figures(&ac.dwarf);
			} else
				printf("  BTF   the binary's own .BTF section\n");
		}
	}
	err = aerr;
out:
	store_free(&st);
	return err;
}

static int parse_btf(const char *path, const char *what, struct btf **out)
{
	struct btf *b = cp_btf_parse(path);
	int err = libbpf_get_error(b);

	if (err == -ENOENT)
		return cp_error(CP_EUSAGE, "%s %s: no such file", what, path);
	if (err)
		return cp_error(CP_EUSAGE, "%s %s: not a valid BTF file (%s): give raw BTF or an ELF with a .BTF section",
				what, path, strerror(-err));
	*out = b;
	return 0;
}

/* Writes data to path atomically: a private temp file in the same directory, then rename(2),
 * which replaces a planted symlink instead of following it. */
static int write_file_atomic(const char *path, mode_t mode,
			     int (*fill)(int fd, void *ctx), void *ctx)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	int fd, err;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(tmp, sizeof(tmp), "%s/.coreprobe.XXXXXX", dirname(dir));
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cp_error(CP_EUSAGE, "cannot write %s: %s: choose a path in a writable directory", path, strerror(errno));
	err = fill(fd, ctx);
	if (!err && (fchmod(fd, mode) || fsync(fd)))
		err = cp_error(CP_ERUNTIME, "writing %s: %s", path, strerror(errno));
	if (close(fd) && !err)
		err = cp_error(CP_ERUNTIME, "writing %s: %s", path, strerror(errno));
	if (!err && rename(tmp, path))
		err = cp_error(CP_EUSAGE, "cannot write %s: %s: choose another path", path, strerror(errno));
	if (err)
		unlink(tmp);
	return err;
}

struct buf_ctx {
	const void *data;
	size_t size;
	const char *path;
};

static int fill_buf(int fd, void *p)
{
	struct buf_ctx *b = p;
	const char *d = b->data;

	for (size_t off = 0; off < b->size;) {
		ssize_t w = write(fd, d + off, b->size - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return cp_error(CP_ERUNTIME, "writing %s: %s", b->path, strerror(errno));
		off += w;
	}
	return 0;
}

static int btf_merge_cmd(int argc, char **argv)
{
	struct btf *k = NULL, *a = NULL;
	struct merge_stats st;
	void *raw = NULL;
	size_t n;
	int err;

	if (argc != 4)
		return cp_usage_error("btf merge", btf_usage);
	if ((err = parse_btf(argv[1], "VMLINUX", &k)) || (err = parse_btf(argv[2], "APP", &a)))
		goto out;
	{
		struct btf_src srcs[] = { { k, false, argv[1] }, { a, true, argv[2] } };

		if ((err = btf_merge_all(srcs, 2, &raw, &n, &st)))
			goto out;
	}
	err = write_file_atomic(argv[3], 0644, fill_buf, &(struct buf_ctx){ raw, n, argv[3] });
	if (!err && !env.json)
		printf("%s: %u types, %zu bytes\n", argv[3], st.types_out, n);
	else if (!err)
		printf("{\"out\":\"%s\",\"types\":%u,\"bytes\":%zu}\n", argv[3], st.types_out, n);
out:
	free(raw);
	btf__free(a);
	btf__free(k);
	return err;
}

/* ---- btf add ---- */

struct add_item {
	enum cp_blob_kind kind;
	char key[256];
	unsigned char build_id[BUILD_ID_MAX];
	int build_id_len;
	const char *file;
	bool full;		/* --full (app blobs): every type, not pruned to the tools' */
};

static int parse_kernel_spec(const char *spec, struct add_item *it)
{
	const char *eq = strrchr(spec, '='), *colon;
	size_t klen;

	memset(it, 0, sizeof(*it));
	it->kind = CP_BLOB_KERNEL;
	if (!eq || eq == spec || !eq[1])
		return cp_error(CP_EUSAGE, "--kernel %s: expected RELEASE=BTF or RELEASE:BUILD-ID=BTF", spec);
	it->file = eq + 1;
	colon = memchr(spec, ':', eq - spec);
	klen = (colon ? colon : eq) - spec;
	if (klen >= sizeof(it->key))
		return cp_error(CP_EUSAGE, "--kernel %s: release too long", spec);
	memcpy(it->key, spec, klen);
	if (colon) {
		char hex[2 * BUILD_ID_MAX + 1];
		size_t hl = eq - colon - 1;

		if (hl >= sizeof(hex))
			return cp_error(CP_EUSAGE, "--kernel %s: build-id too long", spec);
		memcpy(hex, colon + 1, hl);
		hex[hl] = 0;
		if ((it->build_id_len = hex_decode(hex, it->build_id, BUILD_ID_MAX)) <= 0)
			return cp_error(CP_EUSAGE, "--kernel %s: build-id is not hex", spec);
	}
	return 0;
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return n >= 2 && n % 2 == 0;
}

static int parse_app_spec(const char *spec, struct add_item *it)
{
	const char *eq = strrchr(spec, '=');
	char bin[PATH_MAX];
	struct elf_info ei;
	size_t blen;
	int err;

	memset(it, 0, sizeof(*it));
	it->kind = CP_BLOB_APP;
	if (!eq || eq == spec || !eq[1] || (size_t)(eq - spec) >= sizeof(bin))
		return cp_error(CP_EUSAGE, "--app %s: expected BINARY=BTF (or BUILD-ID=BTF, NAME:BUILD-ID=BTF)", spec);
	it->file = eq + 1;
	blen = eq - spec;
	memcpy(bin, spec, blen);
	bin[blen] = 0;
	if (access(bin, F_OK) == 0) {
		if ((err = elf_inspect(bin, &ei)))
			return err;
		if (!ei.build_id_len)
			return cp_error(CP_EUSAGE, "--app %s: %s has no GNU build-id to key its blob by: relink it with -Wl,--build-id",
					spec, bin);
		memcpy(it->build_id, ei.build_id, ei.build_id_len);
		it->build_id_len = ei.build_id_len;
		snprintf(it->key, sizeof(it->key), "%s", basename(bin));
		return 0;
	}
	{
		char *colon = strchr(bin, ':');
		const char *hex = colon ? colon + 1 : bin;

		if (!all_hex(hex, strlen(hex)))
			return cp_error(CP_EUSAGE, "--app %s: %s is neither a file nor a hex build-id", spec, bin);
		it->build_id_len = hex_decode(hex, it->build_id, BUILD_ID_MAX);
		if (it->build_id_len <= 0)
			return cp_error(CP_EUSAGE, "--app %s: build-id too long", spec);
		if (colon)
			*colon = 0;
		snprintf(it->key, sizeof(it->key), "%s", colon && *bin ? bin : "app");
	}
	return 0;
}

/* The BTF of every BPF object linked into this binary: a new blob keeps what they can use. */
static int load_object_btfs(struct bpf_object **objs, const struct btf **btfs)
{
	for (int i = 0; i < cp_n_objects; i++) {
		size_t sz;
		const void *bytes = cp_objects[i].elf_bytes(&sz);
		LIBBPF_OPTS(bpf_object_open_opts, o, .object_name = cp_objects[i].name);

		objs[i] = bpf_object__open_mem(bytes, sz, &o);
		if (!objs[i] || !(btfs[i] = bpf_object__btf(objs[i])))
			return cp_error(CP_ERUNTIME, "embedded BPF object %s does not open", cp_objects[i].name);
	}
	return 0;
}

/* An ELF with DWARF and no .BTF given as --app BINARY=FILE: a debug file (or debug build). */
static bool app_file_is_dwarf(const char *file)
{
	struct elf_info ei;
	void *data;
	size_t n;
	bool dw;

	if (elf_inspect(file, &ei) || ei.has_btf) {
		cp_error_clear();
		return false;
	}
	dw = elf_read_section(file, ".debug_info", &data, &n) == 0 ||
	     elf_read_section(file, ".zdebug_info", &data, &n) == 0;
	if (dw)
		free(data);
	cp_error_clear();
	return dw;
}

static int app_btf_from_dwarf(const struct add_item *it, const struct btf *const *locals, struct btf **out)
{
	/* the file given is the debug file; --debug-dir roots still serve its dwz alt file */
	struct dwarf_search s = { .debug_file = it->file, .debug_dirs = env.debug_dirs,
				  .n_debug_dirs = env.n_debug_dirs };
	struct dwarf_stats st;
	struct dwarf_file df;
	struct elf_info want = { 0 };
	int err;

	memcpy(want.build_id, it->build_id, it->build_id_len);
	want.build_id_len = it->build_id_len;
	hex_encode(want.build_id, want.build_id_len, want.build_id_hex);
	/* the blob's key is the build-id: the debug file must carry exactly it */
	if ((err = dwarf_find(it->key, &want, &s, &df)) ||
	    (err = dwarf_btf_for_objects(&df, locals, cp_n_objects, out, &st)))
		return err;
	if (env.verbose)
		fprintf(stderr, "coreprobe: %s: %u types encoded from DWARF %s in %.1f ms\n", it->key, st.types,
			df.path, st.ms);
	return 0;
}

static int add_one(struct store_builder *sb, const struct add_item *it, const struct btf *const *locals)
{
	struct btf *b = NULL;
	struct merge_stats st;
	struct elf_info ei;
	void *raw = NULL;
	size_t n;
	int err, r;

	if (it->kind == CP_BLOB_APP && app_file_is_dwarf(it->file)) {
		if ((err = app_btf_from_dwarf(it, locals, &b)))
			return err;
	} else if ((err = parse_btf(it->file, it->kind == CP_BLOB_KERNEL ? "--kernel" : "--app", &b)))
		return err;
	{
		struct btf_src src = { b, it->kind == CP_BLOB_APP, it->file };

		err = btf_merge_for_objects(locals, cp_n_objects, &src, 1, &raw, &n, &st);
	}
	if (!err && it->full) {
		/* the application's complete BTF, as given: `trace` resolves any of its types */
		size_t pruned = n;
		__u32 all_n = 0;
		const void *all = btf__raw_data(b, &all_n);

		n = all_n;
		free(raw);
		raw = all ? malloc(n) : NULL;
		if (!raw)
			err = cp_error(CP_ERUNTIME, "%s: cannot copy its BTF", it->file);
		else
			memcpy(raw, all, n);
		if (!err && !env.json)
			printf("app %s: --full: %zu bytes of BTF (%u types), %zu more than pruned to coreprobe's tools (%zu)\n",
			       it->key, n, btf__type_cnt(b) - 1, n - pruned, pruned);
		st.types_out = btf__type_cnt(b) - 1;
	}
	btf__free(b);
	if (err)
		return err;
	if (st.types_out == 0)
		cp_warn("%s: none of its types is used by coreprobe's tools; adding it anyway", it->file);
	/* a vmlinux ELF names its own build-id */
	if (it->kind == CP_BLOB_KERNEL && !it->build_id_len && elf_inspect(it->file, &ei) == 0 && ei.build_id_len) {
		struct add_item copy = *it;

		memcpy(copy.build_id, ei.build_id, ei.build_id_len);
		copy.build_id_len = ei.build_id_len;
		r = sb_add(sb, it->kind, it->key, copy.build_id, copy.build_id_len, NULL, NULL, build_arch(), raw, n);
	} else {
		cp_error_clear();
		r = sb_add(sb, it->kind, it->key, it->build_id, it->build_id_len, NULL, NULL,
			   it->kind == CP_BLOB_KERNEL ? build_arch() : NULL, raw, n);
	}
	free(raw);
	if (r < 0)
		return -r;
	if (!env.json)
		printf("%s %s: %zu bytes%s%s\n",
		       it->kind == CP_BLOB_KERNEL ? "kernel" : "app", it->key, n,
		       it->full ? ", full" : " after pruning to coreprobe's types", r == 1 ? " (replaces the embedded one)" : "");
	return 0;
}

struct exe_ctx {
	const char *self;
	const char *out;
	unsigned char *store;
	size_t size;
};

static int fill_exe(int fd, void *p)
{
	struct exe_ctx *c = p;

	return elf_copy_replace_section(c->self, fd, c->out, CP_STORE_SECTION, c->store, c->size);
}

static int btf_add(int argc, char **argv)
{
	static const struct option opts[] = {
		CP_COMMON_LONGOPTS,
		{ "kernel", required_argument, 0, 'k' },
		{ "app", required_argument, 0, 'a' },
		{ "output", required_argument, 0, 'o' },
		{ "full", no_argument, 0, 'F' },
		{ 0 }
	};
	struct add_item items[64];
	bool full = false;
	struct bpf_object *objs[16] = { 0 };
	const struct btf *locals[16] = { 0 };
	struct store_builder *sb = NULL;
	struct exe_ctx ec = { .self = store_self_path() };
	struct cp_store st = { 0 };
	int n = 0, c, err = 0;

	while ((c = getopt_long(argc, argv, CP_COMMON_SHORTOPTS "k:a:o:", opts, NULL)) != -1) {
		int r = cp_common_option(c, optarg, btf_usage);

		if (r < 0)
			return 0;
		if (r)
			continue;
		if ((c == 'k' || c == 'a') && n == (int)ARRAY_SIZE(items))
			return cp_error(CP_EUSAGE, "btf add: at most %zu blobs at a time", ARRAY_SIZE(items));
		if (c == 'k')
			err = parse_kernel_spec(optarg, &items[n++]);
		else if (c == 'a')
			err = parse_app_spec(optarg, &items[n++]);
		else if (c == 'o')
			ec.out = optarg;
		else if (c == 'F')
			full = true;
		else
			return cp_usage_error("btf add", btf_usage);
		if (err)
			return err;
	}
	if (!ec.out || !n || optind != argc)
		return cp_usage_error("btf add", btf_usage);
	for (int i = 0; i < n; i++)
		items[i].full = full && items[i].kind == CP_BLOB_APP;
	if (full && !items[0].full && n == 1)
		return cp_error(CP_EUSAGE, "btf add: --full applies to --app blobs only (kernel blobs are pruned; kprobe tracing reads the kernel's own BTF)");
	cp_libbpf_log_setup();
	if ((err = store_open_self(&st)) || (err = load_object_btfs(objs, locals)))
		goto out;
	if (!(sb = sb_new())) {
		err = cp_error(CP_ERUNTIME, "out of memory");
		goto out;
	}
	if ((err = sb_add_store(sb, &st)))
		goto out;
	for (int i = 0; i < n && !err; i++)
		err = add_one(sb, &items[i], locals);
	if (err || (err = sb_serialize(sb, &ec.store, &ec.size)))
		goto out;
	err = write_file_atomic(ec.out, 0755, fill_exe, &ec);
	if (!err && env.json)
		printf("{\"out\":\"%s\",\"added\":%d,\"store_bytes\":%zu}\n", ec.out, n, ec.size);
	else if (!err)
		printf("%s: %d blob(s) added, blob store %zu bytes\n", ec.out, n, ec.size);
out:
	free(ec.store);
	sb_free(sb);
	for (int i = 0; i < cp_n_objects; i++)
		bpf_object__close(objs[i]);
	store_free(&st);
	return err;
}

/* ---- btf dwarf ---- */

static int btf_dwarf_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		CP_COMMON_LONGOPTS,
		{ "output", required_argument, 0, 'o' },
		{ "funcs", no_argument, 0, 'F' },
		{ "tools", no_argument, 0, 'T' },
		{ 0 }
	};
	struct dwfunc_req fr = { 0 };
	struct bpf_object *objs[16] = { 0 };
	const struct btf *locals[16] = { 0 };
	bool funcs = false, tools = false;
	struct dwarf_search s;
	struct dwarf_stats st;
	struct dwarf_file df;
	struct dwarf_refusals ref = { 0 };
	struct elf_info ei;
	struct btf *b = NULL;
	struct buf_ctx bc;
	const char *out = NULL, *bin;
	int c, err;
	uint32_t size;

	while ((c = getopt_long(argc, argv, CP_COMMON_SHORTOPTS "o:", opts, NULL)) != -1) {
		int r = cp_common_option(c, optarg, btf_usage);

		if (r < 0)
			return 0;
		if (r)
			continue;
		if (c == 'F' || c == 'T') {
			*(c == 'F' ? &funcs : &tools) = true;
			continue;
		}
		if (c != 'o')
			return cp_usage_error("btf dwarf", btf_usage);
		out = optarg;
	}
	if (!out || optind >= argc)
		return cp_usage_error("btf dwarf", btf_usage);
	if (tools && (funcs || optind + 1 < argc))
		return cp_error(CP_EUSAGE, "btf dwarf --tools encodes the types the embedded tools use, so it takes %s: drop %s, or drop --tools",
				funcs ? "no --funcs" : "no TYPE", funcs ? "--funcs" : "the type names");
	bin = argv[optind++];
	dwarf_search_from_env(&s);
	if ((err = elf_inspect(bin, &ei)) || (err = dwarf_find(bin, &ei, &s, &df)))
		return err;
	cp_libbpf_log_setup();
	/* named types: each one must be encoded, or the command fails; every type: a type that
	 * cannot be encoded faithfully is left out, named on a line of its own, and the rest is
	 * written (a pahole replacement must not lose a library's BTF to one exotic type) */
	if (tools)	/* what btfpick.c encodes at start-up (object mode) */
		err = load_object_btfs(objs, locals) ? cp_errcode() :
		      dwarf_btf_for_objects(&df, locals, cp_n_objects, &b, &st);
	else if (funcs)	/* every function: its FUNC, or a line saying why it is left out */
		err = dwarf_btf_encode_funcs(&df, (const char *const *)argv + optind, argc - optind, &fr, &b, &st, &ref);
	else if (optind < argc)
		err = dwarf_btf_encode(&df, (const char *const *)argv + optind, argc - optind, &b, &st);
	else
		err = dwarf_btf_encode_all(&df, &b, &st, &ref);
	for (int i = 0; i < cp_n_objects; i++)
		bpf_object__close(objs[i]);	/* the objects' own BTF was only read */
	for (unsigned i = 0; i < fr.refused.n; i++)
		cp_warn("%s: function '%s' left out (no FUNC record): %s", df.path, fr.refused.v[i].type,
			fr.refused.v[i].why);
	if (err) {
		dwarf_refusals_free(&ref);
		dwarf_refusals_free(&fr.refused);
		return err;
	}
	for (unsigned i = 0; i < ref.n; i++)
		cp_warn("%s: type '%s' left out: it cannot be encoded in BTF faithfully: %s", df.path,
			ref.v[i].type, ref.v[i].why);
	bc.data = btf__raw_data(b, &size);
	bc.size = size;
	bc.path = out;
	if (!bc.data)
		err = cp_error(CP_ERUNTIME, "libbpf could not serialize the BTF: %s", strerror(errno));
	else
		err = write_file_atomic(out, 0644, fill_buf, &bc);
	if (!err && env.json) {
		printf("{\"out\":");
		json_str(stdout, out);
		printf(",\"debug_file\":");
		json_str(stdout, df.path);
		printf(",\"alt_file\":");
		json_str(stdout, df.alt_path);
		printf(",\"found_by\":\"%s\",\"types\":%u,\"definitions\":%u,\"same_definitions\":%u,\"units\":%u,\"bytes\":%zu,\"ms\":%.1f,",
		       df.how, st.types, st.roots, st.same, st.units, bc.size, st.ms);
		if (funcs) {
			printf("\"funcs\":%u,\"funcs_refused\":[", fr.funcs);
			for (unsigned i = 0; i < fr.refused.n; i++) {
				printf("%s{\"func\":", i ? "," : "");
				json_str(stdout, fr.refused.v[i].type);
				printf(",\"why\":");
				json_str(stdout, fr.refused.v[i].why);
				printf("}");
			}
			printf("],");
		}
		printf("\"refused\":[");
		for (unsigned i = 0; i < ref.n; i++) {
			printf("%s{\"type\":", i ? "," : "");
			json_str(stdout, ref.v[i].type);
			printf(",\"why\":");
			json_str(stdout, ref.v[i].why);
			printf("}");
		}
		printf("]}\n");
	} else if (!err) {
		printf("%s: %u BTF types (%zu bytes) from %u definitions in %s (%s%s%s), %u units, %.1f ms",
		       out, st.types, bc.size, st.roots, df.path, df.how, df.alt_path[0] ? ", alt " : "",
		       df.alt_path, st.units, st.ms);
		if (st.same)
			printf("; %u more definitions proven the same, not encoded again", st.same);
		if (ref.n)
			printf("; %u type%s left out (refused, named above)", ref.n, ref.n == 1 ? "" : "s");
		if (funcs)
			printf("; %u FUNC records, %u function%s left out (named above)", fr.funcs, fr.refused.n,
			       fr.refused.n == 1 ? "" : "s");
		printf("\n");
	}
	dwarf_refusals_free(&ref);
	dwarf_refusals_free(&fr.refused);
	btf__free(b);
	return err;
}

int do_btf(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} sub[] = {
		{ "list", btf_list }, { "which", btf_which }, { "merge", btf_merge_cmd }, { "add", btf_add },
		{ "dwarf", btf_dwarf_cmd },
	};

	if (argc < 2) {
		if (!env.json)
			fputs(btf_usage, stderr);
		return cp_error(CP_EUSAGE, "btf: which subcommand? (list, which, merge, add, dwarf; type `coreprobe btf -h`)");
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(btf_usage, stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
		if (!strcmp(argv[1], sub[i].name)) {
			optind = 0;
			return sub[i].fn(argc - 1, argv + 1);
		}
	return cp_error(CP_EUSAGE, "btf %s: unknown subcommand (list, which, merge, add, dwarf; type `coreprobe btf -h`)", argv[1]);
}
