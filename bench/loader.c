// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/loader: the reference loaders `make bench` compares coreprobe with. Static musl, linked
 * with the same libbpf as coreprobe, loading the same embedded structs BPF object (its skeleton).
 *
 *   loader seed VMLINUX APP_BTF OUT_BTF BINARY
 *       the seed's flow: parse the whole kernel BTF and the whole application BTF, append the
 *       application's to the kernel's with libbpf's btf__add_btf, write the result to OUT_BTF
 *       and give that file to libbpf as btf_custom_path.
 *   loader min BTF BINARY
 *       the floor: btf_custom_path is a precomputed minimal merged BTF; nothing else is done.
 *   loader floor BINARY
 *       the per-event floor: bench/floor.bpf.c (no CO-RE, plain bpf_probe_read_user).
 *
 * Each attaches add_test in BINARY, opens a ring-buffer reader (a tracer that cannot read its
 * events is not attached in any useful sense, and coreprobe pays for one too), prints
 * "Tracing ..." on stderr, counts events until SIGINT/SIGTERM, and prints
 * {"summary":{"events":N,"lost":M}} on stdout like coreprobe -j does. With BENCH_ONESHOT set in
 * the environment it exits right after the "Tracing" line (for profiling runs under strace and
 * callgrind, which a signal would not stop cleanly).
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "structs.skel.h"
#include "floor.skel.h"

static volatile sig_atomic_t stop;
static unsigned long long events;

static void on_signal(int sig)
{
	stop = 1;
}

static int on_event(void *ctx, void *data, size_t size)
{
	events++;
	return 0;
}

static int die(const char *what, int err)
{
	fprintf(stderr, "loader: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

/* The seed's merge: everything of both BTFs, appended with libbpf, written to a file. Not
 * inlined: the profile counts it by name. */
static __attribute__((noinline)) int seed_merge(const char *vmlinux, const char *app_path, const char *out)
{
	struct btf *kernel = btf__parse(vmlinux, NULL), *app;
	const void *raw;
	__u32 size;
	int fd, err;

	if ((err = libbpf_get_error(kernel)))
		return die(vmlinux, err);
	app = btf__parse(app_path, NULL);
	if ((err = libbpf_get_error(app)))
		return die(app_path, err);
	if ((err = btf__add_btf(kernel, app)) < 0)
		return die("btf__add_btf", err);
	raw = btf__raw_data(kernel, &size);
	if (!raw)
		return die("btf__raw_data", errno);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, raw, size) != (ssize_t)size || close(fd))
		return die(out, errno);
	btf__free(app);
	btf__free(kernel);
	return 0;
}

static int wait_events(struct bpf_map *rb_map, struct bpf_map *dropped)
{
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(rb_map), on_event, NULL, NULL);
	struct sigaction sa = { .sa_handler = on_signal };
	__u64 lost = 0;
	__u32 zero = 0;

	if (!rb)
		return die("ring_buffer__new", errno);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fputs("Tracing add_test()... Ctrl-C to end.\n", stderr);
	if (getenv("BENCH_ONESHOT"))
		stop = 1;
	while (!stop) {
		int n = ring_buffer__poll(rb, 100);

		if (n < 0 && n != -EINTR)
			return die("ring_buffer__poll", n);
	}
	ring_buffer__consume(rb);
	bpf_map__lookup_elem(dropped, &zero, sizeof(zero), &lost, sizeof(lost), 0);
	printf("{\"summary\":{\"events\":%llu,\"lost\":%llu}}\n", events, (unsigned long long)lost);
	ring_buffer__free(rb);
	return 0;
}

static int run_structs(const char *btf_path, const char *binary)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = btf_path);
	LIBBPF_OPTS(bpf_uprobe_opts, uprobe_opts, .func_name = "add_test");
	struct structs_bpf *skel = structs_bpf__open_opts(&open_opts);
	struct bpf_link *link;
	int err;

	if (!skel)
		return die("opening the structs object", errno);
	/* coreprobe creates only the transport it uses (the ring buffer): so does the reference */
	bpf_map__set_autocreate(skel->maps.events_pb, false);
	if ((err = structs_bpf__load(skel)))
		return die("loading the structs object", err);
	link = bpf_program__attach_uprobe_opts(skel->progs.add_test, -1, binary, 0, &uprobe_opts);
	if (!link)
		return die("attaching the uprobe", errno);
	err = wait_events(skel->maps.events_rb, skel->maps.events_dropped);
	bpf_link__destroy(link);
	structs_bpf__destroy(skel);
	return err;
}

static int run_floor(const char *binary)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uprobe_opts, .func_name = "add_test");
	struct floor_bpf *skel = floor_bpf__open_and_load();
	struct bpf_link *link;
	int err;

	if (!skel)
		return die("loading the floor object", errno);
	link = bpf_program__attach_uprobe_opts(skel->progs.floor_add_test, -1, binary, 0, &uprobe_opts);
	if (!link)
		return die("attaching the uprobe", errno);
	err = wait_events(skel->maps.floor_rb, skel->maps.floor_dropped);
	bpf_link__destroy(link);
	floor_bpf__destroy(skel);
	return err;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "seed"))
		return seed_merge(argv[2], argv[3], argv[4]) || run_structs(argv[4], argv[5]);
	if (argc == 4 && !strcmp(argv[1], "min"))
		return run_structs(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "floor"))
		return run_floor(argv[2]);
	fprintf(stderr, "usage: loader seed VMLINUX APP_BTF OUT_BTF BINARY | min BTF BINARY | floor BINARY\n");
	return 2;
}
