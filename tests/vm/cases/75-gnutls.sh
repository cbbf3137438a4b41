# cells: gnutls:3.7.9-tls1_2 gnutls:3.7.9-tls1_3
# gnutls: one real TLS session per protocol version from Debian bookworm's gnutls-cli (libgnutls30
# 3.7.9, the host's, copied into the initramfs with the libraries ldd lists: tests/vm/extra-bins.list)
# to an `openssl s_server` on 127.0.0.1, traced by `coreprobe sslsniff`:
#   - the plaintext of both directions of the client (gnutls_record_send / gnutls_record_recv)
#     with the client's pid;
#   - the fd equal to the client's socket (/proc/PID/fd while connected), from the syscalls
#     made inside the call (the raw sys_enter tracepoint, the kernel's fd table read through
#     CO-RE on this kernel): GnuTLS's transport pointer is never read;
#   - a key log equal to the one GnuTLS itself writes for the client (SSLKEYLOGFILE): the
#     secrets read through CO-RE from gnutls_session_int against the embedded BTF of that
#     libgnutls build (TLS 1.2: CLIENT_RANDOM; TLS 1.3: the traffic and exporter secrets).
# The server is Debian's OpenSSL 3.0.22 with another build-id (3.0.22-foreign, no blob): it has
# the same secrets, so a keyed server would write the very lines the client is checked for.
# Without kernel BTF (not embedded, sysfs hidden): exit 3, one line, nothing traced.
# arm64 rows: SKIP (no arm64 gnutls-cli in their initramfs).
VMDIR=${VMDIR:-$(cd "${0%/*}/.." && pwd)}
. "$VMDIR/lib.sh"

CELLS="3.7.9-tls1_2 3.7.9-tls1_3"
if [ "${VMARCH:-x86_64}" = arm64 ]; then
	for _c in $CELLS; do result gnutls "$_c" SKIP "arm64: no arm64 gnutls-cli in this initramfs"; done
	exit 0
fi

O=$CACHE/openssl
PORT=24500
GCLI=/usr/bin/gnutls-cli
GLIB=/lib/x86_64-linux-gnu/libgnutls.so.30

# seconds since boot (the cell's own time, for the matrix time it adds: docs/sslsniff.md)
uptime_s() { cut -d' ' -f1 /proc/uptime 2>/dev/null; }
since() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { if (a != "" && b != "") printf "%.1f", b - a; else printf "?" }'; }

# gnutls_client ARGS...: becomes gnutls-cli (exec: the pipeline's last element, so $! is the
# client's own pid, the one events are matched against)
gnutls_client() { exec "$GCLI" "$@"; }
# s_server ARGS...: becomes the unkeyed OpenSSL server
s_server() { exec "$O/3.0.22-foreign/run" openssl s_server "$@"; }

# gnutls_case PROTO (tls1_2 | tls1_3)
gnutls_case() {
	_p=$1 _c=3.7.9-$1
	_o=$WORK/gt-$_c.out _e=$WORK/gt-$_c.err _kl=$WORK/gkl-$_c.txt _truth=$WORK/gtruth-$_c.txt
	PORT=$((PORT + 1))
	_t0=$(uptime_s)
	rm -f "$_kl" "$_truth"
	for _f in "$GCLI" "$GLIB" "$O/3.0.22-foreign/run" "$O/cert/cert.pem"; do
		[ -e "$_f" ] || { result gnutls "$_c" FAIL "no $_f in this root (tests/vm/extra-bins.list, extra-dirs.list)"; return; }
	done
	probes_mark
	start_tracer "$_o" "$_e" "$COREPROBE" -j sslsniff --lib "$GLIB" --keylog "$_kl"
	_st=$?
	if no_btf_here; then
		if [ $_st = 1 ] && [ "$TRACER_RC" = 3 ] && [ "$(cat "$_o" "$_e" | wc -l)" = 1 ] &&
		   grep -q '"error":"no BTF for kernel.*"exit":3' "$_o" && [ ! -s "$_kl" ] && [ -z "$(leftover_probes)" ]; then
			result gnutls "$_c" PASS "no kernel BTF: exit 3, one line, no probe left"
		else
			[ $_st = 0 ] && stop_tracer
			result gnutls "$_c" FAIL "no kernel BTF: want exit 3, got st=$_st rc=$TRACER_RC: $(cat "$_o" "$_e" | head -c 200)"
		fi
		return
	fi
	if [ $_st != 0 ]; then
		[ $_st = 2 ] && stop_tracer
		result gnutls "$_c" FAIL "did not attach (rc=$TRACER_RC): $(head -c 300 "$_e" | tr '\n' ' ')"
		return
	fi
	(echo "server $_c"; sleep 8) | s_server -accept "127.0.0.1:$PORT" -cert "$O/cert/cert.pem" \
		-key "$O/cert/key.pem" -naccept 1 >"$WORK/gsrv-$_c.out" 2>&1 &
	_spid=$!
	_n=0	# until it listens
	while ! { netstat -ltn 2>/dev/null || ss -ltn 2>/dev/null; } | grep -q ":$PORT " && [ $_n -lt 200 ]; do
		nap 0.1
		_n=$((_n + 1))
	done
	_v=1.3
	[ "$_p" = tls1_2 ] && _v=1.2
	(echo "client $_c"; sleep 3) | SSLKEYLOGFILE=$_truth gnutls_client --insecure \
		--priority "NORMAL:-VERS-ALL:+VERS-TLS$_v" --port "$PORT" 127.0.0.1 >"$WORK/gcli-$_c.out" 2>&1 &
	_cpid=$!
	nap 1.5
	_socks=" "	# the client's socket fds while connected
	for _f in /proc/$_cpid/fd/*; do
		case $(readlink "$_f" 2>/dev/null) in socket:*) _socks="$_socks${_f##*/} " ;; esac
	done
	wait $_cpid
	kill $_spid 2>/dev/null
	wait $_spid 2>/dev/null
	stop_tracer
	_cw=$(grep "\"pid\":$_cpid,.*\"func\":\"gnutls_record_send\",\"dir\":\"write\"" "$_o" | grep -F "\"data\":\"client $_c\\n\"")
	_cr=$(grep "\"pid\":$_cpid,.*\"func\":\"gnutls_record_recv\",\"dir\":\"read\"" "$_o" | grep -F "\"data\":\"server $_c\\n\"")
	_fd=$(echo "$_cw" | sed -n 's/.*"fd":\([0-9]*\),"fd_source":"syscall".*/\1/p')
	sort -u "$_truth" 2>/dev/null >"$_truth.s"
	if [ "$KNAME" = host ]; then
		# the host's other GnuTLS traffic has other client randoms: only this session's lines
		awk '{ print $2 }' "$_truth.s" | sort -u >"$_truth.r"
		grep -F -f "$_truth.r" "$_kl" 2>/dev/null | sort >"$_kl.s"
	else
		sort "$_kl" 2>/dev/null >"$_kl.s"
	fi
	# the version GnuTLS negotiated, from its own key log: TLS 1.2 logs CLIENT_RANDOM only
	_labels=$(awk '{ print $1 }' "$_truth.s" | sort -u | tr '\n' ' ')
	case $_p:$_labels in
	"tls1_2:CLIENT_RANDOM ") _vok=1 ;;
	tls1_3:*CLIENT_HANDSHAKE_TRAFFIC_SECRET*CLIENT_TRAFFIC_SECRET_0*) _vok=1 ;;
	*) _vok= ;;
	esac
	if [ -z "$_cw" ] || [ -z "$_cr" ]; then
		result gnutls "$_c" FAIL "plaintext missing (write=${_cw:+y} read=${_cr:+y}): $(head -c 300 "$_o" "$_e" | tr '\n' ' ') client: $(head -c 200 "$WORK/gcli-$_c.out" | tr '\n' ' ')"
	elif [ -z "$_fd" ] || ! echo "$_cr" | grep -q "\"fd\":$_fd,\"fd_source\":\"syscall\"" || [ "${_socks#* $_fd }" = "$_socks" ]; then
		result gnutls "$_c" FAIL "fd: want the client's socket ($_socks) from the syscalls: $(echo "$_cw$_cr" | grep -o '"fd":[^,]*,"fd_source":[^,]*' | tr '\n' ' ')"
	elif [ ! -s "$_truth.s" ] || [ -z "$_vok" ]; then
		result gnutls "$_c" FAIL "GnuTLS's own key log ($(wc -l <"$_truth.s") lines: $_labels) is not a $_p session's"
	elif ! cmp -s "$_truth.s" "$_kl.s"; then
		result gnutls "$_c" FAIL "key log ($(wc -l <"$_kl.s") lines) differs from GnuTLS's SSLKEYLOGFILE ($(wc -l <"$_truth.s") lines: $_labels)"
	elif grep -q '"warning":".*libgnutls' "$_o"; then
		result gnutls "$_c" FAIL "a GnuTLS warning although this build has a blob: $(grep -m1 '"warning"' "$_o" | head -c 200)"
	elif [ -n "$(leftover_probes)" ]; then
		result gnutls "$_c" FAIL "probes left: $(leftover_probes)"
	else
		result gnutls "$_c" PASS "both directions (pid $_cpid), fd $_fd (syscall) = the client's socket, key log = GnuTLS's ($(wc -l <"$_kl.s") lines: $_labels), $(since "$_t0") s"
	fi
}

gnutls_case tls1_2
gnutls_case tls1_3
