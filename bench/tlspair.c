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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "tlspair: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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

static int serve(int lfd, long expect)
{
	SSL_CTX *ctx = server_ctx();
	int fd = accept(lfd, NULL, NULL);
	SSL *ssl = SSL_new(ctx);
	char buf[16384];
	long total = 0;
	int n;

	if (fd < 0 || !ssl)
		die("accept");
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1)
		die("SSL_accept");
	while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
		total += n;
	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
	if (total != expect) {
		fprintf(stderr, "tlspair: server read %ld bytes, expected %ld\n", total, expect);
		return 1;
	}
	return 0;
}

static int run_pair(long writes, double rate, long size)
{
	double t0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char *msg;
	SSL_CTX *ctx;
	SSL *ssl;
	int lfd, fd, st, one = 1;
	pid_t server;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen))
		die("listen");
	server = fork();
	if (server == 0)
		_exit(serve(lfd, writes * size));
	close(lfd);

	ctx = SSL_CTX_new(TLS_client_method());
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!ctx || fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	/* each SSL_write is one record sent at once: the traced call rate is the write rate */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1)
		die("SSL_connect");
	msg = malloc(size);
	memset(msg, 'x', size);
	t0 = now_s();
	for (long i = 0; i < writes; i++) {
		if (rate > 0) {
			double due = t0 + i / rate;
			struct timespec ts = { (time_t)due, (long)((due - (time_t)due) * 1e9) };

			if (now_s() < due)
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
		if (SSL_write(ssl, msg, size) != size)
			die("SSL_write");
	}
	SSL_shutdown(ssl);
	/* close only after the server has read everything: closing with unread data (the
	 * server's session tickets) would reset the connection and lose data in flight */
	shutdown(fd, SHUT_WR);
	if (waitpid(server, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		die("server failed");
	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
	free(msg);
	return 0;
}

int main(int argc, char **argv)
{
	long writes = argc > 1 ? atol(argv[1]) : 0, size = argc > 3 ? atol(argv[3]) : 1024;
	double rate = argc > 2 ? atof(argv[2]) : 0, t0, t1;
	int pairs = argc > 4 ? atoi(argv[4]) : 1, bad = 0, st;

	if (writes <= 0 || size <= 0 || size > 16384 || pairs < 1 || pairs > 64) {
		fprintf(stderr, "usage: tlspair WRITES [RATE] [SIZE] [PAIRS]\n");
		return 2;
	}
	t0 = now_s();
	for (int p = 0; p < pairs; p++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(run_pair(writes, rate, size));
		if (pid < 0)
			die("fork");
	}
	while (wait(&st) > 0)
		bad |= !WIFEXITED(st) || WEXITSTATUS(st);
	t1 = now_s();
	if (bad)
		return 1;
	printf("{\"writes\":%ld,\"seconds\":%.6f,\"rate\":%.1f}\n", writes * pairs, t1 - t0,
	       writes * pairs / (t1 - t0));
	return 0;
}
