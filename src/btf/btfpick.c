// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/btf/btfpick.h"
#include "src/common.h"

const char *kbtf_source_name(enum kbtf_source s)
{
	switch (s) {
	case KBTF_FILE: return "file";
	case KBTF_BLOB_BUILD_ID: return "embedded";
	case KBTF_SYSFS: return "sysfs";
	case KBTF_BLOB_RELEASE: return "embedded";
	default: return "none";
	}
}

const char *abtf_source_name(enum abtf_source s)
{
	switch (s) {
	case ABTF_FILE: return "file";
	case ABTF_BLOB: return "embedded";
	case ABTF_SECTION: return "section";
	case ABTF_DWARF: return "dwarf";
	default: return "none";
	}
}

void store_entry_describe(const struct cp_store *st, const struct cp_store_entry *e, char *buf, size_t n)
{
	const char *d = store_str(st, e->distro_off), *v = store_str(st, e->version_off),
		   *a = store_str(st, e->arch_off);

	if (e->kind == CP_BLOB_KERNEL && (e->flags & CP_ENTRY_BUILD_HOST))
		snprintf(buf, n, "build-host/%s %s", *a ? a : "?", store_str(st, e->key_off));
	else if (e->kind == CP_BLOB_KERNEL && (*d || *v || *a))
		snprintf(buf, n, "%s/%s/%s %s", *d ? d : "?", *v ? v : "?", *a ? a : "?", store_str(st, e->key_off));
	else
		snprintf(buf, n, "%s", store_str(st, e->key_off));
}

/* Numeric shape of a release, "6.1.0-50-amd64" -> 6, 1, 0, 50: to name the closest ones. */
static double release_rank(const char *r)
{
	double parts[4] = { 0 }, rank = 0;
	int i = 0;

	while (*r && i < 4) {
		if (*r >= '0' && *r <= '9') {
			parts[i++] = strtol(r, (char **)&r, 10);
			continue;
		}
		if (*r != '.' && *r != '-')
			break;
		r++;
	}
	for (i = 0; i < 4; i++)
		rank = rank * 1000 + (parts[i] > 999 ? 999 : parts[i]);
	return rank;
}

static void closest_releases(const struct cp_store *st, const char *release, char *out, size_t n)
{
	const struct cp_store_entry *best[3] = { 0 };
	double want = release_rank(release), dist[3] = { 0 };
	size_t len = 0;

	out[0] = 0;
	for (uint32_t i = 0; i < store_count(st); i++) {
		const struct cp_store_entry *e = &st->entries[i];
		double d;
		int j;

		if (e->kind != CP_BLOB_KERNEL)
			continue;
		d = release_rank(store_str(st, e->key_off)) - want;
		d = d < 0 ? -d : d;
		for (j = 0; j < 3; j++) {
			if (best[j] && !strcmp(store_str(st, best[j]->key_off), store_str(st, e->key_off)))
				break;	/* one line per release */
			if (!best[j] || d < dist[j]) {
				memmove(&best[j + 1], &best[j], (2 - j) * sizeof(best[0]));
				memmove(&dist[j + 1], &dist[j], (2 - j) * sizeof(dist[0]));
				best[j] = e;
				dist[j] = d;
				break;
			}
		}
	}
	for (int j = 0; j < 3 && best[j]; j++)
		len += snprintf(out + len, len < n ? n - len : 0, "%s%s", j ? ", " : "",
				store_str(st, best[j]->key_off));
	if (!best[0])
		snprintf(out, n, "none");
}

/* A blob for another architecture is never right, whatever else matches (its pt_regs and
 * every arch-specific layout differ); one that names no arch predates the arch key. */
static bool arch_fits(const struct cp_store *st, const struct cp_store_entry *e, const struct host_info *h)
{
	const char *a = store_str(st, e->arch_off);

	return !*a || !strcmp(arch_normalize(a), h->arch);
}

/* Tie-break score of a release match: same distro and version. A build-host blob records no
 * distro (see CP_ENTRY_BUILD_HOST), so only its build-id counts. */
static int tie_score(const struct cp_store *st, const struct cp_store_entry *e, const struct host_info *h)
{
	int s = 8;

	if (*h->os_id && !strcmp(store_str(st, e->distro_off), h->os_id)) {
		s += 4;
		if (*h->os_version && !strcmp(store_str(st, e->version_off), h->os_version))
			s += 2;
	}
	return s;
}

int kbtf_choose(const struct cp_store *st, const struct host_info *h, const char *file,
		bool no_sysfs, bool sysfs_present, struct kbtf_choice *c)
{
	const struct cp_store_entry *rel = NULL;
	int rel_score = -1;
	char closest[256];

	memset(c, 0, sizeof(*c));
	c->sysfs_present = sysfs_present;
	if (file) {
		c->source = KBTF_FILE;
		c->file = file;
		return 0;
	}
	for (uint32_t i = 0; i < store_count(st); i++) {
		const struct cp_store_entry *e = &st->entries[i];

		if (e->kind != CP_BLOB_KERNEL || !arch_fits(st, e, h))
			continue;
		if (h->build_id_len && e->build_id_len == h->build_id_len &&
		    !memcmp(e->build_id, h->build_id, h->build_id_len)) {
			c->source = KBTF_BLOB_BUILD_ID;
			c->entry = e;
			return 0;
		}
		if (!strcmp(store_str(st, e->key_off), h->release)) {
			int s = tie_score(st, e, h);

			/* a recorded build-id that is not the running kernel's: still a release match,
			 * but ranked below one that records nothing to contradict it */
			if (!(e->build_id_len && h->build_id_len))
				s += 1;
			if (s > rel_score) {
				rel = e;
				rel_score = s;
			}
		}
	}
	if (sysfs_present && !no_sysfs) {
		c->source = KBTF_SYSFS;
		return 0;
	}
	if (rel && rel_score >= 8) {
		c->source = KBTF_BLOB_RELEASE;
		c->entry = rel;
		c->build_id_differs = rel->build_id_len && h->build_id_len;
		return 0;
	}
	closest_releases(st, h->release, closest, sizeof(closest));
	if (!store_count(st))
		snprintf(closest, sizeof(closest), "none (this coreprobe carries no BTF blobs: section %s missing, e.g. removed by llvm-strip)",
			 CP_STORE_SECTION);
	return cp_error(CP_ENOBTF, "no BTF for kernel %s%s%s (%s): closest embedded: %s; add this kernel's BTF with `coreprobe btf add --kernel %s=FILE -o NEW` or pass --kernel-btf FILE",
			h->release, h->build_id_len ? ", build-id " : "", h->build_id_hex,
			no_sysfs && sysfs_present ? "sysfs BTF skipped by --no-sysfs-btf" : "no /sys/kernel/btf/vmlinux",
			closest, h->release);
}

int abtf_choose(const struct cp_store *st, const char *target, const struct elf_info *ei,
		const char *file, struct abtf_choice *c)
{
	struct dwarf_search s;
	int err;

	memset(c, 0, sizeof(*c));
	if (file) {
		c->source = ABTF_FILE;
		c->file = file;
		return 0;
	}
	if (ei->build_id_len && (c->entry = store_find_app(st, ei->build_id, ei->build_id_len))) {
		c->source = ABTF_BLOB;
		return 0;
	}
	if (ei->has_btf) {
		c->source = ABTF_SECTION;
		c->read_path = ei->read_path;
		return 0;
	}
	dwarf_search_from_env(&s);
	if (!ei->build_id_len && !s.debug_file) {
		if (dwarf_find(target, ei, &s, &c->dwarf) == 0) {
			c->source = ABTF_DWARF;
			return 0;
		}
		cp_error_clear();
		return cp_error(CP_ENOBTF, "%s has no GNU build-id, so no embedded BTF or debug file can be matched to it, and no .debug_info of its own: pass its BTF with --app-btf FILE, or relink it with -Wl,--build-id",
				target);
	}
	if ((err = dwarf_find(target, ei, &s, &c->dwarf)))
		return err;
	c->source = ABTF_DWARF;
	return 0;
}

void dwarf_search_from_env(struct dwarf_search *s)
{
	memset(s, 0, sizeof(*s));
	s->debug_file = env.debug_file;
	s->debug_dirs = env.debug_dirs;
	s->n_debug_dirs = env.n_debug_dirs;
}

int cp_btf_header_check(const void *data, size_t size)
{
	struct btf_header h;
	bool swapped;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));	/* outside bytes: no alignment assumed */
	swapped = h.magic == __builtin_bswap16(BTF_MAGIC);
	if (h.magic != BTF_MAGIC && !swapped)
		return 0;
	if (swapped) {
		h.hdr_len = __builtin_bswap32(h.hdr_len);
		h.type_off = __builtin_bswap32(h.type_off);
	}
	/* types start at hdr_len + type_off: both must keep them 4-aligned */
	return (h.hdr_len | h.type_off) % 4 ? -EINVAL : 0;
}

struct btf *cp_btf_new(const void *data, size_t size, struct btf *base)
{
	if (cp_btf_header_check(data, size)) {
		errno = EINVAL;
		return NULL;
	}
	return base ? btf__new_split(data, size, base) : btf__new(data, size);
}

struct btf *cp_btf_parse(const char *path)
{
	unsigned char head[sizeof(struct btf_header)];
	void *data;
	size_t n;
	ssize_t got;
	struct btf *b;
	int fd, err;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	got = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (got < SELFMAG || memcmp(head, ELFMAG, SELFMAG)) {
		if (got > 0 && cp_btf_header_check(head, got)) {
			errno = EINVAL;
			return NULL;
		}
		return btf__parse_raw(path);
	}
	/* Not btf__parse_elf(): libbpf trusts the section header, and a .BTF of type NOBITS
	 * made it copy from a NULL pointer (found by tests/fuzz/fuzz_elf). elf_read_section()
	 * checks the file like any target first. */
	err = elf_read_section(path, ".BTF", &data, &n);
	if (err) {
		errno = err == -1 ? ENODATA : EINVAL;
		return NULL;
	}
	b = cp_btf_new(data, n, NULL);
	err = errno;
	free(data);
	errno = err;
	return b;
}

static int parse_btf_file(const char *path, const char *what, struct btf **out)
{
	struct btf *b = cp_btf_parse(path);
	int err = libbpf_get_error(b);

	if (err) {
		if (err == -ENOENT)
			return cp_error(CP_EUSAGE, "%s %s: no such file", what, path);
		return cp_error(CP_EUSAGE, "%s %s: not a valid BTF file (%s): give raw BTF (e.g. from pahole --btf_encode_detached or /sys/kernel/btf/vmlinux) or an ELF with a .BTF section",
				what, path, strerror(-err));
	}
	*out = b;
	return 0;
}

static int blob_btf(const struct cp_store *st, const struct cp_store_entry *e, struct btf *base, struct btf **out)
{
	void *raw;
	size_t n;
	struct btf *b;
	int err;

	if ((err = store_blob_get(st, e->blob, &raw, &n)))
		return err;
	b = cp_btf_new(raw, n, base);
	free(raw);
	if ((err = libbpf_get_error(b)))
		return cp_error(CP_ERUNTIME, "%s: embedded BTF blob '%s' does not parse (%s): rebuild coreprobe",
				st->origin, store_str(st, e->key_off), strerror(-err));
	*out = b;
	return 0;
}

static void set_add_src(struct btf_set *set, struct btf *b, const struct btf_raw *raw, bool app,
			const char *label)
{
	set->srcs[set->n_srcs++] = (struct btf_src){ .btf = b, .raw = raw, .app = app, .label = label };
}

int kernel_btf_load(struct kernel_btf *k, const struct cp_store *st, const char *const *modules)
{
	const struct kbtf_choice *c = &k->choice;
	int err = 0;

	switch (c->source) {
	case KBTF_FILE:
		err = parse_btf_file(c->file, "--kernel-btf", &k->vmlinux);
		break;
	case KBTF_SYSFS:
		/* in place: no libbpf parse, no copy where sysfs can be mapped (6.16+), one read
		 * buffer otherwise; libbpf's parser only if the walk does not accept it */
		if (btf_raw_load(&k->raw, SYSFS_VMLINUX, NULL) == 0)
			break;
		err = parse_btf_file(SYSFS_VMLINUX, "kernel BTF", &k->vmlinux);
		break;
	case KBTF_BLOB_BUILD_ID: case KBTF_BLOB_RELEASE:
		err = blob_btf(st, c->entry, NULL, &k->vmlinux);
		break;
	default:
		return cp_error(CP_ENOBTF, "no kernel BTF chosen");
	}
	if (err || c->source != KBTF_SYSFS || !modules)
		return err;
	for (int i = 0; modules[i] && k->n_modules < (int)ARRAY_SIZE(k->modules); i++) {
		char path[PATH_MAX];
		struct btf *m;

		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", modules[i]);
		if (access(path, R_OK))
			continue;	/* not loaded (or built in): its types are in vmlinux or absent */
		if (!k->vmlinux) {
			if ((err = btf_raw_load(&k->raw_modules[k->n_modules], path, &k->raw)))
				return cp_error(CP_ERUNTIME, "%s: module BTF does not parse (%s)", path, strerror(-err));
			k->module_names[k->n_modules++] = modules[i];
			continue;
		}
		m = btf__parse_split(path, k->vmlinux);
		if ((err = libbpf_get_error(m)))
			return cp_error(CP_ERUNTIME, "%s: module BTF does not parse (%s)", path, strerror(-err));
		k->module_names[k->n_modules] = modules[i];
		k->modules[k->n_modules++] = m;
	}
	return 0;
}

void kernel_btf_free(struct kernel_btf *k)
{
	for (int i = 0; i < k->n_modules; i++) {	/* split BTFs before their base */
		btf__free(k->modules[i]);
		btf_raw_fini(&k->raw_modules[i]);
		k->modules[i] = NULL;
	}
	btf__free(k->vmlinux);
	btf_raw_fini(&k->raw);
	k->vmlinux = NULL;
	k->n_modules = 0;
}

void btf_set_init(struct btf_set *set, const struct kernel_btf *k)
{
	memset(set, 0, sizeof(*set));
	set_add_src(set, k->vmlinux, k->vmlinux ? NULL : &k->raw, false, "kernel");
	for (int i = 0; i < k->n_modules; i++)
		set_add_src(set, k->modules[i], k->modules[i] ? NULL : &k->raw_modules[i], false,
			    k->module_names[i]);
}

int btf_set_load_app(struct btf_set *set, const struct cp_store *st, const char *target,
		     const struct abtf_choice *c)
{
	struct btf *b = NULL;
	int err;

	if (set->n_apps >= (int)ARRAY_SIZE(set->apps))
		return cp_error(CP_ERUNTIME, "too many application BTFs in one load");
	switch (c->source) {
	case ABTF_FILE:
		err = parse_btf_file(c->file, "--app-btf", &b);
		break;
	case ABTF_BLOB:
		err = blob_btf(st, c->entry, NULL, &b);
		break;
	case ABTF_SECTION:
		b = cp_btf_parse(c->read_path ? c->read_path : target);
		if ((err = libbpf_get_error(b)))
			err = cp_error(CP_EUSAGE, "%s: its .BTF section does not parse (%s)", target, strerror(-err));
		break;
	case ABTF_DWARF:
		/* encoded in btf_handoff_fill, when the object's names are known */
		if (!(set->dwarf[set->n_apps] = malloc(sizeof(c->dwarf))))
			return cp_error(CP_ERUNTIME, "out of memory");
		*set->dwarf[set->n_apps] = c->dwarf;
		err = 0;
		break;
	default:
		return cp_error(CP_ENOBTF, "%s: no application BTF chosen", target);
	}
	if (err)
		return err;
	set->app_src[set->n_apps] = set->n_srcs;
	set->apps[set->n_apps++] = b;
	set_add_src(set, b, NULL, true, target);
	return 0;
}

struct encode_job {
	const struct dwarf_file *df;
	const struct btf *local;
	struct btf *out;
	struct dwarf_stats st;
	int err;
};

static void *encode_job_run(void *arg)
{
	struct encode_job *j = arg;

	j->err = dwarf_btf_for_object(j->df, j->local, &j->out, &j->st);
	return NULL;
}

/* The DWARF-sourced apps of a set, encoded for the object's local BTF. Several (sslsniff's
 * libssl and libcrypto) are encoded at the same time, one thread each: they share nothing but
 * the local BTF (read only), and start-up waits for the longest instead of the sum. A failed
 * encode is run again alone, in order, so its one error line is the one it makes by itself
 * (the error buffer is process-wide). */
static int btf_set_encode_dwarf(struct btf_set *set, const struct btf *local)
{
	struct encode_job jobs[ARRAY_SIZE(set->dwarf)];
	pthread_t tid[ARRAY_SIZE(set->dwarf)];
	bool started[ARRAY_SIZE(set->dwarf)] = { 0 };
	int idx[ARRAY_SIZE(set->dwarf)], n = 0, err = 0;
	pthread_attr_t attr;
	struct timespec w0, c0, w1, c1;

	clock_gettime(CLOCK_MONOTONIC, &w0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);

	for (int i = 0; i < set->n_apps; i++)
		if (set->dwarf[i] && !set->apps[i]) {
			jobs[n] = (struct encode_job){ .df = set->dwarf[i], .local = local };
			idx[n++] = i;
		}
	if (n > 1 && !pthread_attr_init(&attr)) {
		elf_version(EV_CURRENT);	/* libelf's one global, set before the threads */
		pthread_attr_setstacksize(&attr, 1 << 20);
		for (int k = 0; k < n; k++)
			started[k] = !pthread_create(&tid[k], &attr, encode_job_run, &jobs[k]);
		pthread_attr_destroy(&attr);
		for (int k = 0; k < n; k++)
			if (started[k])
				pthread_join(tid[k], NULL);
		for (int k = 0; k < n; k++)
			if (started[k] && jobs[k].err) {
				btf__free(jobs[k].out);
				jobs[k].out = NULL;
				started[k] = false;
				cp_error_clear();
			}
	}
	for (int k = 0; k < n; k++) {
		if (!started[k])
			encode_job_run(&jobs[k]);
		if (jobs[k].err && !err)
			err = jobs[k].err;
	}
	for (int k = 0; k < n; k++) {
		int i = idx[k];
		struct dwarf_stats *st = &jobs[k].st;

		if (jobs[k].err) {
			btf__free(jobs[k].out);
			continue;
		}
		set->apps[i] = jobs[k].out;
		set->srcs[set->app_src[i]].btf = jobs[k].out;
		if (env.verbose && !err)
			fprintf(stderr, "coreprobe: %s: BTF encoded from DWARF %s%s%s: %u types from %u definitions (%u more proven the same, not encoded again; %u units indexed) in %.1f ms (%.1f ms CPU)\n",
				set->srcs[set->app_src[i]].label, set->dwarf[i]->path,
				set->dwarf[i]->alt_path[0] ? " + alt " : "", set->dwarf[i]->alt_path,
				st->types, st->roots, st->same, st->units, st->ms, st->cpu_ms);
	}
	clock_gettime(CLOCK_MONOTONIC, &w1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	if (env.verbose && !err && n)
		fprintf(stderr, "coreprobe: app BTF from DWARF: %d file%s encoded in %.1f ms (%.1f ms CPU%s)\n", n,
			n > 1 ? "s" : "", (w1.tv_sec - w0.tv_sec) * 1e3 + (w1.tv_nsec - w0.tv_nsec) / 1e6,
			(c1.tv_sec - c0.tv_sec) * 1e3 + (c1.tv_nsec - c0.tv_nsec) / 1e6,
			n > 1 ? ", side by side" : "");
	return err;
}

void btf_set_free(struct btf_set *set)
{
	for (int i = 0; i < set->n_apps; i++) {
		btf__free(set->apps[i]);
		free(set->dwarf[i]);
	}
	memset(set, 0, sizeof(*set));
}

int btf_handoff_open(struct btf_handoff *h)
{
	const char *dir;

	memset(h, 0, sizeof(*h));
	h->fd = memfd_create("coreprobe-btf", MFD_CLOEXEC);
	if (h->fd >= 0) {
		snprintf(h->path, sizeof(h->path), "/proc/self/fd/%d", h->fd);
		if (access(h->path, R_OK) == 0)
			return 0;
		close(h->fd);	/* no /proc: libbpf could not open it by path */
	}
	/* Only without /proc: a private (0600, random name) temp file, unlinked after the load. */
	dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(h->path, sizeof(h->path), "%s/coreprobe-btf.XXXXXX", dir);
	h->fd = mkostemp(h->path, O_CLOEXEC);
	if (h->fd < 0)
		return cp_error(CP_ERUNTIME, "cannot hand BTF to libbpf: /proc is not mounted and %s is not writable (%s): mount /proc or set TMPDIR to a writable directory",
				dir, strerror(errno));
	h->is_temp = true;
	return 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf = (const char *)buf + w;
		n -= w;
	}
	return 0;
}

int btf_handoff_fill(struct btf_handoff *h, struct btf_set *set, const struct bpf_object *obj)
{
	const struct btf *local = bpf_object__btf(obj);
	void *raw;
	size_t n;
	int err;

	if (!local)
		return cp_error(CP_ERUNTIME, "BPF object has no BTF (built without -g?)");
	if ((err = btf_set_encode_dwarf(set, local)))
		return err;
	if ((err = btf_merge_for_object(local, set->srcs, set->n_srcs, &raw, &n, &h->stats)))
		return err;
	err = ftruncate(h->fd, 0) || lseek(h->fd, 0, SEEK_SET) < 0 || write_all(h->fd, raw, n);
	free(raw);
	if (err)
		return cp_error(CP_ERUNTIME, "writing the merged BTF to %s: %s", h->path, strerror(errno));
	return 0;
}

void btf_handoff_close(struct btf_handoff *h)
{
	if (h->fd > 0)
		close(h->fd);
	if (h->is_temp)
		unlink(h->path);
	h->fd = -1;
	h->is_temp = false;
}
