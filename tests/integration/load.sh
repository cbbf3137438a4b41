#!/bin/bash
# Load: a burst of 10^6 add_test() calls while the reader of coreprobe's output stalls for
# a few seconds, so that the kernel side must drop events. Every call must end up either as a
# printed event or in the lost count reported at exit (JSON summary, or the text stderr line):
# events + lost == calls, exactly. Peak RSS (VmHWM) is measured and must stay under a bound
# that does not depend on the number of events. Both transports: ring buffer and --perfbuf.
# Needs root.
. "$(dirname "$0")/../lib.sh"

CALLS=${LOAD_CALLS:-1000000}
STALL=${LOAD_STALL:-3}		# seconds the reader waits before reading
RSS_BOUND_KB=${LOAD_RSS_BOUND_KB:-8192}

# flood NAME MODE CP-ARGS...: MODE json or text
flood() {
	local name=$1 mode=$2 t0 t1 hwm rc events lost prev cur
	shift 2
	rm -f "$TMP/fifo" && mkfifo "$TMP/fifo"
	{ sleep "$STALL"; cat; } <"$TMP/fifo" >"$TMP/fl.out" &
	local reader=$!
	: >"$TMP/fl.err"
	"$CP" "$@" structs "$T/demo_v1" >"$TMP/fifo" 2>"$TMP/fl.err" &
	TRACER_PID=$!
	TRACERS+=("$TRACER_PID")
	for _ in $(seq 1 200); do grep -q '^Tracing' "$TMP/fl.err" && break; sleep 0.05; done
	if ! grep -q '^Tracing' "$TMP/fl.err"; then
		notok "$name: tracer did not attach: $(head -c 300 "$TMP/fl.err")"
		kill -KILL "$TRACER_PID" "$reader" 2>/dev/null
		return
	fi
	t0=$(date +%s.%N)
	"$T/demo_v1" "$CALLS" >/dev/null
	t1=$(date +%s.%N)
	# let the reader catch up before the signal (not needed for correctness: measured here)
	prev=-1
	for _ in $(seq 1 100); do
		cur=$(stat -c %s "$TMP/fl.out")
		[ "$cur" = "$prev" ] && break
		prev=$cur
		sleep 0.2
	done
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$TRACER_PID/status")
	kill -INT "$TRACER_PID"
	wait "$TRACER_PID"
	rc=$?
	wait "$reader"
	if [ "$mode" = json ]; then
		events=$(grep -c '"pid":' "$TMP/fl.out")
		local sum
		sum=$(grep '"summary"' "$TMP/fl.out")
		lost=$(echo "$sum" | sed -n 's/.*"lost":\([0-9]*\).*/\1/p')
		if [ "$(echo "$sum" | sed -n 's/.*"events":\([0-9]*\).*/\1/p')" != "$events" ]; then
			notok "$name: summary says $(echo "$sum") but $events event lines were printed"
			return
		fi
	else
		events=$(($(wc -l <"$TMP/fl.out") - 1))	# minus the header
		lost=$(sed -n 's/^coreprobe: \([0-9]*\) events lost.*/\1/p' "$TMP/fl.err")
		lost=${lost:-0}
	fi
	local rate
	rate=$(awk -v a="$t0" -v b="$t1" -v n="$CALLS" 'BEGIN { printf "%.0f", n / (b - a) }')
	if [ "$rc" != 0 ]; then
		notok "$name: tracer exit $rc: $(tail -n 2 "$TMP/fl.err")"
	elif [ $((events + lost)) != "$CALLS" ]; then
		notok "$name: events $events + lost $lost = $((events + lost)), want $CALLS"
	elif [ "$lost" = 0 ]; then
		notok "$name: no event lost although the reader stalled ${STALL}s: the loss path was not exercised"
	elif [ -z "$hwm" ] || [ "$hwm" -gt "$RSS_BOUND_KB" ]; then
		notok "$name: peak RSS ${hwm:-?} kB over the ${RSS_BOUND_KB} kB bound"
	else
		ok "$name: $CALLS calls = $events events + $lost lost (reported), peak RSS $hwm kB, $rate calls/s"
	fi
}

flood "flood, ring buffer, JSON summary" json -j
flood "flood, perf buffer (--perfbuf), text 'events lost' line" text --perfbuf
