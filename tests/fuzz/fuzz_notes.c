// SPDX-License-Identifier: BSD-2-Clause
/* The ELF note walker on raw bytes, as it reads /sys/kernel/notes (and any note section): the
 * first byte sets the caller's buffer size, which is allocated exactly so that an overflow
 * shows. */
#include <string.h>

#include "fuzz.h"
#include "src/btf/elfinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t max;
	unsigned char *id, *notes;
	int n;

	if (size < 1)
		return 0;
	max = 1 + data[0] % BUILD_ID_MAX;
	id = malloc(max);
	notes = malloc(size - 1 ? size - 1 : 1);	/* exact copy: reads past it are caught */
	memcpy(notes, data + 1, size - 1);
	n = notes_find_build_id(notes, size - 1, id, max);
	if (n < 0 || (size_t)n > max)
		abort();
	free(notes);
	free(id);
	return 0;
}
