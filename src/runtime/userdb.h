/* SPDX-License-Identifier: BSD-2-Clause */
/* User names for the uids tools report, from /etc/passwd only. No NSS: a static binary has no
 * NSS modules, and a tracer must not start talking to LDAP or sssd from inside an event loop. */
#ifndef COREPROBE_USERDB_H
#define COREPROBE_USERDB_H

#include <stddef.h>
#include <stdint.h>

/* The first /etc/passwd entry with this uid, or NULL (no such entry, no readable file, a
 * malformed entry). Names are checked: at most 32 printable characters, no ':' or spaces. */
const char *cp_user_name(uint32_t uid, char *buf, size_t n);
/* Same, on another file (tests). */
const char *cp_user_name_in(const char *passwd, uint32_t uid, char *buf, size_t n);

#endif
