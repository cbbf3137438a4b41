# Shared helpers of the real-kernel matrix (tests/vm). POSIX sh: runs under busybox ash inside
# the test VMs and under the host's /bin/sh for the host rows. Sourced, never executed.
#
# Environment set by the runner (the VM's /init or run.sh --host-inner):
#   COREPROBE  the coreprobe binary        T       directory of demo_v1, demo_v2, demo_v3
#   MODE       sysfs | hidden              EMBEDDED yes | no (coreprobe embeds this kernel)
#   KREL       uname -r                    KNAME   short kernel name (tests/vm/kernels.list)
#   VMDIR      the directory of this file  WORK    a writable scratch directory (not /tmp)

: "${WORK:=/tmp}"
: "${START_TIMEOUT:=40}"	# seconds for a tracer to attach (TCG is slow)
: "${EXIT_TIMEOUT:=20}"		# seconds for a tracer to finish once it should
export WORK

# result TOOL CASE PASS|FAIL|SKIP DETAIL...: the one machine-readable line per check.
result() {
	_r_tool=$1 _r_case=$2 _r_status=$3
	shift 3
	printf 'RESULT %s %s %s %s\n' "$_r_tool" "$_r_case" "$_r_status" "$(printf '%s' "$*" | tr '\n\r' '  ')"
}

# Fractional sleeps where the sleep(1) supports them (busybox and coreutils both do).
nap() { sleep "${1:-0.1}" 2>/dev/null || sleep 1; }

# start_tracer OUTFILE ERRFILE CMD...: runs CMD in the background (stdout, stderr to the files)
# and waits until ERRFILE says "Tracing" (returns 0), CMD exits first (returns 1, exit code in
# TRACER_RC) or START_TIMEOUT passes (returns 2, still running: call stop_tracer).
# Sets TRACER_PID. Needs no /proc: the exit code arrives through OUTFILE.rc.
start_tracer() {
	_st_out=$1 _st_err=$2
	shift 2
	TRACER_RCF=$_st_out.rc
	rm -f "$TRACER_RCF" "$_st_out.pid"
	: >"$_st_out"
	: >"$_st_err"
	TRACER_RC=
	TRACER_PID=
	(
		"$@" >"$_st_out" 2>"$_st_err" &
		echo $! >"$_st_out.pid"
		wait $!
		echo $? >"$TRACER_RCF.tmp"
		mv "$TRACER_RCF.tmp" "$TRACER_RCF"
	) &
	TRACER_WRAP=$!
	_st_n=0
	while [ ! -s "$_st_out.pid" ] && [ $_st_n -lt 100 ]; do
		nap 0.05
		_st_n=$((_st_n + 1))
	done
	TRACER_PID=$(cat "$_st_out.pid" 2>/dev/null)
	_st_n=0
	while [ $_st_n -lt $((START_TIMEOUT * 10)) ]; do
		if grep -q Tracing "$_st_err" 2>/dev/null; then
			return 0
		fi
		if [ -s "$TRACER_RCF" ]; then
			_tracer_reap
			return 1
		fi
		nap 0.1
		_st_n=$((_st_n + 1))
	done
	return 2
}

_tracer_reap() {
	TRACER_RC=$(cat "$TRACER_RCF")
	wait "$TRACER_WRAP" 2>/dev/null
	TRACER_PID=
}

# wait_tracer [SECONDS]: waits for the tracer to exit by itself (e.g. after -c COUNT); past the
# timeout it is stopped like stop_tracer. Returns (and sets TRACER_RC to) its exit code; 124 if
# it had to be stopped.
wait_tracer() {
	_wt_n=0
	while [ $_wt_n -lt $((${1:-$EXIT_TIMEOUT} * 10)) ]; do
		if [ -s "$TRACER_RCF" ]; then
			_tracer_reap
			return "$TRACER_RC"
		fi
		nap 0.1
		_wt_n=$((_wt_n + 1))
	done
	stop_tracer
	TRACER_RC=124
	return 124
}

# stop_tracer [SECONDS]: SIGINT, wait up to SECONDS (default EXIT_TIMEOUT), then SIGKILL.
# Returns the tracer's exit code (also in TRACER_RC).
stop_tracer() {
	if [ -n "$TRACER_PID" ] && [ ! -s "$TRACER_RCF" ]; then
		kill -INT "$TRACER_PID" 2>/dev/null
		_sp_n=0
		while [ ! -s "$TRACER_RCF" ] && [ $_sp_n -lt $((${1:-$EXIT_TIMEOUT} * 10)) ]; do
			nap 0.1
			_sp_n=$((_sp_n + 1))
		done
		if [ ! -s "$TRACER_RCF" ]; then
			kill -KILL "$TRACER_PID" 2>/dev/null
			_sp_n=0
			while [ ! -s "$TRACER_RCF" ] && [ $_sp_n -lt 50 ]; do
				nap 0.1
				_sp_n=$((_sp_n + 1))
			done
		fi
	fi
	if [ -s "$TRACER_RCF" ]; then
		_tracer_reap
	else
		TRACER_RC=137
	fi
	return "$TRACER_RC"
}

# json_field FILE KEY: the value of "KEY" on the first line of FILE that has it (strings without
# their quotes). OBJ.KEY looks inside the first "OBJ":{...} object (no nested objects).
json_field() {
	_jf_k=$2 _jf_o=
	case $_jf_k in
	*.*)
		_jf_o=${_jf_k%%.*}
		_jf_k=${_jf_k#*.}
		;;
	esac
	if [ -n "$_jf_o" ]; then
		grep -m1 "\"$_jf_o\":{" "$1" 2>/dev/null | sed -n "s/^.*\"$_jf_o\":{\([^}]*\)}.*\$/{\1}/p"
	else
		grep -m1 "\"$_jf_k\":" "$1" 2>/dev/null
	fi | sed -n "s/^.*[{,]\"$_jf_k\":\"\([^\"]*\)\".*\$/\1/p; t
s/^.*[{,]\"$_jf_k\":\([^,}]*\).*\$/\1/p"
}

# The GNU build-id of the running kernel, read from the ELF notes in /sys/kernel/notes.
kernel_build_id() {
	od -An -v -tx1 "${1:-/sys/kernel/notes}" 2>/dev/null | awk '
	function h(x) { return index("0123456789abcdef", substr(x, 1, 1)) * 16 + index("0123456789abcdef", substr(x, 2, 1)) - 17 }
	function le(o) { return h(b[o]) + 256 * (h(b[o + 1]) + 256 * (h(b[o + 2]) + 256 * h(b[o + 3]))) }
	{ for (i = 1; i <= NF; i++) b[n++] = $i }
	END {
		p = 0
		while (p + 12 <= n) {
			ns = le(p); ds = le(p + 4); ty = le(p + 8); q = p + 12
			if (ns == 4 && ty == 3 && b[q] == "47" && b[q + 1] == "4e" && b[q + 2] == "55" && b[q + 3] == "00") {
				s = ""
				for (k = 0; k < ds; k++) s = s b[q + 4 + k]
				print s
				exit
			}
			p = q + int((ns + 3) / 4) * 4 + int((ds + 3) / 4) * 4
		}
	}'
}

# The tracefs directory, or empty.
tracefs_dir() {
	for _td in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -e "$_td/uprobe_events" ] && { echo "$_td"; return 0; }
	done
	return 1
}

# The uprobes and kprobes defined in tracefs, on one line ("?" without tracefs).
probes_now() {
	_lp=$(tracefs_dir) || { echo "? (no tracefs)"; return; }
	cat "$_lp/uprobe_events" "$_lp/kprobe_events" 2>/dev/null | tr '\n' ';'
}

# probes_mark, then leftover_probes: empty when no probe is left. In a VM both tracefs files must
# be empty; on the host (whose tracefs other tools share) nothing may be added since the mark.
probes_mark() { PROBES_BEFORE=$(probes_now); }
leftover_probes() {
	_lp_now=$(probes_now)
	if [ "$KNAME" = host ]; then
		[ "$_lp_now" = "${PROBES_BEFORE-}" ] || echo "before: '${PROBES_BEFORE-}' after: '$_lp_now'"
	else
		echo "$_lp_now"
	fi
}

# no_btf_here: true where coreprobe has no kernel BTF at all (not embedded, sysfs hidden).
no_btf_here() { [ "$EMBEDDED" = no ] && [ "$MODE" = hidden ]; }

# structs_check TOOL CASE DEMO [EXTRA-COREPROBE-ARGS...]: traces one call of $T/DEMO with
# `coreprobe -j structs -c 1` and asserts exactly one event with the demo's pid and a=1 c=3
# sum=4, the summary, exit 0 and no leftover probe; prints the RESULT line.
structs_check() {
	_sc_tool=$1 _sc_case=$2 _sc_demo=$3
	shift 3
	_sc_o=$WORK/$_sc_tool-$_sc_case.out _sc_e=$WORK/$_sc_tool-$_sc_case.err
	probes_mark
	start_tracer "$_sc_o" "$_sc_e" "$COREPROBE" -j "$@" structs -c 1 "$T/$_sc_demo"
	case $? in
	1)
		result "$_sc_tool" "$_sc_case" FAIL "exit $TRACER_RC before attaching: $(head -c 300 "$_sc_o" "$_sc_e" 2>/dev/null | tr '\n' ' ')"
		return 1 ;;
	2)
		stop_tracer
		result "$_sc_tool" "$_sc_case" FAIL "not attached after ${START_TIMEOUT}s: $(head -c 300 "$_sc_e" | tr '\n' ' ')"
		return 1 ;;
	esac
	"$T/$_sc_demo" >"$WORK/$_sc_demo.target.out" 2>&1 &
	_sc_tpid=$!
	wait $_sc_tpid
	_sc_trc=$?
	wait_tracer
	_sc_rc=$?
	_sc_ev=$(grep -c '"pid":' "$_sc_o")
	_sc_got="pid=$(json_field "$_sc_o" pid) a=$(json_field "$_sc_o" a) c=$(json_field "$_sc_o" c) sum=$(json_field "$_sc_o" sum)"
	_sc_want="pid=$_sc_tpid a=1 c=3 sum=4"
	_sc_sum=$(json_field "$_sc_o" summary.events)
	_sc_left=$(leftover_probes)
	if [ "$_sc_trc" != 0 ]; then
		result "$_sc_tool" "$_sc_case" FAIL "target $_sc_demo exited $_sc_trc: $(head -c 200 "$WORK/$_sc_demo.target.out")"
	elif [ "$_sc_rc" != 0 ]; then
		result "$_sc_tool" "$_sc_case" FAIL "coreprobe exit $_sc_rc ($_sc_ev events, $_sc_got): $(tail -c 300 "$_sc_e" | tr '\n' ' ') $(grep -v '"pid":' "$_sc_o" | head -c 300)"
	elif [ "$_sc_ev" != 1 ] || [ "$_sc_got" != "$_sc_want" ]; then
		result "$_sc_tool" "$_sc_case" FAIL "$_sc_ev events, first $_sc_got, want 1 event $_sc_want"
	elif [ "$_sc_sum" != 1 ]; then
		result "$_sc_tool" "$_sc_case" FAIL "summary events=$_sc_sum, want 1: $(tail -n1 "$_sc_o")"
	elif [ -n "$_sc_left" ]; then
		result "$_sc_tool" "$_sc_case" FAIL "probes left in tracefs: $_sc_left"
	else
		result "$_sc_tool" "$_sc_case" PASS "1 event a=1 c=3 sum=4, exit 0, no probe left"
		return 0
	fi
	return 1
}

# structs_expect_fail TOOL CASE DEMO WANT-EXIT PATTERN...: `coreprobe structs -c 1 $T/DEMO`
# (text output) must exit WANT-EXIT before attaching, with exactly one stderr line containing
# every PATTERN (fixed strings), nothing on stdout and no probe left.
structs_expect_fail() {
	_sf_tool=$1 _sf_case=$2 _sf_demo=$3 _sf_want=$4
	shift 4
	_sf_o=$WORK/$_sf_tool-$_sf_case.out _sf_e=$WORK/$_sf_tool-$_sf_case.err
	probes_mark
	start_tracer "$_sf_o" "$_sf_e" "$COREPROBE" structs -c 1 "$T/$_sf_demo"
	_sf_st=$?
	if [ $_sf_st != 1 ]; then
		"$T/$_sf_demo" >/dev/null 2>&1
		stop_tracer 5
		result "$_sf_tool" "$_sf_case" FAIL "attached (want exit $_sf_want): stdout $(head -c 200 "$_sf_o" | tr '\n' ' ')"
		return 1
	fi
	_sf_lines=$(wc -l <"$_sf_e" | tr -d ' ')
	_sf_line=$(head -n1 "$_sf_e")
	_sf_left=$(leftover_probes)
	if [ "$TRACER_RC" != "$_sf_want" ]; then
		result "$_sf_tool" "$_sf_case" FAIL "exit $TRACER_RC, want $_sf_want: $(head -c 300 "$_sf_e")"
		return 1
	fi
	if [ "$_sf_lines" != 1 ]; then
		result "$_sf_tool" "$_sf_case" FAIL "$_sf_lines stderr lines, want 1: $(head -c 300 "$_sf_e" | tr '\n' '|')"
		return 1
	fi
	for _sf_p in "$@"; do
		case $_sf_line in
		*"$_sf_p"*) ;;
		*) result "$_sf_tool" "$_sf_case" FAIL "error line lacks '$_sf_p': $_sf_line"; return 1 ;;
		esac
	done
	if [ -s "$_sf_o" ]; then
		result "$_sf_tool" "$_sf_case" FAIL "printed on stdout: $(head -c 200 "$_sf_o" | tr '\n' ' ')"
		return 1
	fi
	if [ -n "$_sf_left" ]; then
		result "$_sf_tool" "$_sf_case" FAIL "probes left in tracefs: $_sf_left"
		return 1
	fi
	result "$_sf_tool" "$_sf_case" PASS "exit $_sf_want, one error line, no values, no probe left: $(printf '%s' "$_sf_line" | cut -c1-90)"
	return 0
}

# run_cases DIR: every DIR/*.sh in order, each under a time limit; a case printing no RESULT
# line becomes a FAIL of its own.
run_cases() {
	for _rc_c in "$1"/*.sh; do
		[ -e "$_rc_c" ] || continue
		_rc_name=${_rc_c##*/}
		_rc_name=${_rc_name%.sh}
		echo "=== case $_rc_name ($KNAME/$MODE)"
		rm -f "$WORK/case-$_rc_name.rc"
		{
			timeout "${CASE_TIMEOUT:-150}" sh "$_rc_c" 2>&1
			echo $? >"$WORK/case-$_rc_name.rc"
		} | tee "$WORK/case-$_rc_name.log"
		_rc_rc=$(cat "$WORK/case-$_rc_name.rc" 2>/dev/null)
		if ! grep -q '^RESULT ' "$WORK/case-$_rc_name.log"; then
			result case "$_rc_name" FAIL "exit $_rc_rc and no RESULT line"
		elif [ $_rc_rc = 124 ] || [ $_rc_rc = 143 ]; then
			result case "$_rc_name" FAIL "killed after ${CASE_TIMEOUT:-150}s"
		fi
	done
}

# ---- helpers of the kernel-tool cases (40-tcprtt, 50-ipsetaudit, 60-flowlat)

# tool_path NAME: a helper binary of the kernel-tool cases: $T/NAME in the VMs, the build tree's
# build/targets/NAME on the host rows, else the system's (ipset, tc, tcprtt).
tool_path() {
	for _tp in "$T/$1" "$VMDIR/../../build/targets/$1" "/usr/sbin/$1" "/sbin/$1" "/usr/bin/$1"; do
		[ -x "$_tp" ] && { echo "$_tp"; return 0; }
	done
	return 1
}

# kernel_at_least MAJOR MINOR: the running kernel's version is at least MAJOR.MINOR. (The tests
# may use version numbers to state what they expect; coreprobe itself never does.)
kernel_at_least() {
	_ka=${KREL%%-*}
	_kmaj=${_ka%%.*}
	_kmin=${_ka#*.}
	_kmin=${_kmin%%.*}
	[ "$_kmaj" -gt "$1" ] || { [ "$_kmaj" -eq "$1" ] && [ "$_kmin" -ge "$2" ]; }
}

# fentry_on_kernel: this kernel can attach fentry/fexit to kernel functions at all. arm64's BPF
# trampolines need ftrace direct calls, which arm64 has from 6.4: before, the attach fails with
# ENOTSUPP (measured: Debian arm64 5.10 and 6.1 refuse, 6.12 works). (The build host's sandbox
# kernel refuses fentry too: the callers treat KNAME=host apart.)
fentry_on_kernel() {
	[ "${VMARCH:-x86_64}" != arm64 ] || kernel_at_least 6 4
}

have_kprobes() {
	[ -e /sys/bus/event_source/devices/kprobe/type ] && return 0
	_hk=$(tracefs_dir) && [ -e "$_hk/kprobe_events" ]
}

# expect_one_line OUT ERR WANT-EXIT PATTERN...: after a tracer run that ended with TRACER_RC,
# prints "ok" or why not: exit WANT-EXIT, exactly one stderr line containing every PATTERN,
# nothing on stdout.
expect_one_line() {
	_el_o=$1 _el_e=$2 _el_want=$3
	shift 3
	[ "$TRACER_RC" = "$_el_want" ] || { echo "exit $TRACER_RC, want $_el_want: $(head -c 300 "$_el_e" "$_el_o" | tr '\n' ' ')"; return 1; }
	_el_n=$(wc -l <"$_el_e" | tr -d ' ')
	[ "$_el_n" = 1 ] || { echo "$_el_n stderr lines, want 1: $(head -c 300 "$_el_e" | tr '\n' '|')"; return 1; }
	[ -s "$_el_o" ] && { echo "printed on stdout: $(head -c 200 "$_el_o" | tr '\n' ' ')"; return 1; }
	for _el_p in "$@"; do
		grep -qF -- "$_el_p" "$_el_e" || { echo "error line lacks '$_el_p': $(cat "$_el_e")"; return 1; }
	done
	echo ok
}

# json_all FILE KEY: every numeric or string value of "KEY" in FILE, one per line.
json_all() {
	sed -n "s/\"$2\":/\\n\"$2\":/g; p" "$1" | sed -n "s/^\"$2\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p"
}

# ---- helpers of the TLS cases (70-sslsniff, 75-gnutls): one real session traced by
# `coreprobe -j sslsniff`, checked against the programs' own truths

# tls_trace TOOL CELL LIB OUT ERR KEYLOG: starts `coreprobe -j sslsniff --lib LIB --keylog KEYLOG`
# (stdout OUT, stderr ERR; TRACER_* as start_tracer). 0: it is tracing. Else the cell's RESULT
# is printed and it returns 1: where coreprobe has no kernel BTF at all the one JSON error line
# with exit 3, nothing traced, no key log and no probe left is the cell's PASS; any other
# failure to attach is its FAIL.
tls_trace() {
	_tt_tool=$1 _tt_cell=$2 _tt_o=$4 _tt_e=$5 _tt_kl=$6
	probes_mark
	start_tracer "$_tt_o" "$_tt_e" "$COREPROBE" -j sslsniff --lib "$3" --keylog "$_tt_kl"
	_tt_st=$?
	if no_btf_here; then
		# with -j the error is one JSON line on stdout
		if [ $_tt_st = 1 ] && [ "$TRACER_RC" = 3 ] && [ "$(cat "$_tt_o" "$_tt_e" | wc -l)" = 1 ] &&
		   grep -q '"error":"no BTF for kernel.*"exit":3' "$_tt_o" && [ ! -s "$_tt_kl" ] && [ -z "$(leftover_probes)" ]; then
			result "$_tt_tool" "$_tt_cell" PASS "no kernel BTF: exit 3, one line, no probe left"
		else
			[ $_tt_st = 0 ] && stop_tracer
			result "$_tt_tool" "$_tt_cell" FAIL "no kernel BTF: want exit 3, got st=$_tt_st rc=$TRACER_RC: $(cat "$_tt_o" "$_tt_e" | head -c 200)"
		fi
		return 1
	fi
	if [ $_tt_st != 0 ]; then
		[ $_tt_st = 2 ] && stop_tracer
		result "$_tt_tool" "$_tt_cell" FAIL "did not attach (rc=$TRACER_RC): $(head -c 300 "$_tt_e" | tr '\n' ' ')"
		return 1
	fi
	return 0
}

# tls_wait_listen PORT: until a socket listens on PORT (20 s at most)
tls_wait_listen() {
	_tw_n=0
	while ! { netstat -ltn 2>/dev/null || ss -ltn 2>/dev/null; } | grep -q ":$1 " && [ $_tw_n -lt 200 ]; do
		nap 0.1
		_tw_n=$((_tw_n + 1))
	done
}

# tls_sockets PID: PID's socket fds now (/proc/PID/fd), as " 3 5 " (a word test: "${S#* $FD }")
tls_sockets() {
	_ts=" "
	for _ts_f in /proc/$1/fd/*; do
		case $(readlink "$_ts_f" 2>/dev/null) in socket:*) _ts="$_ts${_ts_f##*/} " ;; esac
	done
	echo "$_ts"
}

# tls_events OUT PID read|write TEXT [FUNC]: the events of OUT of process PID in that direction
# (and of the library function FUNC) whose plaintext is the line TEXT
tls_events() {
	if [ -n "${5:-}" ]; then
		grep "\"pid\":$2,.*\"func\":\"$5\",\"dir\":\"$3\"" "$1"
	else
		grep "\"pid\":$2,.*\"dir\":\"$3\"" "$1"
	fi | grep -F "\"data\":\"$4\\n\""
}

# tls_fd WRITE READ SOCKETS SOURCE: prints the fd of the client's WRITE event when its READ
# event has the same fd, both with fd_source SOURCE, and the fd is one of SOCKETS (tls_sockets
# of the client while connected); else prints nothing and returns 1.
tls_fd() {
	_tf=$(echo "$1" | sed -n 's/.*"fd":\([0-9]*\),"fd_source":"'"$4"'".*/\1/p' | head -n 1)
	[ -n "$_tf" ] && echo "$2" | grep -q "\"fd\":$_tf,\"fd_source\":\"$4\"" && [ "${3#* $_tf }" != "$3" ] || return 1
	echo "$_tf"
}

# tls_keylogs TRUTH KEYLOG all|session: the program's own key log (TRUTH, its comments left out)
# into TRUTH.s and coreprobe's (KEYLOG) into KEYLOG.s, each sorted, for `cmp`. With session,
# KEYLOG.s keeps only the lines of the client randoms TRUTH has: where other programs' TLS
# traffic shares the library (the host rows), their sessions' lines are not this one's.
tls_keylogs() {
	grep -v '^#' "$1" 2>/dev/null | sort -u >"$1.s"
	if [ "$3" = session ]; then
		awk '{ print $2 }' "$1.s" | sort -u >"$1.r"
		if [ -s "$1.r" ]; then grep -F -f "$1.r" "$2" 2>/dev/null | sort >"$2.s"; else : >"$2.s"; fi
	else
		sort "$2" 2>/dev/null >"$2.s"
	fi
}
