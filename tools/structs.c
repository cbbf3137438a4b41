// SPDX-License-Identifier: BSD-2-Clause
/*
 * coreprobe structs: the struct-relocation demo. Traces add_test(struct data *) in a target
 * binary and prints the fields a and c it was called with, read through CO-RE against the
 * target build's own BTF: the same BPF object reads every layout of struct data correctly.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/common.h"
#include "src/btf/elfinfo.h"
#include "src/runtime/tracer.h"
#include "src/runtime/uprobe.h"
#include "tools/tools.h"

#include "bpf/structs.h"
#include "structs.skel.h"
#include "tools/objects.h"

CP_OBJECT_BYTES(structs)

#define SYMBOL "add_test"

static const char structs_usage[] =
	"usage: coreprobe structs [-p PID] [-c COUNT] [-d SECONDS] [-v] [-j] BINARY\n"
	"\n"
	"Traces add_test(struct data *) in BINARY (every process running it, or -p PID) and prints\n"
	"pid, comm, data->a, data->c and a+c, reading the fields through CO-RE with BINARY's BTF.\n"
	"\n"
	"  -p PID       only this process\n"
	"  -c COUNT     exit after COUNT events\n"
	"  -d SECONDS   exit after SECONDS\n";

struct structs_env {
	long pid;
	const char *binary;
};

static int parse_args(int argc, char **argv, struct structs_env *se, struct cp_run *run)
{
	int err = cp_tracer_args(argc, argv, "structs", structs_usage, &se->pid, run);

	if (err)
		return err;
	if (optind != argc - 1)
		return cp_usage_error("structs", structs_usage);
	se->binary = argv[optind];
	return 0;
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct cp_run *run = ctx;
	const struct structs_event *e = data;

	if (size < sizeof(*e) || !cp_event_accept(run))
		return 0;
	if (env.json) {
		printf("{\"pid\":%u,\"tid\":%u,\"comm\":", e->pid, e->tid);
		json_strn(stdout, e->comm, strnlen(e->comm, sizeof(e->comm)));
		printf(",\"a\":%d,\"c\":%d,\"sum\":%d}\n", e->a, e->c, e->a + e->c);
	} else {
		printf("%-7u %-16.16s %6d %6d %6d\n", e->pid, e->comm, e->a, e->c, e->a + e->c);
	}
	return 0;
}

/* The file attached must be the file whose build-id picked the BTF. With /proc, everything
 * after the inspection (symbol check, the target's own .BTF, libbpf's symbol lookup and the
 * kernel's uprobe path lookup) goes through /proc/self/fd/N of the inspected fd, so it is that
 * file whatever is renamed over the path meanwhile; the path is then checked to still name it,
 * else the user's PATH now means another program: refuse rather than trace the old one.
 * Without /proc the attach resolves the path again and this check is all there is. */
static int check_same_file(const char *path, const struct elf_info *ei)
{
	struct stat st;

	if (stat(path, &st) || st.st_dev != ei->dev || st.st_ino != ei->ino)
		return cp_error(CP_ERUNTIME, "%s was replaced while coreprobe attached to it: run again", path);
	return 0;
}

int do_structs(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	struct structs_env se = { 0 };
	struct structs_bpf *skel = NULL;
	struct cp_events events = { 0 };
	struct bpf_link *link = NULL;
	struct cp_load load = { 0 };
	struct cp_run run = { 0 };
	struct elf_info ei;
	char fd_path[32];
	const char *target;
	int err, fd = -1;

	if ((err = parse_args(argc, argv, &se, &run)))
		return err < 0 ? 0 : err;
	if ((err = cp_check_privilege(false)))
		return err;
	if (se.pid && (err = cp_check_pid(se.pid)))
		return err;
	/* Inspect the target once, through one open file: its build-id picks the BTF. */
	fd = open(se.binary, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return elf_inspect(se.binary, &ei);	/* records the right message */
	if ((err = elf_inspect_fd(fd, se.binary, &ei)))
		goto out;
	snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", fd);
	target = access(fd_path, R_OK) == 0 ? fd_path : se.binary;
	ei.read_path = target == fd_path ? fd_path : NULL;
	err = elf_has_function(target, SYMBOL);
	if (err <= 0) {
		err = err < 0 ? -err : cp_error(CP_EUSAGE, "%s: no function %s in its symbol tables: give a build of the demo target (tests/targets) that exports it",
						se.binary, SYMBOL);
		goto out;
	}

	if ((err = cp_run_init(&run, NULL)))
		goto out;
	if ((err = cp_load_begin(&run, &load, &open_opts)) ||
	    (err = cp_load_add_app(&run, &load, se.binary, &ei, NULL)))
		goto out;
	skel = structs_bpf__open_opts(&open_opts);
	if (!skel) {
		err = cp_bpf_error(errno, "opening the BPF object");
		goto out;
	}
	if ((err = cp_load_prepare(&run, &load, skel->obj)))
		goto out;
	cp_uprobe_prepare_object(skel->obj);
	err = structs_bpf__load(skel);
	cp_load_done(&load);
	if (err) {
		err = cp_bpf_error(err, "loading the BPF program (CO-RE relocation against the merged BTF)");
		goto out;
	}
	link = cp_uprobe_attach(skel->progs.add_test, se.pid ? se.pid : -1, target, SYMBOL, false);
	if (!link) {
		err = cp_bpf_error(errno, "attaching the uprobe to " SYMBOL);
		goto out;
	}
	if ((err = check_same_file(se.binary, &ei)))
		goto out;
	if ((err = cp_events_open(&events, &run, skel->obj, on_event, &run)))
		goto out;
	cp_signals_install();
	cp_tracing_banner("%s() in %s%s", SYMBOL, se.binary, se.pid ? " (one process)" : "");
	if (!env.json)
		printf("%-7s %-16s %6s %6s %6s\n", "PID", "COMM", "A", "C", "A+C");
	err = cp_events_loop(&events);
	cp_events_close(&events);
out:
	bpf_link__destroy(link);
	structs_bpf__destroy(skel);
	cp_load_free(&load);
	cp_run_free(&run);
	if (fd >= 0)
		close(fd);
	return err;
}
