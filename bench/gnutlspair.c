// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/gnutlspair: bench/tlspair's GnuTLS twin. A TLS client and server over loopback, linked
 * against the system's libgnutls30 (the build coreprobe sslsniff has an embedded blob for), for
 * the GnuTLS per-call and loss measurements of `make bench`.
 *
 * usage: gnutlspair WRITES [RATE] [SIZE] [PAIRS]
 *   The client does WRITES gnutls_record_send calls of SIZE bytes (default 1024), paced at RATE
 *   per second (0 or absent: as fast as it can); the server gnutls_record_recv's them all and
 *   checks the byte count. PAIRS (default 1) client/server pairs run at once. Prints
 *   {"writes":N,"seconds":S,"rate":R} on stdout: all pairs' writes over the wall time from the
 *   first fork to the last exit.
 *
 * The server's certificate is a fresh P-256 self-signed one made in memory (no files). TLS 1.3
 * with GnuTLS's default priorities. The server's receive buffer is as large as a record, so
 * each gnutls_record_recv returns one record: one traced call per record on both sides.
 */
#define _GNU_SOURCE
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pair.h"

static void die(const char *what, int err)
{
	fprintf(stderr, "gnutlspair: %s%s%s\n", what, err ? ": " : "", err ? gnutls_strerror(err) : "");
	exit(1);
}

#define CHECK(what, call) do { int err_ = (call); if (err_ < 0) die(what, err_); } while (0)

static gnutls_certificate_credentials_t server_creds(void)
{
	gnutls_certificate_credentials_t cred;
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	time_t t = time(NULL);
	unsigned char serial = 1;

	CHECK("credentials", gnutls_certificate_allocate_credentials(&cred));
	CHECK("key", gnutls_x509_privkey_init(&key));
	CHECK("key generation", gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0));
	CHECK("certificate", gnutls_x509_crt_init(&crt));
	CHECK("certificate version", gnutls_x509_crt_set_version(crt, 3));
	CHECK("certificate serial", gnutls_x509_crt_set_serial(crt, &serial, 1));
	CHECK("certificate start", gnutls_x509_crt_set_activation_time(crt, t - 60));
	CHECK("certificate end", gnutls_x509_crt_set_expiration_time(crt, t + 3600));
	CHECK("certificate name", gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "gnutlspair", 10));
	CHECK("certificate key", gnutls_x509_crt_set_key(crt, key));
	CHECK("self-signature", gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0));
	CHECK("server credentials", gnutls_certificate_set_x509_key(cred, &crt, 1, key));
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return cred;
}

static int serve(int fd, long expect, long size)
{
	gnutls_certificate_credentials_t cred = server_creds();
	gnutls_session_t s;
	char *buf = malloc(size);
	long total = 0;
	ssize_t n;
	int r;

	if (!buf)
		die("malloc", 0);
	CHECK("server session", gnutls_init(&s, GNUTLS_SERVER));
	CHECK("server priorities", gnutls_set_default_priority(s));
	CHECK("server credentials", gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred));
	gnutls_transport_set_int(s, fd);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	CHECK("server handshake", r);
	while ((n = gnutls_record_recv(s, buf, size)) != 0) {
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n < 0)
			die("gnutls_record_recv", n);
		total += n;
	}
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	free(buf);
	if (total != expect) {
		fprintf(stderr, "gnutlspair: server read %ld bytes, expected %ld\n", total, expect);
		return 1;
	}
	return 0;
}

static int run_pair(long writes, double rate, long size)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	struct pair p;
	char *msg;
	double t0;
	int r;

	pair_start(&p, serve, writes * size, size);
	CHECK("client credentials", gnutls_certificate_allocate_credentials(&cred));
	CHECK("client session", gnutls_init(&s, GNUTLS_CLIENT));
	CHECK("client priorities", gnutls_set_default_priority(s));
	CHECK("client credentials", gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred));
	/* no verification: the certificate is the throwaway one made above */
	gnutls_transport_set_int(s, p.fd);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	CHECK("client handshake", r);
	msg = malloc(size);
	if (!msg)
		die("malloc", 0);
	memset(msg, 'x', size);
	t0 = bench_now_s();
	for (long i = 0; i < writes; i++) {
		ssize_t n;

		pair_pace(t0, i, rate);
		do
			n = gnutls_record_send(s, msg, size);
		while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
		if (n != size)
			die("gnutls_record_send", n < 0 ? (int)n : 0);
	}
	gnutls_bye(s, GNUTLS_SHUT_WR);
	if (pair_finish(&p))
		exit(1);
	gnutls_deinit(s);
	close(p.fd);
	gnutls_certificate_free_credentials(cred);
	free(msg);
	return 0;
}

int main(int argc, char **argv)
{
	return pair_main(argc, argv, "gnutlspair", run_pair);
}
