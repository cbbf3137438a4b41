// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/runtime/attach.h"
#include "src/btf/btfpick.h"
#include "src/common.h"

static const char *const names[] = {
	[CP_AT_NONE] = "none",
	[CP_AT_FENTRY] = "fentry",
	[CP_AT_TP_BTF] = "tp_btf",
	[CP_AT_KPROBE] = "kprobe",
	[CP_AT_RAW_TP] = "raw_tp",
	[CP_AT_SOCKOPS] = "sockops",
};

const char *cp_attach_name(enum cp_attach_type t)
{
	return t < ARRAY_SIZE(names) && names[t] ? names[t] : "?";
}

int cp_attach_parse(const char *s, const enum cp_attach_type *allowed, enum cp_attach_type *out)
{
	char list[128] = "";
	size_t len = 0;

	for (int i = 0; allowed[i] != CP_AT_NONE; i++) {
		if (!strcmp(s, cp_attach_name(allowed[i]))) {
			*out = allowed[i];
			return 0;
		}
		len += snprintf(list + len, len < sizeof(list) ? sizeof(list) - len : 0, "%s%s",
				i ? ", " : "", cp_attach_name(allowed[i]));
	}
	return cp_error(CP_EUSAGE, "--attach %s: unknown attach type: use one of %s", s, list);
}

void cp_attach_note(struct cp_attach_log *l, const char *tool, enum cp_attach_type t, const char *target,
		    int code, const char *fmt, ...)
{
	char why[384];
	va_list ap;
	int w;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (env.verbose)
		fprintf(stderr, "coreprobe: %s: %s(%s) failed: %s\n", tool, cp_attach_name(t), target, why);
	w = snprintf(l->text + l->len, l->len < sizeof(l->text) ? sizeof(l->text) - l->len : 0, "%s%s(%s): %s",
		     l->n ? "; " : "", cp_attach_name(t), target, why);
	if (w > 0)
		l->len = l->len + w < sizeof(l->text) ? l->len + w : sizeof(l->text) - 1;
	l->n++;
	/* the most actionable class wins: privilege, then BTF, then runtime, then "cannot" */
	static const int rank[] = { [CP_EPRIV] = 4, [CP_ENOBTF] = 3, [CP_ERUNTIME] = 2, [CP_ENOFEAT] = 1 };
	if (code > 0 && code < (int)ARRAY_SIZE(rank) && (!l->code || rank[code] > rank[l->code]))
		l->code = code;
}

int cp_attach_log_fail(const struct cp_attach_log *l, const char *tool)
{
	if (!l->n)
		return cp_error(CP_ENOFEAT, "%s: no attach type to try", tool);
	return cp_error(l->code ? l->code : CP_ENOFEAT, "%s: no attach type works on this kernel: %s", tool, l->text);
}

void cp_attach_chosen(const char *tool, enum cp_attach_type t, const char *target)
{
	if (env.verbose)
		fprintf(stderr, "coreprobe: %s: attached by %s(%s)\n", tool, cp_attach_name(t), target);
}

const char *cp_errno_reason(int err, char *buf, size_t n)
{
	err = err < 0 ? -err : err;
	switch (err) {
	case EPERM: case EACCES:
		snprintf(buf, n, "refused by the kernel (%s)", strerror(err));
		break;
	case ESRCH:
		snprintf(buf, n, "target not found in the kernel's BTF (%s)", strerror(err));
		break;
	case ENOENT:
		snprintf(buf, n, "not found (%s)", strerror(err));
		break;
	case EINVAL:
		snprintf(buf, n, "rejected by the kernel (%s; -v shows libbpf's log)", strerror(err));
		break;
	case 524:	/* the kernel's internal ENOTSUPP, which no libc names: e.g. fentry on arm64
			 * before 6.4 (no ftrace direct calls for its BPF trampolines) */
		snprintf(buf, n, "not supported by this kernel (ENOTSUPP)");
		break;
	default:
		snprintf(buf, n, "%s", strerror(err));
	}
	return buf;
}

bool cp_have_kernel_btf_ids(char *why, size_t n)
{
	if (access(SYSFS_VMLINUX, R_OK) == 0)
		return true;
	snprintf(why, n, "needs the kernel's own BTF (" SYSFS_VMLINUX ") for its attach ids, not available here");
	return false;
}

bool cp_have_kprobes(char *why, size_t n)
{
	static const char *const tracefs[] = { "/sys/kernel/tracing/kprobe_events",
					       "/sys/kernel/debug/tracing/kprobe_events" };

	if (access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(tracefs); i++)
		if (access(tracefs[i], W_OK) == 0)
			return true;
	snprintf(why, n, "the kernel has no kprobes (no kprobe PMU in /sys/bus/event_source/devices and no tracefs kprobe_events: CONFIG_KPROBES off, or tracefs not mounted)");
	return false;
}

bool cp_cgroup2_root(char *path, size_t n, char *why, size_t wn)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f) {
		snprintf(why, wn, "cannot read /proc/self/mountinfo to find the cgroup v2 mount (%s)", strerror(errno));
		return false;
	}
	/* mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS.
	 * Only a mount of the hierarchy's root ("/") sees every socket of the machine. */
	while (fgets(line, sizeof(line), f)) {
		char root[1024], mnt[1024], *dash = strstr(line, " - ");
		char fstype[64];

		if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2 ||
		    sscanf(dash + 3, "%63s", fstype) != 1)
			continue;
		if (strcmp(fstype, "cgroup2") || strcmp(root, "/"))
			continue;
		snprintf(path, n, "%s", mnt);
		fclose(f);
		return true;
	}
	fclose(f);
	snprintf(why, wn, "no cgroup v2 hierarchy is mounted (mount -t cgroup2 none /sys/fs/cgroup)");
	return false;
}

bool cp_kernel_has_symbol(const char *name, bool *known)
{
	char line[512];
	size_t len = strlen(name);
	FILE *f = fopen("/proc/kallsyms", "re");
	bool found = false;

	*known = f != NULL;
	if (!f)
		return false;
	/* "ADDR TYPE NAME [MODULE]": NAME is the third field */
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ' ');

		if (!p || !(p = strchr(p + 1, ' ')))
			continue;
		p++;
		found = !strncmp(p, name, len) && (p[len] == '\n' || p[len] == '\t' || p[len] == ' ' || !p[len]);
	}
	fclose(f);
	return found;
}
