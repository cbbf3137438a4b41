# cells: flowlat:lo flowlat:clsact flowlat:perfbuf
# flowlat on loopback, every row (it needs no kernel BTF: also where coreprobe has none):
#   lo        default hook (tcx on 6.6+, else clsact), TCP over IPv4: >= 10 replies, both
#             directions of the flow, every latency in (0, 1 s); afterwards no clsact qdisc
#             and no tc filter on lo
#   clsact    --hook clsact twice: without a qdisc (it must be removed after), and with a
#             clsact qdisc made beforehand (it must stay, without our filters); UDP over IPv6
#   perfbuf   the same as lo through the perf buffer
VMDIR=${VMDIR:-$(cd "${0%/*}/.." && pwd)}
. "$VMDIR/lib.sh"

NT=$(tool_path nettraffic)
TC=$(tool_path tc)
if [ -z "$NT" ] || [ -z "$TC" ]; then
	for c in lo clsact perfbuf; do result flowlat $c FAIL "missing nettraffic or tc"; done
	exit 0
fi
if kernel_at_least 6 6; then want_hook=tcx; else want_hook=clsact; fi

# what is on lo now: qdiscs other than the default, and filters of both clsact directions
lo_state() {
	"$TC" qdisc show dev lo | grep -v 'noqueue\|^$' | tr '\n' ';'
	"$TC" filter show dev lo ingress 2>/dev/null | tr '\n' ';'
	"$TC" filter show dev lo egress 2>/dev/null | tr '\n' ';'
}

# flow_run CELL PORT TRAFFIC WANT-HOOK COREPROBE-ARGS...: sets FR (empty if fine, else why)
# and FR_DETAIL
flow_run() {
	_c=$1 _p=$2 _tr=$3 _wh=$4
	shift 4
	_o=$WORK/flowlat-$_c.out _e=$WORK/flowlat-$_c.err
	FR='' FR_DETAIL=''
	if ! start_tracer "$_o" "$_e" "$COREPROBE" -j "$@" -p $_p -c 10 -d 120; then
		[ -z "$TRACER_RC" ] && stop_tracer
		FR="did not attach (exit $TRACER_RC): $(head -c 300 "$_e" "$_o" | tr '\n' ' ')"
		return
	fi
	case $_tr in
	tcp4) "$NT" tcp $_p 1 20 >"$WORK/nt-$_c.out" 2>&1 ;;
	udp6) "$NT" udp -6 $_p 1 20 >"$WORK/nt-$_c.out" 2>&1 ;;
	esac
	wait_tracer
	_ev=$(grep -c '"latency_ns":' "$_o")
	_hook=$(json_field "$_o" attach)
	_bad=$(json_all "$_o" latency_ns | awk '$1 <= 0 || $1 >= 1000000000' | wc -l | tr -d ' ')
	_range=$(json_all "$_o" latency_ns | awk '{ if (!m || $1 < m) m = $1; if ($1 > x) x = $1 } END { printf "%.1f-%.1fus", m / 1000, x / 1000 }')
	_dirs=$(grep '"latency_ns":' "$_o" | grep -c "\"dport\":$_p,")
	_proto=$(json_all "$_o" proto | sort -u | tr '\n' ' ')
	_src=$(json_all "$_o" src | sort -u | tr '\n' ' ')
	_wp=${_tr%?}
	_ws=127.0.0.1
	[ "${_tr#udp6}" != "$_tr" ] && _ws=::1
	if [ "$TRACER_RC" != 0 ]; then
		FR="exit $TRACER_RC: $(head -c 300 "$_e")"
	elif [ "$_hook" != "$_wh" ]; then
		FR="hook $_hook, want $_wh"
	elif [ "$_ev" != 10 ] || [ "$_bad" != 0 ]; then
		FR="$_ev replies ($_bad outside (0, 1s)), want 10: $(head -c 300 "$_o")"
	elif [ "$_dirs" = 0 ] || [ "$_dirs" = 10 ]; then
		FR="replies in one direction only ($_dirs of 10 toward port $_p)"
	elif [ "$_proto" != "$_wp " ] || [ "$_src" != "$_ws " ]; then
		FR="proto '$_proto' src '$_src', want $_wp $_ws"
	fi
	FR_DETAIL="hook=$_hook, $_ev $_wp replies $_ws, $_range"
}

# ---- lo
before=$(lo_state)
flow_run lo 7201 tcp4 $want_hook flowlat -i lo
after=$(lo_state)
if [ -n "$FR" ]; then
	result flowlat lo FAIL "$FR"
elif [ "$after" != "$before" ]; then
	result flowlat lo FAIL "lo changed: before '$before' after '$after'"
else
	result flowlat lo PASS "$FR_DETAIL; lo as before"
fi

# ---- clsact: without, then with a qdisc of someone else
"$TC" qdisc del dev lo clsact 2>/dev/null
flow_run clsact 7202 udp6 clsact flowlat -i lo --hook clsact
r1=$FR d1=$FR_DETAIL
left1=$(lo_state)
if "$TC" qdisc add dev lo clsact 2>"$WORK/tc.err"; then
	flow_run clsact2 7203 udp6 clsact flowlat -i lo --hook clsact
	r2=$FR
	left2=$(lo_state)
	q2=$(json_field "$WORK/flowlat-clsact2.out" qdisc)
	"$TC" qdisc del dev lo clsact
else
	r2="harness: tc qdisc add dev lo clsact: $(cat "$WORK/tc.err")"
fi
if [ -n "$r1" ]; then
	result flowlat clsact FAIL "no qdisc before: $r1"
elif [ -n "$left1" ]; then
	result flowlat clsact FAIL "left on lo: $left1"
elif [ -n "$r2" ]; then
	result flowlat clsact FAIL "qdisc before: $r2"
elif [ "$q2" != existing ] || [ "$(echo "$left2" | grep -c clsact)" != 1 ] || echo "$left2" | grep -q 'filter\|bpf'; then
	result flowlat clsact FAIL "with a qdisc before: reported '$q2', left '$left2' (want the qdisc, no filter)"
else
	result flowlat clsact PASS "$d1; own qdisc removed; an existing qdisc kept without our filters"
fi

# ---- perfbuf
before=$(lo_state)
flow_run perfbuf 7204 tcp4 $want_hook --perfbuf flowlat -i lo
after=$(lo_state)
if [ -n "$FR" ]; then
	result flowlat perfbuf FAIL "$FR"
elif [ "$after" != "$before" ]; then
	result flowlat perfbuf FAIL "lo changed: before '$before' after '$after'"
else
	result flowlat perfbuf PASS "$FR_DETAIL"
fi
