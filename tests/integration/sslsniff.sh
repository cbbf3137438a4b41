#!/bin/bash
# coreprobe sslsniff against Debian's own OpenSSL builds (1.1.1w of bullseye and
# bullseye-security, 3.0.20, 3.0.22, 3.5.9, 3.5.7; and 3.0.22-foreign, Debian's 3.0.22 with
# another build-id, for which coreprobe has no blob): real TLS 1.2 and 1.3 sessions between that version's
# `openssl s_server` and `s_client` on loopback. Checked: the plaintext of both directions with
# the right pid and fd; truncation; the key log decrypts a tshark capture of the session (and
# stops decrypting with one digit changed); it equals OpenSSL's own key log; two versions in
# one run; a build without a blob. Needs root and the fixtures of tests/openssl/fetch.sh.
. "$(dirname "$0")/../lib.sh"

CACHE=${COREPROBE_CACHE:-$HOME/.cache/coreprobe}
O=$CACHE/openssl
CERT=$O/cert
sh "$ROOT/tests/openssl/fetch.sh" --no-tls >"$TMP/fetch.log" 2>&1 || { notok "openssl fixtures: $(tail -3 "$TMP/fetch.log")"; exit 0; }
libssl() { ls "$O/$1"/root/usr/lib/x86_64-linux-gnu/libssl.so.* | head -n 1; }
PORT=$((20000 + RANDOM % 20000))

# capture_start PORT FILE / capture_stop: tshark on lo, this test's port only.
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

# session VERSION PROTO PORT TAG: one TLS session; the client sends "client TAG", the server
# "server TAG". Sets SERVER_PID CLIENT_PID CLIENT_FDS (socket fds of the client while connected).
session() {
	local v=$1 proto=$2 port=$3 tag=$4
	(printf 'server %s\n' "$tag"; sleep 2.5) |
		"$O/$v/run" openssl s_server -accept "127.0.0.1:$port" -cert "$CERT/cert.pem" -key "$CERT/key.pem" \
			"-$proto" -naccept 1 -keylogfile "$TMP/truth-$tag.txt" >"$TMP/server-$tag.out" 2>&1 &
	SERVER_PID=$!
	sleep 0.6
	(printf 'client %s\n' "$tag"; sleep 1.5) |
		"$O/$v/run" openssl s_client -connect "127.0.0.1:$port" "-$proto" -quiet -no_ign_eof \
			>"$TMP/client-$tag.out" 2>&1 &
	CLIENT_PID=$!
	sleep 1
	CLIENT_FDS=$(ls -l "/proc/$CLIENT_PID/fd" 2>/dev/null | awk '/socket:/ { print $(NF-2) }' | tr '\n' ' ')
	wait "$CLIENT_PID" "$SERVER_PID" 2>/dev/null
}

# event FILE PID DIR TEXT: the JSON data event of PID in direction DIR whose data is TEXT\n
event() {
	grep "\"pid\":$2,.*\"dir\":\"$3\"" "$1" | grep -F "\"data\":\"$4\\n\"" | head -n 1
}

# one_version VERSION PROTO: plaintext, fd, key log vs OpenSSL's, tshark decryption + control.
one_version() {
	local v=$1 proto=$2 tag=$1-$2 port=$((PORT++))
	rm -f "$TMP/kl-$tag.txt"
	capture_start "$port" "$TMP/cap-$tag.pcapng" || { notok "$tag: tshark did not start"; return; }
	if ! tracer_start "$TMP/ss-$tag.out" "$TMP/ss-$tag.err" "$CP" -j sslsniff --lib "$(libssl "$v")" \
		--keylog "$TMP/kl-$tag.txt" -d 8; then
		notok "$tag: sslsniff did not attach: $(head -c 300 "$TMP/ss-$tag.err")"
		capture_stop
		return
	fi
	session "$v" "$proto" "$port" "$tag"
	capture_stop
	kill -INT "$TRACER_PID"
	tracer_wait 5
	local out=$TMP/ss-$tag.out cw cr sw sr fd
	cw=$(event "$out" "$CLIENT_PID" write "client $tag")
	sr=$(event "$out" "$SERVER_PID" read "client $tag")
	sw=$(event "$out" "$SERVER_PID" write "server $tag")
	cr=$(event "$out" "$CLIENT_PID" read "server $tag")
	if [ -n "$cw" ] && [ -n "$sr" ] && [ -n "$sw" ] && [ -n "$cr" ]; then
		ok "$tag: plaintext of both directions, both processes"
	else
		notok "$tag: plaintext missing (cw=${cw:+y} sr=${sr:+y} sw=${sw:+y} cr=${cr:+y}): $(head -c 600 "$out")"
	fi
	fd=$(echo "$cw" | sed -n 's/.*"fd":\([0-9-]*\).*/\1/p')
	if [ -n "$fd" ] && [[ " $CLIENT_FDS " == *" $fd "* ]] && echo "$cr" | grep -q "\"fd\":$fd,"; then
		ok "$tag: fd $fd is the client's socket (its socket fds: $CLIENT_FDS)"
	else
		notok "$tag: fd '$fd' vs the client's socket fds '$CLIENT_FDS'"
	fi
	echo "$cw" | grep -q "\"layout\":\"$(layout_of "$v")\"" && ok "$tag: layout $(layout_of "$v") read through CO-RE" ||
		notok "$tag: layout: $cw"
	# the key log: exactly OpenSSL's own lines (order aside), each once, for this session's
	# client randoms (sslsniff traces every process: other TLS sessions of the host, OpenSSL's
	# or GnuTLS's, get their own lines, with other randoms)
	grep -v '^#' "$TMP/truth-$tag.txt" 2>/dev/null | awk '{ print $2 }' | sort -u >"$TMP/randoms-$tag"
	if [ -s "$TMP/kl-$tag.txt" ] && [ -s "$TMP/randoms-$tag" ] &&
		diff <(grep -v '^#' "$TMP/truth-$tag.txt" | sort) <(grep -F -f "$TMP/randoms-$tag" "$TMP/kl-$tag.txt" | sort) >"$TMP/diff-$tag"; then
		ok "$tag: key log equals OpenSSL's own ($(grep -cF -f "$TMP/randoms-$tag" "$TMP/kl-$tag.txt") lines: $(grep -F -f "$TMP/randoms-$tag" "$TMP/kl-$tag.txt" | cut -d' ' -f1 | sort | tr '\n' ' '))"
	else
		notok "$tag: key log differs from OpenSSL's: $(head -c 400 "$TMP/diff-$tag")"
	fi
	# tshark decrypts the capture with it...
	tshark -r "$TMP/cap-$tag.pcapng" -o "tls.keylog_file:$TMP/kl-$tag.txt" -q -z follow,tls,ascii,0 >"$TMP/dec-$tag.txt" 2>&1
	if grep -q "client $tag" "$TMP/dec-$tag.txt" && grep -q "server $tag" "$TMP/dec-$tag.txt"; then
		ok "$tag: tshark decrypts the capture with coreprobe's key log"
	else
		notok "$tag: tshark did not decrypt: $(head -c 400 "$TMP/dec-$tag.txt")"
	fi
	# ...and not with one digit of every secret changed (the negative control)
	awk '{ s = $3; c = substr(s, 1, 1); c = (c == "0") ? "1" : "0"; print $1, $2, c substr(s, 2) }' \
		"$TMP/kl-$tag.txt" >"$TMP/kl-bad-$tag.txt"
	tshark -r "$TMP/cap-$tag.pcapng" -o "tls.keylog_file:$TMP/kl-bad-$tag.txt" -q -z follow,tls,ascii,0 >"$TMP/dec-bad-$tag.txt" 2>&1
	if grep -q "client $tag\|server $tag" "$TMP/dec-bad-$tag.txt"; then
		notok "$tag: negative control: decrypted with a damaged key log"
	else
		ok "$tag: negative control: a key log with one digit changed decrypts nothing"
	fi
}

layout_of() {
	case $1 in 1.1.1*) echo 1.1.1 ;; 3.0*) echo 3.0 ;; 3.5*) echo 3.2+ ;; esac
}

for v in 1.1.1w 1.1.1w-deb11u8 3.0.20 3.0.22 3.5.9 3.5.7; do
	for p in tls1_2 tls1_3; do
		one_version "$v" "$p"
	done
done

# -- truncation: calls longer than --max-bytes are cut and flagged
port=$((PORT++))
tracer_start "$TMP/tr.out" "$TMP/tr.err" "$CP" -j sslsniff --lib "$(libssl 3.0.20)" --max-bytes 8 -d 6 || notok "truncation: no attach"
session 3.0.20 tls1_3 "$port" trunc
kill -INT "$TRACER_PID"; tracer_wait 5
if grep "\"pid\":$CLIENT_PID,.*\"dir\":\"write\"" "$TMP/tr.out" | grep -q '"len":13,"captured":8,"truncated":true,.*"data":"client t"'; then
	ok "--max-bytes 8: a 13-byte write is captured as 8 bytes and flagged truncated"
else
	notok "--max-bytes: $(grep "\"pid\":$CLIENT_PID," "$TMP/tr.out" | head -c 400)"
fi

# -- two versions in one run, at the same time
p1=$((PORT++)) p2=$((PORT++))
if tracer_start "$TMP/two.out" "$TMP/two.err" "$CP" -j sslsniff --lib "$(libssl 1.1.1w)" --lib "$(libssl 3.5.9)" -d 8; then
	session 1.1.1w tls1_3 "$p1" two-a &
	s1=$!
	session 3.5.9 tls1_3 "$p2" two-b
	wait "$s1"
	kill -INT "$TRACER_PID"; tracer_wait 5
	a=$(grep -F '"data":"client two-a\n"' "$TMP/two.out" | grep -c '"layout":"1.1.1"')
	b=$(grep -F '"data":"client two-b\n"' "$TMP/two.out" | grep -c '"layout":"3.2+"')
	if [ "$a" -ge 2 ] && [ "$b" -ge 2 ] && grep -q 'OpenSSL librar.*layouts' "$TMP/two.err"; then
		ok "1.1.1w and 3.5.9 traced at once in one run, each with its own layout"
	else
		notok "two versions at once: a=$a b=$b $(head -c 300 "$TMP/two.err")"
	fi
else
	notok "two versions: no attach: $(head -c 300 "$TMP/two.err")"
fi

# -- a build without a blob: one warning, plaintext still, no key lines; the fd only from the
# socket syscalls of the call (s_client's socket BIO cannot be read without the layout)
port=$((PORT++))
rm -f "$TMP/kl-noblob.txt"
if tracer_start "$TMP/nb.out" "$TMP/nb.err" "$CP" -j sslsniff --lib "$(libssl 3.0.22-foreign)" --keylog "$TMP/kl-noblob.txt" -d 6; then
	session 3.0.22-foreign tls1_3 "$port" noblob
	kill -INT "$TRACER_PID"; tracer_wait 5
	w=$(grep -c '"warning":.*3.0.22-foreign.*no BTF for this OpenSSL build: plaintext only.*btf add --app' "$TMP/nb.out")
	d=$(event "$TMP/nb.out" "$CLIENT_PID" write "client noblob")
	fd=$(echo "$d" | sed -n 's/.*"fd":\([0-9]*\),"fd_source":"syscall".*/\1/p')
	if [ "$w" = 1 ] && [ -n "$d" ] && [ -n "$fd" ] && [[ " $CLIENT_FDS " == *" $fd "* ]] && [ ! -s "$TMP/kl-noblob.txt" ]; then
		ok "OpenSSL 3.0.22-foreign (no blob for its build-id): one warning, plaintext captured, fd $fd from the syscalls (client sockets: $CLIENT_FDS), no key lines"
	else
		notok "no blob: warnings=$w fd=$fd sockets=$CLIENT_FDS data=${d:0:200} keylog=$(wc -c <"$TMP/kl-noblob.txt" 2>/dev/null)"
	fi
else
	notok "no blob: no attach: $(head -c 300 "$TMP/nb.err")"
fi

# -- text output, hex dump
port=$((PORT++))
if tracer_start "$TMP/tx.out" "$TMP/tx.err" "$CP" sslsniff -x --lib "$(libssl 3.0.20)" -d 6; then
	session 3.0.20 tls1_2 "$port" hexd
	kill -INT "$TRACER_PID"; tracer_wait 5
	if grep -q " $CLIENT_PID  *$CLIENT_PID  *fd [0-9]  *SSL_write  *12 bytes" "$TMP/tx.out" &&
	   grep -q '0000  63 6c 69 65 6e 74 20 68 65 78 64 0a  .*|client hexd.|' "$TMP/tx.out"; then
		ok "text mode with -x: event line and hex dump"
	else
		notok "text/-x output: $(head -c 500 "$TMP/tx.out")"
	fi
else
	notok "-x: no attach"
fi
# -- side by side with bcc's sslsniff (bpfcc-tools) on one session: where it starts, both must
# show the client's plaintext; where it cannot (it compiles its BPF program on the host and
# needs kernel headers), its reason is recorded and coreprobe must still have traced the session.
port=$((PORT++))
BCC_PID= bcc_state=absent
if command -v sslsniff-bpfcc >/dev/null; then
	: >"$TMP/bcc.out"
	PYTHONUNBUFFERED=1 timeout 40 sslsniff-bpfcc --extra-lib "openssl:$(libssl 3.0.20)" >"$TMP/bcc.out" 2>"$TMP/bcc.err" &
	BCC_PID=$!
	bcc_state=failed
	for _ in $(seq 1 300); do
		grep -q '^FUNC' "$TMP/bcc.out" && { bcc_state=running; break; }
		kill -0 "$BCC_PID" 2>/dev/null || break
		sleep 0.1
	done
fi
if tracer_start "$TMP/sbs.out" "$TMP/sbs.err" "$CP" -j sslsniff --lib "$(libssl 3.0.20)" -d 6; then
	session 3.0.20 tls1_3 "$port" sbs
	kill -INT "$TRACER_PID"; tracer_wait 5
	[ -n "$BCC_PID" ] && { kill -INT "$BCC_PID" 2>/dev/null; wait "$BCC_PID" 2>/dev/null; }
	cp_ok=$(event "$TMP/sbs.out" "$CLIENT_PID" write "client sbs")
	bcc_why=$( { grep -m1 -i 'kernel headers' "$TMP/bcc.err" || grep -m1 -iE 'unable|error|exception|fatal' "$TMP/bcc.err"; } 2>/dev/null | head -c 160)
	if [ -z "$cp_ok" ]; then
		notok "side by side with sslsniff-bpfcc: coreprobe missed the client's write: $(head -c 300 "$TMP/sbs.out")"
	elif [ "$bcc_state" = running ]; then
		grep -q 'client sbs' "$TMP/bcc.out" && ok "side by side: sslsniff-bpfcc and coreprobe both show the client's plaintext" ||
			notok "side by side: sslsniff-bpfcc ran but shows no 'client sbs': $(head -c 300 "$TMP/bcc.out")"
	else
		ok "side by side: coreprobe traced the session; sslsniff-bpfcc $bcc_state here (${bcc_why:-no reason printed})"
	fi
else
	notok "side by side: no attach: $(head -c 300 "$TMP/sbs.err")"
fi

expect_error "sslsniff -p with a PID that is not running" 2 "-p 999999999: no such process" "$CP" sslsniff -p 999999999
expect_error "sslsniff --lib of a file that is not OpenSSL" 2 "no SSL_write" "$CP" sslsniff --lib "$T/demo_v1"
expect_error "sslsniff --max-bytes out of range" 2 "--max-bytes 20000: expected a whole number" "$CP" sslsniff --max-bytes 20000
ln -sf "$TMP/target-of-link" "$TMP/planted"
expect_error "sslsniff --keylog on a planted symlink is refused" 2 "is a symlink: refusing to follow it" "$CP" sslsniff --keylog "$TMP/planted"
[ ! -e "$TMP/target-of-link" ] && ok "the symlink's target was not created" || notok "symlink target created"
