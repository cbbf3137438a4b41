# Shared by the host test scripts (bash). Each test prints "ok - NAME" or "not ok - NAME: why";
# tests/run.sh counts them.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CP=${CP:-$ROOT/coreprobe}
B=$ROOT/build
T=$B/targets
TMP=$(mktemp -d /tmp/coreprobe-test.XXXXXX)
trap 'cleanup_tracers; rm -rf "$TMP"' EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }

TRACERS=()
cleanup_tracers() {
	for p in "${TRACERS[@]:-}"; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; done
	TRACERS=()
}

# tracer_start OUT ERR CMD...: runs a tracer in the background and waits until it prints
# "Tracing" on stderr (attached) or exits. Sets TRACER_PID. Returns 1 if it never attached.
tracer_start() {
	local out=$1 err=$2
	shift 2
	# emptied here, not by the redirection in the child: that one may come after the first
	# grep below, which would then see the previous tracer's "Tracing" line
	: >"$out"; : >"$err"
	"$@" >"$out" 2>"$err" &
	TRACER_PID=$!
	TRACERS+=("$TRACER_PID")
	for _ in $(seq 1 200); do
		grep -q '^Tracing' "$err" 2>/dev/null && return 0
		kill -0 "$TRACER_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# tracer_wait [SECONDS]: waits for the tracer to exit (SIGINT after the timeout, then KILL);
# returns its exit code.
tracer_wait() {
	local t=${1:-10} i
	for i in $(seq 1 $((t * 20))); do
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$TRACER_PID" 2>/dev/null; then
		kill -INT "$TRACER_PID"
		sleep 1
		kill -KILL "$TRACER_PID" 2>/dev/null
	fi
	wait "$TRACER_PID"
}

# expect_error NAME CODE REGEX CMD...: CMD must exit CODE, print exactly one line on stderr
# matching REGEX, and nothing on stdout.
expect_error() {
	local name=$1 code=$2 re=$3 rc
	shift 3
	"$@" >"$TMP/ee.out" 2>"$TMP/ee.err"
	rc=$?
	if [ "$rc" != "$code" ]; then
		notok "$name: exit $rc, want $code ($(head -c 300 "$TMP/ee.err"))"
	elif [ "$(wc -l <"$TMP/ee.err")" != 1 ] || ! grep -Eq -- "$re" "$TMP/ee.err"; then
		notok "$name: stderr is not one line matching /$re/: $(head -c 300 "$TMP/ee.err")"
	elif [ -s "$TMP/ee.out" ]; then
		notok "$name: printed on stdout: $(head -c 200 "$TMP/ee.out")"
	else
		ok "$name (exit $code: $(cat "$TMP/ee.err"))"
	fi
}

# hidden_sysfs CMD...: runs CMD in a private mount namespace where /sys/kernel/btf is an empty
# tmpfs, as on a kernel without BTF. The host is not changed.
hidden_sysfs() {
	unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh "$@"
}
