// SPDX-License-Identifier: BSD-2-Clause
/* btf_merge_for_object with each of its inputs fuzzed in turn; the first byte picks the role:
 *   0  the application's BTF (an --app-btf file, a target's .BTF, an embedded app blob)
 *   1  the kernel's BTF (--kernel-btf, sysfs, an embedded kernel blob)
 *   2  the BPF object's own BTF (the local side of CO-RE)
 *   3  a module's split BTF on top of the kernel's
 * The other inputs are fixed and realistic: the structs tool's real object is the local BTF.
 * Whatever libbpf accepts as input, the merge must end in valid BTF or a recorded error. */
#include <string.h>

#include "fuzz.h"
#include "src/btf/btfmerge.h"
#include "src/btf/btfpick.h"
#include "structs.skel.h"

static struct btf *kernel, *app, *local_hand;
static struct bpf_object *obj;
static const struct btf *local_obj;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t sz;
	const void *bytes = structs_bpf__elf_bytes(&sz);

	fuzz_quiet();
	kernel = fuzz_kernel_btf();
	app = fuzz_app_btf();
	local_hand = fuzz_local_btf();
	obj = bpf_object__open_mem(bytes, sz, NULL);
	local_obj = obj ? bpf_object__btf(obj) : NULL;
	if (!local_obj)
		abort();
	return 0;
}

static void merge(const struct btf *local, const struct btf_src *srcs, int n)
{
	struct merge_stats st;
	void *raw = NULL;
	size_t size;

	cp_error_clear();
	if (btf_merge_for_object(local, srcs, n, &raw, &size, &st) == 0) {
		fuzz_check_btf(raw, size);
		free(raw);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct btf *f;
	int role;

	if (size < 1)
		return 0;
	role = data[0] & 3;
	f = cp_btf_new(data + 1, size - 1, role == 3 ? kernel : NULL);	/* as coreprobe parses them */
	if (libbpf_get_error(f))
		return 0;
	switch (role) {
	case 0: {
		struct btf_src s[] = { { kernel, false, "k" }, { f, true, "fuzz" } };

		merge(local_obj, s, 2);
		merge(local_hand, s, 2);
		break;
	}
	case 1: {
		struct btf_src s[] = { { f, false, "fuzz" }, { app, true, "a" } };

		merge(local_obj, s, 2);
		merge(local_hand, s, 2);
		break;
	}
	case 2: {
		struct btf_src s[] = { { kernel, false, "k" }, { app, true, "a" } };

		merge(f, s, 2);
		break;
	}
	case 3: {
		struct btf_src s[] = { { kernel, false, "k" }, { f, false, "mod" }, { app, true, "a" } };

		merge(local_obj, s, 3);
		merge(local_hand, s, 3);
		break;
	}
	}
	btf__free(f);
	return 0;
}
