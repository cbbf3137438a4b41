// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/btfparse: what reading the kernel's BTF costs, step by step, to bound coreprobe's sysfs
 * path (the one it takes where no embedded blob is proven to describe the running kernel).
 *
 * usage: btfparse [-n RUNS] [FILE]     (default /sys/kernel/btf/vmlinux)
 * Prints one JSON object of medians (ms) and the peak RSS each step leaves behind:
 *   btf__parse        libbpf's whole-file parse (read into a buffer, copy, index, validate)
 *   read              read() of the file into one buffer (sysfs: one page per call)
 *   mmap              mmap of the file (read-only, private) and a touch of every page
 *   btf__new_mmap     libbpf's btf__new on the mapping (one copy, index, validate)
 *   index_mmap        one walk over the mapped types recording each type's offset: the least
 *                     any reader of the types has to do
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/btf/btfrec.h"
#include "stats.h"

static double now_ms(void)
{
	return bench_now_s() * 1e3;
}

static size_t file_size(const char *path)
{
	int fd = open(path, O_RDONLY);
	char buf[65536];
	size_t n = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0)
		n += r;
	close(fd);
	return n;
}

int main(int argc, char **argv)
{
	const char *path = "/sys/kernel/btf/vmlinux";
	int runs = 20, i = 1;
	double *t[5];
	size_t size;
	long types = 0;

	if (argc > 2 && !strcmp(argv[1], "-n")) {
		runs = atoi(argv[2]);
		i = 3;
	}
	if (i < argc)
		path = argv[i];
	size = file_size(path);
	for (int k = 0; k < 5; k++)
		t[k] = calloc(runs, sizeof(double));
	for (int r = 0; r < runs; r++) {
		double t0 = now_ms();
		struct btf *b = btf__parse(path, NULL);
		unsigned char *buf, *map;
		const struct btf_header *h;
		uint32_t *offs;
		long n = 0, sum = 0;
		int fd;

		if (libbpf_get_error(b)) {
			fprintf(stderr, "btfparse: %s does not parse\n", path);
			return 1;
		}
		t[0][r] = now_ms() - t0;
		btf__free(b);

		t0 = now_ms();
		buf = malloc(size);
		fd = open(path, O_RDONLY);
		for (size_t got = 0; got < size;) {
			ssize_t k = read(fd, buf + got, size - got);

			if (k <= 0)
				break;
			got += k;
		}
		close(fd);
		t[1][r] = now_ms() - t0;
		free(buf);

		t0 = now_ms();
		fd = open(path, O_RDONLY);
		map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (map == MAP_FAILED) {
			fprintf(stderr, "btfparse: mmap %s: %s\n", path, strerror(errno));
			return 1;
		}
		for (size_t o = 0; o < size; o += 4096)
			sum += map[o];
		t[2][r] = now_ms() - t0;

		t0 = now_ms();
		b = btf__new(map, size);
		t[3][r] = now_ms() - t0;
		btf__free(b);

		t0 = now_ms();
		h = (const void *)map;
		offs = malloc(size / sizeof(struct btf_type) * sizeof(uint32_t));
		for (uint32_t o = 0; o < h->type_len; n++) {
			offs[n] = o;
			o += type_rec_size((const void *)(map + h->hdr_len + h->type_off + o));
		}
		t[4][r] = now_ms() - t0;
		types = n + (sum & 0);
		free(offs);
		munmap(map, size);
	}
	printf("{\"file\":\"%s\",\"bytes\":%zu,\"types\":%ld,\"runs\":%d,\"btf__parse_ms\":%.3f,\"read_ms\":%.3f,\"mmap_touch_ms\":%.3f,\"btf__new_mmap_ms\":%.3f,\"index_mmap_ms\":%.3f}\n",
	       path, size, types, runs, bench_median(t[0], runs), bench_median(t[1], runs), bench_median(t[2], runs),
	       bench_median(t[3], runs), bench_median(t[4], runs));
	return 0;
}
