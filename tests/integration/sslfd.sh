#!/bin/bash
# coreprobe sslsniff: the fd column is the socket the client really used, or unknown, never a
# wrong number; and GnuTLS plaintext. Real clients of this host (curl with its own BIO method,
# python urllib with a socket BIO, openssl s_client, wget and gnutls-cli on GnuTLS, git through
# libcurl-gnutls) against a local python TLS server pinned to TLS 1.2 and then to TLS 1.3. The
# truth is strace's: the fd of the client's connect() to the server's port, in that pid. A
# client whose TLS goes through memory BIOs (python asyncio: the application moves the bytes
# itself, outside the TLS calls) must get "fd": null, never a number; so must a transport of
# pipes, or of two sockets in one call (biotransport.c). Needs root, curl, wget, gnutls-cli
# (gnutls-bin), git, strace, python3, gcc + libssl-dev and the cert of tests/openssl/fetch.sh.
. "$(dirname "$0")/../lib.sh"

CACHE=${COREPROBE_CACHE:-$HOME/.cache/coreprobe}
CERT=$CACHE/openssl/cert
sh "$ROOT/tests/openssl/fetch.sh" --no-tls >"$TMP/fetch.log" 2>&1 || { notok "openssl fixtures: $(tail -3 "$TMP/fetch.log")"; exit 0; }
for c in curl wget gnutls-cli git strace python3 openssl; do
	command -v "$c" >/dev/null || { notok "$c is not installed (scripts/setup.sh installs it)"; exit 0; }
done
PORT=$((20000 + RANDOM % 20000))

cp "$ROOT/tests/tls_server.py" "$TMP/server.py"
cat >"$TMP/asyncio_client.py" <<'EOF'
import asyncio, ssl, sys
async def main(port, path):
    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    r, w = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
    w.write(("GET %s HTTP/1.0\r\n\r\n" % path).encode()); await w.drain()
    print((await r.read()).decode(), end="")
asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
EOF

# truth STRACE PORT: "PID FD" of the connect() to 127.0.0.1:PORT
truth() {
	sed -n "s/^\([0-9]*\) *connect(\([0-9]*\), {sa_family=AF_INET, sin_port=htons($2), sin_addr=inet_addr(\"127.0.0.1\")}.*/\1 \2/p" "$1" | head -n 1
}

# check NAME OUT STRACE PORT PATH LIBRARY: the client's write of the request and read of the
# response, in the pid strace saw connect, with the fd it connected.
check() {
	local name=$1 out=$2 st=$3 port=$4 path=$5 lib=$6 pid fd w r
	read -r pid fd < <(truth "$st" "$port")
	if [ -z "$pid" ]; then
		notok "$name: strace shows no connect to port $port: $(head -c 300 "$st")"
		return
	fi
	w=$(grep "\"pid\":$pid,.*\"dir\":\"write\"" "$out" | grep -F "GET $path " | head -n 1)
	r=$(grep "\"pid\":$pid,.*\"dir\":\"read\"" "$out" | grep -F "server says $path" | head -n 1)
	if [ -n "$w" ] && [ -n "$r" ] && echo "$w$r" | grep -q "\"library\":\"$lib\""; then
		ok "$name: plaintext of both directions in pid $pid ($lib)"
	else
		notok "$name: plaintext missing (write=${w:+y} read=${r:+y}) for pid $pid: $(grep "\"pid\":$pid," "$out" | head -c 400)"
		return
	fi
	if echo "$w" | grep -q "\"fd\":$fd," && echo "$r" | grep -q "\"fd\":$fd,"; then
		ok "$name: fd $fd equals strace's socket ($(echo "$w" | sed -n 's/.*"fd_source":"\([a-z]*\)".*/\1/p'))"
	else
		notok "$name: fd: strace says $fd; write: $(echo "$w" | grep -o '"fd":[^,]*,"fd_source":[^,]*'), read: $(echo "$r" | grep -o '"fd":[^,]*,"fd_source":[^,]*')"
	fi
	# no event of that pid may carry another number
	local bad
	bad=$(grep "\"pid\":$pid," "$out" | grep -v "\"fd\":$fd,\|\"fd\":null," | head -n 1)
	[ -z "$bad" ] && ok "$name: no event of pid $pid shows another fd" || notok "$name: another fd: ${bad:0:300}"
}

one_version() {
	local v=$1 port=$((PORT++)) out=$TMP/ss-$1.out
	python3 "$TMP/server.py" "$port" "$v" "$CERT/cert.pem" "$CERT/key.pem" >"$TMP/server-$v.out" 2>&1 &
	local server=$!
	for _ in $(seq 50); do grep -q ready "$TMP/server-$v.out" 2>/dev/null && break; sleep 0.1; done
	if ! tracer_start "$out" "$TMP/ss-$v.err" "$CP" -j sslsniff -d 40; then
		notok "TLS $v: sslsniff did not attach: $(head -c 300 "$TMP/ss-$v.err")"
		kill "$server"
		return
	fi
	local url=https://127.0.0.1:$port st=$TMP/st-$v
	strace -f -e trace=network,read,write -o "$st.curl" curl -sk "$url/curl-$v" >"$TMP/c.out" 2>&1
	strace -f -e trace=network,read,write -o "$st.py" python3 -c "import urllib.request, ssl, sys; print(urllib.request.urlopen(sys.argv[1], context=ssl._create_unverified_context()).read())" "$url/urllib-$v" >"$TMP/p.out" 2>&1
	(printf 'GET /s_client-%s HTTP/1.0\r\n\r\n' "$v"; sleep 1) |
		strace -f -e trace=network,read,write -o "$st.osc" openssl s_client -connect "127.0.0.1:$port" -quiet >"$TMP/o.out" 2>&1
	strace -f -e trace=network,read,write -o "$st.wget" wget -q --no-check-certificate -O "$TMP/w.out" "$url/wget-$v"
	(printf 'GET /gnutls-cli-%s HTTP/1.0\r\n\r\n' "$v"; sleep 1) |
		strace -f -e trace=network,read,write -o "$st.gcli" gnutls-cli --insecure --port "$port" 127.0.0.1 >"$TMP/g.out" 2>&1
	GIT_SSL_NO_VERIFY=1 strace -f -e trace=network,read,write -o "$st.git" git ls-remote "$url/git-$v" >"$TMP/git.out" 2>&1
	python3 "$TMP/asyncio_client.py" "$port" "/asyncio-$v" >"$TMP/a.out" 2>&1 &
	local apid=$!
	wait "$apid"
	sleep 0.5
	kill -INT "$TRACER_PID"
	tracer_wait 5
	kill "$server" 2>/dev/null; wait "$server" 2>/dev/null

	check "curl TLS $v" "$out" "$st.curl" "$port" "/curl-$v" openssl
	check "python urllib TLS $v" "$out" "$st.py" "$port" "/urllib-$v" openssl
	check "openssl s_client TLS $v" "$out" "$st.osc" "$port" "/s_client-$v" openssl
	check "wget TLS $v" "$out" "$st.wget" "$port" "/wget-$v" gnutls
	check "gnutls-cli TLS $v" "$out" "$st.gcli" "$port" "/gnutls-cli-$v" gnutls
	# git asks for /git-V/info/refs?service=git-upload-pack; the server's answer is not a git one
	check "git ls-remote (libcurl-gnutls) TLS $v" "$out" "$st.git" "$port" "/git-$v/info/refs?service=git-upload-pack" gnutls
	# curl does its I/O through its own BIO method: the fd must come from the syscalls
	grep "\"comm\":\"curl\",.*\"data\":\"GET /curl-$v " "$out" | grep -q '"fd_source":"syscall"' &&
		ok "curl TLS $v: fd from the syscalls, not from curl's BIO (whose num is not a socket)" ||
		notok "curl TLS $v: fd source: $(grep "\"data\":\"GET /curl-$v " "$out" | head -c 300)"
	# python asyncio: memory BIOs, the socket I/O happens outside the TLS calls
	local a
	a=$(grep "\"pid\":$apid," "$out")
	if echo "$a" | grep -qF "GET /asyncio-$v " && echo "$a" | grep -qF "server says /asyncio-$v" &&
	   ! echo "$a" | grep -q '"fd":[0-9]' && echo "$a" | grep -q '"fd_unknown":"no socket I/O during the call"'; then
		ok "python asyncio (memory BIOs) TLS $v: plaintext, and every fd unknown ($(echo "$a" | wc -l) events), never a number"
	else
		notok "python asyncio TLS $v: $(echo "$a" | head -c 500)"
	fi
	# GnuTLS keys, and the warning of a build without a blob: tests/integration/gnutlskeys.sh
}

one_version 1.2
one_version 1.3

# text mode: a known fd prints as a number, an unknown one as "fd ?"
port=$((PORT++))
python3 "$TMP/server.py" "$port" 1.3 "$CERT/cert.pem" "$CERT/key.pem" >"$TMP/server-t.out" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q ready "$TMP/server-t.out" 2>/dev/null && break; sleep 0.1; done
if tracer_start "$TMP/tx.out" "$TMP/tx.err" "$CP" sslsniff -d 20; then
	strace -f -e trace=network -o "$TMP/st.tx" curl -sk "https://127.0.0.1:$port/text" >/dev/null 2>&1
	python3 "$TMP/asyncio_client.py" "$port" /text-asyncio >/dev/null 2>&1 &
	apid=$!
	wait "$apid"
	sleep 0.5
	kill -INT "$TRACER_PID"; tracer_wait 5
	read -r cpid cfd < <(truth "$TMP/st.tx" "$port")
	if grep -q " $cpid  *$cpid  *fd $cfd  *SSL_write " "$TMP/tx.out" && grep -q " $apid  *$apid  *fd ?  *SSL_write_ex " "$TMP/tx.out"; then
		ok "text mode: curl's write shows fd $cfd, asyncio's shows 'fd ?'"
	else
		notok "text mode: $(grep -E " ($cpid|$apid) " "$TMP/tx.out" | head -c 500)"
	fi
else
	notok "text mode: no attach: $(head -c 300 "$TMP/tx.err")"
fi
kill "$server" 2>/dev/null; wait "$server" 2>/dev/null

# transports that are not one socket (tests/integration/biotransport.c, against the system's
# libssl): its fd BIOs over pipes give the pipes' fds (the BIO proves them); a BIO method of
# the program's own over pipes: no socket -> unknown; one that copies each record to a second
# stream socket: unknown for its writes, the one socket for its reads; the copy on a datagram
# socket, or a text line (not a TLS record) on the second stream socket: the transport's fd.
if gcc -O2 -Wall -o "$TMP/biotransport" "$ROOT/tests/integration/biotransport.c" -lssl -lcrypto 2>"$TMP/bt.cc"; then
	for mode in pipe many dgram log; do
		out=$TMP/bt-$mode.out
		if ! tracer_start "$out" "$TMP/bt-$mode.err" "$CP" -j sslsniff --lib /lib/x86_64-linux-gnu/libssl.so.3 -d 15; then
			notok "biotransport $mode: no attach: $(head -c 300 "$TMP/bt-$mode.err")"
			continue
		fi
		"$TMP/biotransport" "$mode" "$CERT/cert.pem" "$CERT/key.pem" >"$TMP/bt-$mode.txt" 2>&1
		sleep 0.5
		kill -INT "$TRACER_PID"; tracer_wait 5
		read -r _ cpid crfd _ < <(grep '^client' "$TMP/bt-$mode.txt")
		read -r _ spid srfd swfd < <(grep '^server' "$TMP/bt-$mode.txt")
		cw=$(grep "\"pid\":$cpid,.*\"dir\":\"write\"" "$out")
		cr=$(grep "\"pid\":$cpid,.*\"dir\":\"read\"" "$out")
		sr=$(grep "\"pid\":$spid,.*\"dir\":\"read\"" "$out")
		sw=$(grep "\"pid\":$spid,.*\"dir\":\"write\"" "$out")
		if ! grep -q '^ok$' "$TMP/bt-$mode.txt" || [ "$(echo "$cw" | grep -c .)" != 3 ] || [ "$(echo "$sr" | grep -c .)" != 3 ]; then
			notok "biotransport $mode: run or events missing: $(head -c 300 "$TMP/bt-$mode.txt") $(head -c 300 "$out")"
			continue
		fi
		if [ "$mode" = pipe ]; then
			want_cw='"fd":null,"fd_source":null,"fd_unknown":"no socket I/O during the call"'
			want_cr=$want_cw
		elif [ "$mode" = dgram ] || [ "$mode" = log ]; then
			want_cw="\"fd\":$crfd,\"fd_source\":\"syscall\""
			want_cr=$want_cw
		else
			want_cw='"fd":null,"fd_source":null,"fd_unknown":"I/O on more than one socket during the call"'
			want_cr="\"fd\":$crfd,\"fd_source\":\"syscall\""
		fi
		if [ "$(echo "$cw" | grep -cF "$want_cw")" = 3 ] && [ "$(echo "$cr" | grep -cF "$want_cr")" = 3 ]; then
			ok "biotransport $mode: the client's own BIO: writes $want_cw; reads $want_cr"
		else
			notok "biotransport $mode: client: want $want_cw / $want_cr: $(echo "$cw$cr" | grep -o '"fd":[^,]*,"fd_source":[^,]*\(,"fd_unknown":"[^"]*"\)\?' | sort | uniq -c | tr '\n' ' ')"
		fi
		if [ "$(echo "$sr" | grep -c "\"fd\":$srfd,\"fd_source\":\"bio\"")" = 3 ] && [ "$(echo "$sw" | grep -c "\"fd\":$swfd,\"fd_source\":\"bio\"")" = 3 ]; then
			ok "biotransport $mode: the server's OpenSSL fd/socket BIOs: reads fd $srfd, writes fd $swfd (from the BIO)"
		else
			notok "biotransport $mode: server: want read fd $srfd write fd $swfd: $(echo "$sr$sw" | grep -o '"fd":[^,]*,"fd_source":[^,]*' | sort | uniq -c | tr '\n' ' ')"
		fi
	done
else
	notok "biotransport: does not build: $(head -c 300 "$TMP/bt.cc")"
fi

expect_error "sslsniff --lib of a file that is neither OpenSSL nor GnuTLS" 2 "no SSL_write or gnutls_record_send" "$CP" sslsniff --lib /bin/true
