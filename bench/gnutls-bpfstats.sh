#!/bin/bash
# bench/gnutls-bpfstats.sh: where sslsniff's BPF time goes for GnuTLS record calls, from the
# kernel's own per-program counters (kernel.bpf_stats_enabled, restored afterwards). Each round
# runs bench/gnutlspair (WRITES 64-byte gnutls_record_send calls, one pair: each also one
# gnutls_record_recv in the server) under `coreprobe sslsniff`; only the programs that run's
# coreprobe holds (prog_id in its /proc/PID/fdinfo) count, so another tracer loaded meanwhile
# does not. The whole-call cost (uprobe traps included) is bench/run.sh's gnutls part.
#
# usage: bench/gnutls-bpfstats.sh [ROUNDS] [WRITES] [SSLSNIFF-ARGS...]   (root; make build/bench/gnutlspair)
# Prints one JSON object: per program its runs and ns per run (medians over the rounds), and
# the total BPF ns per send+recv pair.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
WRITES=${2:-20000}
shift 2 2>/dev/null || shift $#
LIB=/lib/x86_64-linux-gnu/libgnutls.so.30
OUT=build/bench
[ -x $OUT/gnutlspair ] || { echo "gnutls-bpfstats: build $OUT/gnutlspair first (make $OUT/gnutlspair)" >&2; exit 2; }
old=$(cat /proc/sys/kernel/bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled=$old' EXIT
sysctl -qw kernel.bpf_stats_enabled=1

# one round: a JSON array of {name, run_cnt, run_time_ns} of that run's programs
one() {
	local ids pid
	rm -f $OUT/gbpfstats.err
	./coreprobe -j sslsniff --lib $LIB "$@" -d 60 >/dev/null 2>$OUT/gbpfstats.err &
	pid=$!
	for _ in $(seq 100); do grep -q Tracing $OUT/gbpfstats.err 2>/dev/null && break; sleep 0.05; done
	ids=$(cat /proc/$pid/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -u | jq -s -c .)
	$OUT/gnutlspair "$WRITES" 0 64 1 >/dev/null
	bpftool -j prog show | jq -c --argjson ids "$ids" '
		[.[] | select(.id as $i | $ids | index($i)) | select((.run_cnt // 0) > 0) |
		 {name, run_cnt: (.run_cnt // 0), run_time_ns: (.run_time_ns // 0)}]'
	kill -INT $pid
	wait $pid || true
}

for _ in $(seq "$ROUNDS"); do one "$@"; done | jq -s --argjson w "$WRITES" '
	def med: sort | .[length / 2 | floor];
	(map(map(.run_time_ns) | add) | map(. / $w | floor)) as $tot |
	{writes: $w, rounds: length,
	 ns_per_pair: ($tot | med),
	 programs: ([.[][]] | group_by(.name) | map({name: .[0].name,
		runs_per_pair: ((map(.run_cnt) | med) / $w * 1000 | round / 1000),
		ns_per_run: (map(.run_time_ns / .run_cnt) | med | round)}))}'
