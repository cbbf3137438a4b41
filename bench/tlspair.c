// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/tlspair: a TLS client and server over loopback, linked against the system's libssl (the
 * build coreprobe sslsniff has an embedded blob for), for the sslsniff throughput measurement.
 *
 * usage: tlspair WRITES [RATE] [SIZE] [PAIRS]
 *   The client does WRITES SSL_writes of SIZE bytes (default 1024), paced at RATE writes per
 *   second (0 or absent: as fast as it can); the server SSL_reads them all and checks the byte
 *   count. PAIRS (default 1) client/server pairs run at once, each doing all of that: one
 *   client alone cannot outrun a tracer whose uprobes slow it down, several together can.
 *   Prints {"writes":N,"seconds":S,"rate":R} on stdout: all pairs' writes over the wall time
 *   from the first fork to the last exit.
 *
 * The server's certificate is a fresh P-256 self-signed one made in memory: no files, and key
 * generation costs well under a millisecond. TLS 1.3 with the default suites.
 */
#define _GNU_SOURCE
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pair.h"

static void die(const char *what)
{
	fprintf(stderr, "tlspair: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static SSL_CTX *server_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	X509_NAME *name;

	if (!ctx || !key || !cert)
		die("server context");
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"tlspair", -1, -1, 0);
	X509_set_issuer_name(cert, name);
	if (!X509_sign(cert, key, EVP_sha256()) || SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1)
		die("self-signed certificate");
	X509_free(cert);
	EVP_PKEY_free(key);
	return ctx;
}

static int serve(int fd, long expect, long size)
{
	SSL_CTX *ctx = server_ctx();
	SSL *ssl = SSL_new(ctx);
	char buf[16384];
	long total = 0;
	int n;

	(void)size;
	if (!ssl)
		die("accept");
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1)
		die("SSL_accept");
	while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
		total += n;
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (total != expect) {
		fprintf(stderr, "tlspair: server read %ld bytes, expected %ld\n", total, expect);
		return 1;
	}
	return 0;
}

static int run_pair(long writes, double rate, long size)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	struct pair p;
	double t0;
	char *msg;
	SSL *ssl;

	if (!ctx)
		die("client context");
	pair_start(&p, serve, writes * size, size);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, p.fd);
	if (SSL_connect(ssl) != 1)
		die("SSL_connect");
	msg = malloc(size);
	memset(msg, 'x', size);
	t0 = bench_now_s();
	for (long i = 0; i < writes; i++) {
		pair_pace(t0, i, rate);
		if (SSL_write(ssl, msg, size) != size)
			die("SSL_write");
	}
	SSL_shutdown(ssl);
	if (pair_finish(&p))
		exit(1);
	SSL_free(ssl);
	close(p.fd);
	SSL_CTX_free(ctx);
	free(msg);
	return 0;
}

int main(int argc, char **argv)
{
	return pair_main(argc, argv, "tlspair", run_pair);
}
