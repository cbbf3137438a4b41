/* SPDX-License-Identifier: BSD-2-Clause */
/* The commands main.c dispatches to, and the option idioms every tool shares. */
#ifndef COREPROBE_TOOLS_H
#define COREPROBE_TOOLS_H

#include <getopt.h>

int do_structs(int argc, char **argv);
int do_sslsniff(int argc, char **argv);
int do_btf(int argc, char **argv);
int do_tcprtt(int argc, char **argv);
int do_ipsetaudit(int argc, char **argv);
int do_flowlat(int argc, char **argv);
int do_trace(int argc, char **argv);

/* Options every command accepts after its name too (libbpf-tools style): -v, -j/--json, -h. */
enum { OPT_KERNEL_BTF = 0x100, OPT_APP_BTF, OPT_NO_SYSFS_BTF, OPT_PERFBUF, OPT_DEBUG_FILE, OPT_DEBUG_DIR,
       OPT_TOOL_BASE = 0x200 };
#define CP_COMMON_SHORTOPTS "vjh"
#define CP_COMMON_LONGOPTS \
	{ "verbose", no_argument, 0, 'v' }, \
	{ "json", no_argument, 0, 'j' }, \
	{ "help", no_argument, 0, 'h' }, \
	{ "kernel-btf", required_argument, 0, OPT_KERNEL_BTF }, \
	{ "app-btf", required_argument, 0, OPT_APP_BTF }, \
	{ "no-sysfs-btf", no_argument, 0, OPT_NO_SYSFS_BTF }, \
	{ "perfbuf", no_argument, 0, OPT_PERFBUF }, \
	{ "debug-file", required_argument, 0, OPT_DEBUG_FILE }, \
	{ "debug-dir", required_argument, 0, OPT_DEBUG_DIR }

/* Handles a common option; returns 1 if it was one, 0 if not, or -1 for -h (usage printed). */
int cp_common_option(int c, const char *arg, const char *usage);
/* The usage error for an unknown option or a missing argument: exit code 2. */
int cp_usage_error(const char *cmd, const char *usage);

struct cp_run;
/* -c COUNT and -d SECONDS, the run limits of every tracer (run->max_events, run->duration):
 * C is 'c' or 'd', ARG its argument; 0 or exit code 2 naming the option. */
#define CP_LIMIT_LONGOPTS \
	{ "count", required_argument, 0, 'c' }, \
	{ "duration", required_argument, 0, 'd' }
int cp_limit_option(int c, const char *arg, struct cp_run *run);
/* -p PID of the tracers that follow one process: 0 or exit code 2. */
int cp_pid_option(const char *arg, long *pid);

/* The whole command line of a tracer whose only options are the common ones and -p PID,
 * -c COUNT, -d SECONDS (structs, trace): 0 with optind at the first operand, -1 after -h (the
 * usage printed), or exit code 2 (a bad value, or CMD's usage error for an unknown option). */
int cp_tracer_args(int argc, char **argv, const char *cmd, const char *usage, long *pid, struct cp_run *run);

#endif
