// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/pick: what choosing the kernel blob costs coreprobe, with a given coreprobe binary's
 * store (the default one, or one that embeds a whole archive of kernels). Linked with
 * coreprobe's own src/ objects, so it measures the code coreprobe runs, step by step:
 *   host      host_info_read (uname, os-release, /sys/kernel/notes build-id)
 *   store     store_open_self on BINARY (read and check the blob index from its ELF section)
 *   choose    kbtf_choose (build-id match over every entry)
 *   load      kernel_btf_load of the choice (decompress the one blob, libbpf parse)
 *
 * usage: pick [-n RUNS] BINARY [--no-sysfs-btf]
 * Prints {"binary":..,"entries":N,"source":"embedded|sysfs|..","host_us":..,"store_us":..,
 * "choose_us":..,"load_us":..,"total_us":..} (medians, microseconds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "src/btf/blobstore.h"
#include "src/btf/btfpick.h"
#include "src/common.h"
#include "src/btf/hostinfo.h"

#include "stats.h"

static double now_us(void)
{
	return bench_now_s() * 1e6;
}

int main(int argc, char **argv)
{
	int runs = 20, i = 1, entries = 0;
	bool no_sysfs = false;
	const char *source = "none";
	double *t[5];

	if (argc > 2 && !strcmp(argv[1], "-n")) {
		runs = atoi(argv[2]);
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: pick [-n RUNS] BINARY [--no-sysfs-btf]\n");
		return 2;
	}
	env.self_exe = argv[i];
	no_sysfs = i + 1 < argc && !strcmp(argv[i + 1], "--no-sysfs-btf");
	for (int k = 0; k < 5; k++)
		t[k] = calloc(runs, sizeof(double));
	for (int r = 0; r < runs; r++) {
		struct host_info h;
		struct cp_store st;
		struct kernel_btf k = { 0 };
		double t0 = now_us(), t1, t2, t3, t4;

		host_info_read(&h);
		t1 = now_us();
		if (store_open_self(&st)) {
			cp_error_print();
			return 1;
		}
		t2 = now_us();
		if (kbtf_choose(&st, &h, NULL, no_sysfs, access(SYSFS_VMLINUX, R_OK) == 0, &k.choice)) {
			cp_error_print();
			return 1;
		}
		t3 = now_us();
		if (kernel_btf_load(&k, &st, NULL)) {
			cp_error_print();
			return 1;
		}
		t4 = now_us();
		t[0][r] = t1 - t0;
		t[1][r] = t2 - t1;
		t[2][r] = t3 - t2;
		t[3][r] = t4 - t3;
		t[4][r] = t4 - t0;
		entries = store_count(&st);
		source = k.choice.source == KBTF_BLOB_BUILD_ID ? "embedded (kernel build-id)" :
			 kbtf_source_name(k.choice.source);
		kernel_btf_free(&k);
		store_free(&st);
	}
	printf("{\"binary\":\"%s\",\"entries\":%d,\"source\":\"%s\",\"runs\":%d,\"host_us\":%.1f,\"store_us\":%.1f,\"choose_us\":%.1f,\"load_us\":%.1f,\"total_us\":%.1f}\n",
	       argv[i], entries, source, runs, bench_median(t[0], runs), bench_median(t[1], runs), bench_median(t[2], runs),
	       bench_median(t[3], runs), bench_median(t[4], runs));
	return 0;
}
