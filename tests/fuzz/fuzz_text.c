// SPDX-License-Identifier: BSD-2-Clause
/* The small text parsers and writers that see outside bytes: hex build-ids (`btf add`
 * arguments), numbers (-p/-c/-d), and the JSON string writer, which escapes what a traced
 * process controls (its comm, paths). JSON output must never carry a raw control byte, a
 * non-ASCII byte or an unescaped quote. */
#include <string.h>

#include "fuzz.h"
#include "src/runtime/tracer.h"

static void check_json(const char *s, size_t n)
{
	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		abort();
	for (size_t i = 1; i + 1 < n; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c >= 0x7f)
			abort();
		if (c == '\\') {
			i++;	/* the escaped character */
			if (i + 1 >= n)
				abort();
		} else if (c == '"') {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *js = NULL;
	unsigned char out[BUILD_ID_MAX];
	size_t jn = 0;
	long l;
	double d;
	FILE *f;

	memcpy(s, data, size);
	s[size] = 0;
	if (hex_decode(s, out, sizeof(out)) > (int)sizeof(out))
		abort();
	cp_error_clear();
	cp_parse_long("-c", s, 1, 1L << 40, &l);
	cp_error_clear();
	cp_parse_double("-d", s, 0.001, 1e7, &d);
	cp_error_clear();
	if ((f = open_memstream(&js, &jn))) {
		json_strn(f, (const char *)data, size);
		fclose(f);
		check_json(js, jn);
		free(js);
	}
	free(s);
	return 0;
}
