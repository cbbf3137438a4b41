/* SPDX-License-Identifier: BSD-2-Clause */
/* `coreprobe sslsniff`: events shared by the BPF side and userspace. */
#ifndef COREPROBE_SSLSNIFF_H
#define COREPROBE_SSLSNIFF_H

#define SSL_COMM_LEN 16
#define SSL_DATA_MAX 16384		/* power of two: the capture length is masked with it */
#define SSL_SECRET_MAX 64		/* EVP_MAX_MD_SIZE: OpenSSL's secret arrays */
#define SSL_RANDOM_LEN 32
#define SSL_MASTER_KEY_LEN 48		/* TLS 1.2 master secret */

enum ssl_event_type { SSL_EV_DATA = 1, SSL_EV_KEYS = 2, SSL_EV_GTLS_KEYS = 3 };
enum ssl_dir { SSL_DIR_READ = 0, SSL_DIR_WRITE = 1 };

/* Which call an event is from (with dir: SSL_read vs SSL_write, ...). */
enum ssl_func {
	SSL_FN_SSL = 0,		/* SSL_read / SSL_write */
	SSL_FN_SSL_EX = 1,	/* SSL_read_ex / SSL_write_ex */
	SSL_FN_GNUTLS = 2,	/* gnutls_record_recv / gnutls_record_send */
	SSL_FN_GNUTLS_2 = 3,	/* gnutls_record_recv_seq / gnutls_record_send2 */
	SSL_FN_GNUTLS_EARLY = 4,/* gnutls_record_recv_early_data / gnutls_record_send_early_data (TLS 1.3 0-RTT) */
};

/* Where the event's fd comes from; SSL_FD_NONE: unknown, and fd_why says why. */
enum ssl_fd_source {
	SSL_FD_NONE = 0,
	SSL_FD_BIO = 1,		/* the num of an OpenSSL socket/fd/connect/dgram BIO */
	SSL_FD_SYSCALL = 2,	/* the one socket the thread did I/O on during the call */
};

enum ssl_fd_why {
	SSL_FD_WHY_NO_IO = 1,	/* no socket I/O during the call (served from a buffered record) */
	SSL_FD_WHY_MANY = 2,	/* I/O on more than one socket during the call */
	SSL_FD_WHY_CONFLICT = 3,/* the BIO's fd and the socket the call used differ */
};

/* What the kernel side could read of the SSL object through CO-RE (no blob: nothing). */
enum ssl_layout {
	SSL_LAYOUT_NONE = 0,	/* no OpenSSL types in the merged BTF: plaintext only */
	SSL_LAYOUT_111 = 1,	/* ssl_st with s3 as a pointer (1.1.1) */
	SSL_LAYOUT_30 = 2,	/* ssl_st with s3 embedded (3.0, 3.1) */
	SSL_LAYOUT_32 = 3,	/* ssl_st header + ssl_connection_st (3.2+) */
};

struct ssl_event_hdr {
	__u8 type;		/* enum ssl_event_type */
	__u8 layout;		/* enum ssl_layout */
	__u16 instance;		/* which loaded object (one per OpenSSL layout) */
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u64 ts_ns;		/* bpf_ktime_get_ns */
	char comm[SSL_COMM_LEN];
};

struct ssl_data_event {
	struct ssl_event_hdr h;
	__u8 dir;		/* enum ssl_dir */
	__u8 fd_source;		/* enum ssl_fd_source: fd is valid unless SSL_FD_NONE */
	__u8 func;		/* enum ssl_func */
	__u8 fd_why;		/* enum ssl_fd_why, when fd_source is SSL_FD_NONE */
	__s32 fd;
	__u32 len;		/* bytes the call transferred */
	__u32 captured;		/* bytes in data[] (len, capped at --max-bytes) */
	__u8 data[SSL_DATA_MAX];
};

struct ssl_keys_event {
	struct ssl_event_hdr h;
	__u64 ssl;		/* the SSL object's address: one connection */
	__s32 version;		/* TLS1_2_VERSION 0x303, TLS1_3_VERSION 0x304 */
	__u32 cipher_id;	/* OpenSSL's cipher id: 0x03000000 | IANA suite */
	__u32 master_key_len;
	__u8 client_random[SSL_RANDOM_LEN];
	__u8 master_key[SSL_MASTER_KEY_LEN];
	/* TLS 1.3: stored by OpenSSL; the handshake traffic secrets are derived in userspace */
	__u8 handshake_secret[SSL_SECRET_MAX];
	__u8 handshake_traffic_hash[SSL_SECRET_MAX];
	__u8 client_app_traffic_secret[SSL_SECRET_MAX];
	__u8 server_app_traffic_secret[SSL_SECRET_MAX];
	__u8 exporter_master_secret[SSL_SECRET_MAX];
};

/* ---- GnuTLS secrets: what a gnutls_session_int holds once its handshake is done ---- */
#define GTLS_MASTER_LEN 48		/* GNUTLS_MASTER_SIZE */
#define GTLS_SECRET_MAX 64		/* MAX_HASH_SIZE: the TLS 1.3 secret arrays */

struct gtls_keys_event {
	struct ssl_event_hdr h;
	__u64 session;		/* the gnutls_session_t: one connection */
	__u8 major, minor;	/* the negotiated version (3,3 TLS 1.2; 3,4 TLS 1.3) */
	__u8 tls13;		/* the version has TLS 1.3 semantics */
	__u8 early;		/* read while ap_expkey holds the early exporter secret (a client's
				 * early data flush, a TLS record written inside the handshake of a
				 * session with a PSK): e_ckey and EARLY_EXPORTER_SECRET only, and
				 * ap_skey, which must still be zero */
	__u32 secret_len;	/* the PRF hash's output size: the TLS 1.3 secrets' length */
	__u8 client_random[SSL_RANDOM_LEN];
	__u8 master_secret[GTLS_MASTER_LEN];	/* TLS 1.2 */
	/* TLS 1.3 (key.proto.tls13): the traffic secrets as GnuTLS logs them */
	__u8 e_ckey[GTLS_SECRET_MAX];		/* CLIENT_EARLY_TRAFFIC_SECRET */
	__u8 hs_ckey[GTLS_SECRET_MAX];		/* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	__u8 hs_skey[GTLS_SECRET_MAX];		/* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	__u8 ap_ckey[GTLS_SECRET_MAX];		/* CLIENT_TRAFFIC_SECRET_0 */
	__u8 ap_skey[GTLS_SECRET_MAX];		/* SERVER_TRAFFIC_SECRET_0 */
	__u8 ap_expkey[GTLS_SECRET_MAX];	/* EXPORTER_SECRET */
};

#endif
