// SPDX-License-Identifier: BSD-2-Clause
/* The os-release parser (a file of the host or of a container image) and the arch name map.
 * The first two bytes set the output buffer sizes, allocated exactly. */
#include <string.h>

#include "fuzz.h"
#include "src/btf/hostinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t id_sz, ver_sz;
	char *id, *ver, *text;

	if (size < 2)
		return 0;
	id_sz = data[0] % 80;
	ver_sz = data[1] % 80;
	id = malloc(id_sz ? id_sz : 1);
	ver = malloc(ver_sz ? ver_sz : 1);
	text = malloc(size - 2 ? size - 2 : 1);
	memcpy(text, data + 2, size - 2);
	os_release_parse(text, size - 2, id, id_sz, ver, ver_sz);
	if ((id_sz && strnlen(id, id_sz) == id_sz) || (ver_sz && strnlen(ver, ver_sz) == ver_sz))
		abort();	/* not terminated inside its buffer */
	if (id_sz)
		arch_normalize(id);
	free(text);
	free(id);
	free(ver);
	return 0;
}
