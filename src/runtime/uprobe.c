// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/runtime/uprobe.h"

/* enum bpf_attach_type's value since Linux 6.6 (a fixed ABI number); the UAPI headers this is
 * built against may be older than that. */
#define CP_TRACE_UPROBE_MULTI ((enum bpf_attach_type)48)

/* libbpf's own function-offset lookup, the one bpf_program__attach_uprobe_opts uses: internal to
 * libbpf, linked from the pinned static libbpf. Not its uprobe_multi name lookup: in libbpf 1.5
 * that fails on any file without a .symtab (a stripped libssl), since a missing SHT_SYMTAB is
 * an error there rather than "look in .dynsym only". Same offsets on both routes this way. */
long elf_find_func_offset_from_file(const char *binary_path, const char *name);

/* The kernel has uprobe_multi links when a program loaded with that attach type gets, for a
 * link on a path that cannot be a uprobe target ("/"), an error about the path rather than
 * one about the link type (the probe libbpf itself makes internally, not exported by it). */
static bool probe_uprobe_multi(void)
{
	static const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, po, .expected_attach_type = CP_TRACE_UPROBE_MULTI);
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	unsigned long offset = 0;
	int prog, link, err;

	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, sizeof(insns) / sizeof(insns[0]), &po);
	if (prog < 0)
		return false;
	lo.uprobe_multi.path = "/";
	lo.uprobe_multi.offsets = &offset;
	lo.uprobe_multi.cnt = 1;
	link = bpf_link_create(prog, -1, CP_TRACE_UPROBE_MULTI, &lo);
	err = link < 0 ? -errno : 0;
	if (link >= 0)
		close(link);
	close(prog);
	/* "/" is a directory: a kernel that knows the link type refuses the path with EBADF */
	return link < 0 && err == -EBADF;
}

bool cp_uprobe_multi(void)
{
	static int state = -1;

	if (state < 0) {
		const char *off = getenv("COREPROBE_NO_UPROBE_MULTI");

		state = (off && *off && strcmp(off, "0")) ? 0 : probe_uprobe_multi();
	}
	return state;
}

void cp_uprobe_prepare_object(struct bpf_object *obj)
{
	struct bpf_program *p;

	if (!cp_uprobe_multi())
		return;
	bpf_object__for_each_program(p, obj) {
		const char *sec = bpf_program__section_name(p);

		if (!strncmp(sec, "uprobe", 6) || !strncmp(sec, "uretprobe", 9))
			bpf_program__set_expected_attach_type(p, CP_TRACE_UPROBE_MULTI);
	}
}

void cp_uprobe_prepare_program(struct bpf_program *prog)
{
	if (cp_uprobe_multi())
		bpf_program__set_expected_attach_type(prog, CP_TRACE_UPROBE_MULTI);
}

struct bpf_link *cp_uprobe_attach(const struct bpf_program *prog, pid_t pid, const char *path,
				  const char *func, bool retprobe)
{
	if (bpf_program__expected_attach_type(prog) == CP_TRACE_UPROBE_MULTI) {
		long off = elf_find_func_offset_from_file(path, func);
		unsigned long uoff = off;
		LIBBPF_OPTS(bpf_uprobe_multi_opts, mo, .offsets = &uoff, .cnt = 1, .retprobe = retprobe);

		if (off < 0) {
			errno = -off;
			return NULL;
		}
		return bpf_program__attach_uprobe_multi(prog, pid, path, NULL, &mo);
	}
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = func, .retprobe = retprobe);
	return bpf_program__attach_uprobe_opts(prog, pid, path, 0, &uo);
}
