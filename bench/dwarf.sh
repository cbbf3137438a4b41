#!/bin/bash
# bench/dwarf.sh (BENCH_ONLY=dwarf in bench/run.sh, or alone): what app BTF from DWARF costs.
#   1. start-up (exec -> "Tracing") and peak RSS of `structs` on demo_v1 with its app BTF from
#      the embedded blob vs encoded from its debug file (the same binary and layout: a copy whose
#      build-id differs in its last byte, so no blob matches it, with a debug file to match),
#      in the same shuffled rounds; ratio dwarf/blob (goal <= 2).
#   2. encoding glibc's debug file (libc6-dbg, the largest in the tests): `coreprobe btf dwarf`
#      of _IO_FILE and of every type vs `pahole --btf_encode_detached`; wall time, CPU time and
#      peak RSS (/usr/bin/time), median of BENCH_DWARF_RUNS.
#   3. OpenSSL 3.0.20 (the -g rebuild of btfs/app/openssl/build.sh in the cache, bit-identical to
#      Debian's libssl3; skipped if absent), its libssl/libcrypto debug files made the Debian way
#      (objcopy --only-keep-debug --compress-debug-sections), copies with flipped build-ids as in 1:
#      a. start-up and peak RSS of `sslsniff -p PID --lib LIBSSL` with its app BTF from the
#         embedded blob (Debian's installed 3.0.20) vs encoded from the two debug files (goal <= 2);
#      b. the encode sslsniff does at start-up (its -v line: open, inflate, index, encode, dedup
#         of libssl and libcrypto, side by side, in process) vs `pahole --btf_encode_detached` of both debug
#         files + `bpftool gen min_core_btf` of both for the sslsniff object (goal <= 0.1), the
#         same rounds interleaved; wall and CPU.
# Writes build/bench/dwarf.json and prints a Markdown table. Needs root (loads BPF).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-20}
ENC_RUNS=${BENCH_DWARF_RUNS:-5}
OUT=build/bench
H=$OUT/harness
W=$OUT/dwarf
mkdir -p "$W"
[ -x $H ] || gcc -O2 -Wall -Wextra bench/harness.c -o $H

# demo_v1 with another build-id (last byte of the note flipped) and its debug file likewise
flip_build_id() {
	python3 - "$1" <<'PY'
import struct, sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
shoff, = struct.unpack_from('<Q', b, 0x28); es, n, sx = struct.unpack_from('<HHH', b, 0x3a)
stro = struct.unpack_from('<Q', b, shoff + sx * es + 24)[0]
for i in range(n):
    o = shoff + i * es
    if b[stro + struct.unpack_from('<I', b, o)[0]:].split(b'\0', 1)[0] == b'.note.gnu.build-id':
        off, size = struct.unpack_from('<QQ', b, o + 24)
        b[off + size - 1] ^= 0xff
open(p, 'wb').write(b)
PY
}
strip -o $W/demo_v1 build/targets/demo_v1.debug
objcopy --only-keep-debug --compress-debug-sections build/targets/demo_v1.debug $W/demo_v1.dbg
flip_build_id $W/demo_v1
flip_build_id $W/demo_v1.dbg
id=$(readelf -n $W/demo_v1 2>/dev/null | awk '/Build ID:/ {print $3}')
rm -rf $W/root && mkdir -p $W/root/.build-id/${id:0:2}
cp $W/demo_v1.dbg $W/root/.build-id/${id:0:2}/${id:2}.debug
./coreprobe --debug-dir $W/root btf which $W/demo_v1 | grep -q 'encoded from DWARF' ||
	{ echo "bench/dwarf: the flipped demo_v1 does not resolve to its debug file" >&2; exit 1; }

echo "bench: DWARF start-up, $RUNS runs per variant" >&2
$H -n "$RUNS" -o $W/startup.json \
	app_blob= ./coreprobe structs "$PWD/build/targets/demo_v1" \
	app_dwarf= ./coreprobe --debug-dir $W/root structs "$W/demo_v1"

# median of N runs of /usr/bin/time: "wall_s cpu_s maxrss_kb"
timed() {
	for _ in $(seq 1 "$ENC_RUNS"); do
		/usr/bin/time -f '%e %U %S %M' "$@" 2>&1 >/dev/null | tail -n 1
	done | awk '{ w[NR] = $1; c[NR] = $2 + $3; m[NR] = $4 }
		function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }
		END { printf "{\"wall_s\":%s,\"cpu_s\":%s,\"maxrss_kb\":%s}\n", med(w, NR), med(c, NR), med(m, NR) }'
}
LIBC=$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)
LID=$(readelf -n "$LIBC" 2>/dev/null | awk '/Build ID:/ {print $3}')
LDBG=/usr/lib/debug/.build-id/${LID:0:2}/${LID:2}.debug
[ -f "$LDBG" ] || { echo "bench/dwarf: libc6-dbg missing (scripts/setup.sh)" >&2; exit 1; }
echo "bench: encoding $LDBG, $ENC_RUNS runs each" >&2
ONE=$(timed ./coreprobe btf dwarf "$LIBC" _IO_FILE -o $W/io.btf)
ALL=$(timed ./coreprobe btf dwarf "$LIBC" -o $W/all.btf)
PAH=$(timed pahole --btf_encode_detached $W/pahole.btf "$LDBG")

# ---- 3. OpenSSL: sslsniff start-up from debug files, and its encode vs pahole + min_core_btf
# the rebuild of the installed OpenSSL by btfs/app/openssl/build.sh (its work directory is named
# after the Debian version: src-3.0.20-1~deb12u2/openssl-3.0.20/build_shared), found by build-id
SYS_SSL=$(readlink -f /usr/lib/x86_64-linux-gnu/libssl.so.3 2>/dev/null || true)
OSSL=
for d in "${COREPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coreprobe}"/openssl-build*/*/openssl-*/build_shared; do
	if [ -n "$SYS_SSL" ] && [ -f "$d/libssl.so.3" ] &&
		[ "$(readelf -n "$d/libssl.so.3" | awk '/Build ID:/ {print $3}')" = "$(readelf -n "$SYS_SSL" | awk '/Build ID:/ {print $3}')" ]; then
		OSSL=$d
		break
	fi
done
echo '{}' >$W/ssl.json
if [ -f "$OSSL/libssl.so.3" ] && [ -f "$OSSL/libcrypto.so.3" ] && [ -n "$SYS_SSL" ] &&
	[ "$(readelf -n "$OSSL/libssl.so.3" | awk '/Build ID:/ {print $3}')" = "$(readelf -n "$SYS_SSL" | awk '/Build ID:/ {print $3}')" ]; then
	rm -rf $W/ssl $W/sslroot && mkdir -p $W/ssl $W/sslroot
	for l in libssl libcrypto; do
		objcopy --only-keep-debug --compress-debug-sections "$OSSL/$l.so.3" $W/ssl/$l.debug
		strip -o $W/ssl/$l.so.3 "$OSSL/$l.so.3"
		cp $W/ssl/$l.debug $W/ssl/$l.flipped.debug
		flip_build_id $W/ssl/$l.so.3
		flip_build_id $W/ssl/$l.flipped.debug
		id=$(readelf -n $W/ssl/$l.so.3 2>/dev/null | awk '/Build ID:/ {print $3}')
		mkdir -p $W/sslroot/.build-id/${id:0:2}
		cp $W/ssl/$l.flipped.debug $W/sslroot/.build-id/${id:0:2}/${id:2}.debug
	done
	sleep 3600 & SLEEPER=$!
	trap 'kill $SLEEPER 2>/dev/null || true' EXIT
	./coreprobe -v --debug-dir $W/sslroot sslsniff -p $SLEEPER --lib $W/ssl/libssl.so.3 -d 0.1 2>&1 |
		grep -c 'BTF encoded from DWARF' | grep -qx 2 ||
		{ echo "bench/dwarf: sslsniff does not encode both flipped libraries from their debug files" >&2; exit 1; }
	echo "bench: sslsniff start-up, blob vs debug files, $RUNS runs per variant" >&2
	$H -n "$RUNS" -o $W/sslstart.json \
		ssl_blob= ./coreprobe sslsniff -p $SLEEPER --lib "$SYS_SSL" \
		ssl_dwarf= ./coreprobe --debug-dir $W/sslroot sslsniff -p $SLEEPER --lib $W/ssl/libssl.so.3
	# the pahole side: both debug files, then min_core_btf of each for the sslsniff object
	PAHOLE_SIDE="pahole --btf_encode_detached $W/ssl/ssl.btf $W/ssl/libssl.debug &&
		pahole --btf_encode_detached $W/ssl/crypto.btf $W/ssl/libcrypto.debug &&
		bpftool gen min_core_btf $W/ssl/ssl.btf $W/ssl/ssl.min.btf build/bpf/sslsniff.bpf.o &&
		bpftool gen min_core_btf $W/ssl/crypto.btf $W/ssl/crypto.min.btf build/bpf/sslsniff.bpf.o"
	echo "bench: sslsniff's encode vs pahole + min_core_btf, $ENC_RUNS rounds" >&2
	for r in $(seq 1 "$ENC_RUNS"); do
		# ours: the -v line of one start-up "app BTF from DWARF: 2 files encoded in W ms (C ms CPU..."
		# (libssl's and libcrypto's encodes, side by side: the wall time start-up waits for)
		ours=$(./coreprobe -v --debug-dir $W/sslroot sslsniff -p $SLEEPER --lib $W/ssl/libssl.so.3 -d 0.1 2>&1 |
			sed -n 's/.*app BTF from DWARF: 2 files encoded in \([0-9.]*\) ms (\([0-9.]*\) ms CPU.*/\1 \2/p')
		[ -n "$ours" ] || { echo "bench/dwarf: sslsniff -v printed no encode line" >&2; exit 1; }
		/usr/bin/time -o $W/ssl/ptime -f '%e %U %S' sh -c "$PAHOLE_SIDE" >/dev/null 2>&1 ||
			{ echo "bench/dwarf: pahole/bpftool failed on the OpenSSL debug files" >&2; exit 1; }
		echo "$ours $(awk '{ print $1 * 1000, ($2 + $3) * 1000 }' $W/ssl/ptime)"
	done | awk '{ ow[NR] = $1; oc[NR] = $2; pw[NR] = $3; pc[NR] = $4 }
		function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }
		END { printf "{\"ours_wall_ms\":%s,\"ours_cpu_ms\":%s,\"pahole_wall_ms\":%s,\"pahole_cpu_ms\":%s}\n", med(ow, NR), med(oc, NR), med(pw, NR), med(pc, NR) }' >$W/sslenc.json
	ENC_SSL=$(timed ./coreprobe btf dwarf --debug-file $W/ssl/libssl.debug "$OSSL/libssl.so.3" -o $W/ssl/all-ssl.btf)
	ENC_CRYPTO=$(timed ./coreprobe btf dwarf --debug-file $W/ssl/libcrypto.debug "$OSSL/libcrypto.so.3" -o $W/ssl/all-crypto.btf)
	jq -n --slurpfile st $W/sslstart.json --slurpfile enc $W/sslenc.json --argjson ssl_all "$ENC_SSL" \
		--argjson crypto_all "$ENC_CRYPTO" '{ startup: $st[0], encode: $enc[0], libssl_all_types: $ssl_all,
		libcrypto_all_types: $crypto_all }' >$W/ssl.json
	kill $SLEEPER 2>/dev/null
else
	echo "bench/dwarf: no -g rebuild of the installed OpenSSL (same build-id) in the cache: OpenSSL rows skipped (run btfs/app/openssl/build.sh --only \$(dpkg-query -W -f '\${Version}' libssl3))" >&2
fi

jq -n --slurpfile s $W/startup.json --argjson one "$ONE" --argjson all "$ALL" --argjson pahole "$PAH" \
	--arg debug "$LDBG" --argjson debug_bytes "$(wc -c <"$LDBG")" \
	--argjson all_bytes "$(wc -c <$W/all.btf)" --argjson pahole_bytes "$(wc -c <$W/pahole.btf)" \
	--slurpfile ssl $W/ssl.json '
	$s[0] as $s | $ssl[0] as $o | {
	openssl: (if $o.startup then $o + {
		startup_dwarf_vs_blob: ($o.startup.ssl_dwarf.attach_ms.median / $o.startup.ssl_blob.attach_ms.median),
		rss_dwarf_vs_blob: ($o.startup.ssl_dwarf.hwm_kb.median / $o.startup.ssl_blob.hwm_kb.median),
		encode_vs_pahole_wall: ($o.encode.ours_wall_ms / $o.encode.pahole_wall_ms),
		encode_vs_pahole_cpu: ($o.encode.ours_cpu_ms / $o.encode.pahole_cpu_ms) } else null end),
	startup: $s,
	startup_dwarf_vs_blob: ($s.app_dwarf.attach_ms.median / $s.app_blob.attach_ms.median),
	rss_dwarf_vs_blob: ($s.app_dwarf.hwm_kb.median / $s.app_blob.hwm_kb.median),
	libc: { debug_file: $debug, debug_bytes: $debug_bytes, io_file: $one, all_types: $all, pahole: $pahole,
		all_types_btf_bytes: $all_bytes, pahole_btf_bytes: $pahole_bytes,
		all_vs_pahole_wall: ($all.wall_s / $pahole.wall_s), io_file_vs_pahole_wall: ($one.wall_s / $pahole.wall_s) } }' >$OUT/dwarf.json
jq -r '
	"| measurement | value |", "|---|---|",
	"| structs start-up, app BTF from blob (median ms) | \(.startup.app_blob.attach_ms.median) |",
	"| structs start-up, app BTF from debug file (median ms) | \(.startup.app_dwarf.attach_ms.median) |",
	"| ratio debug file / blob (goal <= 2) | \(.startup_dwarf_vs_blob * 100 | round / 100) |",
	"| peak RSS ratio debug file / blob | \(.rss_dwarf_vs_blob * 100 | round / 100) |",
	"| libc: btf dwarf _IO_FILE (wall s, cpu s, peak RSS KB) | \(.libc.io_file.wall_s), \(.libc.io_file.cpu_s), \(.libc.io_file.maxrss_kb) |",
	"| libc: btf dwarf all types | \(.libc.all_types.wall_s), \(.libc.all_types.cpu_s), \(.libc.all_types.maxrss_kb) (\(.libc.all_types_btf_bytes) B) |",
	"| libc: pahole --btf_encode_detached | \(.libc.pahole.wall_s), \(.libc.pahole.cpu_s), \(.libc.pahole.maxrss_kb) (\(.libc.pahole_btf_bytes) B) |",
	"| ratio _IO_FILE / pahole (wall) | \(.libc.io_file_vs_pahole_wall * 100 | round / 100) |",
	"| ratio all types / pahole (wall) | \(.libc.all_vs_pahole_wall * 100 | round / 100) |",
	(.openssl // empty | (
	"| sslsniff start-up, app BTF from blob (median ms) | \(.startup.ssl_blob.attach_ms.median) |",
	"| sslsniff start-up, app BTF from libssl+libcrypto debug files (median ms) | \(.startup.ssl_dwarf.attach_ms.median) |",
	"| ratio debug files / blob (goal <= 2) | \(.startup_dwarf_vs_blob * 100 | round / 100) |",
	"| sslsniff peak RSS, blob / debug files (median KB) | \(.startup.ssl_blob.hwm_kb.median) / \(.startup.ssl_dwarf.hwm_kb.median) (ratio \(.rss_dwarf_vs_blob * 100 | round / 100)) |",
	"| sslsniff encode of libssl+libcrypto, in process (median wall ms, CPU ms) | \(.encode.ours_wall_ms), \(.encode.ours_cpu_ms) |",
	"| pahole --btf_encode_detached x2 + bpftool gen min_core_btf x2 (median wall ms, CPU ms) | \(.encode.pahole_wall_ms), \(.encode.pahole_cpu_ms) |",
	"| ratio encode / pahole + min_core_btf, wall (goal <= 0.1) | \(.encode_vs_pahole_wall * 1000 | round / 1000) |",
	"| ratio encode / pahole + min_core_btf, CPU | \(.encode_vs_pahole_cpu * 1000 | round / 1000) |",
	"| btf dwarf all types: libssl, libcrypto (wall s, cpu s, peak RSS KB) | \(.libssl_all_types.wall_s), \(.libssl_all_types.cpu_s), \(.libssl_all_types.maxrss_kb); \(.libcrypto_all_types.wall_s), \(.libcrypto_all_types.cpu_s), \(.libcrypto_all_types.maxrss_kb) |"))' $OUT/dwarf.json
