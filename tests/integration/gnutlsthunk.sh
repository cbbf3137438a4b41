#!/bin/bash
# sslsniff probes gnutls_record_send2 alone when the library's code proves that
# gnutls_record_send only tail-calls it (src/btf/elfinfo.c: elf_func_tail_calls), so a send
# traps twice instead of four times. Checks, with gnutls-cli against a local TLS server:
# - the proof holds on this host's libgnutls30 even while another tracer's uprobes sit on
#   that very function (the bytes are read from the file, never from a mapping, which would
#   show the other tracer's breakpoints);
# - each gnutls-cli record send is reported once, as gnutls_record_send2, with its socket fd
#   (truth: strace of the same run);
# - a lone event is printed while the tracer runs (read at the poll timeout);
# - a copy whose gnutls_record_send is changed so the proof no longer holds (same meaning:
#   "xor ecx,ecx" written as "sub ecx,ecx") gets both probes, and each send is still reported
#   once, as gnutls_record_send.
# Needs root, gnutls-cli (gnutls-bin), python3, strace and the cert of tests/openssl/fetch.sh.
. "$(dirname "$0")/../lib.sh"

CACHE=${COREPROBE_CACHE:-$HOME/.cache/coreprobe}
CERT=$CACHE/openssl/cert
sh "$ROOT/tests/openssl/fetch.sh" --no-tls >"$TMP/fetch.log" 2>&1 || { notok "openssl fixtures: $(tail -3 "$TMP/fetch.log")"; exit 0; }
for c in gnutls-cli python3 strace; do
	command -v "$c" >/dev/null || { notok "$c is not installed (scripts/setup.sh installs it)"; exit 0; }
done
LIB=$(ls /usr/lib/x86_64-linux-gnu/libgnutls.so.30.* 2>/dev/null | head -n 1)
[ -n "$LIB" ] || { notok "no libgnutls.so.30 on this host"; exit 0; }
PORT=$((20000 + RANDOM % 20000))
python3 "$ROOT/tests/tls_server.py" "$PORT" 1.3 "$CERT/cert.pem" "$CERT/key.pem" >"$TMP/server.out" 2>&1 &
SERVER=$!
for _ in $(seq 50); do grep -q ready "$TMP/server.out" 2>/dev/null && break; sleep 0.1; done

# client NAME [LIBDIR]: one gnutls-cli session sending one request line, under strace
client() {
	(printf 'GET /%s HTTP/1.0\r\n\r\n' "$1"; sleep 0.5) |
		env ${2:+LD_LIBRARY_PATH=$2} strace -f -e trace=sendmsg,sendto -o "$TMP/strace-$1" \
		gnutls-cli --insecure --port "$PORT" 127.0.0.1 >"$TMP/cli-$1.out" 2>&1
	grep -q "server says /$1" "$TMP/cli-$1.out" || notok "$1: gnutls-cli got no answer: $(tail -c 300 "$TMP/cli-$1.out")"
}

# check NAME FUNC OUT: the request was reported once, as FUNC, with the fd strace saw it go out on
check() {
	local name=$1 func=$2 out=$3 lines n fd sfd
	lines=$(grep '"comm":"gnutls-cli"' "$out" | grep '"dir":"write"' | grep -F "\"data\":\"GET /$name HTTP")
	n=$(printf '%s' "$lines" | grep -c . || true)
	fd=$(printf '%s' "$lines" | sed -n 's/.*"fd":\([0-9]*\),.*/\1/p' | head -n 1)
	# the socket gnutls-cli sent its records on (GnuTLS sends with sendmsg): exactly one
	sfd=$(grep -o 'sendmsg([0-9]*' "$TMP/strace-$name" | sort -u | sed 's/sendmsg(//')
	[ "$(printf '%s\n' "$sfd" | grep -c .)" = 1 ] || { notok "$name: strace shows sendmsg on fds '$sfd', not one socket"; return; }
	if [ "$n" = 1 ] && printf '%s' "$lines" | grep -q "\"func\":\"$func\"" && [ -n "$fd" ] && [ "$fd" = "$sfd" ]; then
		ok "$name: the request reported once, as $func, fd $fd (strace: fd $sfd)"
	else
		notok "$name: want one $func event with fd $sfd; got $n: $(printf '%s' "$lines" | head -c 400)"
	fi
}

# 1. another tracer holds uprobes on gnutls_record_send of this very file
tracer_start "$TMP/a.out" "$TMP/a.err" "$CP" sslsniff --lib "$LIB" || { notok "first sslsniff did not attach: $(head -c 300 "$TMP/a.err")"; exit 0; }
A=$TRACER_PID
tracer_start "$TMP/b.out" "$TMP/b.err" "$CP" -v -j sslsniff --lib "$LIB" || { notok "second sslsniff did not attach: $(head -c 300 "$TMP/b.err")"; exit 0; }
grep -qF "$LIB: gnutls_record_send only tail-calls gnutls_record_send2" "$TMP/b.err" &&
	ok "the tail call is proven on $(basename "$LIB") while another tracer's uprobes are on it" ||
	notok "not proven with another tracer's uprobes on the library: $(grep -F "$LIB:" "$TMP/b.err" | grep -i tail | head -c 300)"
client thunk
# a lone event wakes no reader (wake-ups come per batch, bpf/events.bpf.h): it must still be
# printed while the tracer runs, read at the poll timeout, not only by the drain at exit
for _ in $(seq 50); do grep -qF 'GET /thunk HTTP' "$TMP/b.out" && break; sleep 0.1; done
grep -qF 'GET /thunk HTTP' "$TMP/b.out" && ok "a lone event is printed while the tracer runs (no wake-up: read at the poll timeout)" ||
	notok "the request's event was not printed within 5 s while the tracer ran"
kill -INT "$TRACER_PID"; tracer_wait 15
kill -INT "$A" 2>/dev/null; wait "$A" 2>/dev/null
check thunk gnutls_record_send2 "$TMP/b.out"

# 2. a copy where the proof does not hold: both probed, each send still once
mkdir -p "$TMP/lib"
cp "$LIB" "$TMP/lib/libgnutls.so.30"
off=$(python3 - "$TMP/lib/libgnutls.so.30" <<'PY'
import subprocess, sys
f = sys.argv[1]
# the file offset of gnutls_record_send: its address in .dynsym, less its section's address, plus the section's offset
sym = [l.split() for l in subprocess.run(["readelf", "-W", "--dyn-syms", f], capture_output=True, text=True).stdout.splitlines()]
addr = next(int(s[1], 16) for s in sym if len(s) > 7 and s[7].startswith("gnutls_record_send@"))
for l in subprocess.run(["readelf", "-W", "-S", f], capture_output=True, text=True).stdout.splitlines():
    p = l.replace("[ ", "[").split()
    if len(p) > 5 and p[1] == ".text":
        a, o = int(p[3], 16), int(p[4], 16)
        print(addr - a + o)
PY
)
python3 - "$TMP/lib/libgnutls.so.30" "$off" <<'PY'
import sys
f, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(f, "rb").read())
i = off + (4 if b[off:off + 4] == b"\xf3\x0f\x1e\xfa" else 0)
assert b[i:i + 5] == b"\x45\x31\xc0\x31\xc9", b[i:i + 5].hex()
b[i + 3] = 0x29  # sub ecx, ecx: the same zero, an instruction the proof does not accept
open(f, "wb").write(b)
PY
[ $? = 0 ] || { notok "could not patch the copy's gnutls_record_send (not the expected thunk)"; kill "$SERVER"; exit 0; }
tracer_start "$TMP/c.out" "$TMP/c.err" "$CP" -v -j sslsniff --lib "$TMP/lib/libgnutls.so.30" || { notok "sslsniff on the patched copy did not attach: $(head -c 300 "$TMP/c.err")"; exit 0; }
grep -qF "$TMP/lib/libgnutls.so.30: gnutls_record_send is not proven a tail call" "$TMP/c.err" &&
	ok "the patched copy: not proven, both probed" || notok "the patched copy: $(grep -F "$TMP/lib" "$TMP/c.err" | head -c 300)"
client patched "$TMP/lib"
sleep 0.5
kill -INT "$TRACER_PID"; tracer_wait 15
check patched gnutls_record_send "$TMP/c.out"
kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true
