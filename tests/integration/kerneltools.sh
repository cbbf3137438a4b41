#!/bin/bash
# coreprobe tcprtt, ipsetaudit and flowlat on the build host, on real loopback traffic
# (build/targets/nettraffic). This host's kernel has no kprobes and refuses fentry (EPERM), so
# tcprtt must fall back to tp_btf (raw_tp with /sys/kernel/btf hidden) where libbpf-tools'
# tcprtt cannot run at all, and ipsetaudit, which has no tracepoint to fall back to, must exit
# 5 with one line. Needs root. Ports 7301-7399 on 127.0.0.1/::1.
. "$(dirname "$0")/../lib.sh"

NT=$B/targets/nettraffic
[ -x "$NT" ] || { notok "no $NT (make build/targets/nettraffic)"; exit 1; }

# json_vals FILE KEY: the values of "KEY" (numbers or strings), one per line
json_vals() { grep -o "\"$2\":\"\{0,1\}[^\",}]*" "$1" | sed 's/^"[^"]*":"\{0,1\}//'; }

# in_range FILE KEY MIN MAX: prints "N" (count) if every value is in (MIN, MAX), else why not
in_range() {
	json_vals "$1" "$2" | awk -v lo="$3" -v hi="$4" '
		{ n++; if ($1 <= lo || $1 >= hi) bad++ }
		END { if (!n) print "none"; else if (bad) print bad " of " n " outside (" lo ", " hi ")"; else print n }'
}

# traced NAME CMD... -- TRAFFIC...: runs the tracer CMD, then the traffic, then stops the tracer
# with SIGINT (if it has not exited by itself); output in $TMP/NAME.{out,err}, exit code in RC.
traced() {
	local name=$1 cmd=() t
	shift
	while [ "$1" != -- ]; do cmd+=("$1"); shift; done
	shift
	RC=
	if ! tracer_start "$TMP/$name.out" "$TMP/$name.err" "${cmd[@]}"; then
		wait "$TRACER_PID"
		RC=$?
		return 1
	fi
	"$@" >"$TMP/$name.traffic" 2>&1 || echo "traffic failed: $(cat "$TMP/$name.traffic")" >>"$TMP/$name.err"
	sleep 0.3
	tracer_wait 2
	RC=$?
	return 0
}

# ================================================================ tcprtt
# -- histogram (JSON): the attach type this host allows, server side of 3x20 echoes
if traced hist "$CP" -j tcprtt -p 7301 -d 30 -- "$NT" tcp 7301 3 20; then
	att=$(json_vals "$TMP/hist.out" attach | head -n1)
	n=$(json_vals "$TMP/hist.out" samples | head -n1)
	high=$(grep -o '"high":[0-9]*,"count":[1-9][0-9]*' "$TMP/hist.out" | tail -n1 | sed 's/"high":\([0-9]*\).*/\1/')
	if [ "$RC" = 0 ] && [ "$att" = tp_btf ] && [ "${n:-0}" -ge 60 ] && [ -n "$high" ] && [ "$high" -lt 1000000 ] &&
		grep -q '"summary":{"intervals":1,"histograms":1,"samples":'"$n"'}' "$TMP/hist.out"; then
		ok "tcprtt histogram: attach tp_btf (fentry refused, no kprobes), $n samples, all < ${high}us"
	else
		notok "tcprtt histogram: exit $RC attach=$att samples=$n high=$high: $(head -c 400 "$TMP/hist.out" "$TMP/hist.err")"
	fi
else
	notok "tcprtt histogram: did not attach (exit $RC): $(head -c 300 "$TMP/hist.err" "$TMP/hist.out")"
fi

# -- the text output: attach line, -e average, -m milliseconds, -b per local address
if traced text "$CP" tcprtt -p 7302 -e -b -m -d 30 -- "$NT" tcp 7302 2 10; then
	if [ "$RC" = 0 ] && grep -q '^attach: tp_btf(tcp_probe)$' "$TMP/text.out" && grep -q '^Local address 127.0.0.1$' "$TMP/text.out" &&
		grep -q '^ *msecs : count' "$TMP/text.out" && grep -q '^average [0-9.]* msecs over [0-9]* samples$' "$TMP/text.out"; then
		ok "tcprtt text: attach line, per-local-address msecs histogram, average"
	else
		notok "tcprtt text: exit $RC: $(head -c 500 "$TMP/text.out")"
	fi
else
	notok "tcprtt text: did not attach: $(head -c 300 "$TMP/text.err")"
fi

# -- -i 1 -c 2: two interval histograms, then exit by itself
if tracer_start "$TMP/ival.out" "$TMP/ival.err" "$CP" -j tcprtt -p 7303 -i 1 -c 2; then
	"$NT" tcp 7303 1 300 10 >/dev/null 2>&1 &
	tp=$!
	tracer_wait 8
	RC=$?
	wait $tp
	k=$(grep -c '"hist":' "$TMP/ival.out")
	if [ "$RC" = 0 ] && [ "$k" = 2 ] && grep -q '"summary":{"intervals":2,"histograms":2,' "$TMP/ival.out"; then
		ok "tcprtt -i 1 -c 2: two histograms, then exit 0"
	else
		notok "tcprtt -i 1 -c 2: exit $RC, $k histograms: $(head -c 300 "$TMP/ival.out")"
	fi
else
	notok "tcprtt -i: did not attach"
fi

# -- --events, both transports, IPv4 and IPv6
for tr in ring:4 perf:4 ring:6 perf:6; do
	mode=${tr%:*} fam=${tr#*:}
	extra=()
	[ "$mode" = perf ] && extra=(--perfbuf)
	port=$((7310 + fam))
	[ "$mode" = perf ] && port=$((port + 10))
	want=127.0.0.1
	targs=(tcp "$port" 1 30)
	if [ "$fam" = 6 ]; then want=::1; targs=(tcp -6 "$port" 1 30); fi
	name=ev-$mode-$fam
	if traced "$name" "$CP" -j "${extra[@]}" tcprtt --events -p "$port" -c 20 -d 30 -- "$NT" "${targs[@]}"; then
		r=$(in_range "$TMP/$name.out" srtt_us 0 1000000)
		addrs=$(json_vals "$TMP/$name.out" laddr | sort -u | tr '\n' ' ')
		ports=$(json_vals "$TMP/$name.out" lport | sort -u | tr '\n' ' ')
		if [ "$RC" = 0 ] && [ "$r" = 20 ] && [ "$addrs" = "$want " ] && [ "$ports" = "$port " ] &&
			grep -q '"summary":{"events":20,"lost":0}' "$TMP/$name.out"; then
			ok "tcprtt --events ($mode buffer, IPv$fam): 20 samples $want:$port, srtt in (0, 1s)"
		else
			notok "tcprtt --events ($mode, IPv$fam): exit $RC range=$r addrs=$addrs ports=$ports: $(head -c 300 "$TMP/$name.out")"
		fi
	else
		notok "tcprtt --events ($mode, IPv$fam): did not attach (exit $RC): $(head -c 300 "$TMP/$name.err" "$TMP/$name.out")"
	fi
done

# -- address filters: -A ::1 sees nothing of IPv4 traffic, -a 127.0.0.1 sees it
if traced af "$CP" -j tcprtt -p 7331 -A ::1 -d 30 -- "$NT" tcp 7331 1 10 &&
	traced af2 "$CP" -j tcprtt -p 7332 -a 127.0.0.1 -A 127.0.0.1 -d 30 -- "$NT" tcp 7332 1 10; then
	n1=$(grep -c '"hist":' "$TMP/af.out")
	n2=$(json_vals "$TMP/af2.out" samples | head -n1)
	if [ "$n1" = 0 ] && [ "${n2:-0}" -ge 10 ]; then
		ok "tcprtt -a/-A: -A ::1 filters out IPv4 traffic, -a/-A 127.0.0.1 keeps $n2 samples"
	else
		notok "tcprtt -a/-A: $n1 histograms with -A ::1, $n2 samples with 127.0.0.1"
	fi
else
	notok "tcprtt -a/-A: did not attach"
fi

# -- every --attach type forced: what this host cannot do fails with exit 5 and one line
for a in fentry kprobe; do
	expect_error "tcprtt --attach $a on this host: exit 5" 5 "^coreprobe: tcprtt: no attach type works on this kernel: $a\(tcp_rcv_established\): [^;]+$" \
		"$CP" tcprtt --attach "$a" -d 1
done
port=7340
for a in tp_btf raw_tp sockops; do
	port=$((port + 1))
	if traced at-$a "$CP" -j tcprtt --attach "$a" --events -p "$port" -c 5 -d 30 -- "$NT" tcp "$port" 1 10; then
		r=$(in_range "$TMP/at-$a.out" srtt_us 0 1000000)
		if [ "$RC" = 0 ] && [ "$r" = 5 ] && grep -q "^{\"attach\":\"$a\"" "$TMP/at-$a.out"; then
			ok "tcprtt --attach $a: 5 samples, srtt in (0, 1s)"
		else
			notok "tcprtt --attach $a: exit $RC range=$r: $(head -c 300 "$TMP/at-$a.out")"
		fi
	else
		notok "tcprtt --attach $a: did not attach (exit $RC): $(head -c 300 "$TMP/at-$a.err" "$TMP/at-$a.out")"
	fi
done
# sockops gets the remote port from the kernel in another byte layout than the socket
# struct: what it reports must be the client's ephemeral port, as seen by the server socket
read -r eph_lo eph_hi </proc/sys/net/ipv4/ip_local_port_range
r=$(json_vals "$TMP/at-sockops.out" rport | awk -v lo="$eph_lo" -v hi="$eph_hi" '{ n++; if ($1 < lo || $1 > hi) bad++ } END { print n + 0, bad + 0 }')
if [ "${r% *}" -gt 0 ] && [ "${r#* }" = 0 ]; then
	ok "tcprtt sockops: remote ports are clients' ephemeral ports ($eph_lo-$eph_hi)"
else
	notok "tcprtt sockops: remote ports outside $eph_lo-$eph_hi ($r): $(head -c 200 "$TMP/at-sockops.out")"
fi

# -- /sys/kernel/btf hidden: no kernel BTF ids for tp_btf, the embedded blob for CO-RE: raw_tp
if tracer_start "$TMP/hid.out" "$TMP/hid.err" hidden_sysfs "$CP" -j tcprtt --events -p 7350 -c 5 -d 30; then
	"$NT" tcp 7350 1 10 >/dev/null
	tracer_wait 5
	RC=$?
	r=$(in_range "$TMP/hid.out" srtt_us 0 1000000)
	if [ "$RC" = 0 ] && [ "$r" = 5 ] && grep -q '^{"attach":"raw_tp"' "$TMP/hid.out"; then
		ok "tcprtt with /sys/kernel/btf hidden: raw_tp on the embedded blob, 5 samples"
	else
		notok "tcprtt hidden sysfs: exit $RC range=$r: $(head -c 300 "$TMP/hid.out" "$TMP/hid.err")"
	fi
else
	notok "tcprtt hidden sysfs: did not attach: $(head -c 300 "$TMP/hid.err" "$TMP/hid.out")"
fi
# libbpf-tools' tcprtt on this very host: it cannot run (no kprobes, fentry refused)
if [ -x /usr/sbin/tcprtt ]; then
	timeout 10 /usr/sbin/tcprtt -d 1 >"$TMP/lt.out" 2>"$TMP/lt.err"
	lrc=$?
	if [ $lrc != 0 ]; then
		ok "libbpf-tools tcprtt fails here (exit $lrc: $(grep -v '^libbpf: prog' "$TMP/lt.err" | tail -n1)) where coreprobe tcprtt works"
	else
		notok "libbpf-tools tcprtt ran on this host: the premise of the comparison changed"
	fi
fi

# -- bad input: one line, exit 2
expect_error "tcprtt --attach bogus: exit 2" 2 "^coreprobe: --attach bogus: unknown attach type: use one of fentry, tp_btf, kprobe, raw_tp, sockops$" \
	"$CP" tcprtt --attach bogus
expect_error "tcprtt -p 70000: exit 2" 2 "^coreprobe: -p 70000: expected a port number from 1 to 65535$" "$CP" tcprtt -p 70000
expect_error "tcprtt -p http: exit 2" 2 "^coreprobe: -p http: expected a port number" "$CP" tcprtt -p http
expect_error "tcprtt -a 999.1.1.1: exit 2" 2 "^coreprobe: -a 999.1.1.1: not an IPv4 or IPv6 address$" "$CP" tcprtt -a 999.1.1.1
expect_error "tcprtt --events -b: exit 2" 2 "^coreprobe: tcprtt: -i, -b, -B and -e shape histograms" "$CP" tcprtt --events -b
out=$("$CP" -j tcprtt --attach nope 2>&1)
[ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q '^{"error":"--attach nope: unknown attach type.*","exit":2}$' &&
	ok "tcprtt --json bad --attach: one JSON error line" || notok "tcprtt --json bad --attach: $out"

# ================================================================ ipsetaudit
expect_error "ipsetaudit on this host: exit 5, one line naming fentry and kprobe" 5 \
	"^coreprobe: ipsetaudit: no attach type works on this kernel: fentry\(ip_set_create,ip_set_destroy\): load: refused by the kernel \(Operation not permitted\); kprobe\(ip_set_create,ip_set_destroy\): the kernel has no kprobes" \
	"$CP" ipsetaudit
expect_error "ipsetaudit --attach kprobe: exit 5" 5 "^coreprobe: ipsetaudit: no attach type works on this kernel: kprobe\([^;]*$" "$CP" ipsetaudit --attach kprobe
expect_error "ipsetaudit --attach tp_btf: exit 2" 2 "^coreprobe: --attach tp_btf: unknown attach type: use one of fentry, kprobe$" "$CP" ipsetaudit --attach tp_btf
out=$("$CP" -j ipsetaudit 2>&1)
[ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q '^{"error":"ipsetaudit: no attach type works on this kernel: .*","exit":5}$' &&
	ok "ipsetaudit --json: one JSON error line, exit 5" || notok "ipsetaudit --json: $out"

# ================================================================ flowlat
lo_state() { tc qdisc show dev lo | grep -v '^qdisc noqueue' ; tc filter show dev lo ingress 2>/dev/null; tc filter show dev lo egress 2>/dev/null; }
before=$(lo_state)

# flow_check NAME HOOK PORT PROTO ADDR: the JSON of $TMP/NAME.out has 10 replies of PROTO
# between ADDR and PORT in both directions, latencies in (0, 1 s), the HOOK; lo as before
flow_check() {
	local name=$1 hook=$2 port=$3 proto=$4 addr=$5 r dirs now
	r=$(in_range "$TMP/$name.out" latency_ns 0 1000000000)
	dirs=$(grep -c "\"dport\":$port," "$TMP/$name.out")
	now=$(lo_state)
	if [ "$RC" = 0 ] && [ "$r" = 10 ] && grep -q "^{\"attach\":\"$hook\",\"interface\":\"lo\"" "$TMP/$name.out" &&
		[ "$(json_vals "$TMP/$name.out" proto | sort -u)" = "$proto" ] && [ "$(json_vals "$TMP/$name.out" src | sort -u)" = "$addr" ] &&
		[ "$dirs" -gt 0 ] && [ "$dirs" -lt 10 ] && [ "$now" = "$before" ]; then
		ok "flowlat $name: $hook, 10 $proto replies on $addr both ways, latency in (0, 1s), lo left as it was"
	else
		notok "flowlat $name: exit $RC range=$r dirs=$dirs lo now '$now' (before '$before'): $(head -c 300 "$TMP/$name.out" "$TMP/$name.err")"
	fi
}
traced fl-tcx "$CP" -j flowlat -i lo -p 7360 -c 10 -d 30 -- "$NT" tcp 7360 1 20 &&
	flow_check fl-tcx tcx 7360 tcp 127.0.0.1 || notok "flowlat tcx: did not attach: $(head -c 300 "$TMP/fl-tcx.err" "$TMP/fl-tcx.out")"
traced fl-cls "$CP" -j flowlat -i lo --hook clsact -p 7361 -c 10 -d 30 -- "$NT" udp -6 7361 1 20 &&
	flow_check fl-cls clsact 7361 udp ::1 || notok "flowlat clsact: did not attach: $(head -c 300 "$TMP/fl-cls.err" "$TMP/fl-cls.out")"
traced fl-pb "$CP" -j --perfbuf flowlat -i lo -p 7362 -c 10 -d 30 -- "$NT" tcp 7362 1 20 &&
	flow_check fl-pb tcx 7362 tcp 127.0.0.1 || notok "flowlat --perfbuf: did not attach"
# no kernel BTF at all (sysfs hidden, no blob for this kernel): flowlat has no CO-RE relocation
if tracer_start "$TMP/fl-nobtf.out" "$TMP/fl-nobtf.err" hidden_sysfs "$B/coreprobe-nohost" -j flowlat -i lo -p 7363 -c 10 -d 30; then
	"$NT" tcp 7363 1 20 >/dev/null
	tracer_wait 5
	RC=$?
	flow_check fl-nobtf tcx 7363 tcp 127.0.0.1
else
	notok "flowlat without any kernel BTF: did not attach: $(head -c 300 "$TMP/fl-nobtf.err" "$TMP/fl-nobtf.out")"
fi
# a clsact qdisc that was there before stays, without our filters
if tc qdisc add dev lo clsact 2>"$TMP/tc.err"; then
	traced fl-exist "$CP" -j flowlat -i lo --hook clsact -p 7364 -c 10 -d 30 -- "$NT" tcp 7364 1 20
	left=$(lo_state)
	tc qdisc del dev lo clsact
	if [ "$RC" = 0 ] && grep -q '"qdisc":"existing"' "$TMP/fl-exist.out" && echo "$left" | grep -q '^qdisc clsact' &&
		! echo "$left" | grep -q '^filter'; then
		ok "flowlat --hook clsact on an existing clsact qdisc: kept, our filters removed"
	else
		notok "flowlat on an existing qdisc: exit $RC, left '$left': $(head -c 300 "$TMP/fl-exist.out")"
	fi
else
	notok "flowlat existing qdisc: tc qdisc add dev lo clsact: $(cat "$TMP/tc.err")"
fi
# SIGTERM and SIGHUP end a run cleanly too (clsact: the case with netlink state to undo)
for sig in TERM HUP; do
	if tracer_start "$TMP/fl-sig.out" "$TMP/fl-sig.err" "$CP" flowlat -i lo --hook clsact -p 7365; then
		mid=$(lo_state | grep -c flowlat)
		kill -"$sig" "$TRACER_PID"
		tracer_wait 5
		RC=$?
		now=$(lo_state)
		if [ "$RC" = 0 ] && [ "$mid" = 2 ] && [ "$now" = "$before" ]; then
			ok "flowlat SIG$sig: exit 0, its 2 filters and its qdisc removed"
		else
			notok "flowlat SIG$sig: exit $RC, $mid filters while running, lo now '$now'"
		fi
	else
		notok "flowlat SIG$sig: did not attach"
	fi
done
expect_error "flowlat -i nosuchif0: exit 2" 2 "^coreprobe: -i nosuchif0: no such network interface" "$CP" flowlat -i nosuchif0
out=$("$CP" -j flowlat 2>&1)
rc=$?
[ $rc = 2 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q '^{"error":"flowlat: bad usage.*","exit":2}$' &&
	ok "flowlat without -i: exit 2, one JSON error line" || notok "flowlat without -i: exit $rc: $out"
expect_error "flowlat --hook xdp: exit 2" 2 "^coreprobe: --hook xdp: use tcx or clsact$" "$CP" flowlat -i lo --hook xdp
expect_error "flowlat -p 0: exit 2" 2 "^coreprobe: -p 0: expected a port number from 1 to 65535$" "$CP" flowlat -i lo -p 0

# ================================================================ privilege
# tc hooks and sockops are network configuration: CAP_NET_ADMIN is named; tracing alone not
NOPRIV=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
expect_error "flowlat unprivileged: exit 4 naming CAP_NET_ADMIN" 4 "^coreprobe: missing privilege: .*CAP_NET_ADMIN" "${NOPRIV[@]}" "$CP" flowlat -i lo
expect_error "tcprtt --attach sockops unprivileged: exit 4 naming CAP_NET_ADMIN" 4 "^coreprobe: missing privilege: .*CAP_NET_ADMIN" "${NOPRIV[@]}" "$CP" tcprtt --attach sockops
expect_error "tcprtt unprivileged: exit 4" 4 "^coreprobe: missing privilege: tracing needs CAP_BPF and CAP_PERFMON \(or CAP_SYS_ADMIN\)" "${NOPRIV[@]}" "$CP" tcprtt
expect_error "ipsetaudit unprivileged: exit 4" 4 "^coreprobe: missing privilege: tracing needs" "${NOPRIV[@]}" "$CP" ipsetaudit
