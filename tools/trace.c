// SPDX-License-Identifier: BSD-2-Clause
/*
 * coreprobe trace: prints field paths of a function's arguments (or its return value) at each
 * call, in an application (uprobe) or the kernel (kprobe). Every name in the expressions is
 * resolved against BTF at start-up (src/trace/expr.c) into a plan of (offset, dereference)
 * steps that one precompiled BPF program (bpf/trace.bpf.c) follows: no BPF C, no compiler.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/btf/dwarf.h"
#include "src/btf/dwfunc.h"
#include "src/btf/elfinfo.h"
#include "src/common.h"
#include "src/runtime/attach.h"
#include "src/runtime/tracer.h"
#include "src/runtime/uprobe.h"
#include "src/trace/expr.h"
#include "src/trace/value.h"
#include "tools/tools.h"

#include "bpf/trace.h"
#include "trace.skel.h"
#include "tools/objects.h"

CP_OBJECT_BYTES(trace)

static const char trace_usage[] =
	"usage: coreprobe trace [-p PID] [-c COUNT] [-d SECONDS] [--app-btf F] [--kernel-btf F] [-v] [-j]\n"
	"                       [--debug-file F] [--debug-dir DIR]... PROBE [EXPR]...\n"
	"\n"
	"Prints EXPR (up to 8) at every call of a function, one line per call: pid, comm, probe, then\n"
	"EXPR=VALUE. Field offsets come from BTF (the application's, picked by build-id like every\n"
	"tool; the kernel's full BTF for kprobe:), resolved before anything is attached.\n"
	"\n"
	"  PROBE   BINARY:FUNCTION          entry of FUNCTION in BINARY (every process, or -p)\n"
	"          BINARY:FUNCTION%return   its return (EXPR may use ret, not argN)\n"
	"          kprobe:FUNCTION          kernel function entry (needs the kernel's full BTF)\n"
	"  EXPR    argN | ret | EXPR->FIELD | EXPR.FIELD | EXPR[N] | *EXPR | (struct T *)EXPR\n"
	"\n"
	"  -p PID       only this process\n"
	"  -c COUNT     exit after COUNT calls\n"
	"  -d SECONDS   exit after SECONDS\n";

struct trace_env {
	long pid;
	const char *probe;
	const char *binary;		/* NULL for kprobe: */
	char func[256];
	bool at_return;
	bool kernel;
	const char *const *exprs;
	int n_exprs;
};

struct trace_ctx {
	struct cp_run *run;
	const struct trace_env *te;
	const struct btf *btf;
	struct trace_plan plan;
	struct trace_value vals[TRACE_MAX_EXPRS];
	/* JSON text that is the same for every event, escaped once at start-up: `,"probe":...,
	 * "values":{` and each `"EXPR":` (after the first with its comma) */
	char *json_head, *json_key[TRACE_MAX_EXPRS];
};

static const __u8 *value_bytes(const struct trace_ctx *tc, const struct trace_event *e, int i)
{
	return e->data + tc->plan.exprs[i].data_off;
}

static int parse_probe(struct trace_env *te)
{
	const char *p = te->probe, *colon = strrchr(p, ':');
	size_t flen;

	if (!colon || colon == p || !colon[1])
		return cp_error(CP_EUSAGE, "trace: probe '%s': give BINARY:FUNCTION, BINARY:FUNCTION%%return or kprobe:FUNCTION", p);
	flen = strlen(colon + 1);
	if (flen > 8 && !strcmp(colon + 1 + flen - 7, "%return")) {
		te->at_return = true;
		flen -= 7;
	}
	if (flen >= sizeof(te->func))
		return cp_error(CP_EUSAGE, "trace: probe '%s': function name too long", p);
	memcpy(te->func, colon + 1, flen);
	te->func[flen] = 0;
	if (colon - p == 6 && !strncmp(p, "kprobe", 6)) {
		if (te->at_return)
			return cp_error(CP_EUSAGE, "trace: probe '%s': kernel return probes are not supported yet: trace the entry", p);
		te->kernel = true;
		return 0;
	}
	te->binary = strndup(p, colon - p);
	return te->binary ? 0 : cp_error(CP_ERUNTIME, "out of memory");
}

static int parse_args(int argc, char **argv, struct trace_env *te, struct cp_run *run)
{
	/* options may follow PROBE too: no expression starts with '-' */
	int err = cp_tracer_args(argc, argv, "trace", trace_usage, &te->pid, run);

	if (err)
		return err;
	if (optind >= argc)
		return cp_usage_error("trace", trace_usage);
	te->probe = argv[optind];
	te->exprs = (const char *const *)argv + optind + 1;
	te->n_exprs = argc - optind - 1;
	if (te->n_exprs > TRACE_MAX_EXPRS)
		return cp_error(CP_EUSAGE, "trace: %d expressions: at most %d per probe", te->n_exprs, TRACE_MAX_EXPRS);
	return parse_probe(te);
}

/*
 * The application's BTF: the one source every tool uses (--app-btf, the embedded blob of the
 * binary's build-id, its own .BTF section; src/btf/btfpick.c). This is the single place where
 * the DWARF source (a debug file converted to BTF, branch dwarf) plugs in: add it to
 * abtf_choose()'s order and btf_set_load_app()'s switch, and trace gets it here unchanged.
 */
/* DWARF (the binary's own or a debug file of the same build-id, src/btf/dwarf.c): the tools
 * encode only what their BPF object relocates, but a trace's types are the user's, named only
 * by the expressions: every type the DWARF defines is encoded, and the FUNC record of the traced
 * function alone (src/btf/dwfunc.c; the one FUNC the expressions use, and cheaper than all of
 * them: docs/trace.md has the figures). A function whose prototype is not proven (a compiler
 * clone, a changed calling convention, two statics of one name) gets no FUNC: one line says
 * why, and its arguments need a cast, as the planner says. */
static int trace_encode_dwarf(struct btf_set *set, const char *binary, const char *func)
{
	struct dwfunc_req fr = { .names = &func, .n_names = 1 };
	struct dwarf_stats st;
	int err;

	err = dwarf_btf_encode_funcs(set->dwarf[0], NULL, 0, &fr, &set->apps[0], &st, NULL);
	for (unsigned i = 0; !err && i < fr.refused.n; i++)
		fprintf(stderr, "coreprobe: %s:%s: no prototype from the DWARF, its arguments are untyped (cast them): %s\n",
			binary, fr.refused.v[i].type, fr.refused.v[i].why);
	dwarf_refusals_free(&fr.refused);
	if (err)
		return err;
	if (env.verbose)
		fprintf(stderr, "coreprobe: %s: BTF from %s: %u types (%u FUNC) from %u units in %.1f ms\n", binary,
			set->dwarf[0]->path, st.types, fr.funcs, st.units, st.ms);
	return 0;
}

static int trace_app_btf(struct cp_run *run, const char *binary, const char *func, const struct elf_info *ei,
			 struct btf_set *set, enum abtf_source *src)
{
	struct abtf_choice c;
	int err;

	if ((err = abtf_choose(&run->store, binary, ei, env.app_btf, &c))) {
		if (err != CP_ENOBTF || !ei->build_id_len)
			return err;
		cp_error_clear();
		return cp_error(CP_ENOBTF, "no BTF for %s (build-id %s): trace needs its types: pass its debug file with --debug-file FILE (same build-id), or --app-btf FILE (pahole --btf_encode_detached FILE on a debug build of exactly this binary), or embed them: `coreprobe btf add --app %s=FILE --full -o NEW`",
				binary, ei->build_id_hex, binary);
	}
	*src = c.source;
	if (env.verbose)
		fprintf(stderr, "coreprobe: %s (build-id %s): BTF from %s%s%s\n", binary, ei->build_id_hex,
			abtf_source_name(c.source), c.file ? " " : "", c.file ? c.file : "");
	if ((err = btf_set_load_app(set, &run->store, binary, &c)))
		return err;
	return set->apps[0] ? 0 : trace_encode_dwarf(set, binary, func);
}

/* kprobe: the kernel's complete BTF (its functions and every struct): --kernel-btf or sysfs.
 * The embedded kernel blobs are minimized to what the built-in tools relocate: refused. */
static struct btf *trace_kernel_btf(void)
{
	struct btf *b;

	if (env.kernel_btf) {
		b = cp_btf_parse(env.kernel_btf);
		if (!b)
			cp_error(CP_EUSAGE, "--kernel-btf %s: not a BTF file (%s)", env.kernel_btf, strerror(errno));
		return b;
	}
	if (env.no_sysfs_btf || access(SYSFS_VMLINUX, R_OK)) {
		cp_error(CP_ENOBTF, "kprobe: needs the kernel's full BTF and %s: the embedded kernel blobs are minimized for the built-in tools: give the full BTF with --kernel-btf FILE (a vmlinux, or /sys/kernel/btf/vmlinux copied from this kernel)",
			 env.no_sysfs_btf ? "--no-sysfs-btf forbids " SYSFS_VMLINUX : SYSFS_VMLINUX " is missing");
		return NULL;
	}
	b = btf__parse(SYSFS_VMLINUX, NULL);
	if (!b)
		cp_error(CP_ENOBTF, "%s does not parse (%s): give the kernel's BTF with --kernel-btf FILE", SYSFS_VMLINUX, strerror(errno));
	return b;
}

static void print_event_text(const struct trace_ctx *tc, const struct trace_event *e)
{
	printf("%u %.16s %s", e->pid, e->comm, tc->te->probe);
	for (int i = 0; i < tc->te->n_exprs; i++) {
		printf(" %s=", tc->te->exprs[i]);
		if (e->status[i] == TRACE_OK) {
			tv_print_text(stdout, tc->btf, &tc->vals[i], value_bytes(tc, e, i));
		} else {
			char why[160];

			tv_status_text(&tc->vals[i], e->status[i], why, sizeof(why));
			printf("<error: %s>", why);
		}
	}
	putchar('\n');
}

/* Escapes S as a JSON string once, between PREFIX and SUFFIX (NULL when out of memory). */
static char *json_fragment(const char *prefix, const char *str, const char *suffix)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs(prefix, f);
	json_str(f, str);
	fputs(suffix, f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int json_fragments_build(struct trace_ctx *tc)
{
	tc->json_head = json_fragment(",\"probe\":", tc->te->probe, ",\"values\":{");
	if (!tc->json_head)
		return cp_error(CP_ERUNTIME, "trace: out of memory");
	for (int i = 0; i < tc->te->n_exprs; i++)
		if (!(tc->json_key[i] = json_fragment(i ? "," : "", tc->te->exprs[i], ":")))
			return cp_error(CP_ERUNTIME, "trace: out of memory");
	return 0;
}

static void json_fragments_free(struct trace_ctx *tc)
{
	free(tc->json_head);
	for (int i = 0; i < TRACE_MAX_EXPRS; i++)
		free(tc->json_key[i]);
}

static void print_event_json(const struct trace_ctx *tc, const struct trace_event *e)
{
	bool errors = false;

	printf("{\"pid\":%u,\"tid\":%u,\"comm\":", e->pid, e->tid);
	json_strn(stdout, e->comm, strnlen(e->comm, sizeof(e->comm)));
	fputs(tc->json_head, stdout);
	for (int i = 0; i < tc->te->n_exprs; i++) {
		fputs(tc->json_key[i], stdout);
		if (e->status[i] == TRACE_OK)
			tv_print_json(stdout, tc->btf, &tc->vals[i], value_bytes(tc, e, i));
		else
			fputs("null", stdout), errors = true;
	}
	putchar('}');
	if (errors) {
		bool first = true;

		printf(",\"errors\":{");
		for (int i = 0; i < tc->te->n_exprs; i++) {
			char why[160];

			if (e->status[i] == TRACE_OK)
				continue;
			tv_status_text(&tc->vals[i], e->status[i], why, sizeof(why));
			if (!first)
				putchar(',');
			first = false;
			json_str(stdout, tc->te->exprs[i]);
			putchar(':');
			json_str(stdout, why);
		}
		putchar('}');
	}
	puts("}");
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct trace_ctx *tc = ctx;

	/* the kernel side sends the header and the packed values only (bpf/trace.h) */
	if (size < TRACE_EVENT_HDR + tc->plan.data_size || !cp_event_accept(tc->run))
		return 0;
	if (env.json)
		print_event_json(tc, data);
	else
		print_event_text(tc, data);
	return 0;
}

/* See tools/structs.c: the file attached must be the one whose build-id picked the BTF. */
static int check_same_file(const char *path, const struct elf_info *ei)
{
	struct stat st;

	if (stat(path, &st) || st.st_dev != ei->dev || st.st_ino != ei->ino)
		return cp_error(CP_ERUNTIME, "%s was replaced while coreprobe attached to it: run again", path);
	return 0;
}

static struct bpf_link *attach(struct trace_bpf *skel, const struct trace_env *te, const char *target)
{
	if (te->kernel) {
		LIBBPF_OPTS(bpf_kprobe_opts, ko);
		return bpf_program__attach_kprobe_opts(skel->progs.trace_probe, te->func, &ko);
	}
	return cp_uprobe_attach(skel->progs.trace_probe, te->pid ? te->pid : -1, target, te->func, te->at_return);
}

int do_trace(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	struct trace_env te = { 0 };
	struct cp_run run = { .no_kernel_btf = true };	/* bpf/trace.bpf.c has no CO-RE relocation */
	struct trace_ctx tc = { .run = &run, .te = &te };
	struct trace_site site;
	struct trace_plan *plan = &tc.plan;
	struct btf_set set = { 0 };
	struct btf *kbtf = NULL, *btf;
	struct trace_bpf *skel = NULL;
	struct cp_events events = { 0 };
	struct bpf_link *link = NULL;
	struct cp_load load = { 0 };
	enum abtf_source src = ABTF_NONE;
	struct elf_info ei;
	char fd_path[32], why[256];
	const char *target = NULL;
	int err, fd = -1;

	if ((err = parse_args(argc, argv, &te, &run)))
		return err < 0 ? 0 : err;
	if ((err = cp_check_privilege(false)))
		return err;
	if (te.pid && (err = cp_check_pid(te.pid)))
		return err;
	if ((err = cp_run_init(&run, NULL)))
		goto out;
	if (te.kernel) {
		if (!(btf = kbtf = trace_kernel_btf())) {
			err = cp_errcode();
			goto out;
		}
		if (btf__find_by_name_kind(btf, te.func, BTF_KIND_FUNC) < 0) {
			err = cp_error(CP_EUSAGE, "kprobe:%s: the kernel's BTF has no function %s (static, inlined or misspelt): see /sys/kernel/tracing/available_filter_functions",
				       te.func, te.func);
			goto out;
		}
	} else {
		/* Inspect the target once, through one open file: its build-id picks the BTF. */
		fd = open(te.binary, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err = elf_inspect(te.binary, &ei);	/* records the right message */
			goto out;
		}
		if ((err = elf_inspect_fd(fd, te.binary, &ei)))
			goto out;
		snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", fd);
		target = access(fd_path, R_OK) == 0 ? fd_path : te.binary;
		ei.read_path = target == fd_path ? fd_path : NULL;
		err = elf_has_function(target, te.func);
		if (err <= 0) {
			err = err < 0 ? -err : cp_error(CP_EUSAGE, "trace: %s has no function %s in its symbol tables (static functions need .symtab: an unstripped build)",
							te.binary, te.func);
			goto out;
		}
		if ((err = trace_app_btf(&run, te.binary, te.func, &ei, &set, &src)))
			goto out;
		btf = set.apps[0];
	}
	site = (struct trace_site){ .func = te.func, .at_return = te.at_return, .kernel = te.kernel };
	/* every name is resolved before anything is loaded or attached */
	if ((err = trace_plan_build(btf, &site, te.exprs, te.n_exprs, plan, tc.vals)))
		goto hint;
	tc.btf = btf;
	if (env.json && (err = json_fragments_build(&tc)))
		goto out;

	if (te.kernel && !cp_have_kprobes(why, sizeof(why))) {
		err = cp_error(CP_ENOFEAT, "kprobe:%s: this kernel cannot attach kprobes (%s)", te.func, why);
		goto out;
	}
	if ((err = cp_load_begin(&run, &load, &open_opts)))
		goto out;
	skel = trace_bpf__open_opts(&open_opts);
	if (!skel) {
		err = cp_bpf_error(errno, "opening the BPF object");
		goto out;
	}
	memcpy((void *)&skel->rodata->plan, plan, sizeof(*plan));
	skel->rodata->filter_tgid = te.pid;
	if ((err = cp_load_prepare(&run, &load, skel->obj)))
		goto out;
	if (!te.kernel)
		cp_uprobe_prepare_program(skel->progs.trace_probe);
	err = trace_bpf__load(skel);
	cp_load_done(&load);
	if (err) {
		err = cp_bpf_error(err, "loading the BPF program");
		goto out;
	}
	link = attach(skel, &te, target);
	if (!link) {
		err = te.kernel ? cp_error(CP_ENOFEAT, "kprobe:%s: the kernel refused the kprobe (%s)", te.func, strerror(errno)) :
				  cp_bpf_error(errno, "attaching the uprobe");
		goto out;
	}
	if (!te.kernel && (err = check_same_file(te.binary, &ei)))
		goto out;
	if ((err = cp_events_open(&events, &run, skel->obj, on_event, &tc)))
		goto out;
	cp_signals_install();
	cp_tracing_banner("%s%s (%d expression%s)", te.probe, te.pid ? " (one process)" : "",
			  te.n_exprs, te.n_exprs == 1 ? "" : "s");
	err = cp_events_loop(&events);
	cp_events_close(&events);
	goto out;
hint:
	if (src == ABTF_BLOB && (err == CP_ENOBTF || err == CP_EUSAGE)) {
		/* a minimized blob lacks the user's types: that is a missing-BTF case (exit 3) */
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", cp_errmsg());
		cp_error_clear();
		err = cp_error(CP_ENOBTF, "%s: %s (its BTF is an embedded blob, minimized for the built-in tools unless it was added with `btf add --app %s=FILE --full`)",
			       te.binary, msg, te.binary);
	}
out:
	bpf_link__destroy(link);
	json_fragments_free(&tc);
	trace_bpf__destroy(skel);
	cp_load_free(&load);
	btf_set_free(&set);
	btf__free(kbtf);
	cp_run_free(&run);
	if (fd >= 0)
		close(fd);
	free((char *)te.binary);
	return err;
}
