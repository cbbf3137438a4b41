# cells: env:no-proc env:ro-tmp env:ro-root env:no-proc-no-tmp
# env: coreprobe in unusual environments, each with one traced call of demo_v1.
#   no-proc         /proc unmounted: the merged BTF reaches libbpf through a private temp file in
#                   /tmp, which must be gone afterwards (/tmp's mtime shows one came and went)
#   ro-tmp          /tmp read-only (with /proc): the memfd path, nothing written
#   ro-root         chroot into a read-only root (fresh /proc, /sys, tracefs, /dev inside)
#   no-proc-no-tmp  no /proc and a read-only /tmp: exit 1, one line naming /proc and TMPDIR
# Mounts are undone afterwards (in the VM, or in the host rows' private mount namespace).
VMDIR=${VMDIR:-$(cd "${0%/*}/.." && pwd)}
. "$VMDIR/lib.sh"

if no_btf_here; then
	for c in no-proc ro-tmp ro-root no-proc-no-tmp; do
		result env $c SKIP "no kernel BTF here (not embedded, sysfs hidden): see structs"
	done
	exit 0
fi
unset TMPDIR

unmount_proc() {
	umount /proc 2>/dev/null || umount -l /proc 2>/dev/null
	! [ -e /proc/self ]
}

# ---- no-proc
if mount -t tmpfs -o mode=1777 tmpfs /tmp; then
	# /tmp's mtime, set to 2000-01-01, moves when an entry is created or removed in it
	touch -t 200001010000 /tmp
	mtime0=$(stat -c %Y /tmp)
	if unmount_proc; then
		line=$(structs_check env no-proc demo_v1)
		mount -t proc proc /proc
		left=$(ls -A /tmp | grep coreprobe-btf | tr '\n' ' ')
		mtime=$(stat -c %Y /tmp)
		case $line in
		*" PASS "*)
			if [ -n "$left" ]; then
				result env no-proc FAIL "BTF temp file left in /tmp: $left"
			elif [ "$mtime" = "$mtime0" ]; then
				result env no-proc FAIL "nothing was created in /tmp: the temp-file path was not taken"
			else
				result env no-proc PASS "1 event a=1 c=3 sum=4 without /proc; a temp file came and went in /tmp"
			fi ;;
		*) echo "$line" ;;
		esac
	else
		result env no-proc FAIL "harness: cannot unmount /proc"
		[ -e /proc/self ] || mount -t proc proc /proc
	fi
	umount /tmp
else
	result env no-proc FAIL "harness: cannot mount a tmpfs on /tmp"
fi

# ---- ro-tmp
if mount -t tmpfs -o ro tmpfs /tmp; then
	if touch /tmp/.w 2>/dev/null; then
		result env ro-tmp FAIL "harness: read-only /tmp is writable"
	else
		structs_check env ro-tmp demo_v1
	fi
	umount /tmp
else
	result env ro-tmp FAIL "harness: cannot mount a read-only tmpfs on /tmp"
fi

# ---- ro-root: a tmpfs on /tmp becomes the new root, holding read-only (r)binds of what
# coreprobe, the demo and this script need, then is itself made read-only. /out, bound to
# $WORK/ro-out, is the only writable place (for the tracer's output files).
ro_root() {
	r=/tmp
	mount -t tmpfs tmpfs $r || { echo "cannot mount tmpfs on $r"; return 1; }
	tops="bin sbin lib lib32 lib64 libx32 usr etc"
	for p in "$COREPROBE" "$T" "$VMDIR"; do
		p=${p#/}
		tops="$tops ${p%%/*}"
	done
	for d in $tops; do
		[ -e $r/$d ] || [ -L $r/$d ] && continue
		if [ -L /$d ]; then
			ln -s "$(readlink /$d)" $r/$d || return 1
		elif [ -d /$d ]; then
			mkdir $r/$d && mount --rbind /$d $r/$d && mount -o remount,bind,ro $r/$d ||
				{ echo "cannot bind /$d read-only"; return 1; }
		fi
	done
	mkdir -p "$WORK/ro-out" && mkdir $r/proc $r/sys $r/dev $r/tmp $r/out &&
		mount --bind "$WORK/ro-out" $r/out || { echo "cannot bind $WORK/ro-out"; return 1; }
	mount -o remount,ro $r || { echo "cannot remount $r read-only"; return 1; }
	mount -t proc proc $r/proc && mount -t sysfs sysfs $r/sys && mount --rbind /dev $r/dev ||
		{ echo "cannot mount proc, sysfs, dev in the new root"; return 1; }
	if [ -d $r/sys/kernel/tracing ]; then
		mount -t tracefs tracefs $r/sys/kernel/tracing
	fi
	if [ "$MODE" = hidden ]; then
		mount -t tmpfs tmpfs $r/sys/kernel/btf || { echo "cannot hide sysfs BTF"; return 1; }
	fi
	chroot $r /bin/sh -c '
		WORK=/out
		. "$VMDIR/lib.sh"
		if touch /.w 2>/dev/null || touch /tmp/.w 2>/dev/null || mkdir /.w 2>/dev/null; then
			result env ro-root FAIL "harness: the root or /tmp is writable"
		else
			structs_check env ro-root demo_v1
		fi'
}
out=$(ro_root 2>&1)
umount -l /tmp 2>/dev/null
echo "$out"
case $out in
*"RESULT env ro-root "*) ;;
*) result env ro-root FAIL "harness: $(printf '%s' "$out" | tail -n 3)" ;;
esac

# ---- no-proc-no-tmp
if mount -t tmpfs -o ro tmpfs /tmp; then
	if unmount_proc; then
		structs_expect_fail env no-proc-no-tmp demo_v1 1 "coreprobe: " "/proc" "TMPDIR"
		mount -t proc proc /proc
	else
		result env no-proc-no-tmp FAIL "harness: cannot unmount /proc"
		[ -e /proc/self ] || mount -t proc proc /proc
	fi
	umount /tmp
else
	result env no-proc-no-tmp FAIL "harness: cannot mount a read-only tmpfs on /tmp"
fi
