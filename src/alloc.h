/* SPDX-License-Identifier: BSD-2-Clause */
/* Which allocator serves malloc: musl's (lean: the default) or mimalloc (fast under threads). */
#ifndef COREPROBE_ALLOC_H
#define COREPROBE_ALLOC_H

#include <stdbool.h>

/* From now on, new allocations come from mimalloc (memory already allocated keeps its owner:
 * free and realloc go to whichever allocator a pointer came from). Call it on the main thread
 * before the DWARF encoder starts its threads: it is for the allocation-heavy, multi-threaded
 * DWARF -> BTF encode. One-way and idempotent. A no-op in builds without mimalloc (the glibc
 * builds for valgrind, ASan and the fuzzers, whose tools intercept the libc allocator). */
void alloc_prefer_fast(void);
/* Whether alloc_prefer_fast() took effect (false where it is a no-op). */
bool alloc_is_fast(void);
/* Whether P came from mimalloc (false where there is none): for the tests. */
bool alloc_owned_by_fast(const void *p);

#endif
