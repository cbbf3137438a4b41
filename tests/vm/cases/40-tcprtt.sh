# cells: tcprtt:hist tcprtt:events6 tcprtt:perfbuf tcprtt:attach tcprtt:vs-libbpf-tools
# tcprtt on real TCP traffic over loopback (build/targets/nettraffic: an echo server and
# clients in one static binary), every row:
#   hist        histogram (JSON) of the server side (-p PORT) of 3 connections x 20 echoes:
#               >= 60 samples, every one in (0, 1 s); the attach type is the expected one
#               (fentry where the kernel's BTF is in sysfs, kprobe where it is hidden; on the
#               host, which refuses fentry and has no kprobes: tp_btf, raw_tp)
#   events6     --events over IPv6: 20 samples, ::1 both sides, srtt in (0, 1 s)
#   perfbuf     the same over IPv4 through the perf buffer (--perfbuf)
#   attach      each --attach type forced: works where it should, else exit 5 and one line
#   vs-libbpf-tools  libbpf-tools' tcprtt and coreprobe's, both unfiltered, on the same
#               traffic: same sample count and buckets within max(2, 2% of the samples) each
#               (both sample tcp_rcv_established() entries: only a segment racing one tool's
#               attach or detach could differ, and the traffic starts after both attached and
#               ends a second before both stop); SKIP, with its error, where libbpf-tools
#               cannot run (sysfs hidden, the host; on the host rows other TCP traffic would
#               also be counted)
# Without any kernel BTF (not embedded, sysfs hidden): hist must exit 3 with one line.
VMDIR=${VMDIR:-$(cd "${0%/*}/.." && pwd)}
. "$VMDIR/lib.sh"

NT=$(tool_path nettraffic) || { for c in hist events6 perfbuf attach vs-libbpf-tools; do result tcprtt $c FAIL "no nettraffic binary"; done; exit 0; }

[ -r /sys/kernel/btf/vmlinux ] && sysfs=1 || sysfs=0
# fentry: needs the kernel's own BTF; the build host's sandbox kernel refuses fentry (EPERM)
works_fentry=0
[ $sysfs = 1 ] && [ "$KNAME" != host ] && fentry_on_kernel && works_fentry=1
works_tp_btf=$sysfs
works_kprobe=0
have_kprobes && works_kprobe=1
if [ $works_fentry = 1 ]; then want_auto=fentry
elif [ $works_tp_btf = 1 ]; then want_auto=tp_btf
elif [ $works_kprobe = 1 ]; then want_auto=kprobe
else want_auto=raw_tp; fi

if no_btf_here; then
	o=$WORK/tcprtt-nobtf.out e=$WORK/tcprtt-nobtf.err
	start_tracer "$o" "$e" "$COREPROBE" tcprtt -d 5
	if [ $? = 1 ]; then
		r=$(expect_one_line "$o" "$e" 3 "coreprobe: no BTF for kernel" "$KREL")
		[ "$r" = ok ] && result tcprtt hist PASS "exit 3, one line: $(cut -c1-80 "$e")" || result tcprtt hist FAIL "$r"
	else
		stop_tracer
		result tcprtt hist FAIL "attached without any kernel BTF"
	fi
	for c in events6 perfbuf attach vs-libbpf-tools; do result tcprtt $c SKIP "no kernel BTF here (not embedded, sysfs hidden)"; done
	exit 0
fi

# srtt_check FILE: every srtt_us of FILE in (0, 1e6); prints the range or what is wrong
srtt_check() {
	json_all "$1" srtt_us | awk '
		{ n++; if ($1 <= 0 || $1 >= 1000000) bad++; if (!min || $1 < min) min = $1; if ($1 > max) max = $1 }
		END { if (!n) print "no samples"; else if (bad) print bad " of " n " samples outside (0, 1s)"; else print "ok " min "-" max "us" }'
}

# ---- hist
port=7101
o=$WORK/tcprtt-hist.out e=$WORK/tcprtt-hist.err
if start_tracer "$o" "$e" "$COREPROBE" -j tcprtt -p $port -d 120; then
	"$NT" tcp $port 3 20 >"$WORK/nt-hist.out" 2>&1
	ntrc=$?
	nap 0.5
	stop_tracer
	att=$(json_field "$o" attach)
	n=$(json_field "$o" samples)
	buckets=$(grep -m1 '"hist":' "$o" | grep -o '"low":[0-9]*,"high":[0-9]*,"count":[0-9]*' |
		sed 's/"low":\([0-9]*\),"high":\([0-9]*\),"count":\([0-9]*\)/\1 \2 \3/')
	# the highest non-empty bucket's upper bound, and whether any sample is >= 2us (not 0)
	maxhigh=$(echo "$buckets" | awk '$3 > 0 { h = $2 } END { print h + 0 }')
	nonzero=$(echo "$buckets" | awk '$3 > 0 && $1 >= 2 { s += $3 } END { print s + 0 }')
	if [ $ntrc != 0 ]; then
		result tcprtt hist FAIL "traffic failed: $(cat "$WORK/nt-hist.out")"
	elif [ "$TRACER_RC" != 0 ]; then
		result tcprtt hist FAIL "exit $TRACER_RC: $(head -c 300 "$e")"
	elif [ "$att" != "$want_auto" ]; then
		result tcprtt hist FAIL "attached by '$att', want $want_auto"
	elif [ -z "$n" ] || [ "$n" -lt 60 ]; then
		result tcprtt hist FAIL "$n samples, want >= 60: $(head -c 300 "$o")"
	elif [ "$maxhigh" -ge 1000000 ] || [ "$nonzero" = 0 ]; then
		result tcprtt hist FAIL "implausible buckets (max bound $maxhigh us, $nonzero samples >= 2us): $(echo $buckets)"
	else
		result tcprtt hist PASS "attach=$att, $n samples, all < ${maxhigh}us"
	fi
else
	stop_tracer
	result tcprtt hist FAIL "did not attach (exit $TRACER_RC): $(head -c 300 "$e" "$o")"
fi

# ---- events6 / perfbuf: one line per sample
events_case() {	# events_case CELL PORT COUNT TRAFFIC-ARGS -- COREPROBE-GLOBAL-ARGS...
	_c=$1 _p=$2 _n=$3 _fam=$4
	shift 4
	_o=$WORK/tcprtt-$_c.out _e=$WORK/tcprtt-$_c.err
	if ! start_tracer "$_o" "$_e" "$COREPROBE" -j "$@" tcprtt --events -p $_p -c $_n -d 120; then
		stop_tracer
		result tcprtt $_c FAIL "did not attach (exit $TRACER_RC): $(head -c 300 "$_e" "$_o")"
		return
	fi
	if [ "$_fam" = 6 ]; then "$NT" tcp -6 $_p 1 30 >"$WORK/nt-$_c.out" 2>&1; else "$NT" tcp $_p 1 30 >"$WORK/nt-$_c.out" 2>&1; fi
	wait_tracer
	_ev=$(grep -c '"srtt_us":' "$_o")
	_addr=$(json_all "$_o" laddr | sort -u | tr '\n' ' ')
	_raddr=$(json_all "$_o" raddr | sort -u | tr '\n' ' ')
	_lport=$(json_all "$_o" lport | sort -u | tr '\n' ' ')
	_want=127.0.0.1
	[ "$_fam" = 6 ] && _want=::1
	_s=$(srtt_check "$_o")
	if [ "$TRACER_RC" != 0 ]; then
		result tcprtt $_c FAIL "exit $TRACER_RC: $(head -c 300 "$_e")"
	elif [ "$_ev" != "$_n" ]; then
		result tcprtt $_c FAIL "$_ev events, want $_n: $(head -c 300 "$_o")"
	elif [ "$_addr" != "$_want " ] || [ "$_raddr" != "$_want " ] || [ "$_lport" != "$_p " ]; then
		result tcprtt $_c FAIL "laddr '$_addr' raddr '$_raddr' lport '$_lport', want $_want and $_p"
	elif [ "${_s%% *}" != ok ]; then
		result tcprtt $_c FAIL "$_s"
	else
		result tcprtt $_c PASS "attach=$(json_field "$_o" attach), $_ev events $_want:$_p, srtt ${_s#ok }"
	fi
}
events_case events6 7102 20 6
events_case perfbuf 7103 10 4 --perfbuf

# ---- attach: every type forced
if [ "$KNAME" != host ] && ! grep -q ' cgroup2 ' /proc/self/mounts 2>/dev/null; then
	mkdir -p /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
fi
summary='' bad=''
port=7110
for a in fentry tp_btf kprobe raw_tp sockops; do
	port=$((port + 1))
	case $a in
	fentry) want=$works_fentry ;;
	tp_btf) want=$works_tp_btf ;;
	kprobe) want=$works_kprobe ;;
	*) want=1 ;;
	esac
	o=$WORK/tcprtt-at-$a.out e=$WORK/tcprtt-at-$a.err
	start_tracer "$o" "$e" "$COREPROBE" -j tcprtt --attach $a --events -p $port -c 5 -d 120
	st=$?
	if [ $st = 0 ]; then
		"$NT" tcp $port 1 10 >/dev/null 2>&1
		wait_tracer
		got="$(json_field "$o" attach)/$(grep -c '"srtt_us":' "$o")ev"
		if [ $want = 1 ] && [ "$TRACER_RC" = 0 ] && [ "$got" = "$a/5ev" ]; then
			summary="$summary $a:ok"
		else
			bad="$bad $a(want $( [ $want = 1 ] && echo working || echo 'exit 5'), got exit $TRACER_RC $got)"
		fi
	elif [ $st = 1 ]; then
		# a failure ends before attaching, as one JSON error line on stdout
		n=$(wc -l <"$o" | tr -d ' ')
		ex=$(json_field "$o" exit)
		if [ $want = 0 ] && [ "$TRACER_RC" = 5 ] && [ "$ex" = 5 ] && [ "$n" = 1 ] && grep -q "\"error\":\"tcprtt: no attach type works on this kernel: $a(" "$o"; then
			summary="$summary $a:exit5"
		else
			bad="$bad $a(want $( [ $want = 1 ] && echo working || echo 'exit 5'), got exit $TRACER_RC: $(head -c 200 "$o" "$e" | tr '\n' ' '))"
		fi
	else
		stop_tracer
		bad="$bad $a(not attached after ${START_TIMEOUT}s)"
	fi
done
if [ -n "$bad" ]; then
	result tcprtt attach FAIL "$bad; ok:$summary"
else
	result tcprtt attach PASS "$summary"
fi

# ---- side by side with libbpf-tools' tcprtt
LT=$(tool_path tcprtt)
if [ -z "$LT" ]; then
	result tcprtt vs-libbpf-tools SKIP "libbpf-tools tcprtt is not installed here"
	exit 0
fi
port=7120
o=$WORK/tcprtt-vs.out e=$WORK/tcprtt-vs.err lo=$WORK/lt.out le=$WORK/lt.err
# No port filter on either side: libbpf-tools 0.26's -p/-P make its fentry program read
# inet_sock fields through a struct sock pointer, which the verifier rejects ("access beyond
# struct sock"). The VMs have no other TCP traffic (no network card), so all sockets are ours.
"$LT" >"$lo" 2>"$le" &
ltpid=$!
# libbpf-tools prints its banner to a block-buffered stdout: attachment shows as a BPF link or
# perf event among its open files instead
i=0 ltup=0
while [ $i -lt $((START_TIMEOUT * 10)) ] && kill -0 $ltpid 2>/dev/null; do
	if ls -l /proc/$ltpid/fd 2>/dev/null | grep -q 'bpf_link\|perf_event'; then ltup=1; break; fi
	nap 0.1
	i=$((i + 1))
done
if [ $ltup = 0 ]; then
	kill -INT $ltpid 2>/dev/null
	wait $ltpid
	ltrc=$?
	echo "--- libbpf-tools tcprtt stderr (last lines):"; tail -n 12 "$le"
	# libbpf's own summary lines say why; the verifier log before them is the detail
	why=$(grep -E '^libbpf: (prog|failed|Error)|^failed|^(Error|error)|vmlinux BTF' "$le" | tail -n 3 | tr '\n' ' ')
	[ -n "$why" ] || why=$(tail -n 2 "$le" | tr '\n' ' ')
	result tcprtt vs-libbpf-tools SKIP "libbpf-tools tcprtt cannot run here (exit $ltrc): $(printf '%s' "$why" | cut -c1-160)"
	exit 0
fi
if ! start_tracer "$o" "$e" "$COREPROBE" -j tcprtt -d 120; then
	stop_tracer
	kill -INT $ltpid 2>/dev/null
	wait $ltpid
	result tcprtt vs-libbpf-tools FAIL "coreprobe did not attach: $(head -c 300 "$e" "$o")"
	exit 0
fi
nap 1
"$NT" tcp $port 4 25 >/dev/null 2>&1
nap 1
stop_tracer
kill -INT $ltpid 2>/dev/null
wait $ltpid
ltrc=$?
# "low high count" of each bucket, both sides
grep -m1 '"hist":' "$o" | grep -o '"low":[0-9]*,"high":[0-9]*,"count":[0-9]*' |
	sed 's/"low":\([0-9]*\),"high":\([0-9]*\),"count":\([0-9]*\)/\1 \3/' >"$WORK/vs-cp.txt"
sed -n 's/^ *\([0-9][0-9]*\) -> \([0-9][0-9]*\) *: \([0-9][0-9]*\) .*/\1 \3/p' "$lo" >"$WORK/vs-lt.txt"
cmp=$(awk '
	FNR == NR { cp[$1] = $2; n1 += $2; k[$1] = 1; next }
	{ lt[$1] = $2; n2 += $2; k[$1] = 1 }
	END {
		tol = int((n1 > n2 ? n1 : n2) * 2 / 100); if (tol < 2) tol = 2
		d = n1 - n2; if (d < 0) d = -d
		worst = 0
		for (b in k) { x = cp[b] - lt[b]; if (x < 0) x = -x; if (x > worst) { worst = x; wb = b } }
		printf "%s coreprobe=%d libbpf-tools=%d total-diff=%d worst-bucket-diff=%d(at %s) tol=%d",
			(n1 > 0 && d <= tol && worst <= tol) ? "ok" : "bad", n1, n2, d, worst, wb + 0, tol
	}' "$WORK/vs-cp.txt" "$WORK/vs-lt.txt")
att=$(json_field "$o" attach)
if [ "$TRACER_RC" != 0 ] || [ "$ltrc" != 0 ]; then
	result tcprtt vs-libbpf-tools FAIL "exit coreprobe $TRACER_RC, libbpf-tools $ltrc: $(head -c 200 "$e" "$le" | tr '\n' ' ')"
elif [ "${cmp%% *}" = ok ]; then
	result tcprtt vs-libbpf-tools PASS "attach=$att ${cmp#ok }; buckets low:count coreprobe $(awk '$2 > 0 {printf "%s:%s ", $1, $2}' "$WORK/vs-cp.txt")libbpf-tools $(awk '$2 > 0 {printf "%s:%s ", $1, $2}' "$WORK/vs-lt.txt")"
else
	result tcprtt vs-libbpf-tools FAIL "attach=$att ${cmp#bad }; buckets low:count coreprobe $(awk '$2 > 0 {printf "%s:%s ", $1, $2}' "$WORK/vs-cp.txt")libbpf-tools $(awk '$2 > 0 {printf "%s:%s ", $1, $2}' "$WORK/vs-lt.txt")"
fi
