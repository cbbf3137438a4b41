// SPDX-License-Identifier: BSD-2-Clause
/* btf_merge_all (`btf merge`, the build's kernel+module flattening) on fuzzed BTF. First byte:
 * even, the input is a module's split BTF on a fixed kernel base and the flattened result must
 * have exactly base + module types; odd, the input is an application BTF appended after the
 * kernel's. The result must be valid BTF. */
#include "fuzz.h"
#include "src/btf/btfmerge.h"
#include "src/btf/btfpick.h"

static struct btf *kernel;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	kernel = fuzz_kernel_btf();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool split;
	struct btf *f;
	struct merge_stats st;
	void *raw = NULL;
	size_t n;

	if (size < 1)
		return 0;
	split = !(data[0] & 1);
	f = cp_btf_new(data + 1, size - 1, split ? kernel : NULL);	/* as coreprobe parses them */
	if (libbpf_get_error(f))
		return 0;
	{
		struct btf_src s[] = { { kernel, false, "k" }, { f, !split, "fuzz" } };

		cp_error_clear();
		if (btf_merge_all(s, 2, &raw, &n, &st) == 0) {
			struct btf *out = btf__new(raw, n);

			if (libbpf_get_error(out))
				abort();
			if (split && btf__type_cnt(out) != btf__type_cnt(f))
				abort();
			if (!split && btf__type_cnt(out) != btf__type_cnt(kernel) + btf__type_cnt(f) - 1)
				abort();
			btf__free(out);
			free(raw);
		}
	}
	btf__free(f);
	return 0;
}
