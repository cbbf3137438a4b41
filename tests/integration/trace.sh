#!/bin/bash
# coreprobe trace on the build host: tests/targets/tracetarget.c in two layouts, each read with
# BTF from --app-btf, from its own .BTF section and from an embedded --full blob; the same
# values from every build (the values the target sets), the same values as bpftrace (DWARF) on
# the same process, and every refused expression with its one line and exit code. Needs root.
. "$(dirname "$0")/../lib.sh"

LAYOUTS="l1 l2"
for l in $LAYOUTS; do
	for f in "$T/tracetarget_$l" "$T/tracetarget_$l.btfsec" "$T/tracetarget_$l.debug" "$B/btf/tracetarget_$l.btf"; do
		[ -e "$f" ] || { notok "trace: $f missing (make trace-targets)"; exit 0; }
	done
done

TPIDS=()
stop_targets() { for p in "${TPIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done; TPIDS=(); }
trap 'stop_targets; cleanup_tracers; rm -rf "$TMP"' EXIT

# start_target BINARY: runs it (a call every 20 ms, for at most 2 minutes), sets TPID.
start_target() {
	"$1" 6000 20 >"$TMP/target.out" &
	TPID=$!
	TPIDS+=("$TPID")
	for _ in $(seq 1 100); do
		grep -q '^ready' "$TMP/target.out" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}

# values_match WANT-JSON FILE: the first event's "values" (and "errors" when WANT has them)
# equal WANT, as JSON (exact integers, member order free: the layouts order members differently).
values_match() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
want = json.loads(sys.argv[1])
for line in open(sys.argv[2]):
    ev = json.loads(line)
    if "values" not in ev:
        continue
    got = {"values": ev["values"]}
    if "errors" in want:
        got["errors"] = ev.get("errors")
    sys.exit(0 if got == want else 1)
sys.exit(1)
EOF
}

# check NAME WANT CP-ARGS...: one call traced (-j -c 1 -p TPID), its values must be WANT.
check() {
	local name=$1 want=$2 rc
	shift 2
	timeout 20 "$@" >"$TMP/c.out" 2>"$TMP/c.err"
	rc=$?
	if [ "$rc" != 0 ]; then
		notok "$name: exit $rc: $(head -c 300 "$TMP/c.err")"
	elif values_match "$want" "$TMP/c.out"; then
		ok "$name"
	else
		notok "$name: got $(head -c 600 "$TMP/c.out")"
	fi
}

SET_A=('arg0->id' arg1 'arg0->color' 'arg0->fl.a' 'arg0->fl.b' 'arg0->fl.c' 'arg0->in.big' 'arg0->in.neg')
WANT_A='{"values":{"arg0->id":42,"arg1":3,"arg0->color":"BLUE","arg0->fl.a":5,"arg0->fl.b":-7,"arg0->fl.c":1,"arg0->in.big":-1234567890123456789,"arg0->in.neg":-32000}}'
SET_B=('arg0->in.name' 'arg0->u.i' 'arg0->u.bytes[3]' 'arg0->x' 'arg0->y' 'arg0->arr[1]' 'arg0->u64' 'arg0->sc')
WANT_B='{"values":{"arg0->in.name":"inner-name","arg0->u.i":16909060,"arg0->u.bytes[3]":1,"arg0->x":-5,"arg0->y":7,"arg0->arr[1]":-200,"arg0->u64":18446744073709551615,"arg0->sc":-128}}'
SET_C=('arg0->str' 'arg0->head->next->label' 'arg0->head->next->next->id' '(*arg0).arr[3]' 'arg0->in' 'arg0->arr' '((struct node *)arg0->head)->id' 'arg0->nullp->id')
WANT_C='{"values":{"arg0->str":"hello, \"trace\"","arg0->head->next->label":"second","arg0->head->next->next->id":30,"(*arg0).arr[3]":2147483647,"arg0->in":{"big":-1234567890123456789,"neg":-32000,"name":"inner-name"},"arg0->arr":[100,-200,300,2147483647],"((struct node *)arg0->head)->id":10,"arg0->nullp->id":null},"errors":{"arg0->nullp->id":"arg0->nullp is NULL (step 2)"}}'
SET_D=('ret->id' 'ret->label' 'ret->next->id' 'ret->next->next')
WANT_D='{"values":{"ret->id":20,"ret->label":"second","ret->next->id":30,"ret->next->next":"0x0"}}'

# -- an embedded --full blob for both layouts, and a minimized one
FULL=$TMP/coreprobe-full
if "$CP" btf add --app "$T/tracetarget_l1=$B/btf/tracetarget_l1.btf" --app "$T/tracetarget_l2=$B/btf/tracetarget_l2.btf" --full -o "$FULL" >"$TMP/add.out" 2>&1 &&
	grep -Eq '^app tracetarget_l1: --full: [0-9]+ bytes of BTF \([0-9]+ types\), [0-9]+ more than pruned' "$TMP/add.out"; then
	ok "btf add --full: $(grep -- '--full' "$TMP/add.out" | head -1)"
else
	notok "btf add --full: $(head -c 300 "$TMP/add.out")"
fi
MIN=$TMP/coreprobe-min
"$CP" btf add --app "$T/tracetarget_l1=$B/btf/tracetarget_l1.btf" -o "$MIN" >/dev/null 2>&1

for l in $LAYOUTS; do
	# source name | coreprobe | binary traced | options
	for src in app-btf btf-section full-blob; do
		case $src in
		app-btf) cp=$CP; bin=$T/tracetarget_$l; opt=(--app-btf "$B/btf/tracetarget_$l.btf") ;;
		btf-section) cp=$CP; bin=$T/tracetarget_$l.btfsec; opt=() ;;
		full-blob) cp=$FULL; bin=$T/tracetarget_$l; opt=() ;;
		esac
		if ! start_target "$bin"; then
			notok "trace $l $src: target did not start"
			continue
		fi
		check "trace $l ($src): integers, enum, bitfields, 64-bit, negative" "$WANT_A" \
			"$cp" trace -j -c 1 -p "$TPID" "${opt[@]}" "$bin:visit" "${SET_A[@]}"
		check "trace $l ($src): char array, union, anonymous struct, array, u64 max, signed char" "$WANT_B" \
			"$cp" trace -j -c 1 -p "$TPID" "${opt[@]}" "$bin:visit" "${SET_B[@]}"
		check "trace $l ($src): strings, pointer chain, *, structs whole, cast, NULL link" "$WANT_C" \
			"$cp" trace -j -c 1 -p "$TPID" "${opt[@]}" "$bin:visit" "${SET_C[@]}"
		check "trace $l ($src): %return through the typedef rec_t *" "$WANT_D" \
			"$cp" trace -j -c 1 -p "$TPID" "${opt[@]}" "$bin:find%return" "${SET_D[@]}"
		[ $src = app-btf ] && check "trace $l ($src): perf buffer path (--perfbuf)" "$WANT_C" \
			"$cp" trace -j --perfbuf -c 1 -p "$TPID" "${opt[@]}" "$bin:visit" "${SET_C[@]}"
		# the perf-event uprobe route (kernels before 6.6), forced on this kernel too
		[ $src = app-btf ] && check "trace $l ($src): perf-event uprobes (COREPROBE_NO_UPROBE_MULTI=1), entry" "$WANT_C" \
			env COREPROBE_NO_UPROBE_MULTI=1 "$cp" trace -j -c 1 -p "$TPID" "${opt[@]}" "$bin:visit" "${SET_C[@]}"
		[ $src = app-btf ] && check "trace $l ($src): perf-event uprobes, %return" "$WANT_D" \
			env COREPROBE_NO_UPROBE_MULTI=1 "$cp" trace -j -c 1 -p "$TPID" "${opt[@]}" "$bin:find%return" "${SET_D[@]}"
		stop_targets
	done
done

# -- BTF from DWARF (a debug file of the same build-id: src/btf/dwarf.c): the stripped binary,
# its .debug file given with --debug-file, the argument cast (a cast works with or without a
# FUNC record). The other layout's debug file is refused, never used.
SET_W=('((struct rec *)arg0)->id' '((struct rec *)arg0)->fl.b' '((struct rec *)arg0)->in.name' '((struct rec *)arg0)->head->next->label' '((struct rec *)arg0)->arr[1]')
WANT_W='{"values":{"((struct rec *)arg0)->id":42,"((struct rec *)arg0)->fl.b":-7,"((struct rec *)arg0)->in.name":"inner-name","((struct rec *)arg0)->head->next->label":"second","((struct rec *)arg0)->arr[1]":-200}}'
for l in $LAYOUTS; do
	if start_target "$T/tracetarget_$l"; then
		check "trace $l (debug file, --debug-file): the same values through a cast" "$WANT_W" \
			"$CP" trace -j -c 1 -p "$TPID" --debug-file "$T/tracetarget_$l.debug" "$T/tracetarget_$l:visit" "${SET_W[@]}"
		stop_targets
	else
		notok "trace $l debug file: target did not start"
	fi
done
other=$([ -e "$T/tracetarget_l2.debug" ] && echo "$T/tracetarget_l2.debug")
timeout 20 "$CP" trace -c 1 --debug-file "$other" "$T/tracetarget_l1:visit" '((struct rec *)arg0)->id' >"$TMP/w.out" 2>"$TMP/w.err"
rc=$?
if [ "$rc" = 2 ] || [ "$rc" = 3 ] && [ ! -s "$TMP/w.out" ] && [ "$(wc -l <"$TMP/w.err")" = 1 ] && grep -q 'build-id' "$TMP/w.err"; then
	ok "trace with the other build's debug file: exit $rc, one line, nothing traced ($(head -c 160 "$TMP/w.err"))"
else
	notok "trace with the other build's debug file: exit $rc: $(head -c 300 "$TMP/w.err") $(head -c 200 "$TMP/w.out")"
fi

# -- the debug file only, no cast: the DWARF gives visit's and find's FUNC (src/btf/dwfunc.c),
# so arg0 is a struct rec * and ret a struct node *, as with pahole's BTF; -v says 1 FUNC
SET_N=('arg0->id' 'arg0->fl.b' 'arg0->in.name' 'arg0->head->next->label' 'arg0->arr[1]')
WANT_N='{"values":{"arg0->id":42,"arg0->fl.b":-7,"arg0->in.name":"inner-name","arg0->head->next->label":"second","arg0->arr[1]":-200}}'
for l in $LAYOUTS; do
	if start_target "$T/tracetarget_$l"; then
		check "trace $l (debug file only): arg0->field with no cast, typed by the DWARF's prototype" "$WANT_N" \
			"$CP" trace -j -c 1 -p "$TPID" --debug-file "$T/tracetarget_$l.debug" "$T/tracetarget_$l:visit" "${SET_N[@]}"
		check "trace $l (debug file only): find%return ret->field with no cast" "$WANT_D" \
			"$CP" trace -j -c 1 -p "$TPID" --debug-file "$T/tracetarget_$l.debug" "$T/tracetarget_$l:find%return" "${SET_D[@]}"
		stop_targets
	else
		notok "trace $l debug file only: target did not start"
	fi
done
start_target "$T/tracetarget_l1"
timeout 20 "$CP" trace -v -j -c 1 -p "$TPID" --debug-file "$T/tracetarget_l1.debug" "$T/tracetarget_l1:visit" 'arg1' >"$TMP/v.out" 2>"$TMP/v.err"
grep -q 'BTF from .*tracetarget_l1.debug: [0-9]* types (1 FUNC)' "$TMP/v.err" && grep -q '"arg1":' "$TMP/v.out" &&
	ok "trace -v from the debug file: $(grep -o '[0-9]* types (1 FUNC).*' "$TMP/v.err")" ||
	notok "trace -v from the debug file: $(grep -i 'BTF from' "$TMP/v.err" | head -c 300)"
stop_targets

# -- a function whose entry does not take the source prototype (gcc -O2: only_id exists only as
# an IPA clone; same_name is a static in two units with two prototypes): the DWARF gives it no
# FUNC, one line says why, its arguments are untyped (a cast is needed); call_a is typed.
W=$TMP/dwfuncs
if gcc -g -O2 -Wl,--build-id "$ROOT/tests/targets/dwfuncs_a.c" "$ROOT/tests/targets/dwfuncs_b.c" -o "$W" 2>"$TMP/cc.err" &&
	start_target "$W"; then
	clone=$(nm "$W" | awk '$3 ~ /^only_id\./ { print $3; exit }')
	timeout 20 "$CP" trace -c 1 -p "$TPID" "$W:$clone" 'arg0->id' >"$TMP/r.out" 2>"$TMP/r.err"
	rc=$?
	if [ $rc = 2 ] && [ ! -s "$TMP/r.out" ] && [ "$(grep -c 'no prototype from the DWARF' "$TMP/r.err")" = 1 ] &&
		grep -q "a compiler clone of only_id" "$TMP/r.err" && grep -q "untyped argument" "$TMP/r.err"; then
		ok "trace of the clone $clone: one line why (no prototype), arg0->id refused as untyped (exit 2)"
	else
		notok "trace of the clone $clone: exit $rc: $(head -c 400 "$TMP/r.err")"
	fi
	timeout 20 "$CP" trace -j -c 1 -p "$TPID" "$W:same_name" 'arg0->id' >"$TMP/r.out" 2>"$TMP/r.err"
	rc=$?
	if [ $rc = 2 ] && grep -q "same_name: no prototype from the DWARF.*several definitions with different prototypes" "$TMP/r.err" &&
		grep -q '"error":.*untyped argument' "$TMP/r.out"; then
		ok "trace of same_name (two statics): one line why, no typed args (exit 2)"
	else
		notok "trace of same_name: exit $rc: $(head -c 400 "$TMP/r.err") $(head -c 200 "$TMP/r.out")"
	fi
	check "trace call_a (gcc -O2, DWARF): typed, the values the target has" \
		'{"values":{"arg0->id":7,"arg0->balance":1234,"arg0->owner":"ann"}}' \
		"$CP" trace -j -c 1 -p "$TPID" "$W:call_a" 'arg0->id' 'arg0->balance' 'arg0->owner'
	stop_targets
else
	notok "dwfuncs target: does not build or start: $(head -c 300 "$TMP/cc.err")"
fi

# -- text output: one line per call, pid comm probe EXPR=VALUE...
start_target "$T/tracetarget_l2"
out=$(timeout 20 "$CP" trace -c 1 -p "$TPID" --app-btf "$B/btf/tracetarget_l2.btf" "$T/tracetarget_l2:visit" \
	'arg0->id' 'arg0->color' 'arg0->in.name' 'arg0->nullp->id' 'arg0->fl.b' 2>/dev/null)
if [ "$out" = "$TPID tracetarget_l2 $T/tracetarget_l2:visit arg0->id=42 arg0->color=BLUE arg0->in.name=\"inner-name\" arg0->nullp->id=<error: arg0->nullp is NULL (step 2)> arg0->fl.b=-7" ]; then
	ok "trace text: one line per call"
else
	notok "trace text: $out"
fi
stop_targets

# -- against bpftrace (DWARF) on the same probe of the same process. bpftrace 0.17 aborts on a
# struct with an anonymous member and sees no bitfields, so it is compared on parts().
if command -v bpftrace >/dev/null; then
	for l in $LAYOUTS; do
		bin=$T/tracetarget_$l.debug
		start_target "$bin"
		timeout 20 "$CP" trace -j -c 1 -p "$TPID" --app-btf "$B/btf/tracetarget_$l.btf" "$bin:parts" \
			'arg0->id' 'arg0->next->id' 'arg0->next->next->id' 'arg0->next->label' 'arg1->big' 'arg1->neg' 'arg1->name' 'arg0->next->next->next' \
			>"$TMP/cp.out" 2>"$TMP/cp.err" &
		cpp=$!
		timeout 20 bpftrace -p "$TPID" -e "uprobe:$bin:parts { printf(\"%d %d %d %s %lld %d %s %lld\n\", args->n->id, args->n->next->id, args->n->next->next->id, str(args->n->next->label), args->in->big, args->in->neg, args->in->name, args->n->next->next->next); exit(); }" \
			2>"$TMP/bt.err" | grep -v -e '^Attaching' -e '^$' | head -1 >"$TMP/bt.out"
		wait $cpp
		cpline=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    v = json.loads(line).get("values")
    if v:
        x = list(v.values())
        x[7] = int(x[7], 16)
        print(" ".join(str(i) for i in x))
        break' "$TMP/cp.out" 2>/dev/null)
		if [ ! -s "$TMP/bt.out" ]; then
			ok "trace vs bpftrace $l: SKIPPED, bpftrace printed nothing: $(grep -v RLIMIT "$TMP/bt.err" | head -c 200)"
		elif [ "$cpline" = "$(cat "$TMP/bt.out")" ] && [ -n "$cpline" ]; then
			ok "trace vs bpftrace $l: identical ($cpline)"
		else
			notok "trace vs bpftrace $l: coreprobe '$cpline' bpftrace '$(cat "$TMP/bt.out")'"
		fi
		stop_targets
	done
else
	ok "trace vs bpftrace: SKIPPED, bpftrace is not installed"
fi

# -- refusals: before anything is attached, one line, the exit code of the class
L1=$T/tracetarget_l1
AB=(--app-btf "$B/btf/tracetarget_l1.btf")
expect_error "trace unknown field lists the members" 2 "struct rec has no field 'nosuch'; its fields: id, color, fl, in, u, x, y, arr, head" \
	"$CP" trace "${AB[@]}" "$L1:visit" 'arg0->nosuch'
expect_error "trace . on a pointer" 2 "which is not a struct or union: use ->" "$CP" trace "${AB[@]}" "$L1:visit" 'arg0.id'
expect_error "trace -> through a non-pointer" 2 "-> needs a pointer, and this is int" "$CP" trace "${AB[@]}" "$L1:visit" 'arg0->id->x'
expect_error "trace -> on a struct (not a pointer)" 2 "needs a pointer, and this is struct inner: use \." "$CP" trace "${AB[@]}" "$L1:visit" 'arg0->in->big'
expect_error "trace index past a fixed bound" 2 "index 4 is past the end of int\[4\] \(0\.\.3\)" "$CP" trace "${AB[@]}" "$L1:visit" 'arg0->arr[4]'
expect_error "trace type the BTF does not carry" 3 "has no type struct nosuch" "$CP" trace "${AB[@]}" "$L1:visit" '((struct nosuch *)arg0)->x'
expect_error "trace cast to a non-pointer" 2 "only casts to pointers" "$CP" trace "${AB[@]}" "$L1:visit" '(struct rec)arg0'
expect_error "trace argument past the prototype" 2 "visit has 2 arguments in its BTF" "$CP" trace "${AB[@]}" "$L1:visit" 'arg4'
expect_error "trace argN at %return" 2 "argument registers are reused" "$CP" trace "${AB[@]}" "$L1:find%return" 'arg0->id'
expect_error "trace ret at entry" 2 "ret is the return value: probe visit%return" "$CP" trace "${AB[@]}" "$L1:visit" 'ret'
expect_error "trace field after a bitfield" 2 "a bitfield is an integer" "$CP" trace "${AB[@]}" "$L1:visit" 'arg0->fl.a.x'
expect_error "trace struct larger than one value" 2 "struct big is 300 bytes, more than the 256" "$CP" trace "${AB[@]}" "$L1:visit" '*arg0->bigp'
expect_error "trace syntax error" 2 "unexpected" "$CP" trace "${AB[@]}" "$L1:visit" 'arg0->id)'
expect_error "trace unknown name" 2 "unknown name 'foo'" "$CP" trace "${AB[@]}" "$L1:visit" 'foo'
expect_error "trace 9 expressions" 2 "at most 8 per probe" "$CP" trace "${AB[@]}" "$L1:visit" arg0 arg0 arg0 arg0 arg0 arg0 arg0 arg0 arg0
expect_error "trace function not in the binary" 2 "has no function nosuchfn" "$CP" trace "${AB[@]}" "$L1:nosuchfn" arg0
expect_error "trace bad probe" 2 "give BINARY:FUNCTION" "$CP" trace "${AB[@]}" "$L1" arg0
expect_error "trace no BTF for the binary names --full" 3 "no BTF for .*--full" "$CP" trace "$L1:visit" 'arg0->id'
expect_error "trace minimized embedded blob names --full" 3 "embedded blob, minimized .*--full" "$MIN" trace "$L1:visit" 'arg0->id'
# JSON errors go to stdout: the twin check reads stdout
"$CP" trace -j "${AB[@]}" "$L1:visit" 'arg0->nosuch' >"$TMP/j.out" 2>"$TMP/j.err"
rc=$?
if [ $rc = 2 ] && grep -q '^{"error":"trace: .arg0->nosuch.: struct rec has no field .nosuch.' "$TMP/j.out" && [ "$(wc -l <"$TMP/j.out")" = 1 ]; then
	ok "trace --json error twin (exit 2)"
else
	notok "trace --json error twin: exit $rc $(head -c 200 "$TMP/j.out")"
fi
# -- kprobe: the kernel's full BTF, and this host has no kprobes
expect_error "trace kprobe without full kernel BTF" 3 "needs the kernel's full BTF" "$CP" --no-sysfs-btf trace kprobe:tcp_connect 'arg0->__sk_common.skc_dport'
expect_error "trace kprobe unknown kernel function" 2 "kernel's BTF has no function nosuch_fn_xyz" "$CP" trace kprobe:nosuch_fn_xyz arg0
expect_error "trace kprobe unknown field" 2 "struct sock has no field 'nosuch'" "$CP" trace kprobe:tcp_connect 'arg0->nosuch'
if [ -d /sys/bus/event_source/devices/kprobe ]; then
	ok "trace kprobe attach refusal: SKIPPED, this host has kprobes (the VM matrix traces them)"
else
	expect_error "trace kprobe on a kernel without kprobes" 5 "this kernel cannot attach kprobes" \
		"$CP" trace kprobe:tcp_connect 'arg0->__sk_common.skc_dport' 'arg0->__sk_common.skc_num'
fi
