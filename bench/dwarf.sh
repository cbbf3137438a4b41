#!/bin/bash
# bench/dwarf.sh (BENCH_ONLY=dwarf in bench/run.sh, or alone): what app BTF from DWARF costs.
#   1. start-up (exec -> "Tracing") and peak RSS of `structs` on demo_v1 with its app BTF from
#      the embedded blob vs encoded from its debug file (the same binary and layout: a copy whose
#      build-id differs in its last byte, so no blob matches it, with a debug file to match),
#      in the same shuffled rounds; ratio dwarf/blob (goal <= 2).
#   2. encoding glibc's debug file (libc6-dbg, the largest in the tests): `coreprobe btf dwarf`
#      of _IO_FILE and of every type vs `pahole --btf_encode_detached`; wall time, CPU time and
#      peak RSS (/usr/bin/time), median of BENCH_DWARF_RUNS.
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

jq -n --slurpfile s $W/startup.json --argjson one "$ONE" --argjson all "$ALL" --argjson pahole "$PAH" \
	--arg debug "$LDBG" --argjson debug_bytes "$(wc -c <"$LDBG")" \
	--argjson all_bytes "$(wc -c <$W/all.btf)" --argjson pahole_bytes "$(wc -c <$W/pahole.btf)" '
	$s[0] as $s | {
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
	"| ratio all types / pahole (wall) | \(.libc.all_vs_pahole_wall * 100 | round / 100) |"' $OUT/dwarf.json
