#!/bin/bash
# Runs every libFuzzer harness of tests/fuzz (built by `make fuzz-bins`, which this does first).
#   --short  each for FUZZ_SECONDS (default 4) seconds: the `make test` smoke run
#   --long   each to FUZZ_RUNS (default 10^6) executions: `make fuzz`
# Two at a time (the machine has two cores). One line per harness:
#   "ok - fuzz NAME (N execs, S s)" or "not ok - fuzz NAME: ..." with the crashing input kept in
#   build/fuzz/crashes/NAME/. The committed seeds (tests/fuzz/corpus/NAME, regression inputs of
#   fixed bugs included) are replayed first; new inputs found go to build/fuzz/work/NAME.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
MODE=${1:---short}
FUZZ_SECONDS=${FUZZ_SECONDS:-4}
FUZZ_RUNS=${FUZZ_RUNS:-1000000}
F=build/fuzz
FUZZERS="store btfmerge btfmerge_all elf notes osrelease text trace dwarf"

case $MODE in --short|--long) ;; *) echo "usage: $0 [--short|--long]" >&2; exit 2 ;; esac
if [ -z "${FUZZ_NO_BUILD:-}" ] && ! make -s fuzz-bins >"$F.build.log" 2>&1; then
	echo "not ok - fuzz harnesses build: $(tail -n 3 "$F.build.log" | tr '\n' ' ')"
	exit 1
fi

max_len() {
	case $1 in
	elf|dwarf) echo 65536 ;;
	store) echo 16384 ;;
	btfmerge|btfmerge_all) echo 8192 ;;
	*) echo 4096 ;;
	esac
}

# one NAME: runs a harness, prints its line, returns 0 on no finding
one() {
	local name=$1 bin=$F/fuzz_$1 log=$F/logs/$1.log work=$F/work/$1 crashes=$F/crashes/$1 limit t0 t1 n
	mkdir -p "$work" "$crashes" "$F/logs"
	if [ "$MODE" = --short ]; then limit=-max_total_time=$FUZZ_SECONDS; else limit=-runs=$FUZZ_RUNS; fi
	t0=$(date +%s.%N)
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$bin" "$limit" -max_len="$(max_len "$name")" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$work" "tests/fuzz/corpus/$name" >"$log" 2>&1
	local rc=$?
	t1=$(date +%s.%N)
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	local secs
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	if [ "$rc" = 0 ] && [ -n "$n" ]; then
		echo "ok - fuzz $name (${n} execs, ${secs} s)"
		return 0
	fi
	echo "not ok - fuzz $name: exit $rc after ${n:-?} execs: $(grep -m1 -E 'ERROR|runtime error|SUMMARY|deadly' "$log" | head -c 200) (log $log, input in $crashes/)"
	return 1
}

export -f one max_len
export MODE FUZZ_SECONDS FUZZ_RUNS F
fail=0
# shellcheck disable=SC2086
printf '%s\n' $FUZZERS | xargs -P 2 -I{} bash -c 'one {}' || fail=1
exit $fail
