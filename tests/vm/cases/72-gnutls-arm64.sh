# cells: sslsniff:gnutls-arm64-3.7.9-tls1_3
# GnuTLS on the arm64 rows: one real TLS 1.3 session from Debian's arm64 gnutls-cli (libgnutls30
# 3.7.9-2+deb12u7, tests/vm/arm64-debs.list) to the VM's OpenSSL s_server, traced by
# `coreprobe-aarch64 sslsniff --lib libgnutls.so.30`: the client's plaintext both ways with its
# pid and socket fd, and coreprobe's key log lines for the session's client random equal to the
# ones GnuTLS itself writes (SSLKEYLOGFILE). The keys come through CO-RE from the blob of the
# arm64 rebuild (btfs/app-arm64/libgnutls, docs/arm64.md). Without kernel BTF (not embedded,
# sysfs hidden): exit 3, one line, nothing traced. x86_64 rows: SKIP (their GnuTLS cells are
# the x86 ones; this file only adds the arm64 cell, so it merges with them independently).
VMDIR=${VMDIR:-$(cd "${0%/*}/.." && pwd)}
. "$VMDIR/lib.sh"

C=gnutls-arm64-3.7.9-tls1_3
if [ "${VMARCH:-x86_64}" != arm64 ]; then
	result sslsniff "$C" SKIP "arm64 rows only (Debian's arm64 GnuTLS)"
	exit 0
fi

gnutls_case() {
	_o=$WORK/gt.out _e=$WORK/gt.err _kl=$WORK/kl-gt.txt _truth=$WORK/truth-gt.txt
	_lib=$(ls /usr/lib/aarch64-linux-gnu/libgnutls.so.30.* 2>/dev/null | head -n 1)
	_port=24480
	rm -f "$_kl" "$_truth"
	if [ -z "$_lib" ] || [ ! -x /usr/bin/gnutls-cli ]; then
		result sslsniff "$C" FAIL "no arm64 libgnutls.so.30 / gnutls-cli in the VM (tests/vm/arm64-debs.list)"
		return
	fi
	probes_mark
	start_tracer "$_o" "$_e" "$COREPROBE" -j sslsniff --lib "$_lib" --keylog "$_kl"
	_st=$?
	if no_btf_here; then
		if [ $_st = 1 ] && [ "$TRACER_RC" = 3 ] && [ "$(cat "$_o" "$_e" | wc -l)" = 1 ] &&
		   grep -q '"error":"no BTF for kernel.*"exit":3' "$_o" && [ ! -s "$_kl" ] && [ -z "$(leftover_probes)" ]; then
			result sslsniff "$C" PASS "no kernel BTF: exit 3, one line, no probe left"
		else
			[ $_st = 0 ] && stop_tracer
			result sslsniff "$C" FAIL "no kernel BTF: want exit 3, got st=$_st rc=$TRACER_RC: $(cat "$_o" "$_e" | head -c 200)"
		fi
		return
	fi
	if [ $_st != 0 ]; then
		[ $_st = 2 ] && stop_tracer
		result sslsniff "$C" FAIL "did not attach (rc=$TRACER_RC): $(head -c 300 "$_e" | tr '\n' ' ')"
		return
	fi
	(echo "server $C"; sleep 8) | /usr/bin/openssl s_server -accept "127.0.0.1:$_port" \
		-cert "$CACHE/openssl/cert/cert.pem" -key "$CACHE/openssl/cert/key.pem" -tls1_3 -naccept 1 \
		>"$WORK/gt-srv.out" 2>&1 &
	_spid=$!
	_n=0	# until it listens
	while ! { netstat -ltn 2>/dev/null || ss -ltn 2>/dev/null; } | grep -q ":$_port " && [ $_n -lt 200 ]; do
		nap 0.1
		_n=$((_n + 1))
	done
	(echo "client $C"; sleep 4) | SSLKEYLOGFILE=$_truth /usr/bin/gnutls-cli --insecure \
		--priority NORMAL:-VERS-ALL:+VERS-TLS1.3 --port "$_port" 127.0.0.1 >"$WORK/gt-cli.out" 2>&1 &
	_cpid=$!
	nap 2
	_socks=" "	# the client's socket fds while connected
	for _f in /proc/$_cpid/fd/*; do
		case $(readlink "$_f" 2>/dev/null) in socket:*) _socks="$_socks${_f##*/} " ;; esac
	done
	wait $_cpid
	kill $_spid 2>/dev/null
	wait $_spid 2>/dev/null
	stop_tracer
	_cw=$(grep "\"pid\":$_cpid,.*\"dir\":\"write\"" "$_o" | grep -F "\"data\":\"client $C\\n\"")
	_cr=$(grep "\"pid\":$_cpid,.*\"dir\":\"read\"" "$_o" | grep -F "\"data\":\"server $C\\n\"")
	_fd=$(echo "$_cw" | sed -n 's/.*"fd":\([0-9]*\),.*/\1/p')
	# coreprobe's lines for the client randoms GnuTLS logged
	sort -u "$_truth" 2>/dev/null >"$_truth.s"
	awk '{ print $2 }' "$_truth.s" | sort -u >"$_truth.r"
	if [ -s "$_truth.r" ]; then grep -F -f "$_truth.r" "$_kl" 2>/dev/null | sort -u >"$_kl.s"; else : >"$_kl.s"; fi
	if [ -z "$_cw" ] || [ -z "$_cr" ]; then
		result sslsniff "$C" FAIL "plaintext missing (cw=${_cw:+y} cr=${_cr:+y}): $(head -c 300 "$_o" "$_e" | tr '\n' ' ') client: $(head -c 200 "$WORK/gt-cli.out" | tr '\n' ' ')"
	elif grep -q '"warning":".*libgnutls' "$_o" "$_e"; then
		result sslsniff "$C" FAIL "a GnuTLS warning although this build has a blob: $(grep -h -m1 '"warning"' "$_o" "$_e" | head -c 200)"
	elif [ -z "$_fd" ] || ! echo "$_cr" | grep -q "\"fd\":$_fd," || [ "${_socks#* $_fd }" = "$_socks" ]; then
		result sslsniff "$C" FAIL "fd: want the client's socket ($_socks): $(echo "$_cw" | grep -o '"fd":[^,]*,"fd_source":[^,]*')"
	elif ! grep -q '^CLIENT_HANDSHAKE_TRAFFIC_SECRET ' "$_truth.s"; then
		result sslsniff "$C" FAIL "GnuTLS wrote no TLS 1.3 key log (SSLKEYLOGFILE): $(head -c 200 "$_truth" 2>/dev/null)"
	elif ! cmp -s "$_truth.s" "$_kl.s"; then
		result sslsniff "$C" FAIL "key log ($(wc -l <"$_kl.s") lines for the session) differs from GnuTLS's ($(wc -l <"$_truth.s") lines)"
	elif [ -n "$(leftover_probes)" ]; then
		result sslsniff "$C" FAIL "probes left: $(leftover_probes)"
	else
		_src=$(echo "$_cw" | sed -n 's/.*"fd_source":"\([^"]*\)".*/\1/p')
		result sslsniff "$C" PASS "both directions, fd $_fd ($_src) = the client's socket, key log = GnuTLS's ($(wc -l <"$_kl.s") lines: $(awk '{ print $1 }' "$_kl.s" | sort -u | tr '\n' ' '))"
	fi
}
gnutls_case
