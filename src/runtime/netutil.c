// SPDX-License-Identifier: BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "src/common.h"
#include "src/runtime/netutil.h"

int cp_parse_ipaddr(const char *opt, const char *s, uint8_t *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

		*family = AF_INET6;
		/* the BPF side reports IPv4-mapped peers as IPv4: compare them the same way */
		if (!memcmp(addr, mapped, sizeof(mapped))) {
			memmove(addr, addr + 12, 4);
			memset(addr + 4, 0, 12);
			*family = AF_INET;
		}
		return 0;
	}
	return cp_error(CP_EUSAGE, "%s %s: not an IPv4 or IPv6 address", opt, s);
}

int cp_parse_port(const char *opt, const char *s, uint16_t *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 65535)
		return cp_error(CP_EUSAGE, "%s %s: expected a port number from 1 to 65535", opt, s);
	*port = v;
	return 0;
}

int cp_parse_iface(const char *opt, const char *s, int *ifindex)
{
	unsigned idx = strlen(s) < IF_NAMESIZE ? if_nametoindex(s) : 0;

	if (!idx)
		return cp_error(CP_EUSAGE, "%s %s: no such network interface (see `ip link`)", opt, s);
	*ifindex = idx;
	return 0;
}

const char *cp_ipaddr_str(int family, const void *addr, char *buf, size_t n)
{
	if ((family != AF_INET && family != AF_INET6) || !inet_ntop(family, addr, buf, n))
		snprintf(buf, n, "?");
	return buf;
}

int cp_iface_type(const char *name)
{
	char path[128], buf[32];
	long n;

	if (strchr(name, '/'))
		return -1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/type", name);
	n = read_small_file(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return atoi(buf);
}
