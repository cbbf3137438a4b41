// SPDX-License-Identifier: BSD-2-Clause
/* Writes the BTF seeds of the merge fuzzers to DIR: one BTF with every kind the merge code
 * handles (so the fuzzer starts from each branch, not from ints), the same as a module's split
 * BTF on the harnesses' fixed kernel BTF (fuzz.h), and a small store holding them.
 * usage: seedgen DIR */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "src/btf/blobstore.h"

/* Every BTF kind, referring to base types by name where there is a base. */
static void add_kinds(struct btf *b, const struct btf *base)
{
	int i32 = base ? btf__find_by_name_kind(base, "int", BTF_KIND_INT) : btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int sock = base ? btf__find_by_name_kind(base, "sock", BTF_KIND_STRUCT) : btf__add_struct(b, "sock", 4);
	int psock, arr, s, fp, fn, var, cst, vol, fwd, flt, tt, pfwd, ps;

	if (!base)
		btf__add_field(b, "a", i32, 0, 0);
	psock = btf__add_ptr(b, sock);
	arr = btf__add_array(b, i32, i32, 4);
	cst = btf__add_const(b, i32);
	vol = btf__add_volatile(b, cst);
	btf__add_restrict(b, psock);
	fwd = btf__add_fwd(b, "opaque", BTF_FWD_STRUCT);
	flt = btf__add_float(b, "double", 8);
	tt = btf__add_type_tag(b, "user", psock);
	pfwd = btf__add_ptr(b, fwd);
	/* members and parameters must directly follow their struct or prototype */
	s = btf__add_struct(b, "data___v2", 48);
	btf__add_field(b, "a", i32, 0, 0);
	btf__add_field(b, "c", vol, 32, 0);
	btf__add_field(b, "sk", psock, 64, 0);
	btf__add_field(b, "arr", arr, 128, 0);
	btf__add_field(b, "f", flt, 256, 0);
	btf__add_field(b, "u", tt, 320, 0);
	btf__add_union(b, "pt_regs", 8);
	btf__add_field(b, "di", i32, 0, 0);
	btf__add_field(b, "op", pfwd, 0, 0);
	btf__add_enum(b, "data_kind", 4);
	btf__add_enum_value(b, "DK_A", 1);
	btf__add_enum64(b, "wide", 8, false);
	btf__add_enum64_value(b, "W1", 1ULL << 40);
	btf__add_typedef(b, "sock_t", s);
	ps = btf__add_ptr(b, s);
	fp = btf__add_func_proto(b, i32);
	btf__add_func_param(b, "d", ps);
	fn = btf__add_func(b, "add_test", BTF_FUNC_GLOBAL, fp);
	btf__add_decl_tag(b, "tag", fn, -1);
	btf__add_decl_tag(b, "mtag", s, 0);
	var = btf__add_var(b, "counter", BTF_VAR_GLOBAL_ALLOCATED, i32);
	btf__add_datasec(b, ".bss", 4);
	btf__add_datasec_var_info(b, var, 0, 4);
}

static int put(const char *dir, const char *name, const void *a, size_t na, const void *b, size_t nb)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(a, 1, na, f) != na || (nb && fwrite(b, 1, nb, f) != nb) || fclose(f))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct btf *kernel, *rich, *split;
	const void *r;
	__u32 n;
	int err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: seedgen DIR\n");
		return 2;
	}
	fuzz_quiet();
	kernel = fuzz_kernel_btf();
	rich = btf__new_empty();
	add_kinds(rich, NULL);
	split = btf__new_empty_split(kernel);
	add_kinds(split, kernel);
	r = btf__raw_data(rich, &n);
	err |= put(argv[1], "rich.btf", r, n, NULL, 0);
	r = btf__raw_data(split, &n);
	err |= put(argv[1], "split.btf", r, n, NULL, 0);
	r = btf__raw_data(kernel, &n);
	err |= put(argv[1], "kernel.btf", r, n, NULL, 0);
	{	/* a store with kernel entries (build-id and tie-breakers, a build-host one) and an app entry */
		struct store_builder *sb = sb_new();
		unsigned char id[20] = { 0x12, 0x34 }, *buf;
		size_t sz;
		const void *k, *a;
		__u32 kn, an;

		k = btf__raw_data(kernel, &kn);
		a = btf__raw_data(rich, &an);
		err |= sb_add(sb, CP_BLOB_KERNEL, "6.1.0-50-amd64", id, 20, "debian", "12", "x86_64", k, kn) != 0;
		err |= sb_add(sb, CP_BLOB_KERNEL, "5.15.0-1-generic", NULL, 0, "ubuntu", "22.04", "arm64", k, kn) != 0;
		/* the build host's own kernel: flagged, no distro or version */
		err |= sb_add_flagged(sb, CP_BLOB_KERNEL, CP_ENTRY_BUILD_HOST, "6.18.44-fc", NULL, 0, NULL, NULL, "x86_64", k, kn) != 0;
		id[0] = 0xaa;
		err |= sb_add(sb, CP_BLOB_APP, "demo", id, 20, NULL, NULL, NULL, a, an) != 0;
		err |= sb_serialize(sb, &buf, &sz) != 0;
		if (!err) {
			err |= put(argv[1], "store.bin", buf, sz, NULL, 0);
			free(buf);
		}
		sb_free(sb);
	}
	btf__free(split);
	btf__free(rich);
	btf__free(kernel);
	if (err)
		fprintf(stderr, "seedgen: failed\n");
	return err ? 1 : 0;
}
