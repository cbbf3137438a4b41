# cells: sslsniff:1.1.1w-tls1_2 sslsniff:3.0.20-tls1_3 sslsniff:3.5.9-tls1_3 sslsniff:3.0.22-foreign-tls1_3
# sslsniff: one real TLS session per OpenSSL version between that version's own s_server and
# s_client (Debian's binaries, from tests/vm/extra-dirs.list), traced by `coreprobe sslsniff`:
# the plaintext of both directions with each process's pid and an fd, and a key log equal to
# the one OpenSSL itself writes (-keylogfile). (The host test also decrypts a tshark capture
# with it.) The client's fd is its socket (/proc/PID/fd): from the socket BIO where coreprobe
# has the build's BTF, from the raw sys_enter tracepoint and the kernel's fd table (CO-RE on
# this kernel's task_struct/files_struct/fdtable/inode) for 3.0.22-foreign (Debian's 3.0.22 with another build-id: no blob describes it) (and so
# no key log). Without kernel BTF (not embedded, sysfs hidden): exit 3, one line, nothing traced.
VMDIR=${VMDIR:-$(cd "${0%/*}/.." && pwd)}
. "$VMDIR/lib.sh"

O=$CACHE/openssl
PORT=24400
# the host rows share the fixture libraries with other users of the cache (other test runs):
# only this session's key lines (its client randoms) are compared there; in a VM every line
KEYS=all
[ "$KNAME" = host ] && KEYS=session

# x86_64: Debian's builds of each version, in private roots (tests/openssl/fetch.sh), run through
# their `run` wrapper. arm64: Debian's arm64 3.0.20 (openssl, libssl3 of tests/vm/arm64-debs.list)
# is the system OpenSSL of the VM; Debian's arm64 1.1.1w and 3.5.9 are private roots
# ($CACHE/openssl-arm64, tests/openssl/fetch.sh --arch arm64); coreprobe-aarch64 carries their
# BTF (btfs/app-arm64, docs/arm64.md).
if [ "${VMARCH:-x86_64}" = arm64 ]; then
	O=$CACHE/openssl-arm64
	result sslsniff 3.0.22-foreign-tls1_3 SKIP "arm64: the no-blob 3.0.22-foreign fixture is x86_64 only"
fi
ssl_lib() {	# VERSION: the libssl of that version here
	if [ "${VMARCH:-x86_64}" = arm64 ] && [ "$1" = 3.0.20 ]; then
		ls /usr/lib/aarch64-linux-gnu/libssl.so.* 2>/dev/null | head -n 1
	elif [ "${VMARCH:-x86_64}" = arm64 ]; then
		ls "$O/$1"/root/usr/lib/aarch64-linux-gnu/libssl.so.* 2>/dev/null | head -n 1
	else
		ls "$O/$1"/root/usr/lib/x86_64-linux-gnu/libssl.so.* 2>/dev/null | head -n 1
	fi
}
# ssl_run VERSION PROGRAM ARGS...: becomes PROGRAM of that OpenSSL version (exec: called as a
# pipeline's last element, so the pid the case matches events against is the program's own)
ssl_run() {
	_sv=$1
	shift
	if [ "${VMARCH:-x86_64}" = arm64 ] && [ "$_sv" = 3.0.20 ]; then
		_sp=$1
		shift
		exec "/usr/bin/$_sp" "$@"
	fi
	exec "$O/$_sv/run" "$@"
}

# ssl_case VERSION PROTO
ssl_case() {
	_v=$1 _p=$2 _c=$1-$2
	_o=$WORK/ss-$_c.out _e=$WORK/ss-$_c.err _kl=$WORK/kl-$_c.txt _truth=$WORK/truth-$_c.txt
	_lib=$(ssl_lib "$_v")
	PORT=$((PORT + 1))
	rm -f "$_kl" "$_truth"
	if [ -z "$_lib" ]; then
		result sslsniff "$_c" FAIL "no fixture libssl under $O/$_v"
		return
	fi
	tls_trace sslsniff "$_c" "$_lib" "$_o" "$_e" "$_kl" || return
	(echo "server $_c"; sleep 8) | ssl_run "$_v" openssl s_server -accept "127.0.0.1:$PORT" \
		-cert "$CACHE/openssl/cert/cert.pem" -key "$CACHE/openssl/cert/key.pem" "-$_p" -naccept 1 -keylogfile "$_truth" \
		>"$WORK/srv-$_c.out" 2>&1 &
	_spid=$!
	tls_wait_listen "$PORT"
	(echo "client $_c"; sleep 3) | ssl_run "$_v" openssl s_client -connect "127.0.0.1:$PORT" "-$_p" \
		-quiet -no_ign_eof >"$WORK/cli-$_c.out" 2>&1 &
	_cpid=$!
	nap 1.5
	_socks=$(tls_sockets $_cpid)	# the client's socket fds while connected
	wait $_cpid
	kill $_spid 2>/dev/null
	wait $_spid 2>/dev/null
	stop_tracer
	_cw=$(tls_events "$_o" $_cpid write "client $_c")
	_sr=$(tls_events "$_o" $_spid read "client $_c")
	_sw=$(tls_events "$_o" $_spid write "server $_c")
	_cr=$(tls_events "$_o" $_cpid read "server $_c")
	_src=bio
	[ "$_v" = 3.0.22-foreign ] && _src=syscall	# no blob: no keys expected
	_fd=$(tls_fd "$_cw" "$_cr" "$_socks" $_src)
	tls_keylogs "$_truth" "$_kl" $KEYS
	if [ -z "$_cw" ] || [ -z "$_sr" ] || [ -z "$_sw" ] || [ -z "$_cr" ]; then
		result sslsniff "$_c" FAIL "plaintext missing (cw=${_cw:+y} sr=${_sr:+y} sw=${_sw:+y} cr=${_cr:+y}): $(head -c 300 "$_o" "$_e" | tr '\n' ' ') client: $(head -c 200 "$WORK/cli-$_c.out" | tr '\n' ' ')"
	elif echo "$_cw$_cr$_sw$_sr" | grep -q '"fd":null'; then
		result sslsniff "$_c" FAIL "an event without fd: $_cw"
	elif [ -z "$_fd" ]; then
		result sslsniff "$_c" FAIL "fd: want the client's socket ($_socks) from $_src: $(echo "$_cw" | grep -o '"fd":[^,]*,"fd_source":[^,]*')"
	elif [ "$_src" = bio ] && { [ ! -s "$_kl.s" ] || ! cmp -s "$_truth.s" "$_kl.s"; }; then
		result sslsniff "$_c" FAIL "key log ($(wc -l <"$_kl.s") lines) differs from OpenSSL's ($(wc -l <"$_truth.s") lines)"
	elif [ "$_src" = syscall ] && [ ! -s "$_truth.s" ]; then
		result sslsniff "$_c" FAIL "OpenSSL wrote no key log (-keylogfile): the session's client random is unknown"
	elif [ "$_src" = syscall ] && [ -s "$_kl.s" ]; then
		result sslsniff "$_c" FAIL "key lines written for a build without a blob ($(wc -l <"$_kl.s") lines)"
	elif [ -n "$(leftover_probes)" ]; then
		result sslsniff "$_c" FAIL "probes left: $(leftover_probes)"
	else
		_lay=$(echo "$_cw" | sed -n 's/.*"layout":"\([^"]*\)".*/\1/p')
		_keys="key log = OpenSSL's ($(wc -l <"$_kl.s") lines)"
		[ "$_src" = syscall ] && _keys="no blob: no key lines"
		result sslsniff "$_c" PASS "both directions, fd $_fd ($_src) = the client's socket, layout $_lay, $_keys"
	fi
}

if [ "${VMARCH:-x86_64}" = arm64 ]; then
	ssl_case 1.1.1w tls1_2
	ssl_case 3.0.20 tls1_3
	ssl_case 3.5.9 tls1_3
else
	ssl_case 1.1.1w tls1_2
	ssl_case 3.0.20 tls1_3
	ssl_case 3.5.9 tls1_3
	ssl_case 3.0.22-foreign tls1_3
fi
