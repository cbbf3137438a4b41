#!/bin/bash
# More GnuTLS builds with BTF than one sslsniff run gives keys to (MAX_INSTANCES key objects,
# tools/sslsniff.c): the builds past the cap get plaintext and one warning line naming why,
# never keys. The builds: copies of this host's libgnutls.so.30 (Debian's 3.7.9) with their
# GNU build-id rewritten, so each is a build of its own; the coreprobe used has a test store
# (the default one plus the host build's blob under each of those build-ids: mkstore pack +
# replace), so every copy has its real BTF and only the cap can keep keys from one. Then
# cap+1 wget processes at once, one on each copy (LD_LIBRARY_PATH), against a python TLS 1.3
# server on OpenSSL 3.0.22-foreign (no blob: the server's side writes none of these lines).
# Truth: each wget's own key log (SSLKEYLOGFILE, written by GnuTLS itself). The first cap
# copies: coreprobe's lines for their client randoms equal their own; the last: plaintext both
# ways, one warning line naming its path, build-id and the cap, no key line.
# Needs root, wget, python3, the fixtures of tests/openssl/fetch.sh, build/mkstore and the blob
# list of the build (build/blobwork/list).
. "$(dirname "$0")/../lib.sh"

CACHE=${COREPROBE_CACHE:-$HOME/.cache/coreprobe}
CERT=$CACHE/openssl/cert
sh "$ROOT/tests/openssl/fetch.sh" --no-tls >"$TMP/fetch.log" 2>&1 || { notok "openssl fixtures: $(tail -3 "$TMP/fetch.log")"; exit 0; }
for c in wget python3 unshare; do
	command -v "$c" >/dev/null || { notok "$c is not installed (scripts/setup.sh installs it)"; exit 0; }
done
LIB=$(readlink -f /usr/lib/x86_64-linux-gnu/libgnutls.so.30)
[ -f "$LIB" ] || { notok "no libgnutls.so.30 on this host"; exit 0; }
SSL_NOBLOB=$CACHE/openssl/3.0.22-foreign/root/usr/lib/x86_64-linux-gnu
[ -f "$SSL_NOBLOB/libssl.so.3" ] || { notok "no libssl 3.0.22-foreign fixture (tests/openssl/fetch.sh)"; exit 0; }
build_id() { readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'; }

# the cap, from the source (a test of the cap whatever it is set to)
CAP=$(sed -n 's/^#define MAX_INSTANCES \([0-9]*\).*/\1/p' "$ROOT/tools/sslsniff.c")
[ -n "$CAP" ] || { notok "MAX_INSTANCES not found in tools/sslsniff.c"; exit 0; }
N=$((CAP + 1))

hid=$(build_id "$LIB")
blob=$(awk -v id="$hid" '$1 == "app" && $2 == "libgnutls" && $3 == id { print $4 }' "$B/blobwork/list")
[ -n "$blob" ] && [ -f "$ROOT/$blob" ] || { notok "the host's libgnutls ($hid) has no blob in $B/blobwork/list: build coreprobe first"; exit 0; }

# N copies, copy i with build-id c0de<i, 4 hex digits><the rest of the host's id>
cp "$B/blobwork/list" "$TMP/list"
for i in $(seq 1 $N); do
	d=$TMP/b$i
	mkdir -p "$d"
	cp "$LIB" "$d/libgnutls.so.30"
	new=$(printf 'c0de%04x%s' "$i" "${hid:8}")
	perl -0777 -pi -e 'BEGIN { $o = pack("H*", shift); $n = pack("H*", shift) }
		my $c = () = /\Q$o\E/g; die "build-id occurs $c times\n" unless $c == 1; s/\Q$o\E/$n/' "$hid" "$new" "$d/libgnutls.so.30" ||
		{ notok "copy $i: cannot rewrite the build-id"; exit 0; }
	[ "$(build_id "$d/libgnutls.so.30")" = "$new" ] || { notok "copy $i: build-id rewrite did not take"; exit 0; }
	echo "app libgnutls $new $blob" >>"$TMP/list"
	ID[i]=$new
done
CPM=$TMP/coreprobe-many
if (cd "$ROOT" && "$B/mkstore" pack "$TMP/store.bin" "$TMP/list" >"$TMP/pack.log" 2>&1) &&
	"$B/mkstore" replace "$CP" "$TMP/store.bin" "$CPM" 2>>"$TMP/pack.log" && chmod +x "$CPM" &&
	"$CPM" -j btf which "$TMP/b$N/libgnutls.so.30" 2>/dev/null | grep -q "\"build_id\":\"${ID[N]}\",\"source\":\"embedded\"" &&
	"$CPM" -j btf which "$TMP/b1/libgnutls.so.30" 2>/dev/null | grep -q "\"build_id\":\"${ID[1]}\",\"source\":\"embedded\""; then
	ok "a test store with the host's GnuTLS blob under $N rewritten build-ids: btf which finds it for copy 1 and copy $N"
else
	notok "test store: $(tail -c 300 "$TMP/pack.log") $("$CPM" -j btf which "$TMP/b$N/libgnutls.so.30" 2>&1 | tail -c 300)"
	exit 0
fi

PORT=$((20000 + RANDOM % 20000))
LD_LIBRARY_PATH=$SSL_NOBLOB python3 "$ROOT/tests/tls_server.py" "$PORT" 1.3 "$CERT/cert.pem" "$CERT/key.pem" >"$TMP/server.out" 2>&1 &
SERVER=$!
for _ in $(seq 50); do grep -q ready "$TMP/server.out" 2>/dev/null && break; sleep 0.1; done

# Its own pid namespace (--mount-proc; --kill-child: should unshare be killed, sslsniff gets
# SIGINT and writes out what it has): sslsniff finds no other process's libraries, so the
# copies (--lib, in this order, before the host's own build found on disk) are the builds
# counted; the uprobes still fire for the wget processes outside it (they are per file).
libs=()
for i in $(seq 1 $N); do libs+=(--lib "$TMP/b$i/libgnutls.so.30"); done
t0=$(date +%s.%N)
if ! tracer_start "$TMP/ss.out" "$TMP/ss.err" unshare --pid --fork --mount-proc --kill-child=SIGINT "$CPM" -j sslsniff --no-watch "${libs[@]}" --keylog "$TMP/kl.txt" -d 90; then
	notok "sslsniff did not attach: $(head -c 400 "$TMP/ss.err")"
	kill "$SERVER"; exit 0
fi
t1=$(date +%s.%N)
pids=()
for i in $(seq 1 $N); do
	LD_LIBRARY_PATH=$TMP/b$i SSLKEYLOGFILE=$TMP/truth-$i wget -q --no-check-certificate -O "$TMP/w-$i.out" "https://127.0.0.1:$PORT/b$i" &
	pids+=($!)
done
wait "${pids[@]}"
sleep 0.5
t2=$(date +%s.%N)
# unshare --fork ignores SIGINT while it waits: the signal goes to sslsniff, its child
kill -INT "$(pgrep -P "$TRACER_PID")" 2>/dev/null || kill -INT "$TRACER_PID"
tracer_wait 60
t3=$(date +%s.%N)
kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null
[ -f "$TMP/kl.txt" ] || : >"$TMP/kl.txt"
echo "# $N GnuTLS builds: $(echo "$t1 - $t0" | bc) s to \"Tracing\", $(echo "$t3 - $t2" | bc) s from Ctrl-C to exit"

# every wget got its answer on its own copy
bad=
for i in $(seq 1 $N); do
	grep -q "server says /b$i" "$TMP/w-$i.out" 2>/dev/null && [ -s "$TMP/truth-$i" ] || bad="$bad $i"
done
[ -z "$bad" ] && ok "$N wget processes at once, each on its own copy, each answered and its GnuTLS wrote its key log" ||
	notok "wget on copies$bad: no answer or no SSLKEYLOGFILE"

# the first CAP copies: key log equal to their own (coreprobe's lines for their client randoms)
bad= n=0
for i in $(seq 1 $CAP); do
	sort -u "$TMP/truth-$i" >"$TMP/t.s"
	awk '{ print $2 }' "$TMP/t.s" | sort -u >"$TMP/t.r"
	grep -F -f "$TMP/t.r" "$TMP/kl.txt" | sort -u >"$TMP/o.s"
	if [ -s "$TMP/t.s" ] && cmp -s "$TMP/t.s" "$TMP/o.s"; then n=$((n + 1)); else bad="$bad $i($(wc -l <"$TMP/o.s")/$(wc -l <"$TMP/t.s"))"; fi
done
[ -z "$bad" ] && ok "the first $CAP builds: each key log equals its wget's own SSLKEYLOGFILE ($n of $CAP, $(wc -l <"$TMP/truth-1") lines each)" ||
	notok "builds with a key log unlike their own (ours/truth lines):$bad"

# the last copy: one warning naming it, its build-id and why; plaintext; no key line
w=$(grep '"warning":"' "$TMP/ss.out" | grep -F "$TMP/b$N/libgnutls.so.30")
if [ "$(echo "$w" | grep -c .)" = 1 ] && echo "$w" | grep -q "${ID[N]}.*plaintext and fd only, no keys: more than $CAP GnuTLS builds with keys in one run"; then
	ok "build $N: one warning line naming its path, its build-id and the cap ($CAP builds with keys)"
else
	notok "build $N: warnings: $(echo "$w" | head -c 400) [all: $(grep '"warning"' "$TMP/ss.out" | head -c 400)]"
fi
others=$(for i in $(seq 1 $CAP); do grep '"warning":"' "$TMP/ss.out" | grep -F "$TMP/b$i/libgnutls.so.30\""; done | grep -c .)
[ "$others" = 0 ] && ok "builds 1-$CAP: no warning" || notok "builds 1-$CAP: $others warnings"
# (GnuTLS events name no library: the wget on copy N is told by its request, then its pid)
p17=$(grep '"dir":"write"' "$TMP/ss.out" | grep -F "GET /b$N " | sed -n 's/.*"pid":\([0-9]*\),.*/\1/p' | head -n 1)
[ -n "$p17" ] && grep "\"pid\":$p17,.*\"dir\":\"read\"" "$TMP/ss.out" | grep -qF "server says /b$N" &&
	ok "build $N: plaintext of both directions (wget pid $p17)" ||
	notok "build $N: no plaintext: $(grep -F "/b$N" "$TMP/ss.out" | head -c 400)"
if [ -s "$TMP/truth-$N" ] && ! grep -qF -f <(awk '{ print $2 }' "$TMP/truth-$N") "$TMP/kl.txt"; then
	ok "build $N: no key line for its session (GnuTLS itself logged $(wc -l <"$TMP/truth-$N"))"
else
	notok "build $N: key lines for its session: $(grep -cF -f <(awk '{ print $2 }' "$TMP/truth-$N") "$TMP/kl.txt")"
fi
exit 0
