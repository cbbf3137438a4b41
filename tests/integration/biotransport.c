// SPDX-License-Identifier: BSD-2-Clause
/*
 * tests/integration/biotransport: a TLS client and server (fork) over transports whose fd
 * coreprobe sslsniff must not claim to know, built against the system's libssl.
 *
 * usage: biotransport pipe|many|dgram|log CERT KEY
 *   pipe  the transport is two pipes. The server reads and writes them through OpenSSL's fd
 *         BIOs (BIO_TYPE_FD: the BIO's num is the pipe, the fd is known); the client through
 *         its own BIO method whose callbacks read()/write() the pipes: no socket at all, so
 *         its fd is unknown.
 *   many  the transport is a socketpair; the client's own BIO method also copies every record
 *         it writes to a second stream socketpair: two sockets in one call, fd unknown.
 *   dgram as many, but the second socketpair is a datagram one: not a stream, so not the
 *         connection; the fd is the transport's.
 *   log   as many, but what goes to the second stream socket is a text line, not a TLS
 *         record (a log shipper): the fd is the transport's.
 * The client sends "client says N\n" three times; the server answers "server says N\n".
 * Prints "client PID READ_FD WRITE_FD" and "server PID READ_FD WRITE_FD" first, "ok" at the end.
 */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int rd_fd = -1, wr_fd = -1, side_fd = -1;	/* the client's transport */
static bool side_log;

static void die(const char *what)
{
	fprintf(stderr, "biotransport: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static int cb_write(BIO *b, const char *buf, int n)
{
	int r = write(wr_fd, buf, n);

	if (side_fd >= 0 && side_log && write(side_fd, "log: one record\n", 16) != 16)
		return -1;
	if (side_fd >= 0 && !side_log && r > 0 && write(side_fd, buf, r) != r)
		return -1;
	return r;
}

static int cb_read(BIO *b, char *buf, int n)
{
	return read(rd_fd, buf, n);
}

static long cb_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static BIO *own_bio(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "test transport");

	if (!m || !BIO_meth_set_write(m, cb_write) || !BIO_meth_set_read(m, cb_read) ||
	    !BIO_meth_set_ctrl(m, cb_ctrl))
		die("BIO_meth_new");
	BIO *b = BIO_new(m);
	if (!b)
		die("BIO_new");
	BIO_set_init(b, 1);
	return b;
}

static void server(int rfd, int wfd, const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL *s;
	char buf[256];

	if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		die("server context");
	s = SSL_new(ctx);
	if (!s || !SSL_set_rfd(s, rfd) || !SSL_set_wfd(s, wfd) || SSL_accept(s) != 1)
		die("server handshake");
	for (int i = 0; i < 3; i++) {
		int n = SSL_read(s, buf, sizeof(buf) - 1), m;

		if (n <= 0)
			die("server read");
		m = snprintf(buf, sizeof(buf), "server says %d\n", i);
		if (SSL_write(s, buf, m) != m)
			die("server write");
	}
	SSL_shutdown(s);
	exit(0);
}

int main(int argc, char **argv)
{
	int c2s[2], s2c[2], side[2];
	bool many;
	pid_t pid;
	SSL_CTX *ctx;
	SSL *s;
	BIO *b;
	char buf[256];

	if (argc != 4 || (strcmp(argv[1], "pipe") && strcmp(argv[1], "many") && strcmp(argv[1], "dgram") &&
			  strcmp(argv[1], "log")))
		die("usage: biotransport pipe|many|dgram|log CERT KEY");
	side_log = !strcmp(argv[1], "log");
	many = strcmp(argv[1], "pipe") != 0;
	if (many) {
		int side_type = !strcmp(argv[1], "dgram") ? SOCK_DGRAM : SOCK_STREAM;

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, c2s) || socketpair(AF_UNIX, side_type, 0, side))
			die("socketpair");
		s2c[0] = c2s[0], s2c[1] = c2s[1];	/* one bidirectional pair: client c2s[0] */
	} else if (pipe(c2s) || pipe(s2c)) {
		die("pipe");
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (many)
			server(c2s[1], c2s[1], argv[2], argv[3]);
		server(c2s[0], s2c[1], argv[2], argv[3]);
	}
	if (many) {
		rd_fd = wr_fd = c2s[0];
		side_fd = side[0];
	} else {
		rd_fd = s2c[0];
		wr_fd = c2s[1];
	}
	printf("client %d %d %d\n", (int)getpid(), rd_fd, wr_fd);
	printf("server %d %d %d\n", (int)pid, many ? c2s[1] : c2s[0], many ? c2s[1] : s2c[1]);
	fflush(stdout);
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || !(s = SSL_new(ctx)))
		die("client context");
	b = own_bio();
	SSL_set_bio(s, b, b);
	if (SSL_connect(s) != 1)
		die("client handshake");
	for (int i = 0; i < 3; i++) {
		int m = snprintf(buf, sizeof(buf), "client says %d\n", i), n;

		if (SSL_write(s, buf, m) != m || (n = SSL_read(s, buf, sizeof(buf) - 1)) <= 0)
			die("client I/O");
	}
	waitpid(pid, NULL, 0);
	printf("ok\n");
	return 0;
}
