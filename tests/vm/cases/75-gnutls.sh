# cells: gnutls:3.7.9-tls1_2 gnutls:3.7.9-tls1_3
# gnutls: one real TLS session per protocol version from Debian bookworm's gnutls-cli (libgnutls30
# 3.7.9) to an `openssl s_server` on 127.0.0.1, traced by `coreprobe sslsniff`, on both
# architectures:
#   - the plaintext of both directions of the client (gnutls_record_send2, which gnutls_record_send only tail-calls and so is probed alone, / gnutls_record_recv)
#     with the client's pid;
#   - the fd equal to the client's socket (/proc/PID/fd while connected), from the syscalls
#     made inside the call (the raw sys_enter tracepoint, the kernel's fd table read through
#     CO-RE on this kernel): GnuTLS's transport pointer is never read;
#   - a key log equal to the one GnuTLS itself writes for the client (SSLKEYLOGFILE): the
#     secrets read through CO-RE from gnutls_session_int against the embedded BTF of that
#     libgnutls build (TLS 1.2: CLIENT_RANDOM; TLS 1.3: the traffic and exporter secrets).
# Without kernel BTF (not embedded, sysfs hidden): exit 3, one line, nothing traced.
# What differs by architecture is data (below): x86_64 rows run the host's gnutls-cli and
# libgnutls, copied into the initramfs with the libraries ldd lists (tests/vm/extra-bins.list),
# against Debian's OpenSSL 3.0.22 with another build-id (3.0.22-foreign, no blob: it has the same
# secrets, so a keyed server would write the very lines the client is checked for); arm64 rows
# run Debian's arm64 gnutls-cli and libgnutls30 3.7.9-2+deb12u7 (tests/vm/arm64-debs.list, whose
# blob is the arm64 rebuild's: btfs/app-arm64/libgnutls, docs/arm64.md) against the VM's system
# OpenSSL 3.0.20 (not traced: only libgnutls is). The TLS plumbing and checks shared with
# 70-sslsniff are lib.sh's tls_* helpers.
VMDIR=${VMDIR:-$(cd "${0%/*}/.." && pwd)}
. "$VMDIR/lib.sh"

PORT=24500
GCLI=/usr/bin/gnutls-cli
CERT=$CACHE/openssl/cert
if [ "${VMARCH:-x86_64}" = arm64 ]; then
	GLIB=$(ls /usr/lib/aarch64-linux-gnu/libgnutls.so.30.* 2>/dev/null | head -n 1)
	SERVER=/usr/bin/openssl
	HOLD=4 CONNECTED=2	# seconds the client stays / until its fds are read (TCG arm64 is slower)
else
	GLIB=/lib/x86_64-linux-gnu/libgnutls.so.30
	SERVER=$CACHE/openssl/3.0.22-foreign/run
	HOLD=3 CONNECTED=1.5
fi
# the host rows share the library with the host's other GnuTLS traffic: only this session's
# key lines (its client randoms) are compared there; in a VM every line coreprobe writes
KEYS=all
[ "$KNAME" = host ] && KEYS=session

# seconds since boot (the cell's own time, for the matrix time it adds: docs/sslsniff.md)
uptime_s() { cut -d' ' -f1 /proc/uptime 2>/dev/null; }
since() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { if (a != "" && b != "") printf "%.1f", b - a; else printf "?" }'; }

# gnutls_client ARGS...: becomes gnutls-cli (exec: the pipeline's last element, so $! is the
# client's own pid, the one events are matched against)
gnutls_client() { exec "$GCLI" "$@"; }
# s_server ARGS...: becomes the server's `openssl s_server` (an unkeyed build on x86_64)
s_server() {
	case $SERVER in
	*/run) exec "$SERVER" openssl s_server "$@" ;;
	*) exec "$SERVER" s_server "$@" ;;
	esac
}

# gnutls_case PROTO (tls1_2 | tls1_3)
gnutls_case() {
	_p=$1 _c=3.7.9-$1
	_o=$WORK/gt-$_c.out _e=$WORK/gt-$_c.err _kl=$WORK/gkl-$_c.txt _truth=$WORK/gtruth-$_c.txt
	PORT=$((PORT + 1))
	_t0=$(uptime_s)
	rm -f "$_kl" "$_truth"
	for _f in "$GCLI" "${GLIB:-libgnutls.so.30}" "$SERVER" "$CERT/cert.pem"; do
		[ -e "$_f" ] || { result gnutls "$_c" FAIL "no $_f in this root (tests/vm/extra-bins.list, extra-dirs.list, arm64-debs.list)"; return; }
	done
	tls_trace gnutls "$_c" "$GLIB" "$_o" "$_e" "$_kl" || return
	(echo "server $_c"; sleep 8) | s_server -accept "127.0.0.1:$PORT" -cert "$CERT/cert.pem" \
		-key "$CERT/key.pem" -naccept 1 >"$WORK/gsrv-$_c.out" 2>&1 &
	_spid=$!
	tls_wait_listen "$PORT"
	_v=1.3
	[ "$_p" = tls1_2 ] && _v=1.2
	(echo "client $_c"; sleep $HOLD) | SSLKEYLOGFILE=$_truth gnutls_client --insecure \
		--priority "NORMAL:-VERS-ALL:+VERS-TLS$_v" --port "$PORT" 127.0.0.1 >"$WORK/gcli-$_c.out" 2>&1 &
	_cpid=$!
	nap $CONNECTED
	_socks=$(tls_sockets $_cpid)	# the client's socket fds while connected
	wait $_cpid
	kill $_spid 2>/dev/null
	wait $_spid 2>/dev/null
	stop_tracer
	_cw=$(tls_events "$_o" $_cpid write "client $_c" gnutls_record_send2)
	_cr=$(tls_events "$_o" $_cpid read "server $_c" gnutls_record_recv)
	_fd=$(tls_fd "$_cw" "$_cr" "$_socks" syscall)
	tls_keylogs "$_truth" "$_kl" $KEYS
	# the version GnuTLS negotiated, from its own key log: TLS 1.2 logs CLIENT_RANDOM only
	_labels=$(awk '{ print $1 }' "$_truth.s" | sort -u | tr '\n' ' ')
	case $_p:$_labels in
	"tls1_2:CLIENT_RANDOM ") _vok=1 ;;
	tls1_3:*CLIENT_HANDSHAKE_TRAFFIC_SECRET*CLIENT_TRAFFIC_SECRET_0*) _vok=1 ;;
	*) _vok= ;;
	esac
	if [ -z "$_cw" ] || [ -z "$_cr" ]; then
		result gnutls "$_c" FAIL "plaintext missing (write=${_cw:+y} read=${_cr:+y}): $(head -c 300 "$_o" "$_e" | tr '\n' ' ') client: $(head -c 200 "$WORK/gcli-$_c.out" | tr '\n' ' ')"
	elif [ -z "$_fd" ]; then
		result gnutls "$_c" FAIL "fd: want the client's socket ($_socks) from the syscalls: $(echo "$_cw$_cr" | grep -o '"fd":[^,]*,"fd_source":[^,]*' | tr '\n' ' ')"
	elif [ ! -s "$_truth.s" ] || [ -z "$_vok" ]; then
		result gnutls "$_c" FAIL "GnuTLS's own key log ($(wc -l <"$_truth.s") lines: $_labels) is not a $_p session's"
	elif ! cmp -s "$_truth.s" "$_kl.s"; then
		result gnutls "$_c" FAIL "key log ($(wc -l <"$_kl.s") lines) differs from GnuTLS's SSLKEYLOGFILE ($(wc -l <"$_truth.s") lines: $_labels)"
	elif grep -q '"warning":".*libgnutls' "$_o" "$_e"; then
		result gnutls "$_c" FAIL "a GnuTLS warning although this build has a blob: $(grep -h -m1 '"warning"' "$_o" "$_e" | head -c 200)"
	elif [ -n "$(leftover_probes)" ]; then
		result gnutls "$_c" FAIL "probes left: $(leftover_probes)"
	else
		result gnutls "$_c" PASS "both directions (pid $_cpid), fd $_fd (syscall) = the client's socket, key log = GnuTLS's ($(wc -l <"$_kl.s") lines: $_labels), $(since "$_t0") s"
	fi
}

gnutls_case tls1_2
gnutls_case tls1_3
