// SPDX-License-Identifier: GPL-2.0
/* One output line per event without printf: why, in linebuf.h. */
#include "src/linebuf.h"

void lb_flush(struct linebuf *lb)
{
	if (lb->n)
		fwrite(lb->b, 1, lb->n, lb->f);
	lb->n = 0;
}

void lb_mem(struct linebuf *lb, const char *s, size_t n)
{
	while (n) {
		size_t room = sizeof(lb->b) - lb->n, k = n < room ? n : room;
		char *d = lb->b + lb->n;

		if (!room) {
			lb_flush(lb);
			continue;
		}
		if (k >= 256) {
			memcpy(d, s, k);	/* long enough for memcpy's start-up not to matter */
		} else {
			/* The empty asm keeps gcc from turning this loop back into a memcpy call. */
			for (size_t i = 0; i < k; i++) {
				d[i] = s[i];
				__asm__ volatile("" ::: "memory");
			}
		}
		lb->n += k;
		s += k;
		n -= k;
	}
}

void lb_padded(struct linebuf *lb, const char *s, size_t n, int width)
{
	size_t w = width < 0 ? (size_t)-(long)width : (size_t)width;
	size_t fill = n < w ? w - n : 0;

	if (width > 0)
		while (fill--)
			lb_char(lb, ' ');
	lb_mem(lb, s, n);
	if (width < 0)
		while (fill--)
			lb_char(lb, ' ');
}

size_t lb_fmt_u64(char *out, uint64_t v)
{
	char tmp[LB_NUM_MAX];
	size_t n = 0;

	do
		tmp[n++] = '0' + v % 10;
	while (v /= 10);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

size_t lb_fmt_i64(char *out, int64_t v)
{
	if (v >= 0)
		return lb_fmt_u64(out, (uint64_t)v);
	out[0] = '-';
	return 1 + lb_fmt_u64(out + 1, -(uint64_t)v);	/* unsigned negation: INT64_MIN too */
}

size_t lb_fmt_secs6(char *out, int64_t ns)
{
	bool neg = ns < 0;
	uint64_t a = neg ? -(uint64_t)ns : (uint64_t)ns;
	uint64_t us = a / 1000 + (a % 1000 >= 500);
	size_t n = 0;

	if (neg)
		out[n++] = '-';	/* as printf: -0.000000 for a tiny negative */
	n += lb_fmt_u64(out + n, us / 1000000);
	out[n++] = '.';
	for (uint64_t d = 100000, f = us % 1000000; d; d /= 10)
		out[n++] = '0' + f / d % 10;
	return n;
}

void lb_u64(struct linebuf *lb, uint64_t v)
{
	char t[LB_NUM_MAX];

	lb_mem(lb, t, lb_fmt_u64(t, v));
}

void lb_i64(struct linebuf *lb, int64_t v)
{
	char t[LB_NUM_MAX];

	lb_mem(lb, t, lb_fmt_i64(t, v));
}

void lb_json_strn(struct linebuf *lb, const char *s, size_t n)
{
	static const char hexd[] = "0123456789abcdef";

	lb_char(lb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			lb_char(lb, c);
			continue;
		}
		lb_char(lb, '\\');
		switch (c) {
		case '"': lb_char(lb, '"'); break;
		case '\\': lb_char(lb, '\\'); break;
		case '\n': lb_char(lb, 'n'); break;
		case '\r': lb_char(lb, 'r'); break;
		case '\t': lb_char(lb, 't'); break;
		default:
			lb_lit(lb, "u00");
			lb_char(lb, hexd[c >> 4]);
			lb_char(lb, hexd[c & 15]);
		}
	}
	lb_char(lb, '"');
}

void lb_hex(struct linebuf *lb, const unsigned char *d, size_t n)
{
	static const char hexd[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		lb_char(lb, hexd[d[i] >> 4]);
		lb_char(lb, hexd[d[i] & 15]);
	}
}
