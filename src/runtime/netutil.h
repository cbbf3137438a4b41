/* SPDX-License-Identifier: BSD-2-Clause */
/* Network odds and ends the kernel tools share: parsing the addresses, ports and interfaces
 * users give, and printing the addresses BPF programs report. */
#ifndef COREPROBE_NETUTIL_H
#define COREPROBE_NETUTIL_H

#include <stddef.h>
#include <stdint.h>

/* "1.2.3.4" or "::1" into family (AF_INET/AF_INET6) + 16 bytes (IPv4 in the first 4, network
 * order). Exit code 2 with a one-line message on anything else. */
int cp_parse_ipaddr(const char *opt, const char *s, uint8_t *family, uint8_t addr[16]);
/* 1..65535; exit code 2 otherwise. */
int cp_parse_port(const char *opt, const char *s, uint16_t *port);
/* An existing network interface by name; exit code 2 naming it otherwise. */
int cp_parse_iface(const char *opt, const char *s, int *ifindex);
/* family + 16 bytes as text ("?" for an unknown family). */
const char *cp_ipaddr_str(int family, const void *addr, char *buf, size_t n);
/* The ARPHRD_* link type of an interface (sysfs), or -1. */
int cp_iface_type(const char *name);

#endif
