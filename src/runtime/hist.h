/* SPDX-License-Identifier: BSD-2-Clause */
/* Power-of-two histograms as the kernel tools print them: text bars, or a JSON array. */
#ifndef COREPROBE_HIST_H
#define COREPROBE_HIST_H

#include <stdint.h>
#include <stdio.h>

/* Slot k holds values in [2^k, 2^(k+1)); slot 0 also holds 0. Prints the slots from 0 up to the
 * highest non-empty one; nothing if all are empty. */
void cp_hist_print(FILE *f, const uint32_t *slots, int n, const char *unit);
/* "[{"low":0,"high":1,"count":N},...]" over the same slots. */
void cp_hist_json(FILE *f, const uint32_t *slots, int n);

#endif
