#!/bin/bash
# How soon after its exec a new process is covered by `coreprobe sslsniff` (issue 13: "time from
# a new process's exec to its libraries being attached: median and worst over 100 starts").
# Runnable alone (root):  bash bench/procwatch.sh      (also: BENCH_ONLY=procwatch make bench)
# Writes build/bench/procwatch.json and prints a table. The truth is each process's own memory
# (bench/covered.c: the uprobe's breakpoint appearing on its SSL_write), timed from before its
# exec. Three cases, each with its own sslsniff run (default watching):
#   traced     its libssl is a file already traced (the host's, attached at start-up): N starts
#   new_file   each start maps a new copy of the host's libssl (a new inode, a build already
#              loaded: a container of the same image, a program's private copy): N starts
#   new_build  the first process of an OpenSSL build no process had mapped (1.1.1w, a new
#              instance loaded): one start per sslsniff run, NB runs
# And the watcher's tax on every syscall of the machine (bench/sysloop.c: ns per getppid(2),
# best of 5 rounds of 1M): no tracer, sslsniff --no-watch, sslsniff watching; 3 rounds each.
# Variables: PW_STARTS (default 100), PW_NEW_BUILD_RUNS (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${PW_STARTS:-100}
NB=${PW_NEW_BUILD_RUNS:-10}
OUT=build/bench
CACHE=${COREPROBE_CACHE:-$HOME/.cache/coreprobe}
HOSTSSL=$(readlink -f /usr/lib/x86_64-linux-gnu/libssl.so.3)
OLD=$CACHE/openssl/1.1.1w/root/usr/lib/x86_64-linux-gnu
die() { echo "bench/procwatch: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
[ -x ./coreprobe ] || die "build ./coreprobe first (make coreprobe)"
[ -r "$OLD/libssl.so.1.1" ] || sh tests/openssl/fetch.sh --no-tls >/dev/null 2>&1 || die "tests/openssl/fetch.sh failed"
mkdir -p $OUT
gcc -O2 -Wall bench/covered.c -o $OUT/covered -ldl
gcc -O2 -Wall bench/sysloop.c -o $OUT/sysloop
W=$(mktemp -d /tmp/coreprobe-bench-pw.XXXXXX)
SS=
trap '[ -n "$SS" ] && kill -KILL $SS 2>/dev/null; rm -rf "$W"' EXIT

start_sslsniff() {	# waits for "Tracing"
	: >"$W/ss.err"	# here, not by the child's redirection, which may come after the first grep
	./coreprobe -v sslsniff "$@" -d 600 >/dev/null 2>>"$W/ss.err" &
	SS=$!
	for _ in $(seq 1 200); do grep -q '^Tracing' "$W/ss.err" && return 0; sleep 0.05; done
	die "sslsniff did not start: $(head -c 300 "$W/ss.err")"
}
# stop_sslsniff: SIGINT; STOP_S: the seconds it took to exit (detaching every uprobe)
stop_sslsniff() {
	local t0
	t0=$(date +%s.%N)
	kill -INT "$SS"
	wait "$SS" || true
	SS=
	STOP_S=$(echo "$(date +%s.%N) - $t0" | bc)
}
# stats FILE: {"starts":n,"covered":k,"median_ms":..,"worst_ms":..,"best_ms":..} of "start MS" lines
stats() {
	awk '$1 == "start" { n++; if ($2 >= 0) print $2; else never++ } END { print "N", n, never + 0 }' "$1" |
		sort -g | awk '
			$1 == "N" { n = $2; never = $3; next }
			{ v[k++] = $1 }
			END {
				med = k ? (k % 2 ? v[(k - 1) / 2] : (v[k / 2 - 1] + v[k / 2]) / 2) : "null"
				printf "{\"starts\":%d,\"covered\":%d,\"median_ms\":%s,\"best_ms\":%s,\"worst_ms\":%s}\n",
					n, k, med, k ? v[0] : "null", never ? "null" : (k ? v[k - 1] : "null")
			}'
}

echo "bench/procwatch: traced: $N starts" >&2
start_sslsniff
$OUT/covered -n "$N" "$HOSTSSL" >"$W/traced.txt"
stop_sslsniff; stop_traced=$STOP_S

echo "bench/procwatch: new_file: $N starts, each with a new copy of $HOSTSSL" >&2
for i in $(seq 1 "$N"); do mkdir -p "$W/f/$i" && cp "$HOSTSSL" "$W/f/$i/libssl.so.3"; done
start_sslsniff
$OUT/covered -n "$N" "$W"/f/*/libssl.so.3 >"$W/new_file.txt"
stop_sslsniff; stop_new_file=$STOP_S
rm -rf "$W/f"

echo "bench/procwatch: new_build: $NB sslsniff runs, one OpenSSL 1.1.1w start each" >&2
: >"$W/new_build.txt"
preloaded=0
OLD_ID=$(readelf -n "$OLD/libssl.so.1.1" | awk '/Build ID:/ { print $3; exit }')
for i in $(seq 1 "$NB"); do
	mkdir -p "$W/b$i" && cp "$OLD"/lib{ssl,crypto}.so.1.1 "$W/b$i/"
	start_sslsniff
	# another process mapping a 1.1.1w at start-up (the machine is shared) loads its instance
	# then: such a run is a new_file start, and is not counted
	if grep -q "^coreprobe: .*(libssl build-id $OLD_ID" "$W/ss.err"; then
		preloaded=$((preloaded + 1))
	else
		LD_LIBRARY_PATH="$W/b$i" $OUT/covered -n 1 "$W/b$i/libssl.so.1.1" >>"$W/new_build.txt"
	fi
	stop_sslsniff
	rm -rf "$W/b$i"
done

echo "bench/procwatch: syscall cost" >&2
sys_none= sys_nowatch= sys_watch=
for r in 1 2 3; do
	sys_none="$sys_none $($OUT/sysloop)"
	start_sslsniff --no-watch; sys_nowatch="$sys_nowatch $($OUT/sysloop)"; stop_sslsniff
	start_sslsniff; sys_watch="$sys_watch $($OUT/sysloop)"; stop_sslsniff
done
med() { printf '%s\n' $1 | sort -g | sed -n 2p; }

jq -n --argjson traced "$(stats "$W/traced.txt")" --argjson new_file "$(stats "$W/new_file.txt")" \
	--argjson new_build "$(stats "$W/new_build.txt")" --argjson stop_traced "$stop_traced" \
	--argjson sn "$(med "$sys_none")" --argjson snw "$(med "$sys_nowatch")" --argjson sw "$(med "$sys_watch")" \
	--argjson stop_new_file "$stop_new_file" --argjson preloaded "$preloaded" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
	--arg cmd "bash bench/procwatch.sh (PW_STARTS=$N PW_NEW_BUILD_RUNS=$NB)" \
	'{command: $cmd, load_after: $load, resolution_ms: 0.1,
	  traced: $traced, new_file: $new_file, new_build: ($new_build + {runs_not_counted_preloaded: $preloaded}),
	  exit_s: {traced: $stop_traced, new_file: $stop_new_file},
	  syscall_ns: {untraced: $sn, sslsniff_no_watch: $snw, sslsniff_watching: $sw,
	               watching_ratio: (($sw / $snw * 1000 | round) / 1000)}}' >$OUT/procwatch.json
jq -r '"| case | starts | covered | median ms | worst ms |", "|---|---|---|---|---|",
	(["traced", "new_file", "new_build"][] as $k | .[$k] |
	 "| \($k) | \(.starts) | \(.covered) | \(.median_ms) | \(.worst_ms) |"),
	"getppid(2): \(.syscall_ns.untraced) ns untraced, \(.syscall_ns.sslsniff_no_watch) ns with sslsniff --no-watch, \(.syscall_ns.sslsniff_watching) ns watching (x\(.syscall_ns.watching_ratio))",
	"sslsniff exit after SIGINT: \(.exit_s.traced) s with the start-up libraries, \(.exit_s.new_file) s with \(.new_file.covered) more",
	"load average after: \(.load_after)"' $OUT/procwatch.json
