// SPDX-License-Identifier: BSD-2-Clause
/*
 * coreprobe sslsniff: TLS plaintext of SSL_read/SSL_write(_ex), with the connection's fd, and
 * an NSS key log, from every OpenSSL the system uses. Libraries are found on disk and in every
 * process's mappings (containers included), grouped by (libssl, libcrypto) build-id, and one
 * instance of the one BPF object is loaded per group, each relocated against that build's own
 * BTF. A build without a blob is traced for plaintext only, with a warning: never a guess.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/common.h"
#include "src/btf/elfinfo.h"
#include "src/runtime/procwatch.h"
#include "src/runtime/tlskeys.h"
#include "src/runtime/tracer.h"
#include "src/linebuf.h"
#include "src/runtime/uprobe.h"
#include "tools/tools.h"

#include "bpf/sslsniff.h"
#include "sslsniff.skel.h"
#include "tools/objects.h"

CP_OBJECT_BYTES(sslsniff)

#define MAX_LIBS 256
#define MAX_INSTANCES 16

static const char sslsniff_usage[] =
	"usage: coreprobe sslsniff [-p PID] [--lib PATH]... [-x] [--max-bytes N] [--keylog FILE] [--no-fd-syscalls]\n"
	"                          [--no-watch] [-c COUNT] [-d SECONDS] [-v] [-j]\n"
	"\n"
	"Prints the plaintext of SSL_read/SSL_write/SSL_read_ex/SSL_write_ex calls of every OpenSSL\n"
	"library and of gnutls_record_send/recv calls of every GnuTLS library in use (found on disk\n"
	"and in /proc/*/maps, containers included, and new ones as processes map them), with the connection's fd (\"fd ?\" when it cannot\n"
	"be proven), and writes an NSS key log (OpenSSL and GnuTLS) that Wireshark and tshark decrypt with.\n"
	"\n"
	"  -p PID          only this process (and only the libraries it maps, plus --lib)\n"
	"  --lib PATH      also trace this libssl or libgnutls (or a program with OpenSSL linked in)\n"
	"  -x, --hexdump   data as a hex dump instead of text\n"
	"  --no-fd-syscalls  take the fd only from OpenSSL socket BIOs, not from the socket\n"
	"                  syscalls made inside the call (no sys_enter tracepoint; others: fd ?)\n"
	"  --max-bytes N   capture at most N bytes per call (default 4096, at most 16383);\n"
	"                  longer calls are flagged as truncated\n"
	"  --keylog FILE   append key log lines (created 0600; never follows a symlink)\n"
	"  --no-watch      trace only the libraries found at start-up (do not watch for\n"
	"                  processes and containers that map a new one later)\n"
	"  -c COUNT        exit after COUNT data events\n"
	"  -d SECONDS      exit after SECONDS\n";

/* One OpenSSL build in use: its libssl, and the libcrypto it runs with. */
struct ssl_lib {
	char ssl_path[PATH_MAX];	/* its name in messages and output */
	struct elf_info ssl;
	char crypto_path[PATH_MAX];
	struct elf_info crypto;
	bool has_crypto;
	/* Found through a process's mapping (src/runtime/procwatch.h): the mapped files, kept
	 * open; every read and the attach go through these /proc/self/fd/N names. "": by path. */
	char ssl_file[32], crypto_file[32];
	int ssl_fd, crypto_fd;
};

/* One GnuTLS library in use: plaintext always (the first object's programs); keys when its
 * build has a key object (build >= 0). */
struct gtls_lib {
	char path[PATH_MAX];
	struct elf_info ei;
	char file[32];		/* found through a mapping: /proc/self/fd/N of fd; "": by path */
	int fd;
	bool has_btf;	/* a blob for its build-id (or its own .BTF) */
	int build;	/* its build's key object (S->gbuild), -1: plaintext only */
};

/* One GnuTLS build with keys: the key programs relocated against that build's BTF. The first
 * build's are merged into the first object (no extra load for the usual one build); each
 * further build (a container's, a chroot's) loads them in an object of its own that writes
 * into the first one's event maps, as OpenSSL's instances do. */
struct gtls_build {
	struct sslsniff_bpf *skel;	/* own object; NULL: the first object's */
	struct cp_load load;
	int lib;			/* the library (S->gtls) whose build-id it was made for */
};

#define GTLS_PROBES 13
#define GTLS_KEY_PROBES 6

/* One loaded object: every library with the same (libssl, libcrypto) build-ids. */
struct instance {
	struct sslsniff_bpf *skel;
	struct cp_load load;
	int libs[MAX_LIBS];
	int n_libs;
	bool ssl_btf, crypto_btf;
	struct bpf_link *links[MAX_LIBS * 10];
	int n_links;
};

struct keylog {
	int fd;
	/* client randoms whose lines were written (each label once per connection) */
	struct { uint8_t random[SSL_RANDOM_LEN]; uint8_t labels; } *seen;
	size_t n_seen, cap_seen;
};

struct sslsniff {
	struct cp_run run;
	long pid;
	bool hexdump;
	long max_bytes;
	const char *keylog_path;
	const char *extra[MAX_LIBS];
	int n_extra;
	struct ssl_lib libs[MAX_LIBS];
	int n_libs;
	struct instance inst[MAX_INSTANCES];
	int n_inst;
	struct gtls_lib gtls[MAX_LIBS];
	int n_gtls;
	struct bpf_link *gtls_links[MAX_LIBS * (GTLS_PROBES + GTLS_KEY_PROBES)];
	struct gtls_build gbuild[MAX_INSTANCES];
	int n_gbuild;
	int n_gtls_links;
	struct bpf_link *io_links[4];	/* the syscall tracepoint of the fd correlation */
	int n_io_links;
	bool io_untraced;		/* the tracepoint could not be attached */
	bool no_fd_syscalls;		/* --no-fd-syscalls */
	struct keylog kl;
	__u64 start_ns;
	bool no_watch;
	struct procwatch *pw;
	bool warned_full;
	/* processes whose libssl was mapped before their libcrypto: only their libcrypto
	 * mappings are worth a rescan (the others' libcrypto events cost no scan) */
	int pending[64];
	unsigned n_pending;
};

static int parse_args(int argc, char **argv, struct sslsniff *S)
{
	enum { OPT_LIB = OPT_TOOL_BASE, OPT_MAX_BYTES, OPT_KEYLOG, OPT_NO_FD_SYSCALLS, OPT_NO_WATCH };
	static const struct option opts[] = {
		CP_COMMON_LONGOPTS,
		{ "pid", required_argument, 0, 'p' },
		{ "lib", required_argument, 0, OPT_LIB },
		{ "hexdump", no_argument, 0, 'x' },
		{ "max-bytes", required_argument, 0, OPT_MAX_BYTES },
		{ "keylog", required_argument, 0, OPT_KEYLOG },
		{ "no-fd-syscalls", no_argument, 0, OPT_NO_FD_SYSCALLS },
		{ "no-watch", no_argument, 0, OPT_NO_WATCH },
		{ "count", required_argument, 0, 'c' },
		{ "duration", required_argument, 0, 'd' },
		{ 0 }
	};
	int c, err = 0;

	S->max_bytes = 4096;
	while ((c = getopt_long(argc, argv, CP_COMMON_SHORTOPTS "p:xc:d:", opts, NULL)) != -1) {
		int r = cp_common_option(c, optarg, sslsniff_usage);

		if (r < 0)
			return -1;
		if (r)
			continue;
		switch (c) {
		case 'p': err = cp_parse_long("-p", optarg, 1, 1 << 30, &S->pid); break;
		case 'x': S->hexdump = true; break;
		case 'c': err = cp_parse_long("-c", optarg, 1, 1L << 40, &S->run.max_events); break;
		case 'd': err = cp_parse_double("-d", optarg, 0.001, 1e7, &S->run.duration); break;
		case OPT_MAX_BYTES: err = cp_parse_long("--max-bytes", optarg, 1, SSL_DATA_MAX - 1, &S->max_bytes); break;
		case OPT_KEYLOG: S->keylog_path = optarg; break;
		case OPT_NO_FD_SYSCALLS: S->no_fd_syscalls = true; break;
		case OPT_NO_WATCH: S->no_watch = true; break;
		case OPT_LIB:
			if (S->n_extra == MAX_LIBS)
				return cp_error(CP_EUSAGE, "--lib: at most %d", MAX_LIBS);
			S->extra[S->n_extra++] = optarg;
			break;
		default: return cp_usage_error("sslsniff", sslsniff_usage);
		}
		if (err)
			return err;
	}
	if (optind != argc)
		return cp_usage_error("sslsniff", sslsniff_usage);
	return 0;
}

/* ---- finding the libraries ---- */

static bool same_file(const struct elf_info *a, const struct elf_info *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/* The libcrypto a libssl runs with: the one of the same soname suffix next to it, else the
 * libssl itself when OpenSSL is linked in statically. */
static void find_crypto(struct ssl_lib *l, const char *maps_crypto)
{
	char dir[PATH_MAX], *slash, *suffix;

	if (maps_crypto && elf_inspect(maps_crypto, &l->crypto) == 0) {
		snprintf(l->crypto_path, sizeof(l->crypto_path), "%s", maps_crypto);
		l->has_crypto = true;
		return;
	}
	cp_error_clear();
	snprintf(dir, sizeof(dir), "%s", l->ssl_path);
	slash = strrchr(dir, '/');
	suffix = strstr(l->ssl_path + (slash ? slash - dir + 1 : 0), "libssl");
	if (slash && suffix) {
		*slash = 0;
		snprintf(l->crypto_path, sizeof(l->crypto_path), "%s/libcrypto%s", dir, suffix + 6);
		if (elf_inspect(l->crypto_path, &l->crypto) == 0) {
			l->has_crypto = true;
			return;
		}
		cp_error_clear();
	}
	if (elf_has_function(l->ssl_path, "BIO_new") == 1) {
		snprintf(l->crypto_path, sizeof(l->crypto_path), "%s", l->ssl_path);
		l->crypto = l->ssl;
		l->has_crypto = true;
	}
	cp_error_clear();
}

/* Adds a GnuTLS library (once per file); false if path is not one. */
static bool add_gtls(struct sslsniff *S, const char *path)
{
	struct gtls_lib *g;

	if (S->n_gtls == MAX_LIBS)
		return false;
	g = &S->gtls[S->n_gtls];
	memset(g, 0, sizeof(*g));
	g->build = -1;
	snprintf(g->path, sizeof(g->path), "%s", path);
	if (elf_inspect(path, &g->ei) || elf_has_function(path, "gnutls_record_send") != 1) {
		cp_error_clear();
		return false;
	}
	for (int i = 0; i < S->n_gtls; i++)
		if (same_file(&S->gtls[i].ei, &g->ei))
			return true;
	S->n_gtls++;
	return true;
}

/* Adds a library (once per file). quiet: a candidate from a directory scan. */
static int add_lib(struct sslsniff *S, const char *path, const char *maps_crypto, bool quiet)
{
	struct ssl_lib *l;
	int err;

	if (S->n_libs == MAX_LIBS)
		return quiet ? 0 : cp_error(CP_EUSAGE, "more than %d OpenSSL libraries: narrow with -p", MAX_LIBS);
	l = &S->libs[S->n_libs];
	memset(l, 0, sizeof(*l));
	l->ssl_fd = l->crypto_fd = -1;
	snprintf(l->ssl_path, sizeof(l->ssl_path), "%s", path);
	if ((err = elf_inspect(path, &l->ssl))) {
		if (quiet) {
			cp_error_clear();
			return 0;
		}
		return err;
	}
	for (int i = 0; i < S->n_libs; i++)
		if (same_file(&S->libs[i].ssl, &l->ssl))
			return 0;
	if (elf_has_function(path, "SSL_write") != 1) {
		cp_error_clear();
		if (!quiet && add_gtls(S, path))
			return 0;
		return quiet ? 0 : cp_error(CP_EUSAGE, "--lib %s: no SSL_write or gnutls_record_send in its symbol tables: give a libssl, a libgnutls or a program with OpenSSL linked in", path);
	}
	find_crypto(l, maps_crypto);
	S->n_libs++;
	return 0;
}

static void scan_dir(struct sslsniff *S, const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!strncmp(de->d_name, "libssl.so", 9))
			add_lib(S, path, NULL, true);
		else if (!strncmp(de->d_name, "libgnutls.so", 12))
			add_gtls(S, path);
	}
	closedir(d);
}

/* The names a process's mappings are matched by (src/runtime/procwatch.h). */
enum { W_SSL, W_CRYPTO, W_GTLS };
static const char *const watched[] = { [W_SSL] = "libssl.so", [W_CRYPTO] = "libcrypto.so", [W_GTLS] = "libgnutls.so" };

/* Keeps a mapped file open as the library's identity; 0, or -1 if it is not an ELF we read. */
static int keep_mapped(const struct pw_mapping *m, int *fd, char *file, size_t n, struct elf_info *ei)
{
	*fd = fcntl(m->fd, F_DUPFD_CLOEXEC, 3);
	if (*fd < 0)
		return -1;
	snprintf(file, n, "/proc/self/fd/%d", *fd);
	if (elf_inspect_fd(*fd, m->shown, ei)) {
		if (env.verbose)
			fprintf(stderr, "coreprobe: %s: skipped: %s\n", m->shown, cp_errmsg());
		cp_error_clear();
		close(*fd);
		*fd = -1;
		return -1;
	}
	ei->read_path = file;
	return 0;
}

static bool lib_known(const struct sslsniff *S, dev_t dev, ino_t ino)
{
	for (int i = 0; i < S->n_libs; i++)
		if (S->libs[i].ssl.dev == dev && S->libs[i].ssl.ino == ino)
			return true;
	return false;
}

static bool gtls_known(const struct sslsniff *S, dev_t dev, ino_t ino)
{
	for (int i = 0; i < S->n_gtls; i++)
		if (S->gtls[i].ei.dev == dev && S->gtls[i].ei.ino == ino)
			return true;
	return false;
}

/* Adds the libssl a process maps, with the libcrypto it maps. 1: its libcrypto is not mapped
 * yet (the loader maps it next: its own mapping event brings us back). */
static int add_mapped_lib(struct sslsniff *S, int pid, const struct pw_mapping *ssl, const struct pw_mapping *crypto)
{
	struct ssl_lib *l;

	if (lib_known(S, ssl->dev, ssl->ino))
		return 0;
	if (S->n_libs == MAX_LIBS) {
		if (!S->warned_full)
			cp_warn("more than %d OpenSSL libraries: %s (pid %d) and later ones are not traced; narrow with -p",
				MAX_LIBS, ssl->shown, pid);
		S->warned_full = true;
		return 0;
	}
	l = &S->libs[S->n_libs];
	memset(l, 0, sizeof(*l));
	l->ssl_fd = l->crypto_fd = -1;
	if (keep_mapped(ssl, &l->ssl_fd, l->ssl_file, sizeof(l->ssl_file), &l->ssl))
		return 0;
	snprintf(l->ssl_path, sizeof(l->ssl_path), "%s", ssl->shown);
	if (elf_has_function(l->ssl_file, "SSL_write") != 1)
		goto skip;
	if (crypto && !keep_mapped(crypto, &l->crypto_fd, l->crypto_file, sizeof(l->crypto_file), &l->crypto)) {
		snprintf(l->crypto_path, sizeof(l->crypto_path), "%s", crypto->shown);
		l->has_crypto = true;
	} else if (elf_has_function(l->ssl_file, "BIO_new") == 1) {	/* OpenSSL linked in whole */
		memcpy(l->crypto_path, l->ssl_path, sizeof(l->crypto_path));
		l->crypto = l->ssl;
		l->has_crypto = true;
	} else if (!crypto) {
		cp_error_clear();
		close(l->ssl_fd);
		return 1;
	}
	cp_error_clear();
	if (ssl->deleted && env.verbose)
		fprintf(stderr, "coreprobe: %s: deleted while mapped: traced through the mapping (the very file pid %d runs)\n",
			ssl->shown, pid);
	S->n_libs++;
	return 0;
skip:
	cp_error_clear();
	close(l->ssl_fd);
	return 0;
}

/* Adds the libgnutls a process maps (once per file), kept open as its identity. */
static void add_mapped_gtls(struct sslsniff *S, int pid, const struct pw_mapping *m)
{
	struct gtls_lib *g;

	if (gtls_known(S, m->dev, m->ino))
		return;
	if (S->n_gtls == MAX_LIBS) {
		if (!S->warned_full)
			cp_warn("more than %d GnuTLS libraries: %s (pid %d) and later ones are not traced; narrow with -p",
				MAX_LIBS, m->shown, pid);
		S->warned_full = true;
		return;
	}
	g = &S->gtls[S->n_gtls];
	memset(g, 0, sizeof(*g));
	g->build = -1;
	if (keep_mapped(m, &g->fd, g->file, sizeof(g->file), &g->ei))
		return;
	snprintf(g->path, sizeof(g->path), "%s", m->shown);
	if (elf_has_function(g->file, "gnutls_record_send") != 1) {
		cp_error_clear();
		close(g->fd);
		return;
	}
	S->n_gtls++;
}

/* The libssl and the libgnutls a process maps (the first of each), found through the
 * mappings themselves. */
static int scan_maps(struct sslsniff *S, int pid)
{
	struct pw_mapping m[8];
	int n = pw_scan_pid(pid, watched, ARRAY_SIZE(watched), m, ARRAY_SIZE(m)), ssl = -1, crypto = -1, gtls = -1, r = 0;

	for (int i = 0; i < n; i++) {
		if (m[i].prefix == W_SSL && ssl < 0)
			ssl = i;
		else if (m[i].prefix == W_CRYPTO && crypto < 0)
			crypto = i;
		else if (m[i].prefix == W_GTLS && gtls < 0)
			gtls = i;
	}
	if (gtls >= 0)
		add_mapped_gtls(S, pid, &m[gtls]);
	if (ssl >= 0)
		r = add_mapped_lib(S, pid, &m[ssl], crypto >= 0 ? &m[crypto] : NULL);
	pw_mappings_close(m, n);
	return r;
}

static int discover(struct sslsniff *S)
{
	static const char *dirs[] = {
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
		"/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
		"/usr/local/lib", "/usr/local/lib64", "/usr/local/ssl/lib",
	};
	int err;

	for (int i = 0; i < S->n_extra; i++)
		if ((err = add_lib(S, S->extra[i], NULL, false)))
			return err;
	if (S->pid) {
		scan_maps(S, S->pid);
	} else {
		DIR *d = opendir("/proc");
		struct dirent *de;

		for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
			scan_dir(S, dirs[i]);
		while (d && (de = readdir(d)))
			if (isdigit((unsigned char)de->d_name[0]))
				scan_maps(S, atoi(de->d_name));
		if (d)
			closedir(d);
	}
	if (!S->n_libs && !S->n_gtls)
		return cp_error(CP_EUSAGE, "no OpenSSL or GnuTLS library found%s: give its path with --lib PATH",
				S->pid ? " in that process's mappings" : " on disk or in any process");
	return 0;
}

/* ---- loading: one instance per (libssl, libcrypto) build ---- */

static bool same_build(const struct ssl_lib *a, const struct ssl_lib *b)
{
	return a->ssl.build_id_len == b->ssl.build_id_len &&
	       !memcmp(a->ssl.build_id, b->ssl.build_id, a->ssl.build_id_len) && a->ssl.build_id_len &&
	       a->has_crypto == b->has_crypto &&
	       (!a->has_crypto || (a->crypto.build_id_len == b->crypto.build_id_len &&
				   !memcmp(a->crypto.build_id, b->crypto.build_id, a->crypto.build_id_len)));
}

static void group_libs(struct sslsniff *S)
{
	if (!S->n_libs && S->n_gtls)
		S->n_inst = 1;	/* GnuTLS only: one object with no OpenSSL library */
	for (int i = 0; i < S->n_libs; i++) {
		int g;

		for (g = 0; g < S->n_inst; g++)
			if (same_build(&S->libs[S->inst[g].libs[0]], &S->libs[i]))
				break;
		if (g == S->n_inst) {
			if (S->n_inst == MAX_INSTANCES)
				continue;
			S->n_inst++;
		}
		S->inst[g].libs[S->inst[g].n_libs++] = i;
	}
}

/* An application BTF if there is one; none is not an error here (plaintext only). */
static int add_app_btf(struct sslsniff *S, struct instance *in, const char *path, const struct elf_info *ei,
		       const char *override, bool *found)
{
	struct abtf_choice c;
	int err = abtf_choose(&S->run.store, path, ei, override, &c);

	*found = false;
	if (err == CP_ENOBTF) {
		cp_error_clear();
		return 0;
	}
	if (err || (err = btf_set_load_app(&in->load.set, &S->run.store, path, &c)))
		return err;
	*found = true;
	return 0;
}

struct probe {
	const char *func;
	bool ret;
	struct bpf_program *(*prog)(struct sslsniff_bpf *);
};

#define PROG(name) static struct bpf_program *p_##name(struct sslsniff_bpf *s) { return s->progs.name; }
PROG(io_sys_enter)

/* The syscall tracepoint of the fd correlation: attached once, from the first object. */
static const struct probe io_progs[] = { { "sys_enter", false, p_io_sys_enter } };

/* ---- GnuTLS keys: one key object per GnuTLS build with BTF (embedded blob for its
 * build-id, or its own .BTF); the first build's key programs live in the first object. ---- */

PROG(gtls_handshake_enter) PROG(gtls_handshake_leave) PROG(gtls_record_keys)

static const struct probe gtls_key_probes[GTLS_KEY_PROBES] = {
	{ "gnutls_handshake", false, p_gtls_handshake_enter }, { "gnutls_handshake", true, p_gtls_handshake_leave },
	{ "gnutls_record_send", false, p_gtls_record_keys }, { "gnutls_record_send2", false, p_gtls_record_keys },
	{ "gnutls_record_recv", false, p_gtls_record_keys }, { "gnutls_record_recv_seq", false, p_gtls_record_keys },
};

static bool same_build_id(const struct elf_info *a, const struct elf_info *b)
{
	return a->build_id_len && a->build_id_len == b->build_id_len && !memcmp(a->build_id, b->build_id, a->build_id_len);
}

/* Marks the GnuTLS libraries that have BTF, and merges the first one's into the first
 * object (in): its build becomes key object 0. */
static int gtls_add_btf(struct sslsniff *S, struct instance *in)
{
	for (int i = 0; i < S->n_gtls; i++) {
		struct gtls_lib *g = &S->gtls[i];
		struct abtf_choice c;
		int err = abtf_choose(&S->run.store, g->path, &g->ei, NULL, &c);

		if (err == CP_ENOBTF) {
			cp_error_clear();
			continue;
		}
		if (err)
			return err;
		g->has_btf = true;
		if (S->n_gbuild)
			continue;
		if ((err = btf_set_load_app(&in->load.set, &S->run.store, g->path, &c)))
			return err;
		memset(&S->gbuild[0], 0, sizeof(S->gbuild[0]));
		S->gbuild[0].lib = i;
		S->n_gbuild = 1;
		g->build = 0;
	}
	return 0;
}

static struct sslsniff_bpf *gbuild_skel(struct sslsniff *S, int b)
{
	return S->gbuild[b].skel ? S->gbuild[b].skel : S->inst[0].skel;
}

static void set_gtls_key_autoload(struct sslsniff_bpf *skel, bool on)
{
	bpf_program__set_autoload(skel->progs.gtls_handshake_enter, on);
	bpf_program__set_autoload(skel->progs.gtls_handshake_leave, on);
	bpf_program__set_autoload(skel->progs.gtls_record_keys, on);
	bpf_program__set_autoload(skel->progs.gtls_psk_sys_enter, on);
}

/* Hands key object b's gtls_psk_sys_enter to the first object's io_sys_enter (a tail call
 * for the send syscalls of threads inside that build's gnutls_handshake: a server's
 * EARLY_EXPORTER_SECRET, and a resuming client's without early data). With --no-fd-syscalls
 * io_sys_enter is not attached and these lines are not written. */
static void register_gtls_psk(struct sslsniff *S, int b)
{
	int fd = bpf_program__fd(gbuild_skel(S, b)->progs.gtls_psk_sys_enter);
	__u32 key = b;

	if (S->no_fd_syscalls)
		return;
	if (fd < 0 || bpf_map__update_elem(S->inst[0].skel->maps.gtls_psk_progs, &key, sizeof(key), &fd, sizeof(fd), BPF_ANY))
		cp_warn("%s: GnuTLS servers' EARLY_EXPORTER_SECRET is not written for this build (the tail call could not be set up: %s)",
			S->gtls[S->gbuild[b].lib].path, strerror(errno));
}

/* The key programs relocate gnutls_session_int: in the first object only with its BTF. */
static void gtls_key_autoload(struct sslsniff *S, struct instance *in, int idx)
{
	set_gtls_key_autoload(in->skel, idx == 0 && S->n_gbuild > 0);
}

/* Points an object's event maps at the first object's: one reader for every object. */
static int share_event_maps(struct sslsniff *S, struct sslsniff_bpf *skel)
{
	struct sslsniff_bpf *first = S->inst[0].skel;
	int err;

	if (S->run.use_ringbuf)
		err = bpf_map__reuse_fd(skel->maps.events_rb, bpf_map__fd(first->maps.events_rb));
	else
		err = bpf_map__reuse_fd(skel->maps.events_pb, bpf_map__fd(first->maps.events_pb));
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.events_dropped, bpf_map__fd(first->maps.events_dropped));
	return err;
}

/* Loads key object b for GnuTLS library i's build: only the key programs, relocated against
 * that build's BTF; the maps only the plaintext and OpenSSL programs use get one entry. */
static int load_gtls_build(struct sslsniff *S, int b, int i)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct gtls_build *gb = &S->gbuild[b];
	struct gtls_lib *g = &S->gtls[i];
	struct abtf_choice c;
	struct bpf_program *prog;
	struct bpf_map *unused[5];
	int err;

	memset(gb, 0, sizeof(*gb));
	gb->lib = i;
	if ((err = cp_load_begin(&S->run, &gb->load, &opts)) ||
	    (err = abtf_choose(&S->run.store, g->path, &g->ei, NULL, &c)) ||
	    (err = btf_set_load_app(&gb->load.set, &S->run.store, g->path, &c)))
		goto fail;
	gb->skel = sslsniff_bpf__open_opts(&opts);
	if (!gb->skel) {
		err = cp_bpf_error(errno, "opening the BPF object");
		goto fail;
	}
	gb->skel->rodata->instance_id = MAX_INSTANCES + b;	/* no data event comes from it */
	gb->skel->rodata->gtls_build = b;
	bpf_object__for_each_program(prog, gb->skel->obj)
		bpf_program__set_autoload(prog, false);
	set_gtls_key_autoload(gb->skel, true);
	if ((err = cp_load_prepare(&S->run, &gb->load, gb->skel->obj)))
		goto fail;
	unused[0] = gb->skel->maps.calls;
	unused[1] = gb->skel->maps.keys_sent;
	unused[2] = gb->skel->maps.inflight;
	unused[3] = gb->skel->maps.gtls_calls;
	unused[4] = gb->skel->maps.handshakes;
	for (size_t m = 0; m < ARRAY_SIZE(unused) && !err; m++)
		err = bpf_map__set_max_entries(unused[m], 1);
	/* the early data flush is told by the first object's plaintext programs' maps */
	if (!err && !(err = share_event_maps(S, gb->skel)))
		err = bpf_map__reuse_fd(gb->skel->maps.gtls_in_handshake, bpf_map__fd(S->inst[0].skel->maps.gtls_in_handshake));
	if (!err)
		err = bpf_map__reuse_fd(gb->skel->maps.gtls_early_queued, bpf_map__fd(S->inst[0].skel->maps.gtls_early_queued));
	if (!err)	/* ...and io_sys_enter's */
		err = bpf_map__reuse_fd(gb->skel->maps.gtls_hs_build, bpf_map__fd(S->inst[0].skel->maps.gtls_hs_build));
	if (err) {
		err = cp_bpf_error(err, "sharing the event maps");
		goto fail;
	}
	cp_uprobe_prepare_object(gb->skel->obj);
	err = sslsniff_bpf__load(gb->skel);
	cp_load_done(&gb->load);
	if (err) {
		err = cp_bpf_error(err, "loading the GnuTLS key programs (CO-RE relocation against this build's BTF)");
		goto fail;
	}
	return 0;
fail:
	sslsniff_bpf__destroy(gb->skel);
	cp_load_free(&gb->load);
	memset(gb, 0, sizeof(*gb));
	return err;
}

/* The key object of GnuTLS library i's build: the one of the same build-id, else a new one.
 * -1 with the error set when none can be had. */
static int gtls_build_of(struct sslsniff *S, int i)
{
	struct gtls_lib *g = &S->gtls[i];

	for (int b = 0; b < S->n_gbuild; b++)
		if (same_build_id(&g->ei, &S->gtls[S->gbuild[b].lib].ei))
			return b;
	if (S->n_gbuild == MAX_INSTANCES) {
		cp_error(CP_ERUNTIME, "more than %d GnuTLS builds with keys in one run", MAX_INSTANCES);
		return -1;
	}
	if (load_gtls_build(S, S->n_gbuild, i))
		return -1;
	register_gtls_psk(S, S->n_gbuild);
	return S->n_gbuild++;
}

/* At start-up, after the first object is loaded: every GnuTLS library with BTF gets its
 * build's key object. One that cannot (a 17th build, a load failure) is traced for plaintext
 * with one warning, as a library without BTF is: the rest of the run goes on. */
static int gtls_assign_builds(struct sslsniff *S)
{
	for (int i = 0; i < S->n_gtls; i++) {
		struct gtls_lib *g = &S->gtls[i];

		if (g->has_btf && g->build < 0 && (g->build = gtls_build_of(S, i)) < 0) {
			cp_warn("%s (build-id %s): plaintext and fd only, no keys: %s", g->path,
				g->ei.build_id_len ? g->ei.build_id_hex : "none", cp_errmsg());
			cp_error_clear();
		}
	}
	return 0;
}

static int load_instance(struct sslsniff *S, int idx)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct instance *in = &S->inst[idx];
	struct ssl_lib *l = &S->libs[in->libs[0]];
	int err;

	if ((err = cp_load_begin(&S->run, &in->load, &opts)))
		return err;
	if (idx == 0 && (err = gtls_add_btf(S, in)))
		return err;
	if (!in->n_libs)	/* the GnuTLS-only object: no OpenSSL application BTF */
		goto open_obj;
	/* --app-btf names the libssl's BTF (for a static program, the whole OpenSSL's) */
	if ((err = add_app_btf(S, in, l->ssl_path, &l->ssl, env.app_btf, &in->ssl_btf)))
		return err;
	if (l->has_crypto && !same_file(&l->crypto, &l->ssl) &&
	    (err = add_app_btf(S, in, l->crypto_path, &l->crypto, NULL, &in->crypto_btf)))
		return err;
	if (l->has_crypto && same_file(&l->crypto, &l->ssl))
		in->crypto_btf = in->ssl_btf;
	if (!in->ssl_btf)
		cp_warn("%s (build-id %s): no BTF for this OpenSSL build: plaintext only (the fd only from its socket syscalls), no keys; add its BTF with `coreprobe btf add --app %s=FILE -o NEW`",
			l->ssl_path, l->ssl.build_id_len ? l->ssl.build_id_hex : "none", l->ssl_path);
	else if (!in->crypto_btf)
		cp_warn("%s (build-id %s): no BTF for this libcrypto build: the fd only from its socket syscalls, not from the BIO; add it with `coreprobe btf add --app %s=FILE -o NEW`",
			l->has_crypto ? l->crypto_path : "libcrypto", l->has_crypto ? l->crypto.build_id_hex : "unknown",
			l->has_crypto ? l->crypto_path : "LIBCRYPTO");
open_obj:
	in->skel = sslsniff_bpf__open_opts(&opts);
	if (!in->skel)
		return cp_bpf_error(errno, "opening the BPF object");
	in->skel->rodata->max_bytes = S->max_bytes;
	in->skel->rodata->instance_id = idx;
	in->skel->rodata->fd_syscalls = !S->no_fd_syscalls;
	for (size_t p = 0; p < ARRAY_SIZE(io_progs) && S->no_fd_syscalls; p++)
		bpf_program__set_autoload(io_progs[p].prog(in->skel), false);
	gtls_key_autoload(S, in, idx);
	if ((err = cp_load_prepare(&S->run, &in->load, in->skel->obj)))
		return err;
	if (idx > 0) {	/* every instance writes into the first one's event maps: one reader */
		struct sslsniff_bpf *first = S->inst[0].skel;

		err = share_event_maps(S, in->skel);
		/* ...and into its in-flight map, which the first one's syscall tracepoints fill */
		if (!err)
			err = bpf_map__reuse_fd(in->skel->maps.inflight, bpf_map__fd(first->maps.inflight));
		for (size_t p = 0; p < ARRAY_SIZE(io_progs) && !err; p++)
			err = bpf_program__set_autoload(io_progs[p].prog(in->skel), false);
		if (err)
			return cp_bpf_error(err, "sharing the event maps");
	}
	cp_uprobe_prepare_object(in->skel->obj);
	err = sslsniff_bpf__load(in->skel);
	cp_load_done(&in->load);
	if (err)
		return cp_bpf_error(err, "loading the BPF program (CO-RE relocation against the merged BTF)");
	return 0;
}

PROG(ssl_read_enter) PROG(ssl_read_leave) PROG(ssl_write_enter) PROG(ssl_write_leave)
PROG(ssl_read_ex_enter) PROG(ssl_read_ex_leave) PROG(ssl_write_ex_enter) PROG(ssl_write_ex_leave)
PROG(ssl_handshake_enter) PROG(ssl_handshake_leave)

static const struct probe probes[] = {
	{ "SSL_read", false, p_ssl_read_enter }, { "SSL_read", true, p_ssl_read_leave },
	{ "SSL_write", false, p_ssl_write_enter }, { "SSL_write", true, p_ssl_write_leave },
	{ "SSL_read_ex", false, p_ssl_read_ex_enter }, { "SSL_read_ex", true, p_ssl_read_ex_leave },
	{ "SSL_write_ex", false, p_ssl_write_ex_enter }, { "SSL_write_ex", true, p_ssl_write_ex_leave },
	{ "SSL_do_handshake", false, p_ssl_handshake_enter }, { "SSL_do_handshake", true, p_ssl_handshake_leave },
};

PROG(gnutls_send_enter) PROG(gnutls_send2_enter) PROG(gnutls_recv_enter) PROG(gnutls_recv_seq_enter)
PROG(gnutls_recv_early_enter) PROG(gnutls_leave) PROG(gtls_hs_mark_enter) PROG(gtls_hs_mark_leave)
PROG(gnutls_send_early_mark)

static const struct probe gtls_probes[GTLS_PROBES] = {
	{ "gnutls_record_send", false, p_gnutls_send_enter }, { "gnutls_record_send", true, p_gnutls_leave },
	{ "gnutls_record_send2", false, p_gnutls_send2_enter }, { "gnutls_record_send2", true, p_gnutls_leave },
	{ "gnutls_record_recv", false, p_gnutls_recv_enter }, { "gnutls_record_recv", true, p_gnutls_leave },
	{ "gnutls_record_recv_seq", false, p_gnutls_recv_seq_enter }, { "gnutls_record_recv_seq", true, p_gnutls_leave },
	{ "gnutls_record_recv_early_data", false, p_gnutls_recv_early_enter }, { "gnutls_record_recv_early_data", true, p_gnutls_leave },
	/* the client's early data: queued, then sent by a record send inside the handshake */
	{ "gnutls_record_send_early_data", false, p_gnutls_send_early_mark },
	{ "gnutls_handshake", false, p_gtls_hs_mark_enter }, { "gnutls_handshake", true, p_gtls_hs_mark_leave },
};

/* The syscall tracepoint, before any uprobe: a traced call never misses part of its I/O. */
static int attach_io(struct sslsniff *S)
{
	if (S->no_fd_syscalls)
		return 0;
	for (size_t p = 0; p < ARRAY_SIZE(io_progs); p++) {
		struct bpf_link *link = bpf_program__attach(io_progs[p].prog(S->inst[0].skel));

		if (!link) {
			int e = errno;

			for (int i = 0; i < S->n_io_links; i++)
				bpf_link__destroy(S->io_links[i]);
			S->n_io_links = 0;
			S->io_untraced = true;
			cp_warn("raw tracepoint %s: %s: fds are shown only from OpenSSL socket BIOs, others as unknown (the kernel needs CONFIG_HAVE_SYSCALL_TRACEPOINTS)",
				io_progs[p].func, strerror(e));
			return 0;
		}
		S->io_links[S->n_io_links++] = link;
	}
	return 0;
}

/* One GnuTLS library on the first object's programs (no per-build BTF is involved). A mapped
 * library is attached through its kept fd: the very file the process maps. */
/*
 * gnutls_record_send is, in every build Debian ships, `return gnutls_record_send2(s, d, n, 0, 0)`
 * compiled to a tail jump. Probing both made each send trap four times (two entries, two
 * returns, and the key check's entry) for one event; the traps are most of sslsniff's cost per
 * call. When the library's own code proves the jump (src/btf/elfinfo.c: elf_func_tail_calls),
 * only send2 is probed (plaintext and the key check), and a gnutls_record_send is reported as
 * the gnutls_record_send2 it runs. Otherwise both are probed and the outermost call is
 * reported (gtls_enter in bpf/sslsniff.bpf.c).
 */
static bool send_is_thunk(const char *file, const char *shown)
{
	int r = elf_func_tail_calls(file, "gnutls_record_send", "gnutls_record_send2");

	if (env.verbose)
		fprintf(stderr, "coreprobe: %s: %s%s%s\n", shown, r == 1 ?
			"gnutls_record_send only tail-calls gnutls_record_send2: probed there, reported as gnutls_record_send2" :
			"gnutls_record_send is not proven a tail call of gnutls_record_send2: both probed",
			r < 0 ? ": " : "", r < 0 ? cp_errmsg() : "");
	cp_error_clear();
	return r == 1;
}

static int attach_one_gtls(struct sslsniff *S, struct gtls_lib *g)
{
	const char *file = *g->file ? g->file : g->path;
	bool send_thunk = send_is_thunk(file, g->path);
	struct stat st;

	for (size_t p = 0; p < ARRAY_SIZE(gtls_probes); p++) {
		struct bpf_link *link;

		if (send_thunk && !strcmp(gtls_probes[p].func, "gnutls_record_send"))
			continue;
		if (elf_has_function(file, gtls_probes[p].func) != 1) {	/* e.g. no send2 before 3.6.x */
			cp_error_clear();
			continue;
		}
		link = cp_uprobe_attach(gtls_probes[p].prog(S->inst[0].skel), S->pid ? S->pid : -1, file,
					gtls_probes[p].func, gtls_probes[p].ret);
		if (!link)
			return cp_bpf_error(errno, "attaching uprobes to GnuTLS");
		S->gtls_links[S->n_gtls_links++] = link;
	}
	for (size_t p = 0; p < ARRAY_SIZE(gtls_key_probes) && g->build >= 0; p++) {
		struct bpf_link *link;

		/* the send2 entry sees the same session: one trap fewer per send */
		if (send_thunk && !strcmp(gtls_key_probes[p].func, "gnutls_record_send"))
			continue;
		if (elf_has_function(file, gtls_key_probes[p].func) != 1) {
			cp_error_clear();
			continue;
		}
		link = cp_uprobe_attach(gtls_key_probes[p].prog(gbuild_skel(S, g->build)), S->pid ? S->pid : -1, file,
					gtls_key_probes[p].func, gtls_key_probes[p].ret);
		if (!link)
			return cp_bpf_error(errno, "attaching the GnuTLS key uprobes");
		S->gtls_links[S->n_gtls_links++] = link;
	}
	if (!*g->file && (stat(g->path, &st) || st.st_dev != g->ei.dev || st.st_ino != g->ei.ino))
		return cp_error(CP_ERUNTIME, "%s was replaced while coreprobe attached to it: run again", g->path);
	if (!g->has_btf)
		cp_warn("%s (build-id %s): no BTF for this GnuTLS build in this coreprobe: plaintext and fd only, no keys; add its BTF with `coreprobe btf add --app %s=FILE -o NEW`",
			g->path, g->ei.build_id_len ? g->ei.build_id_hex : "none", g->path);
	return 0;
}

static int attach_gtls(struct sslsniff *S)
{
	int err;

	for (int i = 0; i < S->n_gtls; i++)
		if ((err = attach_one_gtls(S, &S->gtls[i])))
			return err;
	return 0;
}

static int attach_lib(struct sslsniff *S, struct instance *in, struct ssl_lib *l)
{
	/* a mapped library: through its kept fd, so the very file whose build-id picked the BTF */
	const char *file = *l->ssl_file ? l->ssl_file : l->ssl_path;
	struct stat st;

	for (size_t p = 0; p < ARRAY_SIZE(probes); p++) {
		struct bpf_link *link;

		if (elf_has_function(file, probes[p].func) != 1) {	/* e.g. no _ex in old builds */
			cp_error_clear();
			continue;
		}
		link = cp_uprobe_attach(probes[p].prog(in->skel), S->pid ? S->pid : -1, file, probes[p].func, probes[p].ret);
		if (!link)
			return cp_bpf_error(errno, "attaching uprobes to OpenSSL");
		in->links[in->n_links++] = link;
	}
	/* by path: the file attached must be the file whose build-id picked the BTF */
	if (!*l->ssl_file && (stat(l->ssl_path, &st) || st.st_dev != l->ssl.dev || st.st_ino != l->ssl.ino))
		return cp_error(CP_ERUNTIME, "%s was replaced while coreprobe attached to it: run again", l->ssl_path);
	return 0;
}

static int attach_instance(struct sslsniff *S, struct instance *in)
{
	int err;

	for (int i = 0; i < in->n_libs; i++)
		if ((err = attach_lib(S, in, &S->libs[in->libs[i]])))
			return err;
	return 0;
}

/* ---- libraries mapped while tracing (src/runtime/procwatch.h) ---- */

static __u64 monotonic_ns(void);

/* Traces one library found after start-up: with the instance of its build, loaded now if it
 * is the first of its build. Failures are one warning: the rest of the run goes on. */
static void cover_lib(struct sslsniff *S, int i, const struct pw_event *e)
{
	struct ssl_lib *l = &S->libs[i];
	struct instance *in = NULL;
	int g, err;

	for (g = 0; g < S->n_inst && !in; g++)	/* never the GnuTLS-only object: no OpenSSL BTF */
		if (S->inst[g].n_libs && same_build(&S->libs[S->inst[g].libs[0]], l))
			in = &S->inst[g];
	if (!in) {
		if (S->n_inst == MAX_INSTANCES) {
			cp_warn("%s (pid %u): more than %d OpenSSL builds in one run: not traced", l->ssl_path, e->pid, MAX_INSTANCES);
			return;
		}
		in = &S->inst[S->n_inst];
		memset(in, 0, sizeof(*in));
		in->libs[in->n_libs++] = i;
		if ((err = load_instance(S, S->n_inst))) {
			cp_warn("%s (pid %u): not traced: %s", l->ssl_path, e->pid, cp_errmsg());
			cp_error_clear();
			sslsniff_bpf__destroy(in->skel);
			cp_load_free(&in->load);
			memset(in, 0, sizeof(*in));
			return;
		}
		S->n_inst++;
		err = attach_lib(S, in, l);
	} else {
		in->libs[in->n_libs++] = i;
		err = attach_lib(S, in, l);
	}
	if (err) {
		cp_warn("%s (pid %u): not traced: %s", l->ssl_path, e->pid, cp_errmsg());
		cp_error_clear();
		return;
	}
	if (env.verbose) {
		__u64 now = monotonic_ns();

		fprintf(stderr, "coreprobe: pid %u: now tracing %s (libssl build-id %s, libcrypto %s), %.3f ms after it mapped it",
			e->pid, l->ssl_path, l->ssl.build_id_hex, l->has_crypto ? l->crypto_path : "not found",
			(now - e->ts_ns) / 1e6);
		if (e->exec_ns && e->exec_ns <= e->ts_ns)
			fprintf(stderr, ", %.3f ms after its exec", (now - e->exec_ns) / 1e6);
		fputc('\n', stderr);
	}
}

/* Is this the file of ei, by its kernel file key (MAJOR << 20 | MINOR, inode)? */
static bool key_is(const struct elf_info *ei, const struct pw_file_key *k)
{
	return ei->ino == k->ino && major(ei->dev) == (k->dev >> 20) && minor(ei->dev) == (k->dev & 0xfffff);
}

/* Does a library we trace have this kernel file key? */
static bool key_traced(const struct sslsniff *S, const struct pw_file_key *k)
{
	for (int i = 0; i < S->n_libs; i++)
		if (key_is(&S->libs[i].ssl, k))
			return true;
	for (int i = 0; i < S->n_gtls; i++)
		if (key_is(&S->gtls[i].ei, k))
			return true;
	return false;
}

/* Traces one GnuTLS library found after start-up, on the first object's programs. */
static void cover_gtls(struct sslsniff *S, int i, const struct pw_event *e)
{
	struct gtls_lib *g = &S->gtls[i];
	struct abtf_choice c;
	int err = abtf_choose(&S->run.store, g->path, &g->ei, NULL, &c);

	/* its build's key object: the one loaded for that build-id, else one loaded now */
	g->has_btf = err == 0;
	cp_error_clear();
	if (g->has_btf && (g->build = gtls_build_of(S, i)) < 0) {
		cp_warn("%s (pid %u): plaintext and fd only, no keys: %s", g->path, e->pid, cp_errmsg());
		cp_error_clear();
	}

	if (attach_one_gtls(S, g)) {
		cp_warn("%s (pid %u): not traced: %s", g->path, e->pid, cp_errmsg());
		cp_error_clear();
		return;
	}
	if (env.verbose)
		fprintf(stderr, "coreprobe: pid %u: now tracing %s (libgnutls build-id %s), %.3f ms after it mapped it\n",
			e->pid, g->path, g->ei.build_id_hex, (monotonic_ns() - e->ts_ns) / 1e6);
}

/* A process just mapped a libssl or libcrypto we were not told it was done with. */
static bool take_pending(struct sslsniff *S, int pid)
{
	for (size_t i = 0; i < ARRAY_SIZE(S->pending); i++)
		if (S->pending[i] == pid) {
			S->pending[i] = 0;
			return true;
		}
	return false;
}

static void on_mapping(void *ctx, const struct pw_event *e)
{
	struct sslsniff *S = ctx;
	int first = S->n_libs, first_gtls = S->n_gtls, r;

	if (e->prefix == W_CRYPTO && !take_pending(S, e->pid))
		return;
	r = scan_maps(S, e->pid);
	for (int i = first_gtls; i < S->n_gtls; i++)
		cover_gtls(S, i, e);
	if (r == 1) {	/* its libcrypto comes next, with another event */
		S->pending[S->n_pending++ % ARRAY_SIZE(S->pending)] = e->pid;
		return;
	}
	for (int i = first; i < S->n_libs; i++)
		cover_lib(S, i, e);
	/* a libssl or libgnutls now traced is not reported again; anything else (a process gone
	 * before it was scanned, a libcrypto shared by several libssl) may be, and is rescanned */
	if ((e->prefix == W_SSL || e->prefix == W_GTLS) && key_traced(S, &e->file))
		pw_done_with(S->pw, &e->file);
}

/* One uprobe link (a perf event fd) per probed function and kept fd per library: lift the
 * soft limit on open files to the hard one, as MAX_LIBS libraries can need ~2600. */
static void raise_nofile(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

static int watch_start(struct sslsniff *S, struct cp_events *ev)
{
	int err;

	if (S->no_watch)
		return 0;
	/* libbpf's attach of the first instance told everything it needs of the kernel: a
	 * watcher that cannot run is one warning, not the end of the trace */
	err = pw_start(&S->pw, &S->run, ev, watched, ARRAY_SIZE(watched), S->pid, on_mapping, S);
	if (err) {
		cp_warn("processes started later are not watched: %s (only the libraries found now are traced)", cp_errmsg());
		cp_error_clear();
	}
	return 0;
}

/* ---- output ---- */

static const char *layout_name(int layout)
{
	switch (layout) {
	case SSL_LAYOUT_111: return "1.1.1";
	case SSL_LAYOUT_30: return "3.0";
	case SSL_LAYOUT_32: return "3.2+";
	default: return "unknown";
	}
}

static const char *func_name(const struct ssl_data_event *e)
{
	static const char *names[][2] = {	/* [func][dir] */
		[SSL_FN_SSL] = { "SSL_read", "SSL_write" },
		[SSL_FN_SSL_EX] = { "SSL_read_ex", "SSL_write_ex" },
		[SSL_FN_GNUTLS] = { "gnutls_record_recv", "gnutls_record_send" },
		[SSL_FN_GNUTLS_2] = { "gnutls_record_recv_seq", "gnutls_record_send2" },
		[SSL_FN_GNUTLS_EARLY] = { "gnutls_record_recv_early_data", "gnutls_record_send_early_data" },
	};

	return e->func < ARRAY_SIZE(names) ? names[e->func][e->dir == SSL_DIR_WRITE] : "?";
}

static bool is_gnutls(const struct ssl_data_event *e)
{
	return e->func == SSL_FN_GNUTLS || e->func == SSL_FN_GNUTLS_2 || e->func == SSL_FN_GNUTLS_EARLY;
}

static const char *fd_source_name(const struct ssl_data_event *e)
{
	return e->fd_source == SSL_FD_BIO ? "bio" : e->fd_source == SSL_FD_SYSCALL ? "syscall" : NULL;
}

/* Why the fd is unknown, in words (JSON "fd_unknown"). */
static const char *fd_why_name(const struct sslsniff *S, const struct ssl_data_event *e)
{
	switch (e->fd_why) {
	case SSL_FD_WHY_NO_IO:
		if (S->no_fd_syscalls)
			return "not a socket BIO, and --no-fd-syscalls";
		return S->io_untraced ? "not a socket BIO, and syscalls not traced on this kernel" : "no socket I/O during the call";
	case SSL_FD_WHY_MANY: return "I/O on more than one socket during the call";
	case SSL_FD_WHY_CONFLICT: return "the BIO's fd is not the socket the call used";
	default: return "unknown";
	}
}

/* Text mode: printable bytes as they are, \r and others escaped, a final newline. */
static void print_text(struct linebuf *lb, const uint8_t *d, size_t n)
{
	static const char hexd[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		if (d[i] == '\n' || d[i] == '\t' || (d[i] >= 0x20 && d[i] < 0x7f)) {
			lb_char(lb, d[i]);
		} else if (d[i] == '\r') {
			lb_lit(lb, "\\r");
		} else {
			lb_lit(lb, "\\x");
			lb_char(lb, hexd[d[i] >> 4]);
			lb_char(lb, hexd[d[i] & 15]);
		}
	}
	if (n && d[n - 1] != '\n')
		lb_char(lb, '\n');
}

static void print_hexdump(struct linebuf *lb, const uint8_t *d, size_t n)
{
	static const char hexd[] = "0123456789abcdef";

	for (size_t off = 0; off < n; off += 16) {
		lb_lit(lb, "    ");
		for (int sh = 12; sh >= 0; sh -= 4)	/* "%04zx": data is at most SSL_DATA_MAX */
			lb_char(lb, hexd[(off >> sh) & 15]);
		lb_char(lb, ' ');
		for (size_t i = 0; i < 16; i++) {
			if (i + off < n) {
				lb_char(lb, ' ');
				lb_hex(lb, d + off + i, 1);
			} else {
				lb_lit(lb, "   ");
			}
		}
		lb_lit(lb, "  |");
		for (size_t i = 0; i < 16 && off + i < n; i++)
			lb_char(lb, d[off + i] >= 0x20 && d[off + i] < 0x7f ? d[off + i] : '.');
		lb_lit(lb, "|\n");
	}
}

/* The library an event came from; NULL when more than one GnuTLS library shares the programs. */
static const char *event_lib(const struct sslsniff *S, const struct ssl_data_event *e)
{
	if (is_gnutls(e))
		return S->n_gtls == 1 ? S->gtls[0].path : NULL;
	return e->h.instance < S->n_inst && S->inst[e->h.instance].n_libs ?
		S->libs[S->inst[e->h.instance].libs[0]].ssl_path : NULL;
}

static void print_data_json(struct sslsniff *S, struct linebuf *lb, const struct ssl_data_event *e,
			    size_t cap, bool trunc)
{
	const char *lib = event_lib(S, e);
	char num[LB_NUM_MAX];

	lb_lit(lb, "{\"time\":");
	lb_mem(lb, num, lb_fmt_secs6(num, (int64_t)(e->h.ts_ns - S->start_ns)));
	lb_lit(lb, ",\"pid\":");
	lb_u64(lb, e->h.pid);
	lb_lit(lb, ",\"tid\":");
	lb_u64(lb, e->h.tid);
	lb_lit(lb, ",\"uid\":");
	lb_u64(lb, e->h.uid);
	lb_lit(lb, ",\"comm\":");
	lb_json_strn(lb, e->h.comm, strnlen(e->h.comm, sizeof(e->h.comm)));
	lb_lit(lb, ",\"func\":\"");
	lb_str(lb, func_name(e));
	e->dir == SSL_DIR_WRITE ? lb_lit(lb, "\",\"dir\":\"write\",\"fd\":") : lb_lit(lb, "\",\"dir\":\"read\",\"fd\":");
	if (fd_source_name(e)) {
		lb_i64(lb, e->fd);
		lb_lit(lb, ",\"fd_source\":\"");
		lb_str(lb, fd_source_name(e));
		lb_char(lb, '"');
	} else {
		lb_lit(lb, "null,\"fd_source\":null,\"fd_unknown\":\"");
		lb_str(lb, fd_why_name(S, e));
		lb_char(lb, '"');
	}
	lb_lit(lb, ",\"len\":");
	lb_u64(lb, e->len);
	lb_lit(lb, ",\"captured\":");
	lb_u64(lb, cap);
	trunc ? lb_lit(lb, ",\"truncated\":true") : lb_lit(lb, ",\"truncated\":false");
	if (is_gnutls(e)) {
		lb_lit(lb, ",\"library\":\"gnutls\",\"layout\":null");
	} else {
		lb_lit(lb, ",\"library\":\"openssl\",\"layout\":\"");
		lb_str(lb, layout_name(e->h.layout));
		lb_char(lb, '"');
	}
	lb_lit(lb, ",\"lib\":");
	lib ? lb_json_strn(lb, lib, strlen(lib)) : lb_lit(lb, "null");
	if (S->hexdump) {
		lb_lit(lb, ",\"hex\":\"");
		lb_hex(lb, e->data, cap);
		lb_lit(lb, "\"}\n");
	} else {
		lb_lit(lb, ",\"data\":");
		lb_json_strn(lb, (const char *)e->data, cap);
		lb_lit(lb, "}\n");
	}
}

/* "fd ?": the fd is not proven for this call (see docs/sslsniff.md); never a guess */
static void print_data_text(struct sslsniff *S, struct linebuf *lb, const struct ssl_data_event *e,
			    size_t cap, bool trunc)
{
	char num[LB_NUM_MAX];
	const char *fn = func_name(e);

	lb_padded(lb, num, lb_fmt_secs6(num, (int64_t)(e->h.ts_ns - S->start_ns)), -12);
	lb_char(lb, ' ');
	lb_padded(lb, e->h.comm, strnlen(e->h.comm, sizeof(e->h.comm)), -16);
	lb_char(lb, ' ');
	lb_padded(lb, num, lb_fmt_u64(num, e->h.pid), -7);
	lb_char(lb, ' ');
	lb_padded(lb, num, lb_fmt_u64(num, e->h.tid), -7);
	lb_lit(lb, " fd ");
	if (e->fd_source)
		lb_padded(lb, num, lb_fmt_i64(num, e->fd), -4);
	else
		lb_lit(lb, "?   ");
	lb_char(lb, ' ');
	lb_padded(lb, fn, strlen(fn), -12);
	lb_char(lb, ' ');
	lb_u64(lb, e->len);
	trunc ? lb_lit(lb, " bytes (truncated)\n") : lb_lit(lb, " bytes\n");
	S->hexdump ? print_hexdump(lb, e->data, cap) : print_text(lb, e->data, cap);
}

static void on_data(struct sslsniff *S, const struct ssl_data_event *e, size_t size)
{
	static struct linebuf lb;	/* 8 KiB: not on the stack of every event */
	size_t cap = e->captured;
	bool trunc;

	if (cap > size - offsetof(struct ssl_data_event, data))
		cap = size - offsetof(struct ssl_data_event, data);
	trunc = cap < e->len;
	if (!cp_event_accept(&S->run))
		return;
	lb_init(&lb, stdout);
	env.json ? print_data_json(S, &lb, e, cap, trunc) : print_data_text(S, &lb, e, cap, trunc);
	lb_flush(&lb);
}

static int keylog_open(struct keylog *kl, const char *path)
{
	/* 0600, never through a planted symlink, appending: key material */
	kl->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (kl->fd < 0 && errno == ELOOP)
		return cp_error(CP_EUSAGE, "--keylog %s is a symlink: refusing to follow it; give the path of a regular file", path);
	if (kl->fd < 0)
		return cp_error(CP_EUSAGE, "--keylog %s: %s: give a writable path", path, strerror(errno));
	return 0;
}

static uint8_t *keylog_seen(struct keylog *kl, const uint8_t *random)
{
	for (size_t i = 0; i < kl->n_seen; i++)
		if (!memcmp(kl->seen[i].random, random, SSL_RANDOM_LEN))
			return &kl->seen[i].labels;
	if (kl->n_seen == kl->cap_seen) {
		size_t cap = kl->cap_seen ? kl->cap_seen * 2 : 64;
		void *q = realloc(kl->seen, cap * sizeof(*kl->seen));

		if (!q)
			return NULL;
		kl->seen = q;
		kl->cap_seen = cap;
	}
	memcpy(kl->seen[kl->n_seen].random, random, SSL_RANDOM_LEN);
	kl->seen[kl->n_seen].labels = 0;
	return &kl->seen[kl->n_seen++].labels;
}

/* Writes the lines not yet written for this client random; tls13 for the JSON record. */
static void keylog_write(struct sslsniff *S, __u32 pid, const uint8_t *random, bool tls13,
			 const struct keylog_line *lines, int n)
{
	int written = 0;
	uint8_t *seen;

	if (n <= 0 || S->kl.fd < 0 || !(seen = keylog_seen(&S->kl, random)))
		return;
	for (int i = 0; i < n; i++) {
		/* one bit per label, in the order tls_keylog_lines gives them */
		static const char *labels[] = { "CLIENT_RANDOM", "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
			"SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0",
			"EXPORTER_SECRET", "CLIENT_EARLY_TRAFFIC_SECRET", "EARLY_EXPORTER_SECRET" };
		char buf[sizeof(lines[i].text) + 1];
		int bit = 0, len;

		for (size_t b = 0; b < ARRAY_SIZE(labels); b++)
			if (!strcmp(labels[b], lines[i].label))
				bit = 1 << b;
		if (*seen & bit)
			continue;
		len = snprintf(buf, sizeof(buf), "%s\n", lines[i].text);
		if (write(S->kl.fd, buf, len) == len) {	/* one write per line: whole lines */
			*seen |= bit;
			written++;
		}
	}
	if (written && env.json) {
		char r[2 * SSL_RANDOM_LEN + 1];

		hex_encode(random, SSL_RANDOM_LEN, r);
		printf("{\"keylog\":{\"pid\":%u,\"client_random\":\"%s\",\"version\":\"%s\",\"lines\":%d}}\n", pid, r,
		       tls13 ? "TLS1.3" : "TLS1.2", written);
	} else if (written && env.verbose) {
		fprintf(stderr, "coreprobe: pid %u: %d key log line(s) written\n", pid, written);
	}
}

static void on_keys(struct sslsniff *S, const struct ssl_keys_event *k)
{
	struct keylog_line lines[5];

	keylog_write(S, k->h.pid, k->client_random, k->version == TLS1_3_VERSION, lines, tls_keylog_lines(k, lines));
}

static void on_gtls_keys(struct sslsniff *S, const struct gtls_keys_event *k)
{
	struct keylog_line lines[GTLS_KEYLOG_MAX];

	keylog_write(S, k->h.pid, k->client_random, k->tls13, lines, gtls_keylog_lines(k, lines));
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct sslsniff *S = ctx;
	const struct ssl_event_hdr *h = data;

	if (size < sizeof(*h))
		return 0;
	if (h->type == SSL_EV_DATA && size >= offsetof(struct ssl_data_event, data))
		on_data(S, data, size);
	else if (h->type == SSL_EV_KEYS && size >= sizeof(struct ssl_keys_event))
		on_keys(S, data);
	else if (h->type == SSL_EV_GTLS_KEYS && size >= sizeof(struct gtls_keys_event))
		on_gtls_keys(S, data);
	return 0;
}

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int do_sslsniff(int argc, char **argv)
{
	struct sslsniff *S = calloc(1, sizeof(*S));
	struct cp_events events = { 0 };
	int err, n_layouts;

	if (!S)
		return cp_error(CP_ERUNTIME, "out of memory");
	S->kl.fd = -1;
	if ((err = parse_args(argc, argv, S)))
		goto out;
	if ((err = cp_check_privilege(false)) || (S->pid && (err = cp_check_pid(S->pid))))
		goto out;
	raise_nofile();
	if (S->keylog_path && (err = keylog_open(&S->kl, S->keylog_path)))
		goto out;
	if ((err = discover(S)))
		goto out;
	group_libs(S);
	if ((err = cp_run_init(&S->run, NULL)))
		goto out;
	for (int i = 0; i < S->n_inst && !err; i++)
		err = load_instance(S, i);
	if (!err && S->n_gbuild)	/* build 0: in the first object */
		register_gtls_psk(S, 0);
	if (!err)
		err = gtls_assign_builds(S);
	if (!err)
		err = attach_io(S);
	for (int i = 0; i < S->n_inst && !err; i++)
		err = attach_instance(S, &S->inst[i]);
	if (!err)
		err = attach_gtls(S);
	if (err || (err = cp_events_open(&events, &S->run, S->inst[0].skel->obj, on_event, S)) ||
	    (err = watch_start(S, &events)))
		goto out;
	cp_signals_install();
	S->start_ns = monotonic_ns();
	if (env.verbose)
		for (int i = 0; i < S->n_libs; i++)
			fprintf(stderr, "coreprobe: %s (libssl build-id %s, libcrypto %s)\n", S->libs[i].ssl_path,
				S->libs[i].ssl.build_id_hex, S->libs[i].has_crypto ? S->libs[i].crypto_path : "not found");
	n_layouts = S->n_libs ? S->n_inst : 0;	/* a GnuTLS-only object has no OpenSSL layout */
	cp_tracing_banner("%d OpenSSL librar%s (%d layout%s), %d GnuTLS librar%s%s%s", S->n_libs, S->n_libs == 1 ? "y" : "ies",
			  n_layouts, n_layouts == 1 ? "" : "s", S->n_gtls, S->n_gtls == 1 ? "y" : "ies",
			  S->pid ? " in one process" : "", S->pw ? ", and new ones as processes map them" : "");
	err = cp_events_loop(&events);
	cp_events_close(&events);
out:
	pw_stop(S->pw);
	for (int i = 0; i < S->n_gtls_links; i++)
		bpf_link__destroy(S->gtls_links[i]);
	for (int i = 0; i < S->n_io_links; i++)
		bpf_link__destroy(S->io_links[i]);
	for (int i = 0; i < S->n_libs; i++) {
		if (S->libs[i].ssl_fd >= 0)
			close(S->libs[i].ssl_fd);
		if (S->libs[i].crypto_fd >= 0)
			close(S->libs[i].crypto_fd);
	}
	for (int i = 0; i < S->n_gtls; i++)
		if (S->gtls[i].fd > 0)
			close(S->gtls[i].fd);
	for (int b = 0; b < S->n_gbuild; b++) {
		sslsniff_bpf__destroy(S->gbuild[b].skel);
		cp_load_free(&S->gbuild[b].load);
	}
	for (int i = 0; i < S->n_inst; i++) {
		for (int j = 0; j < S->inst[i].n_links; j++)
			bpf_link__destroy(S->inst[i].links[j]);
		sslsniff_bpf__destroy(S->inst[i].skel);
		cp_load_free(&S->inst[i].load);
	}
	if (S->kl.fd >= 0)
		close(S->kl.fd);
	free(S->kl.seen);
	cp_run_free(&S->run);
	free(S);
	return err < 0 ? 0 : err;
}
