// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>
#include <sys/utsname.h>

#include "src/common.h"
#include "src/btf/hostinfo.h"

const char *arch_normalize(const char *m)
{
	if (!strcmp(m, "aarch64") || !strcmp(m, "arm64"))
		return "arm64";
	if (!strcmp(m, "x86_64") || !strcmp(m, "amd64"))
		return "x86_64";
	return m;
}

const char *build_arch(void)
{
#if defined(__x86_64__)
	return "x86_64";
#elif defined(__aarch64__)
	return "arm64";
#else
#error "unsupported architecture"
#endif
}

/* Copies an os-release value: strips one level of ' or " quoting and shell backslash escapes
 * (ID="centos", VERSION_ID='8', ID=debian all give the bare word). */
static void copy_value(const char *v, size_t n, char *out, size_t out_sz)
{
	size_t o = 0;
	char q = 0;

	if (!out_sz)
		return;
	if (n && (v[0] == '"' || v[0] == '\'')) {
		q = v[0];
		v++, n--;
	}
	for (size_t i = 0; i < n && o + 1 < out_sz; i++) {
		if (q && v[i] == q)
			break;
		if (v[i] == '\\' && i + 1 < n && q != '\'')
			i++;
		out[o++] = v[i];
	}
	out[o] = 0;
	/* trailing blanks of unquoted values */
	while (!q && o && (out[o - 1] == ' ' || out[o - 1] == '\t'))
		out[--o] = 0;
}

void os_release_parse(const char *text, size_t len, char *id, size_t id_sz, char *ver, size_t ver_sz)
{
	size_t i = 0;

	if (id_sz)
		id[0] = 0;
	if (ver_sz)
		ver[0] = 0;
	while (i < len) {
		const char *line = text + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;

		i += n + 1;
		while (n && (*line == ' ' || *line == '\t'))
			line++, n--;
		if (n > 3 && !memcmp(line, "ID=", 3))
			copy_value(line + 3, n - 3, id, id_sz);
		else if (n > 11 && !memcmp(line, "VERSION_ID=", 11))
			copy_value(line + 11, n - 11, ver, ver_sz);
	}
}

void host_info_read(struct host_info *h)
{
	static const char *os_files[] = { "/etc/os-release", "/usr/lib/os-release" };
	unsigned char notes[4096];
	char text[8192];
	struct utsname u;
	long n;

	memset(h, 0, sizeof(*h));
	if (uname(&u) == 0) {
		snprintf(h->release, sizeof(h->release), "%s", u.release);
		snprintf(h->arch, sizeof(h->arch), "%s", arch_normalize(u.machine));
	}
	for (size_t i = 0; i < ARRAY_SIZE(os_files); i++) {
		n = read_small_file(os_files[i], text, sizeof(text));
		if (n > 0) {
			os_release_parse(text, n, h->os_id, sizeof(h->os_id), h->os_version, sizeof(h->os_version));
			break;
		}
	}
	/* The kernel's own notes stay readable when /sys/kernel/btf is absent or hidden. */
	n = read_small_file("/sys/kernel/notes", notes, sizeof(notes));
	if (n > 0)
		h->build_id_len = notes_find_build_id(notes, n, h->build_id, sizeof(h->build_id));
	hex_encode(h->build_id, h->build_id_len, h->build_id_hex);
}
