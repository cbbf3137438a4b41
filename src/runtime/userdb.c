// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/runtime/userdb.h"

#define NAME_MAX_LEN 32

/* name:password:uid:...: the name and uid fields of one line, or -1 if the line is not a
 * well-formed entry (NIS "+"/"-" lines, comments, empty or odd names, non-numeric uids). */
static int parse_line(char *line, char **name, uint32_t *uid)
{
	char *f1, *f2, *f3, *end;
	unsigned long v;
	size_t len;

	if (line[0] == '#' || line[0] == '+' || line[0] == '-')
		return -1;
	if (!(f1 = strchr(line, ':')) || !(f2 = strchr(f1 + 1, ':')))
		return -1;
	*f1 = 0;
	f3 = f2 + 1;
	len = strlen(line);
	if (!len || len > NAME_MAX_LEN)
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] <= ' ' || (unsigned char)line[i] >= 0x7f)
			return -1;
	if (*f3 < '0' || *f3 > '9')
		return -1;
	errno = 0;
	v = strtoul(f3, &end, 10);
	if (errno || *end != ':' || end - f3 > 10 || v > UINT32_MAX)
		return -1;
	*name = line;
	*uid = v;
	return 0;
}

const char *cp_user_name_in(const char *passwd, uint32_t uid, char *buf, size_t n)
{
	char line[1024];
	FILE *f = fopen(passwd, "re");
	const char *found = NULL;

	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		char *name;
		uint32_t u;

		if (len && line[len - 1] != '\n' && !feof(f)) {
			/* longer than any sane entry: skip it whole, never parse a fragment */
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		if (parse_line(line, &name, &u) == 0 && u == uid) {
			snprintf(buf, n, "%s", name);
			found = buf;
		}
	}
	fclose(f);
	return found;
}

const char *cp_user_name(uint32_t uid, char *buf, size_t n)
{
	return cp_user_name_in("/etc/passwd", uid, buf, n);
}
