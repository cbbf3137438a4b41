#!/bin/bash
# Files coreprobe writes: --output FILE (created 0600, appended to, never through a planted
# symlink, FIFO, hard link or someone else's file; one write(2) per line, so two writers never
# interleave inside a line), and nothing written to shared temp directories (the no-/proc
# fallback excepted, whose temp file must be unlinked). Needs root.
. "$(dirname "$0")/../lib.sh"

# traced_run OUTFILE [CP-ARGS...]: traces one call of demo_v1 with --output OUTFILE
traced_run() {
	local out=$1
	shift
	tracer_start "$TMP/tr.out" "$TMP/tr.err" "$CP" --output "$out" -j "$@" structs -c 1 "$T/demo_v1" || return 1
	"$T/demo_v1" >/dev/null
	tracer_wait 10
}

umask 022
# LeakSanitizer cannot run under ptrace: off for the strace'd runs of a sanitizer build
export_nolsan() { export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"; }
if traced_run "$TMP/new.out" && [ "$(stat -c %a "$TMP/new.out")" = 600 ] && grep -q '"a":1,"c":3,"sum":4' "$TMP/new.out" &&
	[ ! -s "$TMP/tr.out" ]; then
	ok "--output: new file created 0600 (umask 022), events in it, nothing on stdout"
else
	notok "--output new file: mode $(stat -c %a "$TMP/new.out" 2>/dev/null): $(head -c 200 "$TMP/tr.err")"
fi

printf 'earlier line\n' >"$TMP/old.out"
chmod 644 "$TMP/old.out"
if traced_run "$TMP/old.out" && [ "$(head -n 1 "$TMP/old.out")" = "earlier line" ] && grep -q '"sum":4' "$TMP/old.out"; then
	ok "--output: an existing file is appended to, not truncated"
else
	notok "--output existing file: $(head -c 200 "$TMP/old.out")"
fi

# a symlink planted where the output goes, pointing at a file root must not touch
printf 'precious\n' >"$TMP/precious"
sum=$(md5sum <"$TMP/precious")
ln -s "$TMP/precious" "$TMP/link.out"
expect_error "--output through a planted symlink: refused, exit 2" 2 'is a symbolic link: refusing' \
	"$CP" --output "$TMP/link.out" structs -c 1 "$T/demo_v1"
[ "$(md5sum <"$TMP/precious")" = "$sum" ] && ok "planted symlink: its target is untouched" || notok "planted symlink: target changed"
ln -s "$TMP/does-not-exist" "$TMP/dangling.out"
expect_error "--output through a dangling symlink: refused, nothing created" 2 'is a symbolic link' \
	"$CP" --output "$TMP/dangling.out" structs -c 1 "$T/demo_v1"
[ ! -e "$TMP/does-not-exist" ] || notok "dangling symlink: its target was created"
ln "$TMP/precious" "$TMP/hard.out"
expect_error "--output onto a planted hard link: refused, exit 2" 2 'hard links: refusing' \
	"$CP" --output "$TMP/hard.out" structs -c 1 "$T/demo_v1"
mkfifo "$TMP/fifo.out"
expect_error "--output onto a planted FIFO: refused at once, exit 2" 2 'refusing|cannot open' \
	timeout 5 "$CP" --output "$TMP/fifo.out" structs -c 1 "$T/demo_v1"
touch "$TMP/theirs.out" && chown 65534:65534 "$TMP/theirs.out"
expect_error "--output onto another user's file: refused, exit 2" 2 'belongs to uid 65534' \
	"$CP" --output "$TMP/theirs.out" structs -c 1 "$T/demo_v1"
expect_error "--output in a missing directory: exit 2" 2 'cannot open .*No such file' \
	"$CP" --output "$TMP/nodir/x.out" structs -c 1 "$T/demo_v1"
[ "$(md5sum <"$TMP/precious")" = "$sum" ] || notok "the planted links' target changed"

# two tracers appending to one file at the same time: every line whole
N=${FILES_CALLS:-20000}
: >"$TMP/shared.out"
chmod 600 "$TMP/shared.out"
pids=()
for w in 1 2; do
	tracer_start "$TMP/w$w.out" "$TMP/w$w.err" "$CP" --output "$TMP/shared.out" -j structs -c "$N" "$T/demo_v1" || notok "writer $w did not attach"
	pids+=("$TRACER_PID")
done
"$T/demo_v1" "$N" >/dev/null
for p in "${pids[@]}"; do TRACER_PID=$p; tracer_wait 30; done
lines=$(wc -l <"$TMP/shared.out")
bad=$(grep -vcE '^\{"pid":[0-9]+,"tid":[0-9]+,"comm":"demo_v1","a":1,"c":3,"sum":4\}$|^\{"summary":\{"events":[0-9]+,"lost":[0-9]+\}\}$' "$TMP/shared.out")
if [ "$lines" = $((2 * N + 2)) ] && [ "$bad" = 0 ]; then
	ok "two writers, one --output file: $lines lines, none interleaved"
else
	notok "two writers: $lines lines (want $((2 * N + 2))), $bad malformed: $(grep -vE '^\{"(pid|summary)' "$TMP/shared.out" | head -c 200)"
fi
# one write(2) per line: what a writer wrote is whole lines, write by write
( export_nolsan; exec strace -f -e trace=write,writev -e signal=none -o "$TMP/st" "$CP" --output "$TMP/st.out" -j structs -d 1.5 "$T/demo_v1" 2>/dev/null ) &
sp=$!
sleep 1
"$T/demo_v1" 50 >/dev/null
wait "$sp"
nw=$(grep -cE '^[0-9]+ +(write|writev)\(1,' "$TMP/st")
nl=$(wc -l <"$TMP/st.out")
[ "$nw" = "$nl" ] && [ "$nl" -ge 51 ] && ok "--output: one write(2) per line ($nw writes, $nl lines)" ||
	notok "--output: $nw writes for $nl lines"

# nothing created in shared temp directories during a trace
( export_nolsan; strace -f -e trace=open,openat,creat,mkdir,mknod,mknodat,link,linkat,symlink,symlinkat,rename,renameat,renameat2 \
	-o "$TMP/fs" "$CP" -j structs -d 1 "$T/demo_v1" >/dev/null 2>&1 )
# (calls that failed created nothing; the checkout's own tree may itself lie under /tmp, and the
# sanitizer runtime creates its report directory there)
shared=$(grep -E '(/tmp|/var/tmp|/dev/shm)/' "$TMP/fs" | grep -E 'O_CREAT|mkdir|mknod|link|rename' |
	grep -vE '= -1 E[A-Z]+' | grep -vF "\"$ROOT/" | head -n 3)
[ -z "$shared" ] && ok "a trace creates nothing in /tmp, /var/tmp or /dev/shm (the merged BTF is a memfd)" ||
	notok "a trace wrote to a shared temp dir: $shared"

# without /proc: the documented fallback, a private temp file unlinked right after the load
R=$TMP/noproc
mkdir -p "$R/sys" "$R/tmp" && chmod 1777 "$R/tmp"
cp "$CP" "$R/coreprobe" && cp "$T/demo_static" "$R/demo_static"
if ! file "$CP" | grep -q 'statically linked'; then
	ok "no /proc: temp file fallback # SKIP $CP is not static"
else
	unshare -m sh -c '
		mount -t sysfs sysfs "$1/sys" &&
		strace -f -e trace=open,openat,unlink,unlinkat -o "$2/np.st" chroot "$1" /coreprobe -j structs -c 1 /demo_static >"$2/np.out" 2>"$2/np.err" &
		for i in $(seq 100); do grep -q Tracing "$2/np.err" 2>/dev/null && break; sleep 0.05; done
		chroot "$1" /demo_static >/dev/null
		wait' sh "$R" "$TMP"
	created=$(grep -F O_CREAT "$TMP/np.st" | grep -oE '"/tmp/coreprobe-btf\.[A-Za-z0-9]+"' | head -n 1 | tr -d '"')
	if grep -q '"a":1,"c":3,"sum":4' "$TMP/np.out" && [ -n "$created" ] && grep -qE "unlink(at)?\(.*\"$created\"" "$TMP/np.st" &&
		[ -z "$(ls -A "$R/tmp")" ]; then
		ok "no /proc: traced 1 3 4 through the temp-file fallback $created, unlinked after the load, /tmp left empty"
	else
		notok "no /proc fallback: created '$created', left: $(ls -A "$R/tmp"): $(head -c 300 "$TMP/np.out" "$TMP/np.err")"
	fi
fi
