/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef COREPROBE_DWSAME_H
#define COREPROBE_DWSAME_H

#include <stdbool.h>
#include <stddef.h>

#include "src/btf/dwskim.h"

/* A unit as the comparison reads it: the skim's view and its abbreviation table. */
struct dw_same_unit {
	const struct skim_unit *u;
	const struct abbrev_table *t;
};

struct dw_same {
	bool minimal;		/* object mode: the encoder's "FWD behind a pointer" cut applies */
	bool (*named_by_object)(void *ctx, const char *name);	/* object mode: names kept whole */
	void *ctx;
	/* private: the pairs of the comparison under way (entries of older comparisons have an
	 * older gen: a new comparison starts with an empty table without clearing it) */
	struct dw_same_pair { const void *a, *b; unsigned gen; unsigned char shallow; } *memo;
	size_t n, cap;
	unsigned gen;
	unsigned visits;
	struct dw_raw_die *scratch;	/* two per depth level */
};

/* Whether the type definition at A (in unit UA) and the one at B (in UB) are proven to encode to
 * the same BTF, as dwarf.c's encoder writes them from the root of an encode. false means "not
 * proven" (different, or something this comparison does not read): the caller encodes B. */
bool dw_same_type(struct dw_same *s, const struct dw_same_unit *ua, const unsigned char *a,
		  const struct dw_same_unit *ub, const unsigned char *b);
void dw_same_free(struct dw_same *s);

#endif
