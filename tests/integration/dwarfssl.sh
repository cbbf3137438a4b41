#!/bin/bash
# OpenSSL without a blob, through its debug files (issue 12): Debian's own libssl3 3.0.20 (the
# tests/openssl/fetch.sh fixture), whose rebuild by btfs/app/openssl/build.sh is bit-identical
# (the same GNU build-ids as Debian's libssl.so.3 and libcrypto.so.3), with the rebuild's DWARF
# split out the way dh_strip does it (objcopy --only-keep-debug --compress-debug-sections) and
# installed under .build-id/ in a test debug root (--debug-dir). Traced by a coreprobe whose blob
# store is the default one less that build's libssl and libcrypto blobs (mkstore pack + replace,
# the build's own tools). sslsniff, TLS 1.2 and 1.3 between that version's s_server and s_client:
#   - without --debug-dir: the no-blob warning, plaintext only, no key lines (the blob is gone);
#   - with it: no warning, both directions' plaintext with the client's socket fd, and the key
#     log lines of the session equal to OpenSSL's own -keylogfile.
# Needs root, the fixtures, and the rebuild in the cache (skipped, saying so, when absent).
. "$(dirname "$0")/../lib.sh"

CACHE=${COREPROBE_CACHE:-$HOME/.cache/coreprobe}
O=$CACHE/openssl
CERT=$O/cert
V=3.0.20
sh "$ROOT/tests/openssl/fetch.sh" --no-tls >"$TMP/fetch.log" 2>&1 || { notok "openssl fixtures: $(tail -3 "$TMP/fetch.log")"; exit 0; }
L=$O/$V/root/usr/lib/x86_64-linux-gnu
bid() { readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'; }
ssl_id=$(bid "$L/libssl.so.3")
crypto_id=$(bid "$L/libcrypto.so.3")

# the rebuild carrying Debian's build-ids (build.sh's work directories)
R=
for d in "$CACHE"/openssl-build*/*"$V"*/openssl-"$V"/build_shared; do
	if [ "$(bid "$d/libssl.so.3")" = "$ssl_id" ] && [ "$(bid "$d/libcrypto.so.3")" = "$crypto_id" ]; then
		R=$d
		break
	fi
done
if [ -z "$R" ]; then
	ok "OpenSSL $V through its debug files # SKIP no rebuild with Debian's build-ids ($ssl_id, $crypto_id) under $CACHE/openssl-build*: run btfs/app/openssl/build.sh"
	exit 0
fi

# the debug root, as the -dbgsym packages install it
DBG=$TMP/debugroot
for pair in "libssl.so.3 $ssl_id" "libcrypto.so.3 $crypto_id"; do
	set -- $pair
	mkdir -p "$DBG/.build-id/${2:0:2}"
	objcopy --only-keep-debug --compress-debug-sections "$R/$1" "$DBG/.build-id/${2:0:2}/${2:2}.debug"
done

# a coreprobe without this build's blobs
grep -v -e " $ssl_id " -e " $crypto_id " "$B/blobwork/list" >"$TMP/list"
n_all=$(wc -l <"$B/blobwork/list")
n_less=$(wc -l <"$TMP/list")
NB=$TMP/coreprobe-no$V
if [ $((n_all - n_less)) = 2 ] && "$B/mkstore" pack "$TMP/store.bin" "$TMP/list" >/dev/null 2>&1 &&
	"$B/mkstore" replace "$CP" "$TMP/store.bin" "$NB" 2>/dev/null && chmod +x "$NB" &&
	"$NB" btf which "$L/libssl.so.3" 2>&1 | grep -q 'no BTF for' &&
	"$NB" --debug-dir "$DBG" btf which "$L/libssl.so.3" 2>&1 | grep -q "DWARF .*$DBG/.build-id/${ssl_id:0:2}/${ssl_id:2}.debug"; then
	ok "a coreprobe without the $V blobs: btf which finds no BTF, and with --debug-dir the build-id tree's debug file"
else
	notok "coreprobe without the $V blobs ($((n_all - n_less)) lines removed): $("$NB" --debug-dir "$DBG" btf which "$L/libssl.so.3" 2>&1 | tail -n 3 | tr '\n' ' ')"
	exit 0
fi

PORT=$((20000 + RANDOM % 20000))
# traced_session TAG PROTO PORT COREPROBE-ARGS...: a TLS session between $V's s_server and
# s_client (as sslsniff.sh), sslsniff -p of the server (started first: a tracer without -p
# watches every process and library on the host, which is slow with other tests running).
# Sets SERVER_PID SERVER_FDS (its sockets while connected); OpenSSL's own key log (the server's
# -keylogfile) in $TMP/truth-TAG.txt, ours in $TMP/kl-TAG.txt, the events in $TMP/ss-TAG.out.
traced_session() {
	local tag=$1 proto=$2 port=$3
	shift 3
	(sleep 2.5; printf 'server %s\n' "$tag"; sleep 1.5) |
		"$O/$V/run" openssl s_server -accept "127.0.0.1:$port" -cert "$CERT/cert.pem" -key "$CERT/key.pem" \
			"-$proto" -naccept 1 -keylogfile "$TMP/truth-$tag.txt" >"$TMP/server-$tag.out" 2>&1 &
	SERVER_PID=$!
	sleep 0.5
	if ! tracer_start "$TMP/ss-$tag.out" "$TMP/ss-$tag.err" "$NB" -j "$@" sslsniff -p "$SERVER_PID" \
		--keylog "$TMP/kl-$tag.txt" -d 15; then
		kill "$SERVER_PID" 2>/dev/null
		return 1
	fi
	(printf 'client %s\n' "$tag"; sleep 2.5) |
		"$O/$V/run" openssl s_client -connect "127.0.0.1:$port" "-$proto" -quiet -no_ign_eof \
			>"$TMP/client-$tag.out" 2>&1 &
	local client=$!
	sleep 1
	SERVER_FDS=$(ls -l "/proc/$SERVER_PID/fd" 2>/dev/null | awk '/socket:/ { print $(NF-2) }' | tr '\n' ' ')
	wait "$client" "$SERVER_PID" 2>/dev/null
	kill -INT "$TRACER_PID"
	tracer_wait 5
	return 0
}
event() { grep "\"pid\":$2,.*\"dir\":\"$3\"" "$1" | grep -F "\"data\":\"$4\\n\"" | head -n 1; }
# session_keys TAG: our key log lines and OpenSSL's, sorted
session_keys() {
	sort "$TMP/kl-$1.txt" 2>/dev/null >"$TMP/ours-$1.txt"
	grep -v '^#' "$TMP/truth-$1.txt" | sort >"$TMP/want-$1.txt"
}

# -- control: no debug root, so no BTF for this build
tag=nodebug
if traced_session $tag tls1_3 $((PORT++)); then
	session_keys $tag
	w=$(grep -c "\"warning\":.*no BTF for this OpenSSL build: plaintext only" "$TMP/ss-$tag.out")
	if [ "$w" -ge 1 ] && [ -n "$(event "$TMP/ss-$tag.out" "$SERVER_PID" read "client $tag")" ] &&
		[ -s "$TMP/want-$tag.txt" ] && [ ! -s "$TMP/ours-$tag.txt" ]; then
		ok "$V without its blob and no debug root: the no-blob warning, plaintext only, no key lines"
	else
		notok "control: warnings=$w keys=$(wc -l <"$TMP/ours-$tag.txt") $(head -c 300 "$TMP/ss-$tag.out")"
	fi
else
	notok "control: sslsniff did not attach: $(head -c 300 "$TMP/ss-$tag.err")"
fi

# -- with the debug root: the layout from the DWARF, at start-up
for proto in tls1_2 tls1_3; do
	tag=dbg-$proto
	if ! traced_session "$tag" "$proto" $((PORT++)) --debug-dir "$DBG"; then
		notok "$tag: sslsniff did not attach: $(head -c 300 "$TMP/ss-$tag.err")"
		continue
	fi
	session_keys "$tag"
	sr=$(event "$TMP/ss-$tag.out" "$SERVER_PID" read "client $tag")
	sw=$(event "$TMP/ss-$tag.out" "$SERVER_PID" write "server $tag")
	fd=$(echo "$sw" | sed -n 's/.*"fd":\([0-9]*\),.*/\1/p')
	w=$(grep -c '"warning":.*no BTF' "$TMP/ss-$tag.out")
	if [ -n "$sr" ] && [ -n "$sw" ] && [ "$w" = 0 ]; then
		ok "$tag: the server's plaintext both ways (read 'client $tag', wrote 'server $tag'), no no-blob warning"
	else
		notok "$tag: plaintext (sr=${sr:+y} sw=${sw:+y}) warnings=$w: $(head -c 400 "$TMP/ss-$tag.out")"
	fi
	if [ -n "$fd" ] && [[ " $SERVER_FDS " == *" $fd "* ]] && echo "$sw" | grep -q '"fd_source":"bio"'; then
		ok "$tag: the write on fd $fd (the server's sockets: $SERVER_FDS), read from the SSL object's BIO"
	else
		notok "$tag: fd '$fd' vs the server's socket fds '$SERVER_FDS': ${sw:0:300}"
	fi
	if [ -s "$TMP/want-$tag.txt" ] && cmp -s "$TMP/ours-$tag.txt" "$TMP/want-$tag.txt"; then
		ok "$tag: the key log ($(wc -l <"$TMP/want-$tag.txt") lines) equals OpenSSL's -keylogfile"
	else
		notok "$tag: key log differs from OpenSSL's: $(diff "$TMP/want-$tag.txt" "$TMP/ours-$tag.txt" | head -c 400)"
	fi
done
