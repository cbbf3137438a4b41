#!/bin/bash
# bench/sslfd-bpfstats.sh: the BPF time sslsniff spends per SSL_write+SSL_read pair, with the
# fd correlation and without it (--no-fd-syscalls), from the kernel's own per-program run-time
# counters (kernel.bpf_stats_enabled, restored afterwards). Each round runs bench/tlspair
# (WRITES 64-byte writes, one pair) under each variant; the programs measured are the ones that
# run's coreprobe holds (prog_id in its /proc/PID/fdinfo), so another tracer loaded meanwhile
# does not count. The whole-call figure
# (uprobe traps included) is bench/run.sh's sslfd part; this one is the part the correlation
# adds, without the noise of a shared machine's wall clock.
#
# usage: bench/sslfd-bpfstats.sh [ROUNDS] [WRITES]   (root; after make bench's build/bench/tlspair)
# Prints one JSON object: per variant the median ns per pair, and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
WRITES=${2:-20000}
LIB=/lib/x86_64-linux-gnu/libssl.so.3
OUT=build/bench
[ -x $OUT/tlspair ] || { echo "sslfd-bpfstats: build $OUT/tlspair first (make $OUT/tlspair)" >&2; exit 2; }
old=$(cat /proc/sys/kernel/bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled=$old' EXIT
sysctl -qw kernel.bpf_stats_enabled=1

# one VARIANT-ARGS: prints ns of BPF time per pair (nothing if no program was found)
one() {
	local ids pid r
	rm -f $OUT/bpfstats.err
	./coreprobe -j sslsniff --lib $LIB "$@" -d 60 >/dev/null 2>$OUT/bpfstats.err &
	pid=$!
	for _ in $(seq 100); do grep -q Tracing $OUT/bpfstats.err 2>/dev/null && break; sleep 0.05; done
	ids=$(cat /proc/$pid/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -u | jq -s -c .)
	$OUT/tlspair "$WRITES" 0 64 1 >/dev/null
	r=$(bpftool -j prog show | jq --argjson ids "$ids" --argjson w "$WRITES" '
		[.[] | select(.id as $i | $ids | index($i))] |
		if length == 0 then empty else ([.[].run_time_ns // 0] | add) / $w | floor end')
	kill -INT $pid
	wait $pid || true
	echo "$r"
}

with=() without=()
for _ in $(seq "$ROUNDS"); do
	a=$(one) && [ -n "$a" ] && with+=("$a")
	b=$(one --no-fd-syscalls) && [ -n "$b" ] && without+=("$b")
done
printf '%s\n' "${with[@]}" | jq -s --argjson wo "$(printf '%s\n' "${without[@]}" | jq -s .)" '
	def med: sort | if length == 0 then null else .[length / 2 | floor] end;
	{ns_per_pair: {sslsniff: med, nofd: ($wo | med)}, rounds: {sslsniff: ., nofd: $wo}} |
	.ratio = (if .ns_per_pair.nofd then ((.ns_per_pair.sslsniff / .ns_per_pair.nofd) * 1000 | round) / 1000 else null end)'
