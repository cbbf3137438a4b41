# cells: trace:app trace:kprobe-sock
# app: field paths of tests/targets/tracetarget.c's visit(struct rec *) through its own .BTF
# section, on every row: the BPF object has no CO-RE relocation, so this must work even where
# coreprobe has no BTF at all for the kernel (not embedded, sysfs hidden).
# coreprobe trace on a kernel function: kprobe:tcp_connect's struct sock * argument, its
# destination port, local port, destination address and family read through field paths
# resolved against the kernel's own BTF, checked against the loopback connections
# build/targets/nettraffic makes (3 connections to 127.0.0.1:PORT):
#   - exactly 3 calls with skc_dport == htons(PORT), each with skc_daddr == 127.0.0.1
#     (0x0100007f as a little-endian __be32: 16777343), skc_family == AF_INET (2), and
#     3 distinct local ports skc_num inside net.ipv4.ip_local_port_range
# Where the kernel's BTF is not in sysfs (hidden rows): exit 3, one line (the embedded blobs are
# minimized: kprobe tracing needs the full BTF). Where the kernel has no kprobes (the build
# host): exit 5, one line.
VMDIR=${VMDIR:-$(cd "${0%/*}/.." && pwd)}
. "$VMDIR/lib.sh"

# ---- app
TT=$(tool_path tracetarget_l1.btfsec)
if [ -z "$TT" ]; then
	result trace app FAIL "no tracetarget_l1.btfsec binary"
else
	"$TT" 3000 20 >"$WORK/trace-tt.out" &
	ttpid=$!
	nap 1
	o=$WORK/trace-app.out e=$WORK/trace-app.err
	if start_tracer "$o" "$e" "$COREPROBE" trace -c 1 -p $ttpid "$TT:visit" 'arg0->id' 'arg0->fl.b' \
		'arg0->head->next->label' 'arg0->in.big' 'arg0->nullp->id'; then
		wait_tracer
		want='arg0->id=42 arg0->fl.b=-7 arg0->head->next->label="second" arg0->in.big=-1234567890123456789 arg0->nullp->id=<error: arg0->nullp is NULL (step 2)>'
		if [ "$TRACER_RC" = 0 ] && grep -qF "$want" "$o"; then
			result trace app PASS "$(cut -d' ' -f4- "$o" | head -1)"
		else
			result trace app FAIL "exit $TRACER_RC: $(head -c 300 "$o" "$e" | tr '\n' ' ')"
		fi
	else
		stop_tracer
		result trace app FAIL "did not attach (exit $TRACER_RC): $(head -c 300 "$e")"
	fi
	kill $ttpid 2>/dev/null
fi

# ---- kprobe
NT=$(tool_path nettraffic) || { result trace kprobe-sock FAIL "no nettraffic binary"; exit 0; }
SK='arg0->__sk_common'
o=$WORK/trace-kprobe.out e=$WORK/trace-kprobe.err

if [ ! -r /sys/kernel/btf/vmlinux ]; then
	start_tracer "$o" "$e" "$COREPROBE" trace -d 5 kprobe:tcp_connect "$SK.skc_dport"
	if [ $? = 1 ]; then
		r=$(expect_one_line "$o" "$e" 3 "needs the kernel's full BTF")
		[ "$r" = ok ] && result trace kprobe-sock PASS "no sysfs BTF: exit 3, one line" || result trace kprobe-sock FAIL "$r"
	else
		stop_tracer
		result trace kprobe-sock FAIL "attached without the kernel's full BTF"
	fi
	exit 0
fi
if ! have_kprobes; then
	start_tracer "$o" "$e" "$COREPROBE" trace -d 5 kprobe:tcp_connect "$SK.skc_dport"
	if [ $? = 1 ]; then
		r=$(expect_one_line "$o" "$e" 5 "cannot attach kprobes")
		[ "$r" = ok ] && result trace kprobe-sock PASS "no kprobes: exit 5, one line" || result trace kprobe-sock FAIL "$r"
	else
		stop_tracer
		result trace kprobe-sock FAIL "did not refuse on a kernel without kprobes"
	fi
	exit 0
fi

port=7311
want_dport=$(( ((port & 255) << 8) | (port >> 8) ))
if ! start_tracer "$o" "$e" "$COREPROBE" trace -d 120 kprobe:tcp_connect \
	"$SK.skc_dport" "$SK.skc_num" "$SK.skc_daddr" "$SK.skc_family"; then
	result trace kprobe-sock FAIL "did not attach: $(head -c 300 "$e")"
	exit 0
fi
"$NT" tcp $port 3 2 >"$WORK/trace-nt.out" 2>&1
nap 1
stop_tracer
read lo hi </proc/sys/net/ipv4/ip_local_port_range || { lo=1; hi=65535; }
# the lines of our connections: "PID COMM PROBE dport=N num=N daddr=N family=N"
awk -v d="$want_dport" -v lo="$lo" -v hi="$hi" '
	{ for (i = 4; i <= NF; i++) { split($i, kv, "="); v[i] = kv[2] } }
	v[4] + 0 == d + 0 { n++; if (v[6] + 0 != 16777343) bad = bad " daddr=" v[6]; if (v[7] + 0 != 2) bad = bad " family=" v[7];
		    if (v[5] + 0 < lo + 0 || v[5] + 0 > hi + 0) bad = bad " num=" v[5]; if (seen[v[5]]++) bad = bad " repeated num " v[5]; ports = ports " " v[5] }
	END { if (n != 3) print "FAIL " n " calls with dport " d " (want 3)" bad; else if (bad) print "FAIL" bad; else print "PASS 3 connects to 127.0.0.1 (skc_dport " d ": the port in network byte order), local ports" ports }' "$o" >"$WORK/trace-verdict"
read verdict detail <"$WORK/trace-verdict"
[ "$TRACER_RC" = 0 ] || { verdict=FAIL; detail="tracer exit $TRACER_RC: $(head -c 200 "$e") $detail"; }
result trace kprobe-sock "$verdict" "$detail; sample: $(grep -m1 "skc_dport=$want_dport " "$o" | cut -c1-200)"
