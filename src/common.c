// SPDX-License-Identifier: BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "src/common.h"
#include "src/linebuf.h"

struct cp_env env;

static char errmsg[1024];
static int errcode;

int cp_error(int code, const char *fmt, ...)
{
	va_list ap;

	if (errcode)		/* keep the first, most specific failure */
		return code;
	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	errcode = code;
	return code;
}

int cp_error_prefix(const char *fmt, ...)
{
	char prefix[512], old[sizeof(errmsg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, errmsg, sizeof(old));
	snprintf(errmsg, sizeof(errmsg), "%s: %s", prefix, old);
	return errcode;
}

const char *cp_errmsg(void) { return errmsg; }
int cp_errcode(void) { return errcode; }
void cp_error_clear(void) { errcode = 0; errmsg[0] = 0; }

void cp_error_print(void)
{
	if (!errcode)
		return;
	if (env.json) {
		fputs("{\"error\":", stdout);
		json_str(stdout, errmsg);
		printf(",\"exit\":%d}\n", errcode);
		fflush(stdout);
	} else {
		fprintf(stderr, "coreprobe: %s\n", errmsg);
	}
}

void cp_warn(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (env.json) {
		fputs("{\"warning\":", stdout);
		json_str(stdout, msg);
		fputs("}\n", stdout);
		fflush(stdout);
	} else {
		fprintf(stderr, "coreprobe: warning: %s\n", msg);
	}
}

void json_strn(FILE *f, const char *s, size_t n)
{
	struct linebuf lb;

	lb_init(&lb, f);
	lb_json_strn(&lb, s, n);
	lb_flush(&lb);
}

void json_str(FILE *f, const char *s)
{
	json_strn(f, s, strlen(s));
}

void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int hex_decode(const char *in, unsigned char *out, size_t max)
{
	size_t n = strlen(in);

	if (n == 0 || n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = hi << 4 | lo;
	}
	return n / 2;
}

long read_small_file(const char *path, void *buf, size_t size)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got < size) {
		ssize_t n = read(fd, (char *)buf + got, size - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	return got;
}
