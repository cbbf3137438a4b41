/* SPDX-License-Identifier: BSD-2-Clause */
/* NSS key log lines (what Wireshark/tshark read) from the secrets sslsniff reads out of an
 * OpenSSL connection. */
#ifndef COREPROBE_TLSKEYS_H
#define COREPROBE_TLSKEYS_H

#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>
#include "bpf/sslsniff.h"

#define TLS1_2_VERSION 0x0303
#define TLS1_3_VERSION 0x0304

struct keylog_line {
	const char *label;			/* CLIENT_RANDOM, CLIENT_HANDSHAKE_TRAFFIC_SECRET, ... */
	char text[32 + 2 * SSL_RANDOM_LEN + 2 * SSL_SECRET_MAX + 4];	/* the whole line */
};

/* HKDF-Expand-Label of TLS 1.3 (RFC 8446 7.1) with SHA-256 (hash_len 32) or SHA-384 (48). */
int tls13_expand_label(size_t hash_len, const uint8_t *secret, const char *label,
		       const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);
/* The TLS 1.3 hash length of an OpenSSL cipher id (0x0300XXXX): 48 for the SHA-384 suites,
 * 32 for the others. */
size_t tls13_hash_len(uint32_t cipher_id);
/* The key log lines of one connection: TLS 1.2 CLIENT_RANDOM; TLS 1.3 the two handshake
 * traffic secrets (derived: OpenSSL does not keep them), the two application traffic secrets
 * and the exporter secret. Lines whose secret is not set yet are left out. Returns the count
 * (0..5), or -1 if the derivation failed. */
int tls_keylog_lines(const struct ssl_keys_event *k, struct keylog_line out[5]);

/* GnuTLS: the lines GnuTLS itself logs for a connection, from the secrets it stores: TLS 1.2
 * CLIENT_RANDOM; TLS 1.3 the early (when set), handshake and application traffic secrets and
 * the exporter secret, each secret_len bytes (the PRF hash's size); an early event (read at the
 * client's early data flush) gives CLIENT_EARLY_TRAFFIC_SECRET and EARLY_EXPORTER_SECRET only.
 * Unset secrets are left out. Returns the count, or -1 if secret_len is not a hash size (then nothing is written). */
#define GTLS_KEYLOG_MAX 6
int gtls_keylog_lines(const struct gtls_keys_event *k, struct keylog_line out[GTLS_KEYLOG_MAX]);

#endif
