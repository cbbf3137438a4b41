// SPDX-License-Identifier: BSD-2-Clause
/*
 * malloc for the shipped static binary: musl's allocator until the DWARF encoder starts, then
 * mimalloc (libbpf/build.sh builds it from Debian's source package).
 *
 * Why two: the start-up DWARF -> BTF encode runs up to three threads that allocate hard (libdw's
 * per-unit tables, libbpf's growing BTF buffers). musl's allocator serializes them on one lock
 * and hands freed pages straight back to the kernel, so the same memory is mmap'ed, faulted in
 * and munmap'ed again, with TLB-flush IPIs between the threads: measured on sslsniff's encode
 * of libssl + libcrypto, 548 mmap, 547 munmap and 397 futex calls with musl, 22, 21 and 3 with
 * mimalloc, and about 40 % less CPU time. But mimalloc keeps a page per size class, which costs
 * about 240 KB more peak RSS on the small runs (an embedded blob: 2.1 MB in all), where musl's
 * allocator is the leaner one. So the process starts on musl's and switches once, for good,
 * when it is about to encode. Blocks of 256 KiB and more stay with musl's even then (LARGE).
 *
 * How: the Makefile links with -Wl,--wrap for each allocation function, so every call (ours,
 * libbpf's, libdw's, musl's own strdup/fopen/getline...) comes here. New allocations go to the
 * allocator chosen now; free, realloc and malloc_usable_size go to the allocator that owns the
 * pointer (mimalloc knows its own segments: mi_is_in_heap_region). musl's allocator calls its
 * internal entry points among its own functions (mallocng's glue), never these wrappers, except
 * calloc, which calls malloc and then inspects the block as its own: calloc is handed to musl's
 * only for a size whose malloc goes to musl's too (before the switch, or LARGE). The switch
 * happens on the main thread before the encoder's threads exist (alloc.h), so no call is in
 * flight across it.
 */
#include "src/alloc.h"

#ifdef COREPROBE_MIMALLOC
#include <errno.h>
#include <mimalloc.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
size_t __real_malloc_usable_size(void *p);
void *__real_aligned_alloc(size_t align, size_t n);
int __real_posix_memalign(void **out, size_t align, size_t n);
void *__real_memalign(size_t align, size_t n);

static atomic_bool use_mimalloc;

void alloc_prefer_fast(void)
{
	atomic_store_explicit(&use_mimalloc, true, memory_order_relaxed);
}

bool alloc_is_fast(void)
{
	return atomic_load_explicit(&use_mimalloc, memory_order_relaxed);
}

static bool owned_by_mimalloc(const void *p)
{
	return p && mi_is_in_heap_region(p);
}

bool alloc_owned_by_fast(const void *p)
{
	return owned_by_mimalloc(p);
}

/* Large blocks stay with musl's allocator even then: it maps each one on its own and grows it in
 * place (mremap) and unmaps it when freed, where mimalloc would keep every size a growing
 * buffer passed through (libbpf's and libdw's doubling reallocs) resident. */
#define LARGE (256u << 10)

static bool to_mimalloc(size_t n)
{
	return n < LARGE && alloc_is_fast();
}

void *__wrap_malloc(size_t n)
{
	return to_mimalloc(n) ? mi_malloc(n) : __real_malloc(n);
}

void *__wrap_calloc(size_t m, size_t n)
{
	if (n && m > (size_t)-1 / n) {
		errno = ENOMEM;
		return NULL;
	}
	return to_mimalloc(m * n) ? mi_calloc(m, n) : __real_calloc(m, n);
}

void __wrap_free(void *p)
{
	if (owned_by_mimalloc(p))
		mi_free(p);
	else
		__real_free(p);
}

/* A block stays with its allocator when it is resized (musl's realloc may move it into another
 * musl block), except a mimalloc block grown to LARGE, which moves to musl's once; either way
 * free finds the owner. */
void *__wrap_realloc(void *p, size_t n)
{
	void *q;
	size_t old;

	if (!p)
		return __wrap_malloc(n);
	if (!owned_by_mimalloc(p))
		return __real_realloc(p, n);
	if (n < LARGE)
		return mi_realloc(p, n);
	/* a mimalloc block grown large: moved to musl's allocator once */
	if (!(q = __real_malloc(n)))
		return NULL;
	old = mi_usable_size(p);
	memcpy(q, p, old < n ? old : n);
	mi_free(p);
	return q;
}

size_t __wrap_malloc_usable_size(void *p)
{
	return owned_by_mimalloc(p) ? mi_usable_size(p) : __real_malloc_usable_size(p);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
	return alloc_is_fast() ? mi_aligned_alloc(align, n) : __real_aligned_alloc(align, n);
}

int __wrap_posix_memalign(void **out, size_t align, size_t n)
{
	return alloc_is_fast() ? mi_posix_memalign(out, align, n) : __real_posix_memalign(out, align, n);
}

void *__wrap_memalign(size_t align, size_t n)
{
	return alloc_is_fast() ? mi_memalign(align, n) : __real_memalign(align, n);
}

#else /* the glibc builds: one allocator, the one their tools intercept */

void alloc_prefer_fast(void)
{
}

bool alloc_is_fast(void)
{
	return false;
}

bool alloc_owned_by_fast(const void *p)
{
	return false;
}

#endif
