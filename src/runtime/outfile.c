// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/common.h"
#include "src/runtime/outfile.h"

int outfile_open(const char *path)
{
	struct stat st;
	int fd;

	/* O_NOFOLLOW: a symlink planted at PATH (e.g. in /tmp) is refused, never followed to
	 * a file root may write. No O_TRUNC: an existing file is appended to, never clobbered.
	 * O_NONBLOCK only so that a FIFO planted at PATH cannot block the open. */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0) {
		if (errno == ELOOP)
			return cp_error(CP_EUSAGE, "%s: is a symbolic link: refusing to write through it (remove it or choose another path)", path), -1;
		return cp_error(CP_EUSAGE, "cannot open %s for writing: %s", path, strerror(errno)), -1;
	}
	if (fstat(fd, &st) || fcntl(fd, F_SETFL, O_APPEND) < 0) {
		cp_error(CP_EUSAGE, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* Checked on the file opened, not on the name: nothing can be swapped in between. */
	if (!S_ISREG(st.st_mode)) {
		cp_error(CP_EUSAGE, "%s: not a regular file: refusing to write to it", path);
		goto fail;
	}
	/* Another name for the same file may be a link planted to a file root must not touch. */
	if (st.st_nlink > 1) {
		cp_error(CP_EUSAGE, "%s: has %lu hard links: refusing to write to it (remove it or choose another path)",
			 path, (unsigned long)st.st_nlink);
		goto fail;
	}
	/* Someone else's file in a shared directory could be read by them as it fills. */
	if (st.st_uid != geteuid()) {
		cp_error(CP_EUSAGE, "%s: belongs to uid %u, not to us: refusing to write to it (remove it or choose another path)",
			 path, (unsigned)st.st_uid);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int outfile_write_line(int fd, const char *line, size_t len)
{
	ssize_t w;

	do
		w = write(fd, line, len);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -1;
	if ((size_t)w != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int outfile_redirect_stdout(const char *path)
{
	static char buf[OUTFILE_LINE_MAX];
	int fd = outfile_open(path);

	if (fd < 0)
		return cp_errcode();
	fflush(stdout);
	if (dup2(fd, STDOUT_FILENO) < 0) {
		close(fd);
		return cp_error(CP_EUSAGE, "--output %s: %s", path, strerror(errno));
	}
	close(fd);
	/* Line-buffered: every '\n' flushes what was printed since the previous one in a single
	 * write(2); the buffer is larger than any line, so a line is never cut in two writes. */
	setvbuf(stdout, buf, _IOLBF, sizeof(buf));
	return 0;
}
