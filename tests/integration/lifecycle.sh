#!/bin/bash
# Lifecycle: many start/stop cycles of each tracer, stopped by SIGINT, SIGTERM, SIGHUP and
# (some) SIGKILL; afterwards nothing coreprobe created may remain: no BPF program, map or link
# (the ids each tracer held, read from its /proc/PID/fdinfo while it ran, must all be gone;
# and no program or map of the run's names may be left that no process holds), no uprobe or
# kprobe event in tracefs, no coreprobe-btf.* file in /tmp or $TMPDIR. Also: the traced program
# exiting, re-executing and being deleted or replaced while traced. Needs root.
. "$(dirname "$0")/../lib.sh"

CYCLES=${LIFECYCLE_CYCLES:-100}
# One row per tracer: NAME|ARGUMENTS AFTER "coreprobe -j". A new tool is one more line.
# ipsetaudit has no row: no attach type works on this host (it exits 5, see kerneltools.sh).
TOOLS=(
	"structs|structs $T/demo_v1"
	"sslsniff|sslsniff"
	"tcprtt|tcprtt"
	"flowlat|flowlat -i lo"
	"trace|--app-btf $B/btf/tracetarget_l1.btf trace $T/tracetarget_l1:visit arg0->id arg0->head->next->label arg0->head->id"
)

# tracefs: mounted for the check if it is not, and unmounted again afterwards
TRACEFS=/sys/kernel/tracing
MOUNTED_TRACEFS=
if ! mountpoint -q "$TRACEFS" && mount -t tracefs nodev "$TRACEFS" 2>/dev/null; then
	MOUNTED_TRACEFS=1
fi
trap 'cleanup_tracers; [ -n "$MOUNTED_TRACEFS" ] && umount "$TRACEFS"; rm -rf "$TMP"' EXIT

probe_events() { cat "$TRACEFS/uprobe_events" "$TRACEFS/kprobe_events" 2>/dev/null | sort; }
temp_files() { ls -d /tmp/coreprobe-btf.* "${TMPDIR:-/tmp}"/coreprobe-btf.* 2>/dev/null | sort -u; }
# ids KIND (prog|map|link): every id of that kind that exists now
ids() { bpftool -j "$1" show 2>/dev/null | grep -o '"id":[0-9]*' | cut -d: -f2 | sort -n; }
# held_ids PID: the BPF object ids the process holds open, as "prog 12", "map 34", "link 5"
held_ids() { grep -h -E '^(prog|map|link)_id:' /proc/"$1"/fdinfo/* 2>/dev/null | sed 's/_id:[[:space:]]*/ /' | sort -u; }
# all_held: the ids held by any process (what a leak would not be)
all_held() { for p in /proc/[0-9]*; do held_ids "${p#/proc/}"; done | sort -u; }

events_before=$(probe_events)
tmp_before=$(temp_files)
max_prog_before=$(ids prog | tail -n 1)
max_map_before=$(ids map | tail -n 1)

for row in "${TOOLS[@]}"; do
	name=${row%%|*}
	read -r -a args <<<"${row#*|}"
	: >"$TMP/held"
	sigs=(INT TERM HUP)
	fails=0 kills=0 t0=$(date +%s.%N)
	for i in $(seq 1 "$CYCLES"); do
		if ! tracer_start "$TMP/lc.out" "$TMP/lc.err" "$CP" -j "${args[@]}"; then
			notok "lifecycle $name: cycle $i: did not attach: $(head -c 300 "$TMP/lc.err")"
			fails=$((fails + 1))
			break
		fi
		held_ids "$TRACER_PID" >>"$TMP/held"
		# every 10th cycle: SIGKILL (no clean-up code runs; the kernel must release everything)
		if [ $((i % 10)) = 0 ]; then
			sig=KILL
			kills=$((kills + 1))
		else
			sig=${sigs[$((i % 3))]}
		fi
		kill -"$sig" "$TRACER_PID"
		{ wait "$TRACER_PID"; } 2>/dev/null	# no "Killed" notice from bash
		rc=$?
		if [ "$sig" != KILL ] && { [ "$rc" != 0 ] || ! grep -q '"summary"' "$TMP/lc.out"; }; then
			notok "lifecycle $name: cycle $i: SIG$sig: exit $rc, summary: $(grep -c summary "$TMP/lc.out"): $(head -c 300 "$TMP/lc.err")"
			fails=$((fails + 1))
			break
		fi
	done
	t1=$(date +%s.%N)
	[ "$fails" = 0 ] && ok "lifecycle $name: $CYCLES start/stop cycles (SIGINT/SIGTERM/SIGHUP exit 0 with a summary, $kills by SIGKILL), $(awk -v a="$t0" -v b="$t1" -v n="$CYCLES" 'BEGIN { printf "%.0f ms", (b - a) * 1000 / n }') per cycle"
	sort -u "$TMP/held" -o "$TMP/held"
	n_held=$(wc -l <"$TMP/held")
	# the kernel frees programs after an RCU grace period: give it a moment
	for _ in $(seq 1 50); do
		{ ids prog | sed 's/^/prog /'; ids map | sed 's/^/map /'; ids link | sed 's/^/link /'; } | sort -u >"$TMP/now"
		left=$(comm -12 "$TMP/held" "$TMP/now")
		[ -z "$left" ] && break
		sleep 0.2
	done
	if [ "$n_held" -lt "$((CYCLES * 3))" ]; then
		notok "lifecycle $name: only $n_held BPF ids seen held by the tracers (fdinfo unreadable?)"
	elif [ -n "$left" ]; then
		notok "lifecycle $name: BPF objects left after the tracers exited: $(echo $left | head -c 300)"
	else
		ok "lifecycle $name: none of the $n_held BPF programs, maps and links the tracers held remains"
	fi
done

# leaks nobody holds: programs and maps created since the start that no process has open
# (a pinned or otherwise orphaned object; other tracers on this host hold theirs)
all_held >"$TMP/all_held"
orphans=$( { ids prog | awk -v m="${max_prog_before:-0}" '$1 > m { print "prog " $1 }'
	     ids map | awk -v m="${max_map_before:-0}" '$1 > m { print "map " $1 }'; } | sort -u |
	   comm -23 - "$TMP/all_held")
# a map held only by a live program is not an orphan: count only those that still exist
if [ -n "$orphans" ]; then
	sleep 1
	orphans=$(echo "$orphans" | while read -r kind id; do
		bpftool -j "$kind" show id "$id" 2>/dev/null | grep -q '"name":"\(add_test\|trace_probe\|events_rb\|events_pb\|events_dropped\|events_heap\|structs_.*\)"' &&
			echo "$kind $id"; done)
fi
[ -z "$orphans" ] && ok "lifecycle: no coreprobe program or map left that no process holds" ||
	notok "lifecycle: orphaned BPF objects: $(echo $orphans | head -c 300)"
if [ -z "$MOUNTED_TRACEFS" ] && ! mountpoint -q "$TRACEFS"; then
	ok "lifecycle: no probe events in tracefs # SKIP tracefs cannot be mounted here"
elif [ "$(probe_events)" = "$events_before" ]; then
	ok "lifecycle: no uprobe/kprobe event left in tracefs ($(echo "$events_before" | grep -c .) before and after)"
else
	notok "lifecycle: tracefs probe events changed: $(diff <(echo "$events_before") <(probe_events) | head -c 300)"
fi
[ "$(temp_files)" = "$tmp_before" ] && ok "lifecycle: no coreprobe-btf.* temp file left" ||
	notok "lifecycle: temp files left: $(temp_files | head -c 300)"

# ---- the traced program's own life ----
# exits while traced (-p PID): the tracer keeps running and stops cleanly on a signal
"$T/demo_v1" 30 20 >/dev/null &
victim=$!
if tracer_start "$TMP/v.out" "$TMP/v.err" "$CP" -j structs -p "$victim" "$T/demo_v1"; then
	wait "$victim"
	sleep 0.3
	if kill -0 "$TRACER_PID" 2>/dev/null; then
		kill -INT "$TRACER_PID"; wait "$TRACER_PID"; rc=$?
		[ "$rc" = 0 ] && grep -q '"summary":{"events":[1-9]' "$TMP/v.out" &&
			ok "target exits while traced (-p): tracer keeps running, SIGINT exit 0 with its events" ||
			notok "target exits while traced: exit $rc: $(tail -c 200 "$TMP/v.out") $(head -c 200 "$TMP/v.err")"
	else
		wait "$TRACER_PID"
		notok "target exits while traced: the tracer ended with it (exit $?)"
	fi
else
	notok "target exits while traced: did not attach"
fi
# executed again and again: every new process of the binary is traced
if tracer_start "$TMP/r.out" "$TMP/r.err" "$CP" -j structs "$T/demo_v1"; then
	for _ in 1 2 3; do "$T/demo_v1" 5 >/dev/null; done
	sh -c "exec '$T/demo_v1' 5" >/dev/null
	sleep 0.3
	kill -TERM "$TRACER_PID"; wait "$TRACER_PID"; rc=$?
	n=$(grep -c '"sum":4' "$TMP/r.out")
	[ "$rc" = 0 ] && [ "$n" = 20 ] && ok "target re-executed 4 times (once through exec): 20 of 20 calls traced, SIGTERM exit 0" ||
		notok "target re-executed: exit $rc, $n of 20 calls"
else
	notok "target re-executed: did not attach"
fi
# deleted, then replaced by another binary, while a process of it runs: the probe stays on
# the running file; the tracer keeps running and stops cleanly
cp "$T/demo_v1" "$TMP/victim"
"$TMP/victim" 40 25 >/dev/null &
victim=$!
if tracer_start "$TMP/d.out" "$TMP/d.err" "$CP" -j structs "$TMP/victim"; then
	sleep 0.2
	rm -f "$TMP/victim"
	sleep 0.2
	cp "$T/demo_v2" "$TMP/victim.new" && mv "$TMP/victim.new" "$TMP/victim"
	wait "$victim"
	"$TMP/victim" 3 >/dev/null	# the new file: not the one traced
	kill -HUP "$TRACER_PID"; wait "$TRACER_PID"; rc=$?
	n=$(grep -c '"sum":4' "$TMP/d.out")
	[ "$rc" = 0 ] && [ "$n" -ge 30 ] && [ "$n" -le 40 ] && grep -q '"summary"' "$TMP/d.out" &&
		ok "target deleted and replaced while traced: $n events from the running process, none from the new file, SIGHUP exit 0" ||
		notok "target deleted while traced: exit $rc, $n events: $(head -c 200 "$TMP/d.err")"
else
	notok "target deleted while traced: did not attach"
	kill "$victim" 2>/dev/null
fi
