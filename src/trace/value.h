/* SPDX-License-Identifier: BSD-2-Clause */
/* Printing the values `coreprobe trace` read, by their BTF type: text and JSON. */
#ifndef COREPROBE_TRACE_VALUE_H
#define COREPROBE_TRACE_VALUE_H

#include <stdio.h>

#include "src/trace/expr.h"

struct btf;

/* data: the bytes the kernel side read (v->size of them are meaningful). */
void tv_print_text(FILE *f, const struct btf *btf, const struct trace_value *v, const __u8 *data);
void tv_print_json(FILE *f, const struct btf *btf, const struct trace_value *v, const __u8 *data);
/* "arg0->next is NULL (step 2)"-style description of a failed status */
void tv_status_text(const struct trace_value *v, __u8 status, char *buf, size_t n);

#endif
