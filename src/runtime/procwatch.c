// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "src/common.h"
#include "src/runtime/procwatch.h"
#include "procwatch.skel.h"
#include "tools/objects.h"

CP_OBJECT_BYTES(procwatch)

static bool name_matches(const char *path, const char *const *prefixes, int n)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (int i = 0; i < n; i++)
		if (!strncmp(base, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static int which_prefix(const char *path, const char *const *prefixes, int n)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (int i = 0; i < n; i++)
		if (!strncmp(base, prefixes[i], strlen(prefixes[i])))
			return i;
	return -1;
}

/* Without map_files (it needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE): the path itself, then
 * under the process's root, each accepted only if it is the inode the maps line names. */
static int open_by_path(int pid, const char *path, unsigned maj, unsigned min, unsigned long ino)
{
	char viaroot[PATH_MAX + 32];
	const char *cand[2] = { path, viaroot };
	struct stat st;

	snprintf(viaroot, sizeof(viaroot), "/proc/%d/root%s", pid, path);
	for (int i = 0; i < 2; i++) {
		int fd = open(cand[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && st.st_ino == ino && major(st.st_dev) == maj && minor(st.st_dev) == min)
			return fd;
		close(fd);
	}
	return -1;
}

/* A name for messages: the maps path when it is this very file here (the host, a chroot), else
 * the same path under the process's root (a container), else the maps path with the pid. */
static void shown_name(int pid, struct pw_mapping *m)
{
	char viaroot[PATH_MAX + 32];
	struct stat st;

	snprintf(viaroot, sizeof(viaroot), "/proc/%d/root%s", pid, m->path);
	if (!m->deleted && stat(m->path, &st) == 0 && st.st_dev == m->dev && st.st_ino == m->ino)
		snprintf(m->shown, sizeof(m->shown), "%s", m->path);
	else if (!m->deleted && stat(viaroot, &st) == 0 && st.st_dev == m->dev && st.st_ino == m->ino)
		snprintf(m->shown, sizeof(m->shown), "%s", viaroot);
	else
		snprintf(m->shown, sizeof(m->shown), "%s (%s pid %d)", m->path, m->deleted ? "deleted, mapped by" : "in", pid);
}

int pw_scan_pid(int pid, const char *const *prefixes, int n_prefixes, struct pw_mapping *out, int max)
{
	char mpath[64], line[PATH_MAX + 256];
	int n = 0;
	FILE *f;

	snprintf(mpath, sizeof(mpath), "/proc/%d/maps", pid);
	if (!(f = fopen(mpath, "re")))
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		unsigned long start, end, off, ino;
		unsigned maj, min;
		char perms[8], *path, *nl, *del;
		struct pw_mapping *m = &out[n];
		struct stat st;
		bool dup = false;
		int pos = 0;

		/* START-END PERMS OFFSET MAJ:MIN INODE PATH */
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &start, &end, perms, &off, &maj, &min, &ino, &pos) < 7 ||
		    !pos || !ino || line[pos] != '/')
			continue;
		path = line + pos;
		if ((nl = strchr(path, '\n')))
			*nl = 0;
		if (!name_matches(path, prefixes, n_prefixes))
			continue;
		memset(m, 0, sizeof(*m));
		/* " (deleted)" ends the name of an unlinked file (a name could end so too: the
		 * fstat below, not this text, decides identity) */
		if ((del = strstr(path, " (deleted)")) && !del[10]) {
			*del = 0;
			m->deleted = true;
		}
		snprintf(m->path, sizeof(m->path), "%s", path);
		snprintf(mpath, sizeof(mpath), "/proc/%d/map_files/%lx-%lx", pid, start, end);
		m->fd = open(mpath, O_RDONLY | O_CLOEXEC);
		if (m->fd < 0 && (errno == EPERM || errno == EACCES))
			m->fd = open_by_path(pid, m->path, maj, min, ino);
		if (m->fd < 0)		/* the process exited or unmapped it meanwhile: nothing to trace */
			continue;
		if (fstat(m->fd, &st) || !S_ISREG(st.st_mode)) {
			close(m->fd);
			continue;
		}
		m->dev = st.st_dev;
		m->ino = st.st_ino;
		for (int i = 0; i < n && !dup; i++)
			dup = out[i].dev == m->dev && out[i].ino == m->ino;
		if (dup) {
			close(m->fd);
			continue;
		}
		snprintf(m->fd_path, sizeof(m->fd_path), "/proc/self/fd/%d", m->fd);
		m->prefix = which_prefix(m->path, prefixes, n_prefixes);
		shown_name(pid, m);
		n++;
	}
	fclose(f);
	return n;
}

void pw_mappings_close(struct pw_mapping *m, int n)
{
	for (int i = 0; i < n; i++)
		if (m[i].fd >= 0) {
			close(m[i].fd);
			m[i].fd = -1;
		}
}

/* ---- the watcher ---- */

struct procwatch {
	struct procwatch_bpf *skel;
	struct cp_load load;
	pw_fn fn;
	void *ctx;
	double tokens;			/* rate limit: a token bucket of PW_RATE a second */
	double last;
	unsigned long long limited;	/* events not rescanned because of the rate limit */
	bool warned;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int on_pw_event(void *ctx, void *data, size_t size)
{
	struct procwatch *pw = ctx;
	double t = now_s();

	if (size < sizeof(struct pw_event))
		return 0;
	pw->tokens += (t - pw->last) * PW_RATE;
	if (pw->tokens > PW_RATE)
		pw->tokens = PW_RATE;
	pw->last = t;
	if (pw->tokens < 1) {
		if (!pw->warned)
			cp_warn("more than %d new library mappings a second: some processes are not rescanned (they are traced only through libraries already attached)",
				PW_RATE);
		pw->warned = true;
		pw->limited++;
		return 0;
	}
	pw->tokens -= 1;
	pw->fn(pw->ctx, data);
	return 0;
}

int pw_start(struct procwatch **out, struct cp_run *run, struct cp_events *ev, const char *const *prefixes,
	     int n_prefixes, int pid, pw_fn fn, void *ctx)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct procwatch *pw;
	int err;

	*out = NULL;
	if (!ev->rb)
		return cp_error(CP_ENOFEAT, "watching for processes started later needs the BPF ring buffer (Linux 5.8+)");
	if (n_prefixes > PW_MAX_PREFIX)
		return cp_error(CP_ERUNTIME, "procwatch: at most %d name prefixes", PW_MAX_PREFIX);
	if (!(pw = calloc(1, sizeof(*pw))))
		return cp_error(CP_ERUNTIME, "out of memory");
	pw->fn = fn;
	pw->ctx = ctx;
	pw->tokens = PW_RATE;
	pw->last = now_s();
	if ((err = cp_load_begin(run, &pw->load, &opts)))
		goto fail;
	if (!(pw->skel = procwatch_bpf__open_opts(&opts))) {
		err = cp_bpf_error(errno, "opening the process watcher's BPF object");
		goto fail;
	}
	for (int i = 0; i < n_prefixes; i++)
		snprintf((char *)pw->skel->rodata->prefixes[i], PW_PREFIX_LEN, "%s", prefixes[i]);
	pw->skel->rodata->n_prefixes = n_prefixes;
	pw->skel->rodata->target_tgid = pid;
	if ((err = cp_load_prepare(run, &pw->load, pw->skel->obj)))
		goto fail;
	err = procwatch_bpf__load(pw->skel);
	cp_load_done(&pw->load);
	if (err) {
		err = cp_bpf_error(err, "loading the process watcher (CO-RE relocation against the kernel's BTF)");
		goto fail;
	}
	if ((err = procwatch_bpf__attach(pw->skel))) {
		err = cp_bpf_error(err, "attaching the process watcher to the sys_enter/sys_exit raw tracepoints");
		goto fail;
	}
	if (ring_buffer__add(ev->rb, bpf_map__fd(pw->skel->maps.pw_events), on_pw_event, pw)) {
		err = cp_bpf_error(errno, "adding the process watcher's ring buffer");
		goto fail;
	}
	*out = pw;
	return 0;
fail:
	procwatch_bpf__destroy(pw->skel);
	cp_load_free(&pw->load);
	free(pw);
	return err;
}

void pw_done_with(struct procwatch *pw, const struct pw_file_key *k)
{
	__u8 one = 1;

	/* full (4096 files): the file is simply reported again, and found known in userspace */
	if (pw)
		bpf_map__update_elem(pw->skel->maps.known, k, sizeof(*k), &one, sizeof(one), BPF_ANY);
}

void pw_stop(struct procwatch *pw)
{
	__u32 zero = 0;
	__u64 dropped = 0;

	if (!pw)
		return;
	bpf_map__lookup_elem(pw->skel->maps.pw_dropped, &zero, sizeof(zero), &dropped, sizeof(dropped), 0);
	if (pw->limited || dropped)
		cp_warn("%llu new library mapping(s) were not rescanned (%llu over the rate limit of %d/s, %llu with the watcher's ring full)",
			pw->limited + dropped, pw->limited, PW_RATE, (unsigned long long)dropped);
	procwatch_bpf__destroy(pw->skel);
	cp_load_free(&pw->load);
	free(pw);
}
