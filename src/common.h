/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by every coreprobe command: global options, exit codes, the one error helper, JSON. */
#ifndef COREPROBE_COMMON_H
#define COREPROBE_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes: each class of failure has its own, so scripts can tell them apart. */
enum cp_exit {
	CP_OK = 0,
	CP_ERUNTIME = 1,	/* runtime failure (I/O, load, attach, ...) */
	CP_EUSAGE = 2,		/* bad command line or bad input file */
	CP_ENOBTF = 3,		/* no BTF describes this kernel or this target build */
	CP_EPRIV = 4,		/* missing privilege; the message names the capability */
	CP_ENOFEAT = 5,		/* the running kernel lacks a needed feature */
};

struct cp_env {
	bool verbose;		/* -v: libbpf's log (relocations included) to stderr */
	bool json;		/* -j/--json: one JSON object per line, errors included */
	const char *kernel_btf;	/* --kernel-btf FILE */
	const char *app_btf;	/* --app-btf FILE */
	bool no_sysfs_btf;	/* --no-sysfs-btf */
	const char *self_exe;	/* override of /proc/self/exe (tests, fuzzers) */
	const char *debug_file;	/* --debug-file F: the target's DWARF (build-id checked) */
	const char *debug_dirs[8]; /* --debug-dir DIR (repeatable): debug roots before /usr/lib/debug */
	int n_debug_dirs;
};
extern struct cp_env env;

/* Records the first failure of an operation (message + exit code) and returns the code.
 * Library-level code only records; main() prints the record once, in text or JSON. */
int cp_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Replaces a recorded message with "<prefix>: <old message>" (adds context on the way up). */
int cp_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *cp_errmsg(void);
int cp_errcode(void);
void cp_error_clear(void);
/* Prints the recorded error (one line) to stderr, or as {"error":...} on stdout with --json. */
void cp_error_print(void);
/* A warning: one line on stderr (text) or {"warning":...} on stdout (--json). */
void cp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Minimal JSON writing: a quoted, escaped string. */
void json_str(FILE *f, const char *s);
void json_strn(FILE *f, const char *s, size_t n);

/* hex helpers for build-ids */
void hex_encode(const unsigned char *in, size_t n, char *out /* 2n+1 */);
int hex_decode(const char *in, unsigned char *out, size_t max); /* bytes, or -1 */

/* Reads a whole small file (sysfs, /proc, os-release) into buf; returns bytes or -errno. */
long read_small_file(const char *path, void *buf, size_t size);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
