#!/bin/bash
# coreprobe structs on the build host: both layouts, every kernel-BTF path, refusal, collision,
# btf add, empty root, -p. Needs root.
. "$(dirname "$0")/../lib.sh"

# demo NAME WANT-EXIT CP-ARGS... -- TARGET [TARGET-ARGS]: traces one call of TARGET, checks the
# JSON event says a=1 c=3 sum=4.
demo() {
	local name=$1 target
	shift
	local args=()
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	target=$1
	shift
	if ! tracer_start "$TMP/d.out" "$TMP/d.err" "$CP" -j "${args[@]}" -c 1 "$target"; then
		notok "$name: tracer did not attach: $(head -c 300 "$TMP/d.err")"
		return
	fi
	"$target" "$@" >/dev/null
	if ! tracer_wait 10; then
		notok "$name: tracer exit $?: $(head -c 300 "$TMP/d.err")"
	elif grep -q '"a":1,"c":3,"sum":4' "$TMP/d.out" && [ "$(grep -c '"a":' "$TMP/d.out")" = 1 ]; then
		ok "$name"
	else
		notok "$name: got $(head -c 300 "$TMP/d.out")"
	fi
}

# -- both layouts, default kernel BTF choice (on this host: the embedded blob proven by build-id)
demo "structs demo_v1 {a,c,d}: 1 3 4" structs -- "$T/demo_v1"
demo "structs demo_v2 {a,b,c,d}: 1 3 4" structs -- "$T/demo_v2"
demo "structs --no-sysfs-btf demo_v2: 1 3 4" --no-sysfs-btf structs -- "$T/demo_v2"
# -- the full sysfs path (parse + prune of the running kernel's BTF)
demo "structs --kernel-btf /sys/kernel/btf/vmlinux demo_v1: 1 3 4" --kernel-btf /sys/kernel/btf/vmlinux structs -- "$T/demo_v1"
CP_SAVE=$CP
CP=$B/coreprobe-nohost
demo "structs on real sysfs BTF (no blob for this kernel) demo_v2: 1 3 4" structs -- "$T/demo_v2"
CP=$CP_SAVE
# -- sysfs hidden: the embedded blob of this kernel must be used
out=$(hidden_sysfs "$CP" -j btf which "$T/demo_v1")
if echo "$out" | grep -q '"sysfs":false,"source":"embedded","match":"build-id"' && echo "$out" | grep -q '"app":{.*"source":"embedded"'; then
	ok "btf which with sysfs hidden: embedded blob matched by build-id"
else
	notok "btf which with sysfs hidden: $out"
fi
out=$("$CP" -j btf which)
if echo "$out" | grep -q '"sysfs":true,"source":"embedded","match":"build-id"'; then
	ok "btf which with sysfs: the proven embedded blob is preferred"
else
	notok "btf which with sysfs: $out"
fi
if tracer_start "$TMP/h.out" "$TMP/h.err" hidden_sysfs "$CP" -j structs -c 1 "$T/demo_v1"; then
	"$T/demo_v1" >/dev/null
	if tracer_wait 10 && grep -q '"a":1,"c":3,"sum":4' "$TMP/h.out"; then
		ok "structs with /sys/kernel/btf hidden: 1 3 4 from the embedded blob"
	else
		notok "structs with /sys/kernel/btf hidden: $(cat "$TMP/h.out" "$TMP/h.err" | head -c 300)"
	fi
else
	notok "structs with /sys/kernel/btf hidden: did not attach: $(head -c 300 "$TMP/h.err")"
fi
# -- unknown kernel, sysfs hidden: exit 3 naming the release and the closest embedded ones
expect_error "unknown kernel with sysfs hidden: exit 3" 3 "no BTF for kernel $(uname -r).*closest embedded: .*btf add --kernel" \
	hidden_sysfs "$B/coreprobe-nohost" structs "$T/demo_v1"
out=$(hidden_sysfs "$B/coreprobe-nohost" -j btf which 2>&1)
echo "$out" | grep -q '"exit":3' && ok "btf which --json on an unknown kernel: JSON error, exit 3" || notok "btf which json error: $out"

# -- no blob for the target: refuse, never guess
expect_error "target without a blob (demo_v3): exit 3, no values" 3 "no BTF for .*demo_v3 \(build-id [0-9a-f]+\).*never guesses" \
	"$CP" structs "$T/demo_v3"
# -- --app-btf for it works
demo "structs --app-btf demo_v3: 1 3 4" --app-btf "$B/btf/demo_v3.btf" structs -- "$T/demo_v3"

# -- collision: the kernel BTF also defines struct data, with another layout
"$CP" btf merge /sys/kernel/btf/vmlinux "$B/btf/collide.btf" "$TMP/kcollide.btf" >/dev/null
n=$(bpftool btf dump file "$TMP/kcollide.btf" | grep -c "STRUCT 'data'")
if [ "$n" = 1 ]; then
	demo "app struct named like a kernel struct (kernel data {x,c,a}): 1 3 4" --kernel-btf "$TMP/kcollide.btf" structs -- "$T/demo_v1"
else
	notok "collision fixture: $n struct data in the merged kernel BTF"
fi

# -- btf add: a copy carrying demo_v3's blob traces it; the original still refuses
if "$CP" btf add --app "$T/demo_v3=$B/btf/demo_v3.btf" -o "$TMP/cp-added" >"$TMP/add.out" 2>&1; then
	"$TMP/cp-added" btf list | grep -q "^app *demo_v3 " && ok "btf add: new blob listed" || notok "btf add: not listed"
	CP_SAVE=$CP
	CP=$TMP/cp-added
	demo "btf add output traces demo_v3 (blob only it carries): 1 3 4" structs -- "$T/demo_v3"
	demo "btf add output still traces demo_v1: 1 3 4" structs -- "$T/demo_v1"
	CP=$CP_SAVE
	if ! file "$CP" | grep -q 'statically linked'; then
		ok "btf add output is a static executable # SKIP $CP is not static (sanitizer build)"
	else
		file "$TMP/cp-added" | grep -q 'statically linked' && ok "btf add output is a static executable" || notok "btf add output: $(file "$TMP/cp-added")"
	fi
else
	notok "btf add: $(cat "$TMP/add.out")"
fi
expect_error "original still refuses demo_v3" 3 "no BTF for" "$CP" structs "$T/demo_v3"

# -- -p PID: only that process
"$T/demo_v1" 400 20 >/dev/null &
busy=$!
if tracer_start "$TMP/p.out" "$TMP/p.err" "$CP" -j structs -p "$busy" -c 3 "$T/demo_v1"; then
	"$T/demo_v1" 5 >/dev/null	# another process: must not be reported
	tracer_wait 10
	if [ "$(grep -c "\"pid\":$busy," "$TMP/p.out")" = 3 ] && ! grep '"pid":' "$TMP/p.out" | grep -vq "\"pid\":$busy,"; then
		ok "-p PID: only that process's calls"
	else
		notok "-p PID: $(head -c 400 "$TMP/p.out")"
	fi
else
	notok "-p PID: did not attach"
fi
kill "$busy" 2>/dev/null; wait "$busy" 2>/dev/null

# -- an empty root holding only coreprobe and a static target, /proc and /sys mounted
if ! file "$CP" | grep -q 'statically linked'; then
	ok "empty root (only coreprobe + a static target) # SKIP $CP is not static (sanitizer build)"
	exit 0
fi
R=$TMP/root
mkdir -p "$R/proc" "$R/sys" "$R/tmp"
cp "$CP" "$R/coreprobe"
cp "$T/demo_static" "$R/demo_static"
unshare -m sh -c '
	mount -t proc proc "$1/proc" && mount -t sysfs sysfs "$1/sys" &&
	chroot "$1" /coreprobe -j structs -c 1 /demo_static >"$2/root.out" 2>"$2/root.err" &
	for i in $(seq 100); do grep -q Tracing "$2/root.err" 2>/dev/null && break; sleep 0.05; done
	chroot "$1" /demo_static >/dev/null
	wait' sh "$R" "$TMP"
if grep -q '"a":1,"c":3,"sum":4' "$TMP/root.out"; then
	ok "empty root (only coreprobe + a static target): 1 3 4"
else
	notok "empty root: $(cat "$TMP/root.out" "$TMP/root.err" | head -c 400)"
fi

# -- the perf-buffer transport (kernels without ring buffers; forced here) prints the same
for mode in ring perf; do
	args=()
	[ $mode = perf ] && args=(--perfbuf)
	if tracer_start "$TMP/t-$mode.out" "$TMP/t-$mode.err" "$CP" "${args[@]}" structs -c 3 "$T/demo_v2"; then
		"$T/demo_v2" 3 >/dev/null
		tracer_wait 10
	fi
	sed 's/^[0-9]* *//' "$TMP/t-$mode.out" >"$TMP/t-$mode.norm"	# drop the pid column
done
if [ "$(wc -l <"$TMP/t-perf.norm")" = 4 ] && cmp -s "$TMP/t-ring.norm" "$TMP/t-perf.norm"; then
	ok "--perfbuf: perf-buffer transport gives the same output as the ring buffer"
else
	notok "--perfbuf output differs: $(diff "$TMP/t-ring.norm" "$TMP/t-perf.norm" | head -c 300)"
fi
