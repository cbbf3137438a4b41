// SPDX-License-Identifier: BSD-2-Clause
/*
 * coreprobe: one static binary that traces kernel and application structs through CO-RE on
 * any Linux host, with the BTF it needs embedded.
 *
 * Commands are rows of the table below; each dispatches to do_<cmd>() in tools/.
 */
#include <bpf/libbpf.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/btf/blobstore.h"
#include "src/common.h"
#include "src/runtime/outfile.h"
#include "src/runtime/tracer.h"
#include "tools/tools.h"

#define COREPROBE_VERSION "0.1.0"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cmd cmds[] = {
	{ "structs", do_structs, "structs [-p PID] [-c COUNT] [-d SECONDS] BINARY   add_test(struct data *): pid comm a c a+c" },
	{ "sslsniff", do_sslsniff, "sslsniff [-p PID] [--lib PATH]... [-x] [--max-bytes N] [--keylog FILE] [-c N] [-d S]   TLS plaintext + key log" },
	{ "btf", do_btf, "btf { list | which [BINARY] | merge VMLINUX APP OUT | add ... -o NEW | dwarf BINARY [TYPE...] -o OUT }" },
	{ "tcprtt", do_tcprtt, "tcprtt [-i INTERVAL] [-d SECONDS] [-m] [-e] [-b|-B] [-p|-P PORT] [-a|-A ADDR] [--events] [--attach TYPE]   TCP smoothed RTT" },
	{ "ipsetaudit", do_ipsetaudit, "ipsetaudit [-c COUNT] [-d SECONDS] [--attach TYPE]   ipset set creation/destruction: who, set, type, family" },
	{ "trace", do_trace, "trace [-p PID] [-c COUNT] [-d SECONDS] PROBE [EXPR]...   any field path of a function's arguments, offsets from BTF" },
	{ "flowlat", do_flowlat, "flowlat -i IFACE [-p PORT] [-c COUNT] [-d SECONDS] [--hook tcx|clsact]   per-flow packet/reply latency at tc" },
};

static const char usage[] =
	"usage: coreprobe [-v] [-j|--json] [--kernel-btf F] [--app-btf F] [--no-sysfs-btf] [--output FILE]\n"
	"                 [--perfbuf] [--debug-file F] [--debug-dir DIR]... COMMAND ...\n"
	"       coreprobe -h|--help | -V|--version\n"
	"\n"
	"  -v               libbpf's log (CO-RE relocations included) on stderr\n"
	"  -j, --json       one JSON object per line, errors included\n"
	"  --kernel-btf F   kernel BTF to relocate against (raw BTF or ELF with .BTF)\n"
	"  --app-btf F      application BTF for the traced binary\n"
	"  --no-sysfs-btf   ignore /sys/kernel/btf/vmlinux (use an embedded blob)\n"
	"  --debug-file F   the traced binary's debug file (DWARF), used only if its build-id matches\n"
	"  --debug-dir DIR  a debug root (DIR/.build-id/NN/REST.debug, debuglink names), before\n"
	"                   /usr/lib/debug; repeatable\n"
	"  --output FILE    events to FILE instead of stdout: appended, created 0600, never\n"
	"                   through a symlink\n"
	"  --perfbuf        perf buffer instead of the ring buffer (used anyway before 5.8)\n"
	"\n"
	"exit codes: 0 ok, 1 runtime failure, 2 usage or bad input, 3 no matching BTF,\n"
	"            4 missing privilege, 5 kernel lacks a needed feature\n"
	"\n"
	"commands:\n";

static void print_usage(FILE *f)
{
	fputs(usage, f);
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %s\n", cmds[i].summary);
}

int cp_common_option(int c, const char *arg, const char *cmd_usage)
{
	switch (c) {
	case 'v': env.verbose = true; return 1;
	case 'j': env.json = true; return 1;
	case OPT_KERNEL_BTF: env.kernel_btf = arg; return 1;
	case OPT_APP_BTF: env.app_btf = arg; return 1;
	case OPT_NO_SYSFS_BTF: env.no_sysfs_btf = true; return 1;
	case OPT_PERFBUF: cp_force_perfbuf = true; return 1;
	case OPT_DEBUG_FILE: env.debug_file = arg; return 1;
	case OPT_DEBUG_DIR:
		if (env.n_debug_dirs == (int)ARRAY_SIZE(env.debug_dirs)) {
			/* recorded first: the caller's usage error keeps this message */
			cp_error(CP_EUSAGE, "--debug-dir: at most %zu directories", ARRAY_SIZE(env.debug_dirs));
			return 0;
		}
		env.debug_dirs[env.n_debug_dirs++] = arg;
		return 1;
	case 'h':
		if (cmd_usage)
			fputs(cmd_usage, stdout);
		else
			print_usage(stdout);	/* the header and the command list, each once */
		return -1;
	default: return 0;
	}
}

/* The hint names the command line to type: "coreprobe btf -h" for "btf list" too, since the
 * help of a subcommand is its command's. With --json no usage is printed above the error. */
int cp_usage_error(const char *cmd, const char *cmd_usage)
{
	int top = strcspn(cmd, " ");

	if (env.json)
		return cp_error(CP_EUSAGE, "%s: bad usage: type `coreprobe %.*s -h` for the usage", cmd, top, cmd);
	fputs(cmd_usage, stderr);
	return cp_error(CP_EUSAGE, "%s: bad usage (see the usage above, or type `coreprobe %.*s -h`)", cmd, top, cmd);
}

int cp_limit_option(int c, const char *arg, struct cp_run *run)
{
	if (c == 'c')
		return cp_parse_long("-c", arg, 1, 1L << 40, &run->max_events);
	return cp_parse_double("-d", arg, 0.001, 1e7, &run->duration);
}

int cp_pid_option(const char *arg, long *pid)
{
	return cp_parse_long("-p", arg, 1, 1 << 30, pid);
}

int cp_tracer_args(int argc, char **argv, const char *cmd, const char *usage, long *pid, struct cp_run *run)
{
	static const struct option opts[] = {
		CP_COMMON_LONGOPTS,
		{ "pid", required_argument, 0, 'p' },
		CP_LIMIT_LONGOPTS,
		{ 0 }
	};
	int c, err;

	/* getopt_long permutes: options may follow the operands too */
	while ((c = getopt_long(argc, argv, CP_COMMON_SHORTOPTS "p:c:d:", opts, NULL)) != -1) {
		int r = cp_common_option(c, optarg, usage);

		if (r < 0)
			return -1;
		if (r)
			continue;
		switch (c) {
		case 'p': err = cp_pid_option(optarg, pid); break;
		case 'c':
		case 'd': err = cp_limit_option(c, optarg, run); break;
		default: return cp_usage_error(cmd, usage);
		}
		if (err)
			return err;
	}
	return 0;
}

static int print_version(void)
{
	struct cp_store st;
	unsigned kernels = 0, apps = 0;
	int err = store_open_self(&st);

	if (err)
		return err;
	for (uint32_t i = 0; i < store_count(&st); i++)
		st.entries[i].kind == CP_BLOB_KERNEL ? kernels++ : apps++;
	if (env.json)
		printf("{\"version\":\"%s\",\"libbpf\":\"%u.%u\",\"kernel_blobs\":%u,\"app_blobs\":%u,\"distinct_blobs\":%u}\n",
		       COREPROBE_VERSION, libbpf_major_version(), libbpf_minor_version(), kernels, apps,
		       st.hdr ? st.hdr->n_blobs : 0);
	else
		printf("coreprobe %s (libbpf %u.%u): %u kernel and %u application BTF blobs embedded (%u distinct)\n",
		       COREPROBE_VERSION, libbpf_major_version(), libbpf_minor_version(), kernels, apps,
		       st.hdr ? st.hdr->n_blobs : 0);
	store_free(&st);
	return 0;
}

static int run(int argc, char **argv)
{
	enum { OPT_OUTPUT = OPT_TOOL_BASE - 1 };	/* global only: `btf add` has its own --output */
	static const struct option opts[] = {
		CP_COMMON_LONGOPTS,
		{ "version", no_argument, 0, 'V' },
		{ "output", required_argument, 0, OPT_OUTPUT },
		{ 0 }
	};
	const char *output = NULL;
	int c, err;

	/* "+": global options stop at the command name */
	while ((c = getopt_long(argc, argv, "+" CP_COMMON_SHORTOPTS "V", opts, NULL)) != -1) {
		int r = cp_common_option(c, optarg, NULL);

		if (r < 0)
			return 0;
		if (r)
			continue;
		if (c == 'V')
			return print_version();
		if (c == OPT_OUTPUT) {
			output = optarg;
			continue;
		}
		print_usage(stderr);
		return cp_error(CP_EUSAGE, "unknown or incomplete global option (see the usage above, or type `coreprobe -h`)");
	}
	if (optind >= argc) {
		print_usage(stderr);
		return cp_error(CP_EUSAGE, "no command given (see the usage above, or type `coreprobe -h`)");
	}
	if (output && (err = outfile_redirect_stdout(output)))
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[optind], cmds[i].name))
			continue;
		argc -= optind;
		argv += optind;
		optind = 0;	/* re-initialise getopt for the command's own options */
		return cmds[i].fn(argc, argv);
	}
	return cp_error(CP_EUSAGE, "unknown command '%s' (type `coreprobe -h` for the list)", argv[optind]);
}

int main(int argc, char **argv)
{
	int ret = run(argc, argv);

	if (ret)
		cp_error_print();
	return ret;
}
