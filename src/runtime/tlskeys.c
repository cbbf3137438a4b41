// SPDX-License-Identifier: BSD-2-Clause
#define MBEDTLS_CONFIG_FILE "mbedtls/coreprobe_config.h"
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <stdio.h>
#include <string.h>

#include "src/common.h"
#include "src/runtime/tlskeys.h"

int tls13_expand_label(size_t hash_len, const uint8_t *secret, const char *label,
		       const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(hash_len == 48 ? MBEDTLS_MD_SHA384 : MBEDTLS_MD_SHA256);
	uint8_t info[2 + 1 + 255 + 1 + 255];
	size_t llen = 6 + strlen(label), n = 0;

	if (!md || llen > 255 || context_len > 255 || out_len > 0xffff)
		return -1;
	/* struct { uint16 length; opaque label<7..255> = "tls13 " + label; opaque context<0..255>; } */
	info[n++] = out_len >> 8;
	info[n++] = out_len & 0xff;
	info[n++] = llen;
	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, label, llen - 6);
	n += llen;
	info[n++] = context_len;
	memcpy(info + n, context, context_len);
	n += context_len;
	return mbedtls_hkdf_expand(md, secret, hash_len, info, n, out, out_len) ? -1 : 0;
}

size_t tls13_hash_len(uint32_t cipher_id)
{
	switch (cipher_id & 0xffff) {
	case 0x1302:	/* TLS_AES_256_GCM_SHA384 */
	case 0xc0b5:	/* TLS_SHA384_SHA384 (integrity only) */
		return 48;
	default:
		return 32;
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static void line(struct keylog_line *l, const char *label, const uint8_t *random, const uint8_t *secret, size_t n)
{
	char r[2 * SSL_RANDOM_LEN + 1], s[2 * SSL_SECRET_MAX + 1];

	hex_encode(random, SSL_RANDOM_LEN, r);
	hex_encode(secret, n, s);
	l->label = label;
	snprintf(l->text, sizeof(l->text), "%s %s %s", label, r, s);
}

int tls_keylog_lines(const struct ssl_keys_event *k, struct keylog_line out[5])
{
	size_t hl = tls13_hash_len(k->cipher_id);
	uint8_t chts[SSL_SECRET_MAX], shts[SSL_SECRET_MAX];
	int n = 0;

	if (all_zero(k->client_random, SSL_RANDOM_LEN))
		return 0;
	if (k->version != TLS1_3_VERSION) {
		size_t ml = k->master_key_len;

		if (ml == 0 || ml > SSL_MASTER_KEY_LEN || all_zero(k->master_key, ml))
			return 0;
		line(&out[n++], "CLIENT_RANDOM", k->client_random, k->master_key, ml);
		return n;
	}
	if (!all_zero(k->handshake_secret, hl)) {
		if (tls13_expand_label(hl, k->handshake_secret, "c hs traffic", k->handshake_traffic_hash, hl, chts, hl) ||
		    tls13_expand_label(hl, k->handshake_secret, "s hs traffic", k->handshake_traffic_hash, hl, shts, hl))
			return -1;
		line(&out[n++], "CLIENT_HANDSHAKE_TRAFFIC_SECRET", k->client_random, chts, hl);
		line(&out[n++], "SERVER_HANDSHAKE_TRAFFIC_SECRET", k->client_random, shts, hl);
	}
	if (!all_zero(k->client_app_traffic_secret, hl))
		line(&out[n++], "CLIENT_TRAFFIC_SECRET_0", k->client_random, k->client_app_traffic_secret, hl);
	if (!all_zero(k->server_app_traffic_secret, hl))
		line(&out[n++], "SERVER_TRAFFIC_SECRET_0", k->client_random, k->server_app_traffic_secret, hl);
	if (!all_zero(k->exporter_master_secret, hl))
		line(&out[n++], "EXPORTER_SECRET", k->client_random, k->exporter_master_secret, hl);
	return n;
}

int gtls_keylog_lines(const struct gtls_keys_event *k, struct keylog_line out[GTLS_KEYLOG_MAX])
{
	const struct { const char *label; const uint8_t *secret; } tls13[] = {
		{ "CLIENT_EARLY_TRAFFIC_SECRET", k->e_ckey },
		{ "CLIENT_HANDSHAKE_TRAFFIC_SECRET", k->hs_ckey },
		{ "SERVER_HANDSHAKE_TRAFFIC_SECRET", k->hs_skey },
		{ "CLIENT_TRAFFIC_SECRET_0", k->ap_ckey },
		{ "SERVER_TRAFFIC_SECRET_0", k->ap_skey },
		{ "EXPORTER_SECRET", k->ap_expkey },
	};
	size_t len = k->secret_len;
	int n = 0;

	if (all_zero(k->client_random, SSL_RANDOM_LEN))
		return 0;
	if (k->early) {	/* read while ap_expkey holds the early exporter secret... */
		if (len != 32 && len != 48)
			return -1;
		/* ...which the handshake's exporter secret replaces with the application secrets:
		 * once ap_skey exists, no early line (never the other exporter under its label) */
		if (!all_zero(k->ap_skey, len))
			return 0;
		if (!all_zero(k->e_ckey, len))
			line(&out[n++], "CLIENT_EARLY_TRAFFIC_SECRET", k->client_random, k->e_ckey, len);
		if (!all_zero(k->ap_expkey, len))
			line(&out[n++], "EARLY_EXPORTER_SECRET", k->client_random, k->ap_expkey, len);
		return n;
	}
	if (!k->tls13) {
		if (all_zero(k->master_secret, GTLS_MASTER_LEN))
			return 0;
		line(&out[n++], "CLIENT_RANDOM", k->client_random, k->master_secret, GTLS_MASTER_LEN);
		return n;
	}
	/* the hashes TLS 1.3 suites use: SHA-256, SHA-384 (and SM3's 32); never a guess */
	if (len != 32 && len != 48)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(tls13); i++)
		if (!all_zero(tls13[i].secret, len))
			line(&out[n++], tls13[i].label, k->client_random, tls13[i].secret, len);
	return n;
}
