// SPDX-License-Identifier: BSD-2-Clause
/*
 * How soon after its exec a new process is covered by `coreprobe sslsniff` (bench/procwatch.sh).
 *
 *   covered -n N [-t TIMEOUT_MS] LIBSSL...
 *
 * For each start i (LIBSSL[i % count]): the parent takes CLOCK_MONOTONIC and execs a child,
 * which dlopen()s that libssl (as python's ssl module does; a loader mapping it at start-up is
 * the same mmap to the watcher) and then watches the first byte of its own SSL_write until the
 * kernel has put the uprobe's breakpoint there (x86: int3, 0xcc): the process's own memory is the
 * truth of "covered", not coreprobe's word. It reports the time from before its exec to that
 * moment, or -1 after TIMEOUT_MS (default 3000). One line per start: "start MS" (MS: -1 = never
 * covered). The first byte is read every 100 us, so that is the resolution.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int child(const char *lib, long long t0, long timeout_ms)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	volatile const unsigned char *f;
	struct timespec tick = { 0, 100000 };

	if (!h || !(f = dlsym(h, "SSL_write"))) {
		fprintf(stderr, "covered: %s: %s\n", lib, dlerror());
		return 2;
	}
	while (*f != 0xcc) {
		if (now_ns() - t0 > timeout_ms * 1000000LL) {
			printf("start -1\n");
			return 0;
		}
		nanosleep(&tick, NULL);
	}
	printf("start %.3f\n", (now_ns() - t0) / 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	long n = 1, timeout_ms = 3000;
	char self[4096];
	int c;

	if (argc == 5 && !strcmp(argv[1], "--child"))
		return child(argv[2], atoll(argv[3]), atol(argv[4]));
	while ((c = getopt(argc, argv, "n:t:")) != -1) {
		if (c == 'n')
			n = atol(optarg);
		else if (c == 't')
			timeout_ms = atol(optarg);
		else
			return 2;
	}
	if (optind >= argc || readlink("/proc/self/exe", self, sizeof(self) - 1) < 0)
		return fprintf(stderr, "usage: covered -n N [-t TIMEOUT_MS] LIBSSL...\n"), 2;
	self[sizeof(self) - 1] = 0;
	self[readlink("/proc/self/exe", self, sizeof(self) - 1)] = 0;
	for (long i = 0; i < n; i++) {
		const char *lib = argv[optind + i % (argc - optind)];
		char t0s[32], tos[32];
		int st;
		pid_t p;

		fflush(stdout);
		snprintf(tos, sizeof(tos), "%ld", timeout_ms);
		snprintf(t0s, sizeof(t0s), "%lld", now_ns());
		if ((p = fork()) == 0) {
			execl(self, self, "--child", lib, t0s, tos, (char *)NULL);
			_exit(127);
		}
		if (p < 0 || waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			return fprintf(stderr, "covered: start %ld failed\n", i), 1;
	}
	return 0;
}
