# cells: trace:kprobe-sock
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
