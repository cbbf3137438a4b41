/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An output line built in memory and handed to stdio in one fwrite.
 *
 * Why by hand: a tracer prints a line per event, and with printf that line cost most of the
 * reader's CPU here. musl's vfprintf walks the format twice and hands every literal run and
 * every converted field to memcpy; musl's x86_64 memcpy is a `rep movsq` whose start-up costs
 * ~80 ns on this VM even for 12 bytes (glibc's: 6 ns). Literals of constant length are copied
 * here by the compiler's inline moves, strings by a byte loop, numbers by hand; the whole line
 * then goes to stdio once. Lines longer than the buffer are flushed in pieces, never cut.
 */
#ifndef CP_LINEBUF_H
#define CP_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct linebuf {
	FILE *f;
	size_t n;
	char b[8192];
};

void lb_flush(struct linebuf *lb);
/* n bytes of s (any length; a byte loop, not memcpy: see above) */
void lb_mem(struct linebuf *lb, const char *s, size_t n);
/* s right-aligned (width > 0) or left-aligned (width < 0) in |width| columns, as "%*s" */
void lb_padded(struct linebuf *lb, const char *s, size_t n, int width);
/* Numbers into out[LB_NUM_MAX], returning their length (no terminating NUL). */
#define LB_NUM_MAX 32
size_t lb_fmt_u64(char *out, uint64_t v);
size_t lb_fmt_i64(char *out, int64_t v);
/* ns as seconds with 6 decimals, rounded half away from zero to the microsecond: "%.6f" of
 * ns / 1e9, except that printf rounds the double, which can differ at exactly half a µs */
size_t lb_fmt_secs6(char *out, int64_t ns);
void lb_u64(struct linebuf *lb, uint64_t v);
void lb_i64(struct linebuf *lb, int64_t v);
/* a JSON string: quotes, and \" \\ \n \r \t \u00XX escapes */
void lb_json_strn(struct linebuf *lb, const char *s, size_t n);
/* lowercase hex of n bytes */
void lb_hex(struct linebuf *lb, const unsigned char *d, size_t n);

static inline void lb_init(struct linebuf *lb, FILE *f)
{
	lb->f = f;
	lb->n = 0;
}

static inline void lb_char(struct linebuf *lb, char c)
{
	if (lb->n == sizeof(lb->b))
		lb_flush(lb);
	lb->b[lb->n++] = c;
}

/* A constant string: its length is known here, so the copy is a few inline moves. */
#define lb_lit(lb, s) lb_const((lb), "" s, sizeof(s) - 1)
static inline void lb_const(struct linebuf *lb, const char *s, size_t n)
{
	if (n > sizeof(lb->b) - lb->n) {
		lb_mem(lb, s, n);
		return;
	}
	memcpy(lb->b + lb->n, s, n);
	lb->n += n;
}

static inline void lb_str(struct linebuf *lb, const char *s)
{
	lb_mem(lb, s, strlen(s));
}

#endif
