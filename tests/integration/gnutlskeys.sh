#!/bin/bash
# coreprobe sslsniff --keylog for GnuTLS: the secrets read through CO-RE from
# gnutls_session_int against the BTF of this host's libgnutls30 build. Real GnuTLS clients
# (gnutls-cli, wget, git ls-remote through libcurl-gnutls) against a local python TLS server
# pinned to TLS 1.2 and then to TLS 1.3. Truth: GnuTLS's own key log of the same sessions
# (SSLKEYLOGFILE, written by the library itself); coreprobe's lines for the clients' client
# randoms must be exactly those (other engineers' TLS traffic has other randoms). tshark
# decrypts a capture of the test's port with coreprobe's key log, and not with one digit of it
# changed. A libgnutls build without a blob: plaintext and one warning line, no keys.
# Needs root, gnutls-cli (gnutls-bin), wget, git, python3, tshark and the cert of
# tests/openssl/fetch.sh.
. "$(dirname "$0")/../lib.sh"

CACHE=${COREPROBE_CACHE:-$HOME/.cache/coreprobe}
CERT=$CACHE/openssl/cert
sh "$ROOT/tests/openssl/fetch.sh" --no-tls >"$TMP/fetch.log" 2>&1 || { notok "openssl fixtures: $(tail -3 "$TMP/fetch.log")"; exit 0; }
for c in gnutls-cli wget git python3 tshark; do
	command -v "$c" >/dev/null || { notok "$c is not installed (scripts/setup.sh installs it)"; exit 0; }
done
LIB=$(ls /usr/lib/x86_64-linux-gnu/libgnutls.so.30.* 2>/dev/null | head -n 1)
[ -n "$LIB" ] || { notok "no libgnutls.so.30 on this host"; exit 0; }
PORT=$((20000 + RANDOM % 20000))
# The server is python on Debian's libssl3 3.0.22 with another build-id (tests/openssl/fetch.sh 3.0.22-foreign), an OpenSSL build coreprobe has no blob for:
# the server's side of a session has the same secrets, and a keyed server would write the very
# lines the GnuTLS client is being checked for. server_unkeyed checks that it stayed unkeyed.
SSL_NOBLOB=$CACHE/openssl/3.0.22-foreign/root/usr/lib/x86_64-linux-gnu
[ -f "$SSL_NOBLOB/libssl.so.3" ] || { notok "no libssl 3.0.22-foreign fixture (tests/openssl/fetch.sh)"; exit 0; }
start_server() { # PORT VERSION LOG
	LD_LIBRARY_PATH=$SSL_NOBLOB python3 "$TMP/server.py" "$1" "$2" "$CERT/cert.pem" "$CERT/key.pem" >"$3" 2>&1 &
	SERVER=$!
	for _ in $(seq 50); do grep -q ready "$3" 2>/dev/null && break; sleep 0.1; done
}
server_unkeyed() { # SSLSNIFF-OUT
	grep '"warning":"' "$1" | grep -F "$SSL_NOBLOB/libssl.so.3" | grep -q "no BTF for this OpenSSL build" ||
		{ notok "the server's OpenSSL 3.0.22 is traced with keys now (or not seen): its lines would stand in for GnuTLS's; give the test an unkeyed server: $(grep -m2 '"warning"' "$1" | head -c 300)"; return 1; }
}

cp "$ROOT/tests/tls_server.py" "$TMP/server.py"

capture_start() {
	tshark -i lo -f "tcp port $1" -w "$2" -q 2>"$2.err" &
	CAPTURE=$!
	for _ in $(seq 100); do grep -q Capturing "$2.err" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
capture_stop() {
	sleep 0.3
	kill -INT "$CAPTURE" 2>/dev/null
	wait "$CAPTURE" 2>/dev/null
}

# compare NAME TRUTH OURS: coreprobe's lines for TRUTH's client randoms equal TRUTH's lines.
compare() {
	local name=$1 truth=$2 ours=$3
	if [ ! -s "$truth" ]; then
		notok "$name: GnuTLS wrote no key log (SSLKEYLOGFILE)"
		return 1
	fi
	sort -u "$truth" >"$truth.s"
	awk '{ print $2 }' "$truth.s" | sort -u >"$truth.r"
	grep -F -f "$truth.r" "$ours" | sort -u >"$ours.s"
	if cmp -s "$truth.s" "$ours.s"; then
		ok "$name: key log equals GnuTLS's own ($(wc -l <"$truth.s") lines: $(awk '{ print $1 }' "$truth.s" | sort | uniq | tr '\n' ' '))"
	else
		notok "$name: key log differs from GnuTLS's: $(diff "$truth.s" "$ours.s" | head -c 500)"
		return 1
	fi
}

# decrypts CAPTURE KEYLOG PATH: tshark shows the server's answer to PATH.
decrypts() {
	tshark -r "$1" -o "tls.keylog_file:$2" -Y http -T fields -e http.file_data 2>/dev/null | grep -qF "server says $3"
}

one_version() {
	local v=$1 port=$((PORT++)) out=$TMP/ss-$1.out kl=$TMP/kl-$1.txt prio
	prio=NORMAL:-VERS-ALL:+VERS-TLS$v
	start_server "$port" "$v" "$TMP/server-$v.out"
	local server=$SERVER
	capture_start "$port" "$TMP/cap-$v.pcapng" || { notok "TLS $v: tshark did not start"; kill "$server"; return; }
	if ! tracer_start "$out" "$TMP/ss-$v.err" "$CP" -j sslsniff --lib "$LIB" --keylog "$kl" -d 40; then
		notok "TLS $v: sslsniff did not attach: $(head -c 300 "$TMP/ss-$v.err")"
		capture_stop; kill "$server"
		return
	fi
	local url=https://127.0.0.1:$port
	(printf 'GET /gnutls-cli-%s HTTP/1.0\r\n\r\n' "$v"; sleep 1) |
		SSLKEYLOGFILE=$TMP/truth-gcli-$v gnutls-cli --insecure --priority "$prio" --port "$port" 127.0.0.1 >"$TMP/g-$v.out" 2>&1
	SSLKEYLOGFILE=$TMP/truth-wget-$v wget -q --no-check-certificate -O "$TMP/w-$v.out" "$url/wget-$v"
	GIT_SSL_NO_VERIFY=1 SSLKEYLOGFILE=$TMP/truth-git-$v git ls-remote "$url/git-$v" >"$TMP/git-$v.out" 2>&1
	sleep 0.5
	capture_stop
	kill -INT "$TRACER_PID"
	tracer_wait 15
	kill "$server" 2>/dev/null; wait "$server" 2>/dev/null

	grep -q "server says /gnutls-cli-$v" "$TMP/g-$v.out" || notok "TLS $v: gnutls-cli got no answer: $(head -c 300 "$TMP/g-$v.out")"
	if grep -q '"warning":".*libgnutls' "$out"; then
		notok "TLS $v: a GnuTLS warning although this build has a blob: $(grep -m1 '"warning"' "$out" | head -c 300)"
	fi
	[ -f "$kl" ] || : >"$kl"
	server_unkeyed "$out" || return
	compare "gnutls-cli TLS $v" "$TMP/truth-gcli-$v" "$kl"
	compare "wget TLS $v" "$TMP/truth-wget-$v" "$kl"
	compare "git ls-remote (libcurl-gnutls) TLS $v" "$TMP/truth-git-$v" "$kl"
	# the version GnuTLS logged: TLS 1.2 only CLIENT_RANDOM, TLS 1.3 never
	if [ "$v" = 1.2 ]; then
		! grep -qv '^CLIENT_RANDOM ' "$TMP/truth-gcli-$v" && ok "TLS 1.2: GnuTLS logged CLIENT_RANDOM only" || notok "TLS 1.2: $(head -c 200 "$TMP/truth-gcli-$v")"
	else
		grep -q '^CLIENT_HANDSHAKE_TRAFFIC_SECRET ' "$TMP/truth-gcli-$v" && ok "TLS 1.3: GnuTLS logged TLS 1.3 secrets" || notok "TLS 1.3: $(head -c 200 "$TMP/truth-gcli-$v")"
	fi
	# tshark with coreprobe's key log, and with one digit of every secret changed
	for p in "gnutls-cli-$v" "wget-$v"; do
		decrypts "$TMP/cap-$v.pcapng" "$kl" "/$p" && ok "TLS $v: tshark decrypts $p with coreprobe's key log" ||
			notok "TLS $v: tshark does not decrypt $p with coreprobe's key log"
	done
	awk '{ s = $3; c = substr(s, 1, 1); c = (c == "0") ? "1" : "0"; print $1, $2, c substr(s, 2) }' "$kl" >"$kl.bad"
	decrypts "$TMP/cap-$v.pcapng" "$kl.bad" "/wget-$v" && notok "TLS $v: tshark decrypts with a corrupted key log (control)" ||
		ok "TLS $v: a key log with one digit changed decrypts nothing (control)"
}

one_version 1.2
one_version 1.3

# fetch_gnutls VERSION: prints the libgnutls.so.30.* of Debian's libgnutls30 VERSION (unpacked once).
fetch_gnutls() { # VERSION [PACKAGE]
	local d=$CACHE/gnutls-build/lib-$1 pkg=${2:-libgnutls30}
	if [ ! -f "$d/usr/lib/x86_64-linux-gnu/libgnutls.so.30" ]; then
		mkdir -p "$CACHE/debs" "$d"
		(cd "$CACHE/debs" && { [ -f "${pkg}_${1}_amd64.deb" ] || apt-get download -qq "$pkg=$1"; }) >/dev/null 2>&1 &&
			dpkg-deb -x "$CACHE/debs/${pkg}_${1}_amd64.deb" "$d" || return 1
	fi
	ls "$d"/usr/lib/x86_64-linux-gnu/libgnutls.so.30.* | head -n 1
}

# Four GnuTLS builds with keys in ONE run, three layouts (the key programs relocated
# against each build's BTF: key at 0x1170, 0x11e0 and 0x1278, the TLS 1.3 secrets at key+0x624
# in 3.7.x and key+0x864 in 3.8.9), their clients running at the same time: this host's
# gnutls-cli (bookworm 3.7.9), bookworm's wget on bullseye's 3.7.1-5+deb11u5 (LD_LIBRARY_PATH),
# the same wget on bullseye-security's 3.7.1-5+deb11u10 (another build-id, the same layout),
# and trixie's own gnutls-cli on trixie's 3.8.9-3+deb13u4 with trixie's libc and loader
# (tests/gnutls/fetch.sh). Each client's key log (SSLKEYLOGFILE) must be what coreprobe wrote
# for its client random; tshark decrypts the 3.7.1 and 3.8.9 sessions with coreprobe's lines.
sh "$ROOT/tests/gnutls/fetch.sh" >"$TMP/gfetch.log" 2>&1 || { notok "GnuTLS fixtures: $(tail -3 "$TMP/gfetch.log")"; exit 0; }
G389=$CACHE/gnutls/3.8.9
LIB389=$(ls "$G389"/root/usr/lib/x86_64-linux-gnu/libgnutls.so.30.* | head -n 1)
multi_build() {
	local v=$1 lib371 lib371s port=$((PORT++)) out=$TMP/mb-$1.out kl=$TMP/mb-kl-$1.txt prio=NORMAL:-VERS-ALL:+VERS-TLS$1
	lib371=$(fetch_gnutls 3.7.1-5+deb11u5) || { notok "GnuTLS 3.7.1: apt-get download libgnutls30=3.7.1-5+deb11u5 failed"; return; }
	lib371s=$(fetch_gnutls 3.7.1-5+deb11u10) || { notok "GnuTLS 3.7.1: apt-get download libgnutls30=3.7.1-5+deb11u10 failed"; return; }
	start_server "$port" "$v" "$TMP/server-mb-$v.out"
	local server=$SERVER
	capture_start "$port" "$TMP/cap-mb-$v.pcapng" || { notok "four builds TLS $v: tshark did not start"; kill "$server"; return; }
	if ! tracer_start "$out" "$TMP/mb-$v.err" "$CP" -j sslsniff --lib "$LIB" --lib "$lib371" --lib "$lib371s" --lib "$LIB389" --keylog "$kl" -d 40; then
		notok "four builds TLS $v: sslsniff did not attach: $(head -c 300 "$TMP/mb-$v.err")"
		capture_stop; kill "$server"
		return
	fi
	(printf 'GET /mb-379-%s HTTP/1.0\r\n\r\n' "$v"; sleep 1.5) |
		SSLKEYLOGFILE=$TMP/truth-mb379-$v gnutls-cli --insecure --priority "$prio" --port "$port" 127.0.0.1 >"$TMP/mb379-$v.out" 2>&1 &
	local c1=$!
	(printf 'GET /mb-389-%s HTTP/1.0\r\n\r\n' "$v"; sleep 1.5) |
		SSLKEYLOGFILE=$TMP/truth-mb389-$v "$G389/run" gnutls-cli --insecure --priority "$prio" --port "$port" 127.0.0.1 >"$TMP/mb389-$v.out" 2>&1 &
	local c2=$!
	LD_LIBRARY_PATH=$(dirname "$lib371") SSLKEYLOGFILE=$TMP/truth-mb371-$v wget -q --no-check-certificate -O "$TMP/mb371-$v.out" "https://127.0.0.1:$port/mb-371-$v"
	LD_LIBRARY_PATH=$(dirname "$lib371s") SSLKEYLOGFILE=$TMP/truth-mb371s-$v wget -q --no-check-certificate -O "$TMP/mb371s-$v.out" "https://127.0.0.1:$port/mb-371s-$v"
	wait "$c1" "$c2"
	sleep 0.5
	capture_stop
	kill -INT "$TRACER_PID"
	tracer_wait 15
	kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
	[ -f "$kl" ] || : >"$kl"
	server_unkeyed "$out" || return
	if grep '"warning":".*libgnutls' "$out" | grep -q .; then
		notok "four builds TLS $v: a GnuTLS warning: $(grep -m1 '"warning":".*libgnutls' "$out" | head -c 300)"
	fi
	grep -q "server says /mb-389-$v" "$TMP/mb389-$v.out" || notok "TLS $v: trixie's gnutls-cli got no answer: $(head -c 300 "$TMP/mb389-$v.out")"
	compare "four builds in one run, TLS $v: bookworm 3.7.9 (gnutls-cli)" "$TMP/truth-mb379-$v" "$kl"
	compare "four builds in one run, TLS $v: bullseye 3.7.1 (bookworm's wget)" "$TMP/truth-mb371-$v" "$kl"
	compare "four builds in one run, TLS $v: bullseye-security 3.7.1-5+deb11u10 (bookworm's wget)" "$TMP/truth-mb371s-$v" "$kl"
	compare "four builds in one run, TLS $v: trixie 3.8.9 (trixie's gnutls-cli, its own libc)" "$TMP/truth-mb389-$v" "$kl"
	for p in "mb-389-$v" "mb-371-$v"; do
		decrypts "$TMP/cap-mb-$v.pcapng" "$kl" "/$p" && ok "TLS $v: tshark decrypts /$p with coreprobe's key log" ||
			notok "TLS $v: tshark does not decrypt /$p with coreprobe's key log"
	done
}
multi_build 1.2
multi_build 1.3

# TLS 1.3 early data (0-RTT): gnutls-cli -r --earlydata FILE (a session, then a resumed one
# whose early data goes with the ClientHello) against gnutls-serv --earlydata, both this host's
# GnuTLS. The client's early data: one event, gnutls_record_send_early_data, with its socket
# (not a second gnutls_record_send of the same bytes); the server's gnutls_record_recv_early_data
# with fd unknown (it copies out what the handshake read). The key log equals the client's
# SSLKEYLOGFILE for both sessions, CLIENT_EARLY_TRAFFIC_SECRET and EARLY_EXPORTER_SECRET
# included; tshark decrypts the early data with it, and not without the early traffic secret.
early_data() {
	local port=$((PORT++)) out=$TMP/ed.out kl=$TMP/ed-kl.txt text="EARLY-$RANDOM-0RTT" cpid spid
	printf '%s\n' "$text" >"$TMP/early.txt"
	capture_start "$port" "$TMP/cap-ed.pcapng" || { notok "early data: tshark did not start"; return; }
	SSLKEYLOGFILE=$TMP/truth-ed-serv gnutls-serv --earlydata --echo --port "$port" \
		--x509certfile "$CERT/cert.pem" --x509keyfile "$CERT/key.pem" >"$TMP/ed-serv.out" 2>&1 &
	spid=$!
	for _ in $(seq 50); do ss -ltn "sport = :$port" | grep -q LISTEN && break; sleep 0.1; done
	if ! tracer_start "$out" "$TMP/ed.err" "$CP" -j sslsniff --keylog "$kl" -d 30; then
		notok "early data: sslsniff did not attach: $(head -c 300 "$TMP/ed.err")"
		capture_stop; kill "$spid"; return
	fi
	(sleep 1; printf 'after-handshake\n'; sleep 1) |
		SSLKEYLOGFILE=$TMP/truth-ed gnutls-cli --insecure -r --earlydata="$TMP/early.txt" --port "$port" 127.0.0.1 >"$TMP/ed-cli.out" 2>&1 &
	cpid=$!
	wait "$cpid"
	sleep 0.5
	capture_stop
	kill -INT "$TRACER_PID"
	tracer_wait 15
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	[ -f "$kl" ] || : >"$kl"
	grep -q "This is a resumed session" "$TMP/ed-cli.out" || notok "early data: the second session was not resumed: $(head -c 300 "$TMP/ed-cli.out")"
	local sent recv dup
	sent=$(grep "\"pid\":$cpid,.*\"func\":\"gnutls_record_send_early_data\"" "$out" | grep -cF "\"data\":\"$text\\n\"")
	dup=$(grep "\"pid\":$cpid,.*\"func\":\"gnutls_record_send2\\?\"" "$out" | grep -cF "$text")
	fd=$(grep "\"pid\":$cpid,.*\"func\":\"gnutls_record_send_early_data\"" "$out" | sed -n 's/.*"fd":\([0-9]*\),"fd_source":"syscall".*/\1/p' | head -n 1)
	cfd=$(grep "\"pid\":$cpid,.*\"func\":\"gnutls_record_send2\\?\"" "$out" | grep -F after-handshake | sed -n 's/.*"fd":\([0-9]*\),.*/\1/p' | head -n 1)
	if [ "$sent" = 1 ] && [ "$dup" = 0 ] && [ -n "$fd" ] && [ "$fd" = "$cfd" ]; then
		ok "early data: the client's 0-RTT bytes once, as gnutls_record_send_early_data, fd $fd (its socket, as its later record sends), no second gnutls_record_send of them"
	else
		notok "early data: client events: send_early_data=$sent record_send of them=$dup fd=$fd (later sends' fd $cfd): $(grep "\"pid\":$cpid," "$out" | head -c 600) [$(grep '"summary"' "$out")]"
	fi
	recv=$(grep '"func":"gnutls_record_recv_early_data"' "$out" | grep -F "\"data\":\"$text\\n\"")
	if [ "$(echo "$recv" | grep -c .)" = 1 ] && echo "$recv" | grep -q '"fd":null,"fd_source":null,"fd_unknown":"no socket I/O during the call"'; then
		ok "early data: the server's gnutls_record_recv_early_data once, fd unknown (no socket I/O in the call)"
	else
		notok "early data: server events: $(echo "$recv" | head -c 400) $(grep recv_early "$out" | head -c 300)"
	fi
	if grep -q '^CLIENT_EARLY_TRAFFIC_SECRET ' "$TMP/truth-ed" && grep -q '^EARLY_EXPORTER_SECRET ' "$TMP/truth-ed"; then
		compare "early data (two sessions, the second with 0-RTT)" "$TMP/truth-ed" "$kl"
	else
		notok "early data: GnuTLS logged no early secrets: $(awk '{ print $1 }' "$TMP/truth-ed" 2>/dev/null | sort | uniq -c | tr '\n' ' ')"
	fi
	local hex
	hex=$(printf '%s\n' "$text" | od -An -tx1 | tr -d ' \n')
	awk '{ print $2 }' "$TMP/truth-ed" | sort -u >"$TMP/ed.r"
	grep -F -f "$TMP/ed.r" "$kl" >"$TMP/ed-mine.txt"
	tshark -r "$TMP/cap-ed.pcapng" -o "tls.keylog_file:$TMP/ed-mine.txt" -Y data -T fields -e data.data 2>/dev/null | grep -qx "$hex" &&
		ok "early data: tshark decrypts the 0-RTT bytes with coreprobe's key log" ||
		notok "early data: tshark does not decrypt the 0-RTT bytes with coreprobe's key log"
	grep -v '^CLIENT_EARLY_TRAFFIC_SECRET ' "$TMP/ed-mine.txt" >"$TMP/ed-noearly.txt"
	tshark -r "$TMP/cap-ed.pcapng" -o "tls.keylog_file:$TMP/ed-noearly.txt" -Y data -T fields -e data.data 2>/dev/null | grep -qx "$hex" &&
		notok "early data: decrypted without CLIENT_EARLY_TRAFFIC_SECRET (control)" ||
		ok "early data: without coreprobe's CLIENT_EARLY_TRAFFIC_SECRET line the 0-RTT bytes stay encrypted (control)"
}
early_data

# A GnuTLS server's own key log (gnutls-serv, the host's 3.7.9, SSLKEYLOGFILE), traced alone
# (-p): with a PSK it logs CLIENT_EARLY_TRAFFIC_SECRET and EARLY_EXPORTER_SECRET too, at the
# ClientHello, and its handshake returns with the exporter secret in their place. MODE early:
# gnutls-cli -r --earlydata (0-RTT accepted); resume: gnutls-cli -r, a resumption without early
# data. The key log equals the server's, its EARLY_EXPORTER_SECRET line included; the control
# is that this line is the one a coreprobe without the server's early path missed.
server_early() { # MODE
	local mode=$1 port=$((PORT++)) out=$TMP/se-$1.out kl=$TMP/se-kl-$1.txt spid ed=
	[ "$mode" = early ] && ed=--earlydata="$TMP/early.txt"
	SSLKEYLOGFILE=$TMP/truth-se-$mode gnutls-serv --earlydata --echo --port "$port" \
		--x509certfile "$CERT/cert.pem" --x509keyfile "$CERT/key.pem" >"$TMP/se-serv-$mode.out" 2>&1 &
	spid=$!
	for _ in $(seq 50); do ss -ltn "sport = :$port" | grep -q LISTEN && break; sleep 0.1; done
	if ! tracer_start "$out" "$TMP/se-$mode.err" "$CP" -j sslsniff -p "$spid" --keylog "$kl" -d 30; then
		notok "server key log ($mode): sslsniff did not attach: $(head -c 300 "$TMP/se-$mode.err")"
		kill "$spid"; return
	fi
	(sleep 1; printf 'after-handshake\n'; sleep 0.5) |
		gnutls-cli --insecure -r $ed --port "$port" 127.0.0.1 >"$TMP/se-cli-$mode.out" 2>&1
	sleep 0.5
	kill -INT "$TRACER_PID"
	tracer_wait 15
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	[ -f "$kl" ] || : >"$kl"
	grep -q "This is a resumed session" "$TMP/se-cli-$mode.out" || notok "server key log ($mode): the second session was not resumed: $(head -c 300 "$TMP/se-cli-$mode.out")"
	if [ "$(grep -c '^EARLY_EXPORTER_SECRET ' "$TMP/truth-se-$mode")" = 1 ]; then
		compare "server key log ($mode: gnutls-serv traced alone, two sessions, the second resumed)" "$TMP/truth-se-$mode" "$kl"
	else
		notok "server key log ($mode): gnutls-serv logged $(grep -c '^EARLY_EXPORTER_SECRET ' "$TMP/truth-se-$mode") EARLY_EXPORTER_SECRET lines (want 1): $(awk '{ print $1 }' "$TMP/truth-se-$mode" 2>/dev/null | sort | uniq -c | tr '\n' ' ')"
	fi
	grep -qF "$(grep '^EARLY_EXPORTER_SECRET ' "$TMP/truth-se-$mode")" "$kl" &&
		ok "server key log ($mode): its EARLY_EXPORTER_SECRET line is there" ||
		notok "server key log ($mode): no EARLY_EXPORTER_SECRET line equal to the server's"
	# the other exporter, never under the early label
	! grep -q "^EARLY_EXPORTER_SECRET .* $(grep '^EXPORTER_SECRET ' "$TMP/truth-se-$mode" | awk '{ print $3 }' | tail -n 1)\$" "$kl" &&
		ok "server key log ($mode): the handshake's exporter secret is not written as EARLY_EXPORTER_SECRET" ||
		notok "server key log ($mode): the handshake's exporter secret written as EARLY_EXPORTER_SECRET"
}
server_early early
server_early resume

# A resuming client without early data (gnutls-cli -r, the host's 3.7.9) against the python
# server on the unkeyed OpenSSL: GnuTLS logs the early secrets for the resumed session too (at
# its ClientHello), which only the PSK path sees; the key log equals the client's own.
client_resume() {
	local port=$((PORT++)) out=$TMP/cr.out kl=$TMP/cr-kl.txt server
	start_server "$port" 1.3 "$TMP/server-cr.out"
	server=$SERVER
	if ! tracer_start "$out" "$TMP/cr.err" "$CP" -j sslsniff --no-watch --lib "$LIB" --keylog "$kl" -d 30; then
		notok "resuming client: sslsniff did not attach: $(head -c 300 "$TMP/cr.err")"
		kill "$server"; return
	fi
	(printf 'GET /resume HTTP/1.0\r\n\r\n'; sleep 1) |
		SSLKEYLOGFILE=$TMP/truth-cr gnutls-cli --insecure -r --port "$port" 127.0.0.1 >"$TMP/cr-cli.out" 2>&1
	sleep 0.5
	kill -INT "$TRACER_PID"
	tracer_wait 15
	kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
	[ -f "$kl" ] || : >"$kl"
	server_unkeyed "$out" || return
	grep -q "This is a resumed session" "$TMP/cr-cli.out" || notok "resuming client: the second session was not resumed: $(head -c 300 "$TMP/cr-cli.out")"
	grep -q '^EARLY_EXPORTER_SECRET ' "$TMP/truth-cr" &&
		compare "resuming client without early data (gnutls-cli -r, two sessions)" "$TMP/truth-cr" "$kl" ||
		notok "resuming client: GnuTLS logged no early secrets: $(awk '{ print $1 }' "$TMP/truth-cr" 2>/dev/null | sort | uniq -c | tr '\n' ' ')"
}
client_resume

# A GnuTLS build coreprobe has no blob for: 3.7.1-foreign (tests/gnutls/fetch.sh: Debian's
# bullseye-security 3.7.1-5+deb11u10 with its build-id inverted; every served build has a blob),
# which bookworm's wget runs with. Plaintext, one warning line naming the build, no keys.
nob_version=3.7.1-foreign
NOBLIB=$(ls "$CACHE/gnutls/3.7.1-foreign/lib"/libgnutls.so.30.* 2>/dev/null | head -n 1)
[ -n "$NOBLIB" ] || { notok "no 3.7.1-foreign fixture (tests/gnutls/fetch.sh)"; exit 0; }
nobid=$(readelf -n "$NOBLIB" | awk '/Build ID:/ { print $3; exit }')
port=$((PORT++))
start_server "$port" 1.3 "$TMP/server-n.out"
server=$SERVER
if tracer_start "$TMP/ss-n.out" "$TMP/ss-n.err" "$CP" -j sslsniff --lib "$NOBLIB" --keylog "$TMP/kl-n.txt" -d 20; then
	LD_LIBRARY_PATH=$(dirname "$NOBLIB") SSLKEYLOGFILE=$TMP/truth-n wget -q --no-check-certificate -O "$TMP/w-n.out" "https://127.0.0.1:$port/noblob"
	sleep 0.5
	kill -INT "$TRACER_PID"
	tracer_wait 15
	server_unkeyed "$TMP/ss-n.out"
	n=$(grep -c "\"warning\":\".*$nobid" "$TMP/ss-n.out")
	[ "$n" = 1 ] && grep "\"warning\":\".*$nobid" "$TMP/ss-n.out" | grep -q "no BTF for this GnuTLS build" &&
		ok "no-blob GnuTLS $nob_version: one warning line naming build-id $nobid" ||
		notok "no-blob GnuTLS: $n warning lines: $(grep '"warning"' "$TMP/ss-n.out" | head -c 400)"
	grep '"dir":"read"' "$TMP/ss-n.out" | grep -qF "server says /noblob" &&
		grep '"dir":"write"' "$TMP/ss-n.out" | grep -qF "GET /noblob " &&
		ok "no-blob GnuTLS: plaintext of both directions" || notok "no-blob GnuTLS: no plaintext: $(head -c 400 "$TMP/ss-n.out")"
	# other processes' GnuTLS traffic (the host's build has keys): only this session's random counts
	touch "$TMP/kl-n.txt"
	[ -s "$TMP/truth-n" ] && ! grep -qF -f <(awk '{ print $2 }' "$TMP/truth-n") "$TMP/kl-n.txt" &&
		ok "no-blob GnuTLS: no key lines (GnuTLS itself logged $(wc -l <"$TMP/truth-n"))" ||
		notok "no-blob GnuTLS: key lines for its session: $(grep -cF -f <(awk '{ print $2 }' "$TMP/truth-n") "$TMP/kl-n.txt"), truth $(wc -l <"$TMP/truth-n" 2>/dev/null)"
else
	notok "no-blob GnuTLS: sslsniff did not attach: $(head -c 300 "$TMP/ss-n.err")"
fi
kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
exit 0	# the server's status (killed) is not the test's: results are the ok/not ok lines
