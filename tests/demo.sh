#!/bin/bash
# `make demo`: the main job. Traces add_test() in the two demo builds whose struct data
# differs, with the kernel BTF coreprobe picks by itself (on a host whose kernel it embeds: the
# embedded blob), then again with /sys/kernel/btf hidden so the embedded blob is the only way.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CP=$ROOT/coreprobe
T=$ROOT/build/targets
rc=0
run() {	# run LABEL CP-ARGS... -- TARGET
	local label=$1 err
	shift
	local args=()
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	err=$(mktemp)
	echo "== $label"
	"${args[@]}" structs -c 1 "$2" 2>"$err" &
	local pid=$!
	for _ in $(seq 100); do grep -q '^Tracing' "$err" && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
	grep '^Tracing' "$err"
	"$2" >/dev/null
	wait $pid || { rc=1; cat "$err"; }
	rm -f "$err"
}
"$CP" btf which "$T/demo_v1"
for v in demo_v1 demo_v2; do
	run "$v, kernel BTF as picked" "$CP" -- "$T/$v"
	run "$v, /sys/kernel/btf hidden" unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh "$CP" -- "$T/$v"
done
exit $rc
