/* SPDX-License-Identifier: BSD-2-Clause */
/* Output files coreprobe writes as root in directories it does not control (--output, the TLS
 * tool's --keylog): opened without following or clobbering anything planted there, created
 * private, appended to one whole line per write(2) so that concurrent writers never interleave
 * inside a line. */
#ifndef COREPROBE_OUTFILE_H
#define COREPROBE_OUTFILE_H

#include <stddef.h>

/* The longest line written in one piece (stdout's buffer under --output). */
#define OUTFILE_LINE_MAX 65536

/* Opens PATH for appending: created 0600 if absent; refused (exit code 2, one-line message
 * recorded) if it is a symlink, not a regular file, has other hard links, or belongs to another
 * user. Returns the fd (O_CLOEXEC) or -1. */
int outfile_open(const char *path);
/* Writes one line (len bytes, ending in '\n') with a single write(2): O_APPEND makes it land
 * whole at the end of the file. 0, or -1 with errno (a short write is an error: retrying the
 * rest would split the line). */
int outfile_write_line(int fd, const char *line, size_t len);
/* --output: stdout becomes PATH (opened as above), line-buffered with a buffer of
 * OUTFILE_LINE_MAX, so each line printed reaches the file in one write(2). 0 or exit code 2. */
int outfile_redirect_stdout(const char *path);

#endif
