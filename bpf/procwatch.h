/* SPDX-License-Identifier: BSD-2-Clause */
/* The process watcher (src/runtime/procwatch.c): events shared by its BPF side and userspace.
 * Not a tool of its own: tools that trace libraries (sslsniff) load it to learn, while they run,
 * that a process has just mapped a library whose file name they care about. */
#ifndef COREPROBE_PROCWATCH_H
#define COREPROBE_PROCWATCH_H

#define PW_MAX_PREFIX 4		/* file-name prefixes watched ("libssl.so", "libcrypto.so", ...) */
#define PW_PREFIX_LEN 16
#define PW_NAME_LEN 32		/* bytes of the mapped file's name read and reported */

/* The mapped file as the kernel knows it: its superblock's device (kernel encoding,
 * MAJOR << 20 | MINOR) and inode number. Userspace hands back the keys it is done with, so the
 * kernel side stops reporting mappings of that file (one event per new file, not per process). */
struct pw_file_key {
	__u32 dev;
	__u32 pad;
	__u64 ino;
};

/* A new executable, file-backed mapping of a watched file, reported after mmap(2) returned: the
 * mapping exists in /proc/PID/maps when userspace reads it. */
struct pw_event {
	__u32 pid;		/* tgid, in the initial pid namespace (the /proc coreprobe reads) */
	__u32 tid;
	__u64 ts_ns;		/* bpf_ktime_get_ns at the mmap's return */
	__u64 exec_ns;		/* ... at the process's last exec, 0 if before the watcher started */
	__u64 addr;		/* where it was mapped */
	struct pw_file_key file;
	__u8 prefix;		/* which watched prefix the name matched */
	char name[PW_NAME_LEN];
};

#endif
