// SPDX-License-Identifier: BSD-2-Clause
/*
 * `coreprobe sslsniff`: plaintext of SSL_read/SSL_write(_ex) and the TLS secrets of each
 * connection, from OpenSSL 1.1.1, 3.0-3.1 and 3.2+ with this one object.
 *
 * The structs below are this program's view of OpenSSL's private types: only the fields it
 * reads, by name. Their offsets come at load time from the BTF of the exact libssl/libcrypto
 * build being traced (picked by build-id). The three layout families differ in shape, not
 * only in offsets, so each has a flavor ("___v111", "___v30"), and which one the traced build
 * has is asked through CO-RE (type/field existence), never by version number: a family's code
 * is dead, and dropped by the verifier, unless the traced build's BTF has that shape. Without
 * a blob for the build, no OpenSSL type exists: plaintext only, no keys, and the fd only from
 * the syscalls (below).
 *
 * The fd: an OpenSSL BIO's num is the descriptor only for the BIO methods that keep one there
 * (socket, fd, connect, datagram), told by the method's type, read through CO-RE. Every other
 * case (curl's own BIO method, memory BIOs, GnuTLS, whose transport pointer is whatever the
 * application stored) takes it from the socket syscalls the thread makes while inside the
 * traced call: exactly one socket seen is the fd; none or several, unknown. Never a guess.
 *
 * GnuTLS: gnutls_record_send/send2/recv/recv_seq and the TLS 1.3 early data calls' plaintext
 * (no GnuTLS type is read for it); the keys through CO-RE (below).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "sslsniff.h"
#define CP_EVENT_MAX sizeof(struct ssl_data_event)
#define CP_RINGBUF_SIZE (4 * 1024 * 1024)
#include "events.bpf.h"

/* libcrypto */
struct bio_method_st {
	int type;			/* BIO_TYPE_*: what the BIO is */
} __attribute__((preserve_access_index));

struct bio_st {
	const struct bio_method_st *method;
	int num;			/* the descriptor, for the descriptor BIOs below */
	struct bio_st *next_bio;	/* a filter BIO's next one in the chain */
} __attribute__((preserve_access_index));

/* libssl */
struct ssl_cipher_st {
	__u32 id;
} __attribute__((preserve_access_index));

struct ssl_session_st {
	__u64 master_key_length;
	unsigned char master_key[SSL_MASTER_KEY_LEN];
	const struct ssl_cipher_st *cipher;
} __attribute__((preserve_access_index));

struct ssl3_state_st {
	unsigned char client_random[SSL_RANDOM_LEN];
} __attribute__((preserve_access_index));

#define TLS13_SECRETS							\
	unsigned char handshake_secret[SSL_SECRET_MAX];			\
	unsigned char handshake_traffic_hash[SSL_SECRET_MAX];		\
	unsigned char client_app_traffic_secret[SSL_SECRET_MAX];	\
	unsigned char server_app_traffic_secret[SSL_SECRET_MAX];	\
	unsigned char exporter_master_secret[SSL_SECRET_MAX]

/* What the three families name alike; S3 is how each holds the SSL3 state. */
#define SSL_CONN_FIELDS(S3)							\
	int version;								\
	struct bio_st *rbio;							\
	struct bio_st *wbio;							\
	S3;									\
	struct ssl_session_st *session;						\
	TLS13_SECRETS

/* 1.1.1: the SSL3 state hangs off a pointer */
struct ssl_st___v111 {
	SSL_CONN_FIELDS(struct ssl3_state_st *s3);
} __attribute__((preserve_access_index));

/* 3.0, 3.1: the SSL3 state is embedded (an anonymous struct in OpenSSL) */
struct ssl_st___v30 {
	SSL_CONN_FIELDS(struct ssl3_state_st s3);
} __attribute__((preserve_access_index));

/* 3.2+: SSL is a small header; a TLS connection (type 0) is a ssl_connection_st that starts
 * with it. QUIC objects share the header but keep their TLS state elsewhere. */
struct ssl_st___hdr {
	int type;
} __attribute__((preserve_access_index));

struct ssl_connection_st {
	struct ssl_st___hdr ssl;
	SSL_CONN_FIELDS(struct ssl3_state_st s3);
} __attribute__((preserve_access_index));

#define SSL_TYPE_SSL_CONNECTION 0

const volatile __u32 max_bytes = 4096;	/* --max-bytes, < SSL_DATA_MAX */
const volatile __u16 instance_id = 0;
const volatile __u32 gtls_build = 0;	/* a GnuTLS key object's build index (gtls_hs_build) */
const volatile bool fd_syscalls = true;	/* off: --no-fd-syscalls (the fd only from BIOs) */

/* Arguments saved at entry, used at return (per thread; the four calls do not nest). */
struct call {
	__u64 ssl;
	__u64 buf;
	__u64 outlen;		/* _ex: where OpenSSL stores the byte count */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);	/* pid_tgid << 2 | call kind */
	__type(value, struct call);
} calls SEC(".maps");

/* The first bytes of the client random whose keys were last sent for an SSL object: each
 * connection's keys go out once (a reused SSL object gets a new random, hence new keys). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} keys_sent SEC(".maps");

enum call_kind { CALL_READ, CALL_WRITE, CALL_READ_EX, CALL_WRITE_EX };

static __always_inline int layout(void)
{
	if (bpf_core_type_exists(struct ssl_connection_st))
		return SSL_LAYOUT_32;
	if (bpf_core_field_exists(struct ssl_st___v111, s3))
		return SSL_LAYOUT_111;
	if (bpf_core_field_exists(struct ssl_st___v30, s3))
		return SSL_LAYOUT_30;
	return SSL_LAYOUT_NONE;
}

static __always_inline void fill_hdr(struct ssl_event_hdr *h, __u8 type)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->type = type;
	h->layout = layout();
	h->instance = instance_id;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* OpenSSL's BIO types (include/openssl/bio.h, the same in 1.1.1, 3.0 and 3.2+) whose BIO keeps
 * the OS descriptor it does I/O on in num. BIO_TYPE_DESCRIPTOR (0x0100) alone is not enough:
 * an accept BIO has it too, and its num is the listening socket (an accepted connection is a
 * socket BIO pushed after it, which the chain walk reaches). */
#define BIO_TYPE_SOURCE_SINK 0x0400
#define BIO_TYPE_DESCRIPTOR 0x0100
#define BIO_TYPE_FD (4 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR)
#define BIO_TYPE_SOCKET (5 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR)
#define BIO_TYPE_CONNECT (12 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR)
#define BIO_TYPE_DGRAM (21 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR)
#define BIO_TYPE_DGRAM_SCTP (24 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR)

static __always_inline bool bio_type_keeps_fd(int type)
{
	return type == BIO_TYPE_SOCKET || type == BIO_TYPE_FD || type == BIO_TYPE_CONNECT ||
	       type == BIO_TYPE_DGRAM || type == BIO_TYPE_DGRAM_SCTP;
}

/* The fd under a BIO chain: the last BIO's num (filter BIOs such as a buffering BIO sit on
 * top of the source/sink BIO), if that BIO's method is one that keeps a descriptor there.
 * Needs libcrypto's bio_st layout. */
static __always_inline int bio_fd(struct bio_st *bio, __u8 *ok)
{
	int type, fd;

	if (!bpf_core_type_exists(struct bio_st) || !bpf_core_field_exists(struct bio_st, method) || !bio)
		return -1;
#pragma unroll
	for (int i = 0; i < 4; i++) {
		struct bio_st *next = BPF_CORE_READ_USER(bio, next_bio);

		if (!next)
			break;
		bio = next;
	}
	type = BPF_CORE_READ_USER(bio, method, type);
	fd = BPF_CORE_READ_USER(bio, num);
	if (!bio_type_keeps_fd(type) || fd < 0)
		return -1;
	*ok = 1;
	return fd;
}

static __always_inline int ssl_fd(void *ssl, __u8 dir, __u8 *ok)
{
	struct bio_st *bio = NULL;

	*ok = 0;
	switch (layout()) {
	case SSL_LAYOUT_111: {
		struct ssl_st___v111 *s = ssl;

		bio = dir == SSL_DIR_READ ? BPF_CORE_READ_USER(s, rbio) : BPF_CORE_READ_USER(s, wbio);
		break;
	}
	case SSL_LAYOUT_30: {
		struct ssl_st___v30 *s = ssl;

		bio = dir == SSL_DIR_READ ? BPF_CORE_READ_USER(s, rbio) : BPF_CORE_READ_USER(s, wbio);
		break;
	}
	case SSL_LAYOUT_32: {
		struct ssl_connection_st *s = ssl;

		if (BPF_CORE_READ_USER(s, ssl.type) != SSL_TYPE_SSL_CONNECTION)
			return -1;
		bio = dir == SSL_DIR_READ ? BPF_CORE_READ_USER(s, rbio) : BPF_CORE_READ_USER(s, wbio);
		break;
	}
	default:
		return -1;
	}
	return bio_fd(bio, ok);
}

#define READ_SECRETS(k, s) do {									\
	bpf_probe_read_user(k->handshake_secret, SSL_SECRET_MAX, &s->handshake_secret);		\
	bpf_probe_read_user(k->handshake_traffic_hash, SSL_SECRET_MAX, &s->handshake_traffic_hash); \
	bpf_probe_read_user(k->client_app_traffic_secret, SSL_SECRET_MAX, &s->client_app_traffic_secret); \
	bpf_probe_read_user(k->server_app_traffic_secret, SSL_SECRET_MAX, &s->server_app_traffic_secret); \
	bpf_probe_read_user(k->exporter_master_secret, SSL_SECRET_MAX, &s->exporter_master_secret); \
} while (0)

/* Reads what the key log needs; false if the layout is unknown or not a TLS connection. */
static __always_inline bool read_keys(struct ssl_keys_event *k, void *ssl)
{
	struct ssl_session_st *sess = NULL;

	switch (layout()) {
	case SSL_LAYOUT_111: {
		struct ssl_st___v111 *s = ssl;
		struct ssl3_state_st *s3 = BPF_CORE_READ_USER(s, s3);

		k->version = BPF_CORE_READ_USER(s, version);
		bpf_probe_read_user(k->client_random, SSL_RANDOM_LEN, &s3->client_random);
		sess = BPF_CORE_READ_USER(s, session);
		READ_SECRETS(k, s);
		break;
	}
	case SSL_LAYOUT_30: {
		struct ssl_st___v30 *s = ssl;

		k->version = BPF_CORE_READ_USER(s, version);
		bpf_probe_read_user(k->client_random, SSL_RANDOM_LEN, &s->s3.client_random);
		sess = BPF_CORE_READ_USER(s, session);
		READ_SECRETS(k, s);
		break;
	}
	case SSL_LAYOUT_32: {
		struct ssl_connection_st *s = ssl;

		if (BPF_CORE_READ_USER(s, ssl.type) != SSL_TYPE_SSL_CONNECTION)
			return false;
		k->version = BPF_CORE_READ_USER(s, version);
		bpf_probe_read_user(k->client_random, SSL_RANDOM_LEN, &s->s3.client_random);
		sess = BPF_CORE_READ_USER(s, session);
		READ_SECRETS(k, s);
		break;
	}
	default:
		return false;
	}
	if (!sess)
		return false;
	k->master_key_len = BPF_CORE_READ_USER(sess, master_key_length);
	bpf_probe_read_user(k->master_key, SSL_MASTER_KEY_LEN, &sess->master_key);
	k->cipher_id = BPF_CORE_READ_USER(sess, cipher, id);
	return true;
}

/* Sends the connection's keys unless this client random's were already sent. */
static __always_inline void emit_keys(void *ctx, __u64 ssl)
{
	struct ssl_keys_event *k = cp_event_scratch();
	__u64 first, *sent;

	if (!k || !ssl)
		return;
	__builtin_memset(k, 0, sizeof(*k));
	fill_hdr(&k->h, SSL_EV_KEYS);
	k->ssl = ssl;
	if (!read_keys(k, (void *)ssl))
		return;
	__builtin_memcpy(&first, k->client_random, sizeof(first));
	if (!first)
		return;		/* no handshake yet */
	sent = bpf_map_lookup_elem(&keys_sent, &ssl);
	if (sent && *sent == first)
		return;
	bpf_map_update_elem(&keys_sent, &ssl, &first, BPF_ANY);
	cp_event_output(ctx, k, sizeof(*k));
}

/* ---- the fd from the syscalls made inside a traced call ---- */

/* One thread inside a traced call (nested calls share it: TLS over TLS goes out on one socket
 * anyway). start_ns tells a stale entry (its thread died inside the call, the tid was reused
 * later) from a live one: a live entry is younger than its thread. Only I/O in the call's own
 * direction counts (receives for a read, sends for a write): a write inside a read (a TLS 1.3
 * KeyUpdate answer, an alert) goes to the same socket anyway, and a log line sent by a
 * callback inside a read is not taken for the connection. */
struct inflight {
	__u64 start_ns;
	__s32 fd;		/* the socket seen, when state is IO_ONE */
	__u16 depth;
	__u8 state;		/* enum io_state */
	__u8 dir;		/* enum ssl_dir of the outermost call */
	__s32 pend_fd;		/* the last receive: its fd and where its data landed (0: none), */
	__u64 pend_buf;		/* checked at the thread's next I/O syscall or the call's return */
};

enum io_state { IO_NONE = 0, IO_ONE = 1, IO_MANY = 2 };

/* Shared by every loaded instance (userspace reuses the first one's): the syscall tracepoint
 * is attached once. A plain hash (cheaper than LRU on this hot path): when it is full, a call
 * gets no entry and its fd is unknown, never wrong. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);	/* pid_tgid */
	__type(value, struct inflight);
} inflight SEC(".maps");

static __always_inline __u64 thread_start_ns(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(t, start_time);
}

static __always_inline void io_begin(__u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *f, n = {};

	if (!fd_syscalls)
		return;
	n.start_ns = bpf_ktime_get_ns();
	n.fd = -1;
	n.depth = 1;
	n.dir = dir;
	/* the common case, not nested: one map operation */
	if (!bpf_map_update_elem(&inflight, &id, &n, BPF_NOEXIST))
		return;
	f = bpf_map_lookup_elem(&inflight, &id);
	if (f && f->start_ns >= thread_start_ns()) {
		f->depth++;
		return;
	}
	bpf_map_update_elem(&inflight, &id, &n, BPF_ANY);	/* a stale entry: replaced */
}

#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* Is fd a stream socket of the current process? Through the kernel's own fd table (CO-RE
 * against the running kernel's BTF), so a read/write on a pipe or file does not count, nor a
 * datagram socket (syslog's /dev/log, DNS): TLS runs over streams (OpenSSL's DTLS BIOs give
 * their fd by rule 1; a GnuTLS DTLS fd stays unknown). */
static __always_inline bool fd_is_stream_socket(long fd)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds, *file = NULL;
	struct socket *sock;
	unsigned int max;

	if (!fdt || fd < 0)
		return false;
	max = BPF_CORE_READ(fdt, max_fds);
	if (fd >= max)
		return false;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return false;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return false;
	/* a socket inode's file has the struct socket as its private data */
	sock = BPF_CORE_READ(file, private_data);
	return BPF_CORE_READ(sock, type) == SOCK_STREAM;
}

/* Do the bytes at a user address start a TLS record (content type 20..24, version 3.x)? What a
 * TLS library sends, or receives, on its connection; not a log line or another protocol. */
static __always_inline bool tls_record_at(__u64 p)
{
	__u8 h[3];

	if (!p || bpf_probe_read_user(h, sizeof(h), (void *)p))
		return false;
	return h[0] >= 20 && h[0] <= 24 && h[1] == 3 && h[2] <= 4;
}

/* A socket I/O of the thread counts: fd is now the call's, or one more. */
static __always_inline void count_fd(struct inflight *f, long fd)
{
	if (f->state == IO_ONE && f->fd == fd)
		return;
	if (!fd_is_stream_socket(fd))
		return;
	if (f->state == IO_NONE) {
		f->fd = fd;
		f->state = IO_ONE;
	} else {
		f->state = IO_MANY;
	}
}

enum io_shape { IO_BUF, IO_IOV, IO_MSG };	/* where the syscall's second argument points */

/* The user address of a syscall's first data byte: the buffer, iov[0].iov_base, or
 * msg->msg_iov[0].iov_base (an mmsghdr starts with its msghdr). */
static __always_inline __u64 io_data(__u64 arg, enum io_shape shape)
{
	struct iovec *iov = (struct iovec *)arg;
	void *base = NULL;

	if (shape == IO_BUF)
		return arg;
	if (shape == IO_MSG)
		iov = BPF_CORE_READ_USER((struct user_msghdr *)arg, msg_iov);
	if (!iov)
		return 0;
	bpf_probe_read_user(&base, sizeof(base), &iov->iov_base);
	return (__u64)base;
}

/* A send counts at entry (its data is there). A receive's data is there once it returned:
 * it is checked at the thread's next I/O syscall, or when the traced call returns, whichever
 * comes first; no sys_exit program, which would run on every syscall of the host. (A receive
 * that failed leaves what its buffer held before, in a library's buffer an earlier record of
 * the same connection: still that connection's socket.) */
static __always_inline void check_pending(struct inflight *f)
{
	if (!f->pend_buf)
		return;
	if (tls_record_at(f->pend_buf))
		count_fd(f, f->pend_fd);
	f->pend_buf = 0;
}

/* Only the call's own direction counts (see struct inflight). */
static __always_inline int saw_io(struct pt_regs *regs, __u8 dir, enum io_shape shape)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *f = bpf_map_lookup_elem(&inflight, &id);
	long fd;

	if (!f)		/* the common case: no traced call on this thread */
		return 0;
	check_pending(f);
	if (f->state == IO_MANY || f->dir != dir)
		return 0;
	fd = PT_REGS_PARM1_CORE(regs);
	if (f->state == IO_ONE && f->fd == fd)
		return 0;
	if (dir == SSL_DIR_WRITE) {
		if (tls_record_at(io_data(PT_REGS_PARM2_CORE(regs), shape)))
			count_fd(f, fd);
	} else {
		f->pend_fd = fd;
		f->pend_buf = io_data(PT_REGS_PARM2_CORE(regs), shape);
	}
	return 0;
}

/* The syscalls that move a socket's data; each takes the fd as its first argument. Numbers of
 * the 64-bit ABI: only 64-bit libraries are traced, so only 64-bit code makes the calls. */
#if defined(__TARGET_ARCH_x86)
#define NR_RECV_BUF(X) X(0) X(45)	/* read recvfrom */
#define NR_RECV_IOV(X) X(19)		/* readv */
#define NR_RECV_MSG(X) X(47) X(299)	/* recvmsg recvmmsg */
#define NR_SEND_BUF(X) X(1) X(44)	/* write sendto */
#define NR_SEND_IOV(X) X(20)		/* writev */
#define NR_SEND_MSG(X) X(46) X(307)	/* sendmsg sendmmsg */
#elif defined(__TARGET_ARCH_arm64)
#define NR_RECV_BUF(X) X(63) X(207)
#define NR_RECV_IOV(X) X(65)
#define NR_RECV_MSG(X) X(212) X(243)
#define NR_SEND_BUF(X) X(64) X(206)
#define NR_SEND_IOV(X) X(66)
#define NR_SEND_MSG(X) X(211) X(269)
#else
#error "the socket syscall numbers of this architecture"
#endif
#define NR_CASE(n) case n:

/* Threads inside gnutls_handshake of a GnuTLS build with keys: that build's key object index
 * (its gtls_handshake_enter writes it; shared by every object). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);	/* pid_tgid */
	__type(value, __u32);
} gtls_hs_build SEC(".maps");

/* Each key object's gtls_psk_sys_enter, by build index (< MAX_INSTANCES of tools/sslsniff.c):
 * a send syscall of a thread inside that build's gnutls_handshake is handed to it by a tail
 * call, so no key object runs a program of its own on every syscall of the host. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} gtls_psk_progs SEC(".maps");

/* A send syscall's data shape (its second argument), -1 for any other syscall. */
static __always_inline int send_shape(long nr)
{
	switch (nr) {
	NR_SEND_BUF(NR_CASE) return IO_BUF;
	NR_SEND_IOV(NR_CASE) return IO_IOV;
	NR_SEND_MSG(NR_CASE) return IO_MSG;
	default: return -1;
	}
}

static __always_inline int send_syscall(void *ctx, struct pt_regs *regs, enum io_shape shape)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 *build;

	saw_io(regs, SSL_DIR_WRITE, shape);
	build = bpf_map_lookup_elem(&gtls_hs_build, &id);
	if (build)	/* does not return when the build's program is there */
		bpf_tail_call(ctx, &gtls_psk_progs, *build);
	return 0;
}

/* raw_tp, not the syscalls/ tracepoints: those need tracefs mounted to be attached, and a
 * raw tracepoint does not (one program for every syscall; the switch is its cheap exit). */
SEC("raw_tp/sys_enter")
int io_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];

	int shape = send_shape(ctx->args[1]);

	if (shape >= 0)
		return send_syscall(ctx, regs, shape);
	switch (ctx->args[1]) {
	NR_RECV_BUF(NR_CASE) return saw_io(regs, SSL_DIR_READ, IO_BUF);
	NR_RECV_IOV(NR_CASE) return saw_io(regs, SSL_DIR_READ, IO_IOV);
	NR_RECV_MSG(NR_CASE) return saw_io(regs, SSL_DIR_READ, IO_MSG);
	default: return 0;
	}
}

/* Ends one traced call; returns what the thread's socket I/O during it proves (the outermost
 * call's view, nested calls included). */
static __always_inline struct inflight io_end(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *f, r = { .fd = -1 };

	if (!fd_syscalls)
		return r;
	f = bpf_map_lookup_elem(&inflight, &id);
	if (!f)
		return r;
	check_pending(f);
	r = *f;
	if (f->depth > 1)
		f->depth--;
	else
		bpf_map_delete_elem(&inflight, &id);
	return r;
}

/* The event's fd: the BIO's when it proves one and the call's I/O does not contradict it,
 * else the one socket the call used, else unknown (with why). */
static __always_inline void set_fd(struct ssl_data_event *e, int bio, bool bio_ok, struct inflight io)
{
	e->fd = -1;
	e->fd_source = SSL_FD_NONE;
	e->fd_why = 0;
	if (bio_ok && (io.state == IO_NONE || (io.state == IO_ONE && io.fd == bio))) {
		e->fd = bio;
		e->fd_source = SSL_FD_BIO;
	} else if (bio_ok) {
		e->fd_why = SSL_FD_WHY_CONFLICT;
	} else if (io.state == IO_ONE) {
		e->fd = io.fd;
		e->fd_source = SSL_FD_SYSCALL;
	} else {
		e->fd_why = io.state == IO_MANY ? SSL_FD_WHY_MANY : SSL_FD_WHY_NO_IO;
	}
}

static __always_inline __u64 call_key(enum call_kind kind)
{
	return bpf_get_current_pid_tgid() << 2 | kind;
}

/* The data event's length and bytes: the call moved n bytes at buf (user memory); up to
 * max_bytes of them are copied, and only the used part of the event is sent. */
static __always_inline void send_data(void *ctx, struct ssl_data_event *e, __u64 n, __u64 buf)
{
	__u32 cap = n < max_bytes ? n : max_bytes;

	cap &= SSL_DATA_MAX - 1;
	e->len = n;
	e->captured = cap;
	if (bpf_probe_read_user(e->data, cap, (void *)buf))
		e->captured = 0;
	cp_event_output(ctx, e, offsetof(struct ssl_data_event, data) + (cap & (SSL_DATA_MAX - 1)));
}

static __always_inline int enter(enum call_kind kind, void *ssl, const void *buf, void *outlen)
{
	struct call c = { .ssl = (__u64)ssl, .buf = (__u64)buf, .outlen = (__u64)outlen };
	__u64 key = call_key(kind);

	bpf_map_update_elem(&calls, &key, &c, BPF_ANY);
	io_begin(kind == CALL_WRITE || kind == CALL_WRITE_EX ? SSL_DIR_WRITE : SSL_DIR_READ);
	return 0;
}

static __always_inline int leave(void *ctx, enum call_kind kind, long ret)
{
	__u64 key = call_key(kind), n = 0;
	struct ssl_data_event *e;
	struct call *c = bpf_map_lookup_elem(&calls, &key);
	struct call saved;
	struct inflight io;
	__u8 bio_ok;
	int bio;

	io = io_end();	/* balanced with enter's io_begin even when the call map lost the entry */
	if (!c)
		return 0;
	saved = *c;
	bpf_map_delete_elem(&calls, &key);
	if (kind == CALL_READ_EX || kind == CALL_WRITE_EX) {
		if (ret != 1 || !saved.outlen)
			return 0;
		bpf_probe_read_user(&n, sizeof(n), (void *)saved.outlen);
	} else {
		if (ret <= 0)
			return 0;
		n = ret;
	}
	emit_keys(ctx, saved.ssl);	/* data flows: the handshake is done */
	e = cp_event_scratch();
	if (!e)
		return 0;
	fill_hdr(&e->h, SSL_EV_DATA);
	e->dir = kind == CALL_WRITE || kind == CALL_WRITE_EX ? SSL_DIR_WRITE : SSL_DIR_READ;
	e->func = kind >= CALL_READ_EX ? SSL_FN_SSL_EX : SSL_FN_SSL;
	bio = ssl_fd((void *)saved.ssl, e->dir, &bio_ok);
	set_fd(e, bio, bio_ok, io);
	send_data(ctx, e, n, saved.buf);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf, int num)
{
	return enter(CALL_READ, ssl, buf, NULL);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_leave, int ret)
{
	return leave(ctx, CALL_READ, ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_enter, void *ssl, const void *buf, int num)
{
	return enter(CALL_WRITE, ssl, buf, NULL);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_leave, int ret)
{
	return leave(ctx, CALL_WRITE, ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter, void *ssl, void *buf, __u64 num, __u64 *readbytes)
{
	return enter(CALL_READ_EX, ssl, buf, readbytes);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ex_leave, int ret)
{
	return leave(ctx, CALL_READ_EX, ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter, void *ssl, const void *buf, __u64 num, __u64 *written)
{
	return enter(CALL_WRITE_EX, ssl, buf, written);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ex_leave, int ret)
{
	return leave(ctx, CALL_WRITE_EX, ret);
}

/* ---- GnuTLS: plaintext only (no GnuTLS type is read; the fd comes from the syscalls) ---- */

/* The outermost GnuTLS record call of a thread: gnutls_record_send calls gnutls_record_send2,
 * gnutls_record_send_file calls one of them; only the outermost is reported (same buffer,
 * same count), so a call is never counted twice. */
struct gtls_call {
	__u64 buf;
	__u64 start_ns;
	__u16 depth;
	__u8 dir;
	__u8 func;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);	/* pid_tgid */
	__type(value, struct gtls_call);
} gtls_calls SEC(".maps");

/* Threads inside gnutls_handshake: the session, and when it entered (to tell a stale entry of
 * a thread that died inside it, as in gtls_calls). */
struct gtls_hs {
	__u64 session;
	__u64 start_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);	/* pid_tgid */
	__type(value, struct gtls_hs);
} gtls_in_handshake SEC(".maps");

/* Sessions with early data queued (gnutls_record_send_early_data), until their handshake
 * returns. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);	/* pid_tgid >> 32 << 48 ^ session: one session of one process */
	__type(value, __u8);
} gtls_early_queued SEC(".maps");

static __always_inline __u64 session_key(__u64 session)
{
	return (bpf_get_current_pid_tgid() >> 32) << 48 ^ session;
}

/* Is this write the flush of the session's queued early data? The one record send inside
 * gnutls_handshake (3.7.1, 3.7.9, 3.8.9: lib/tls13/early_data.c) sends the client's TLS 1.3
 * early data with the ClientHello flight. */
static __always_inline bool early_flush(__u64 id, __u64 session)
{
	struct gtls_hs *h = bpf_map_lookup_elem(&gtls_in_handshake, &id);
	__u64 k = session_key(session);

	return h && h->start_ns >= thread_start_ns() && h->session == session &&
	       bpf_map_lookup_elem(&gtls_early_queued, &k);
}

static __always_inline int gtls_enter(__u8 dir, __u8 func, const void *buf, __u64 session)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct gtls_call *c = bpf_map_lookup_elem(&gtls_calls, &id), n = {};

	io_begin(dir);
	if (c && c->start_ns >= thread_start_ns()) {
		c->depth++;
		return 0;
	}
	/* early data is reported here, once, as it goes out (with its socket), under the name of
	 * the call that queued it */
	if (dir == SSL_DIR_WRITE && early_flush(id, (__u64)session))
		func = SSL_FN_GNUTLS_EARLY;
	n.buf = (__u64)buf;
	n.start_ns = bpf_ktime_get_ns();
	n.depth = 1;
	n.dir = dir;
	n.func = func;
	bpf_map_update_elem(&gtls_calls, &id, &n, BPF_ANY);
	return 0;
}

static __always_inline int gtls_leave(void *ctx, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct gtls_call *c = bpf_map_lookup_elem(&gtls_calls, &id), saved;
	struct inflight io = io_end();
	struct ssl_data_event *e;

	if (!c)
		return 0;
	if (c->depth > 1) {
		c->depth--;
		return 0;
	}
	saved = *c;
	bpf_map_delete_elem(&gtls_calls, &id);
	if (ret <= 0)	/* 0: EOF, < 0: GNUTLS_E_* */
		return 0;
	e = cp_event_scratch();
	if (!e)
		return 0;
	fill_hdr(&e->h, SSL_EV_DATA);
	e->h.layout = SSL_LAYOUT_NONE;
	e->dir = saved.dir;
	e->func = saved.func;
	set_fd(e, -1, false, io);
	send_data(ctx, e, ret, saved.buf);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(gnutls_send_enter, void *session, const void *buf)
{
	return gtls_enter(SSL_DIR_WRITE, SSL_FN_GNUTLS, buf, (__u64)session);
}

SEC("uprobe")
int BPF_KPROBE(gnutls_send2_enter, void *session, const void *buf)
{
	return gtls_enter(SSL_DIR_WRITE, SSL_FN_GNUTLS_2, buf, (__u64)session);
}

SEC("uprobe")
int BPF_KPROBE(gnutls_recv_enter, void *session, void *buf)
{
	return gtls_enter(SSL_DIR_READ, SSL_FN_GNUTLS, buf, (__u64)session);
}

SEC("uprobe")
int BPF_KPROBE(gnutls_recv_seq_enter, void *session, void *buf)
{
	return gtls_enter(SSL_DIR_READ, SSL_FN_GNUTLS_2, buf, (__u64)session);
}

/* TLS 1.3 early data, the server's side: gnutls_record_recv_early_data copies out what its
 * handshake received, with no socket I/O of its own (so its fd is unknown), and calls no record
 * function. The client's side is the record send inside gnutls_handshake (gtls_enter);
 * gnutls_record_send_early_data only queues the bytes, and is reported there, once. */
SEC("uprobe")
int BPF_KPROBE(gnutls_send_early_mark, void *session)
{
	__u64 k = session_key((__u64)session);
	__u8 one = 1;

	bpf_map_update_elem(&gtls_early_queued, &k, &one, BPF_ANY);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(gnutls_recv_early_enter, void *session, void *buf)
{
	return gtls_enter(SSL_DIR_READ, SSL_FN_GNUTLS_EARLY, buf, (__u64)session);
}

SEC("uprobe")
int BPF_KPROBE(gtls_hs_mark_enter, void *session)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct gtls_hs h = { .session = (__u64)session, .start_ns = bpf_ktime_get_ns() };

	bpf_map_update_elem(&gtls_in_handshake, &id, &h, BPF_ANY);
	return 0;
}

/* GNUTLS_E_AGAIN (non-blocking): the handshake goes on in a later call, the early data with it */
#define GNUTLS_E_AGAIN (-28)
#define GNUTLS_E_INTERRUPTED (-52)

SEC("uretprobe")
int BPF_KRETPROBE(gtls_hs_mark_leave, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct gtls_hs *h = bpf_map_lookup_elem(&gtls_in_handshake, &id);
	__u64 k;

	if (!h)
		return 0;
	k = session_key(h->session);
	if (ret != GNUTLS_E_AGAIN && ret != GNUTLS_E_INTERRUPTED)
		bpf_map_delete_elem(&gtls_early_queued, &k);
	bpf_map_delete_elem(&gtls_in_handshake, &id);
	return 0;
}

/* all six return ssize_t: bytes moved, or a negative GNUTLS_E_* code */
SEC("uretprobe")
int BPF_KRETPROBE(gnutls_leave, long ret)
{
	return gtls_leave(ctx, ret);
}

/* A completed handshake: the keys exist before any data flows (and for connections that
 * never send any). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} handshakes SEC(".maps");

/* A handshake call's entry: the connection object (SSL *, gnutls_session_t) it runs on, per
 * thread, in map (handshakes, gtls_handshakes). */
static __always_inline int handshake_begin(void *map, void *conn)
{
	__u64 id = bpf_get_current_pid_tgid(), c = (__u64)conn;

	bpf_map_update_elem(map, &id, &c, BPF_ANY);
	return 0;
}

/* Its return: the object handshake_begin kept (taken out of map), 0 when it kept none (the
 * call began before we attached). Both key emitters ignore a 0 object. */
static __always_inline __u64 handshake_end(void *map)
{
	__u64 id = bpf_get_current_pid_tgid(), *c = bpf_map_lookup_elem(map, &id), conn;

	if (!c)
		return 0;
	conn = *c;
	bpf_map_delete_elem(map, &id);
	return conn;
}

/* The entry and return programs of a handshake call (SSL_do_handshake, gnutls_handshake):
 * when it returns done (complete), emit(ctx, conn) sends the connection's keys. */
#define HANDSHAKE_PROGS(enter, leave, begin, end, map, done, emit)	\
SEC("uprobe")								\
int BPF_KPROBE(enter, void *conn)					\
{									\
	return begin(&map, conn);					\
}									\
									\
SEC("uretprobe")							\
int BPF_KRETPROBE(leave, int ret)					\
{									\
	__u64 conn = end(&map);						\
									\
	if (ret == done)						\
		emit(ctx, conn);					\
	return 0;							\
}

/* SSL_do_handshake returns 1 when the handshake is complete */
HANDSHAKE_PROGS(ssl_handshake_enter, ssl_handshake_leave, handshake_begin, handshake_end, handshakes, 1, emit_keys)

/* ---- GnuTLS secrets: read through CO-RE from struct gnutls_session_int (lib/gnutls_int.h)
 * against the BTF of the library's build; these programs are loaded only in an object whose
 * merged BTF has that struct, and attached only to libraries of that build. ---- */

struct mac_entry_st {
	unsigned int output_size;	/* the PRF hash's length: the TLS 1.3 secrets' length */
} __attribute__((preserve_access_index));

/* an anonymous struct behind a typedef in GnuTLS: matched by the typedef's name */
typedef struct {
	__u8 major;
	__u8 minor;
	bool tls13_sem;
} __attribute__((preserve_access_index)) version_entry_st;

struct gtls_security_parameters {
	const struct mac_entry_st *prf;
	__u8 master_secret[GTLS_MASTER_LEN];
	__u8 client_random[SSL_RANDOM_LEN];
	const version_entry_st *pversion;
} __attribute__((preserve_access_index));

struct gtls_tls13_keys {
	__u8 e_ckey[GTLS_SECRET_MAX];
	__u8 hs_ckey[GTLS_SECRET_MAX];
	__u8 hs_skey[GTLS_SECRET_MAX];
	__u8 ap_ckey[GTLS_SECRET_MAX];
	__u8 ap_skey[GTLS_SECRET_MAX];
	__u8 ap_expkey[GTLS_SECRET_MAX];
} __attribute__((preserve_access_index));

/* A pre-shared key of the handshake: prf is set once a PSK is offered (client) or selected
 * (server), and the early secrets are derived with it right then, before any record goes out
 * (lib/ext/pre_shared_key.c: generate_early_secrets; lib/handshake.c for the ClientHello). */
struct binder_data_st {
	const struct mac_entry_st *prf;
} __attribute__((preserve_access_index));

struct gtls_key {
	union {
		struct gtls_tls13_keys tls13;
	} proto;
	struct binder_data_st binders[2];
} __attribute__((preserve_access_index));

/* the parameters of the session being resumed: their prf is the early data's hash (as in
 * GnuTLS's own gnutls_early_prf_hash_get) */
struct gtls_internals {
	struct gtls_security_parameters resumed_security_parameters;
} __attribute__((preserve_access_index));

struct gnutls_session_int {
	struct gtls_security_parameters security_parameters;
	struct gtls_internals internals;
	struct gtls_key key;
} __attribute__((preserve_access_index));

/* One connection: a session address in one process. */
struct gtls_conn {
	__u64 session;
	__u32 tgid;
	__u32 pad;
};

/* The first bytes of the client random whose keys were sent for a session (as keys_sent). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct gtls_conn);
	__type(value, __u64);
} gtls_keys_sent SEC(".maps");

/* gnutls_handshake in progress: the session, per thread. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} gtls_handshakes SEC(".maps");

/* Reads the session's secrets; false when its handshake has produced none yet. */
static __always_inline bool gtls_read_keys(struct gtls_keys_event *k, struct gnutls_session_int *s)
{
	const version_entry_st *v = BPF_CORE_READ_USER(s, security_parameters.pversion);
	const struct mac_entry_st *prf = BPF_CORE_READ_USER(s, security_parameters.prf);

	if (!v || !prf)
		return false;
	k->major = BPF_CORE_READ_USER(v, major);
	k->minor = BPF_CORE_READ_USER(v, minor);
	k->tls13 = BPF_CORE_READ_USER(v, tls13_sem);
	k->secret_len = BPF_CORE_READ_USER(prf, output_size);
	if (bpf_probe_read_user(k->client_random, SSL_RANDOM_LEN, &s->security_parameters.client_random))
		return false;
	if (!k->tls13)
		return !bpf_probe_read_user(k->master_secret, GTLS_MASTER_LEN, &s->security_parameters.master_secret);
	bpf_probe_read_user(k->e_ckey, GTLS_SECRET_MAX, &s->key.proto.tls13.e_ckey);
	bpf_probe_read_user(k->hs_ckey, GTLS_SECRET_MAX, &s->key.proto.tls13.hs_ckey);
	bpf_probe_read_user(k->hs_skey, GTLS_SECRET_MAX, &s->key.proto.tls13.hs_skey);
	bpf_probe_read_user(k->ap_ckey, GTLS_SECRET_MAX, &s->key.proto.tls13.ap_ckey);
	bpf_probe_read_user(k->ap_skey, GTLS_SECRET_MAX, &s->key.proto.tls13.ap_skey);
	bpf_probe_read_user(k->ap_expkey, GTLS_SECRET_MAX, &s->key.proto.tls13.ap_expkey);
	return true;
}

/* Sends a session's secrets once per client random (a session reused after gnutls_deinit...
 * gets a new random): after a completed handshake, or at the first record call of a
 * connection whose handshake happened before coreprobe started. */
static __always_inline void gtls_emit_keys(void *ctx, __u64 session)
{
	struct gnutls_session_int *s = (struct gnutls_session_int *)session;
	struct gtls_conn c = { .session = session, .tgid = bpf_get_current_pid_tgid() >> 32 };
	struct gtls_keys_event *k;
	__u64 first = 0, secret, *sent;

	if (!session || !bpf_core_type_exists(struct gnutls_session_int))
		return;
	/* the common case, a record call of a connection already sent: one read, one lookup */
	bpf_probe_read_user(&first, sizeof(first), &s->security_parameters.client_random);
	sent = bpf_map_lookup_elem(&gtls_keys_sent, &c);
	if (!first || (sent && *sent == first))
		return;
	k = cp_event_scratch();
	if (!k)
		return;
	__builtin_memset(k, 0, sizeof(*k));
	fill_hdr(&k->h, SSL_EV_GTLS_KEYS);
	k->h.layout = SSL_LAYOUT_NONE;
	k->session = session;
	if (!gtls_read_keys(k, s))
		return;
	__builtin_memcpy(&first, k->client_random, sizeof(first));
	if (k->tls13)
		__builtin_memcpy(&secret, k->ap_ckey, sizeof(secret));
	else
		__builtin_memcpy(&secret, k->master_secret, sizeof(secret));
	if (!first || !secret)
		return;		/* no completed handshake yet: try again later */
	bpf_map_update_elem(&gtls_keys_sent, &c, &first, BPF_ANY);
	cp_event_output(ctx, k, sizeof(*k));
}

/* A GnuTLS handshake also marks its thread with this key object's build (gtls_hs_build), for
 * io_sys_enter's tail call into gtls_psk_sys_enter. */
static __always_inline int gtls_hs_begin(void *map, void *session)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 b = gtls_build;

	bpf_map_update_elem(&gtls_hs_build, &id, &b, BPF_ANY);
	return handshake_begin(map, session);
}

static __always_inline __u64 gtls_hs_end(void *map)
{
	__u64 id = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&gtls_hs_build, &id);
	return handshake_end(map);
}

/* gnutls_handshake returns 0 when the handshake is complete (else GNUTLS_E_AGAIN etc.) */
HANDSHAKE_PROGS(gtls_handshake_enter, gtls_handshake_leave, gtls_hs_begin, gtls_hs_end, gtls_handshakes, 0, gtls_emit_keys)

/* A session's early secrets, read while ap_expkey holds the early exporter secret:
 * CLIENT_EARLY_TRAFFIC_SECRET and EARLY_EXPORTER_SECRET, their length prf's output size. With
 * ap_skey, which is still zero then (userspace writes no line otherwise: the handshake's
 * exporter secret has replaced the early one). Sent at every such point; userspace writes each
 * line once. */
static __always_inline void gtls_emit_early(void *ctx, struct gnutls_session_int *s, const struct mac_entry_st *prf)
{
	struct gtls_keys_event *k = cp_event_scratch();

	if (!k || !prf)
		return;
	__builtin_memset(k, 0, sizeof(*k));
	fill_hdr(&k->h, SSL_EV_GTLS_KEYS);
	k->h.layout = SSL_LAYOUT_NONE;
	k->session = (__u64)s;
	k->tls13 = 1;		/* early data and PSKs of this kind exist only in TLS 1.3 */
	k->early = 1;
	k->secret_len = BPF_CORE_READ_USER(prf, output_size);
	if (bpf_probe_read_user(k->client_random, SSL_RANDOM_LEN, &s->security_parameters.client_random) ||
	    bpf_probe_read_user(k->e_ckey, GTLS_SECRET_MAX, &s->key.proto.tls13.e_ckey) ||
	    bpf_probe_read_user(k->ap_expkey, GTLS_SECRET_MAX, &s->key.proto.tls13.ap_expkey) ||
	    bpf_probe_read_user(k->ap_skey, GTLS_SECRET_MAX, &s->key.proto.tls13.ap_skey))
		return;
	cp_event_output(ctx, k, sizeof(*k));
}

/* The client's early secrets, at the flush of its early data (a record send inside
 * gnutls_handshake, after the early secrets are derived and before the handshake's exporter
 * secret replaces the early one in ap_expkey), with the resumed session's PRF. */
static __always_inline void gtls_emit_client_early(void *ctx, __u64 session)
{
	struct gnutls_session_int *s = (struct gnutls_session_int *)session;

	if (!bpf_core_type_exists(struct gnutls_session_int) ||
	    !bpf_core_field_exists(s->internals.resumed_security_parameters))
		return;
	gtls_emit_early(ctx, s, BPF_CORE_READ_USER(s, internals.resumed_security_parameters.prf));
}

/* A TLS record written to a stream socket by a thread inside gnutls_handshake of this key
 * object's build (gtls_handshakes; gtls_in_handshake, the plaintext programs' map, tells a
 * stale entry): when the session has a PSK, its early secrets are derived and the exporter in
 * ap_expkey is still the early one. That holds for a server from its first flight (ServerHello
 * to Finished, after the ClientHello's PSK is selected) until it derives the application
 * secrets (ap_skey set, with no socket write in between: lib/handshake-tls13.c, STATE108),
 * and for a client from its ClientHello until its own Finished. A server's early exporter is
 * seen nowhere else: its handshake returns with ap_expkey overwritten, and it sends no early
 * data. The file writes of GnuTLS's own key log are not socket writes of TLS records. */
static __always_inline int gtls_psk_write(void *ctx, struct pt_regs *regs, enum io_shape shape)
{
	__u64 id = bpf_get_current_pid_tgid(), *session = bpf_map_lookup_elem(&gtls_handshakes, &id);
	struct gnutls_session_int *s;
	struct gtls_hs *h;
	__u64 ap_skey = 0;

	if (!session)		/* the common case: no handshake of this build on this thread */
		return 0;
	h = bpf_map_lookup_elem(&gtls_in_handshake, &id);
	if (!h || h->session != *session || h->start_ns < thread_start_ns())
		return 0;
	if (!tls_record_at(io_data(PT_REGS_PARM2_CORE(regs), shape)) || !fd_is_stream_socket(PT_REGS_PARM1_CORE(regs)))
		return 0;
	s = (struct gnutls_session_int *)*session;
	if (!bpf_core_type_exists(struct gnutls_session_int) || !bpf_core_field_exists(s->key.binders))
		return 0;
	bpf_probe_read_user(&ap_skey, sizeof(ap_skey), &s->key.proto.tls13.ap_skey);
	if (ap_skey)		/* the application secrets exist: checked in full by userspace too */
		return 0;
	gtls_emit_early(ctx, s, BPF_CORE_READ_USER(s, key.binders[0].prf));
	return 0;
}

/* Not attached: io_sys_enter tail-calls it (gtls_psk_progs) for a send syscall of a thread
 * inside gnutls_handshake of this build. */
SEC("raw_tp/sys_enter")
int gtls_psk_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];

	int shape = send_shape(ctx->args[1]);

	return shape < 0 ? 0 : gtls_psk_write(ctx, regs, shape);
}

/* The record calls' entry (send, send2, recv, recv_seq): a session set up before we started;
 * or the client's early data going out. */
SEC("uprobe")
int BPF_KPROBE(gtls_record_keys, void *session)
{
	if (early_flush(bpf_get_current_pid_tgid(), (__u64)session))
		gtls_emit_client_early(ctx, (__u64)session);
	else
		gtls_emit_keys(ctx, (__u64)session);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
