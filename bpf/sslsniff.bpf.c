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
 * a blob for the build, no OpenSSL type exists: plaintext only, no fd, no keys.
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
struct bio_st {
	int num;			/* the socket fd, for a socket BIO */
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

/* The fd under a BIO chain: the last BIO's num (filter BIOs such as a buffering BIO sit on
 * top of the socket BIO). Needs libcrypto's bio_st layout. */
static __always_inline int bio_fd(struct bio_st *bio, __u8 *ok)
{
	if (!bpf_core_type_exists(struct bio_st) || !bio)
		return -1;
#pragma unroll
	for (int i = 0; i < 4; i++) {
		struct bio_st *next = BPF_CORE_READ_USER(bio, next_bio);

		if (!next)
			break;
		bio = next;
	}
	*ok = 1;
	return BPF_CORE_READ_USER(bio, num);
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

static __always_inline __u64 call_key(enum call_kind kind)
{
	return bpf_get_current_pid_tgid() << 2 | kind;
}

static __always_inline int enter(enum call_kind kind, void *ssl, const void *buf, void *outlen)
{
	struct call c = { .ssl = (__u64)ssl, .buf = (__u64)buf, .outlen = (__u64)outlen };
	__u64 key = call_key(kind);

	bpf_map_update_elem(&calls, &key, &c, BPF_ANY);
	return 0;
}

static __always_inline int leave(void *ctx, enum call_kind kind, long ret)
{
	__u64 key = call_key(kind), n = 0;
	struct ssl_data_event *e;
	struct call *c = bpf_map_lookup_elem(&calls, &key);
	struct call saved;
	__u32 cap;

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
	e->func = kind >= CALL_READ_EX;
	e->fd = ssl_fd((void *)saved.ssl, e->dir, &e->has_fd);
	e->len = n;
	cap = n < max_bytes ? n : max_bytes;
	cap &= SSL_DATA_MAX - 1;
	e->captured = cap;
	if (bpf_probe_read_user(e->data, cap, (void *)saved.buf))
		e->captured = 0;
	cp_event_output(ctx, e, offsetof(struct ssl_data_event, data) + (cap & (SSL_DATA_MAX - 1)));
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

/* A completed handshake: the keys exist before any data flows (and for connections that
 * never send any). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} handshakes SEC(".maps");

SEC("uprobe")
int BPF_KPROBE(ssl_handshake_enter, void *ssl)
{
	__u64 id = bpf_get_current_pid_tgid(), s = (__u64)ssl;

	bpf_map_update_elem(&handshakes, &id, &s, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_handshake_leave, int ret)
{
	__u64 id = bpf_get_current_pid_tgid(), *s = bpf_map_lookup_elem(&handshakes, &id), ssl;

	if (!s)
		return 0;
	ssl = *s;
	bpf_map_delete_elem(&handshakes, &id);
	if (ret == 1)
		emit_keys(ctx, ssl);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
