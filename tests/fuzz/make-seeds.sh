#!/bin/bash
# Regenerates the seed corpora in tests/fuzz/corpus/NAME from real build outputs: coreprobe's
# blob stores, the demo targets, their BTF, the BPF object's BTF, this host's os-release and
# kernel notes, and tests/fuzz/seedgen (BTF of every kind). Seeds are committed; run this after
# a format change (`make fuzz-bins` first). Files named regress-* are kept: they are the inputs
# of fixed bugs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$ROOT/build
C=$ROOT/tests/fuzz/corpus
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for f in "$B/store.bin" "$B/store-nohost.bin" "$B/targets/demo_v1" "$B/targets/demo_static" \
	"$B/btf/demo_v1.btf" "$B/btf/collide.o" "$B/bpf/structs.bpf.o" "$B/fuzz/seedgen"; do
	[ -e "$f" ] || { echo "make-seeds: $f missing: run make, make fuzz-bins first" >&2; exit 1; }
done
"$B/fuzz/seedgen" "$W"
for d in store btfmerge btfmerge_all elf notes osrelease text; do
	mkdir -p "$C/$d"
	find "$C/$d" -type f ! -name 'regress-*' -delete
done
# seed DIR NAME PREFIX-BYTES FILE: the file's bytes after the harness's selector bytes
seed() { { printf "$3"; cat "$4"; } >"$C/$1/$2"; }

# store: mode byte (bit 0: recompute the crc), then a store
seed store build '\x00' "$B/store.bin"
seed store nohost '\x01' "$B/store-nohost.bin"
seed store synthetic '\x01' "$W/store.bin"
head -c 56 "$W/store.bin" >"$W/hdr" && seed store header-only '\x00' "$W/hdr"

# btfmerge: role byte (0 app, 1 kernel, 2 local object, 3 module split BTF), then BTF
# section NAME ELF OUT: the bytes of one section (objcopy -O binary drops non-loaded ones)
section() {
	python3 - "$@" <<'PY'
import struct, sys
name, src, dst = sys.argv[1].encode(), sys.argv[2], sys.argv[3]
b = open(src, 'rb').read()
shoff, = struct.unpack_from('<Q', b, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', b, 0x3a)
sh = [struct.unpack_from('<IIQQQQIIQQ', b, shoff + i * shentsize) for i in range(shnum)]
strtab = sh[shstrndx]
for s in sh:
    n = b[strtab[4] + s[0]:].split(b'\0', 1)[0]
    if n == name:
        open(dst, 'wb').write(b[s[4]:s[4] + s[5]])
        break
else:
    sys.exit('no section ' + sys.argv[1])
PY
}
section .BTF "$B/bpf/structs.bpf.o" "$W/obj.btf"
seed btfmerge app-demo '\x00' "$B/btf/demo_v1.btf"
seed btfmerge app-rich '\x00' "$W/rich.btf"
seed btfmerge kernel-rich '\x01' "$W/rich.btf"
seed btfmerge kernel-small '\x01' "$W/kernel.btf"
seed btfmerge local-object '\x02' "$W/obj.btf"
seed btfmerge local-rich '\x02' "$W/rich.btf"
seed btfmerge module-split '\x03' "$W/split.btf"
# btfmerge_all: even byte, split BTF on the fixed kernel; odd, a plain BTF appended
seed btfmerge_all split '\x00' "$W/split.btf"
seed btfmerge_all app '\x01' "$W/rich.btf"
seed btfmerge_all demo '\x01' "$B/btf/demo_v1.btf"

# elf: whole files
cp "$B/targets/demo_v1" "$C/elf/demo_v1"
cp "$B/targets/demo_static" "$C/elf/demo_static"
cp "$B/btf/collide.o" "$C/elf/object"
# an ELF carrying a blob store section, as coreprobe itself does
objcopy --add-section .coreprobe.btf="$B/store-nohost.bin" --set-section-flags .coreprobe.btf=readonly \
	"$B/btf/collide.o" "$C/elf/with-store"
# an ELF with a .BTF section (what --app-btf FILE and a target's own section give)
cp "$B/btf/collide.o" "$W/btf.o" && pahole -J "$W/btf.o" 2>/dev/null && cp "$W/btf.o" "$C/elf/with-btf"
# no section headers (sstrip-like): the build-id comes from the PT_NOTE segment
python3 - "$B/targets/demo_v1" "$C/elf/no-sections" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
struct.pack_into('<QHHHH', b, 0x28, 0, 64, 56, struct.unpack_from('<H', b, 0x38)[0], 64)  # e_shoff=0
struct.pack_into('<HHH', b, 0x3a, 0, 0, 0)  # e_shentsize, e_shnum, e_shstrndx
open(sys.argv[2], 'wb').write(b)
PY

# notes: size byte of the caller's buffer, then a note list
head -c 4096 /sys/kernel/notes >"$W/knotes" 2>/dev/null && [ -s "$W/knotes" ] && seed notes kernel '\x3f' "$W/knotes"
section .note.gnu.build-id "$B/targets/demo_v1" "$W/bid"
seed notes build-id '\x13' "$W/bid"
seed notes build-id-small '\x07' "$W/bid"

# osrelease: two buffer-size bytes, then the file
[ -r /etc/os-release ] && seed osrelease host '\x40\x40' /etc/os-release
printf 'ID="centos"\nVERSION_ID="8"\n' >"$W/o1" && seed osrelease quoted '\x40\x40' "$W/o1"
printf "ID='rhel'\nVERSION_ID='9.2'\n  ID=\"a\\\\\"b\"\nVERSION_ID=" >"$W/o2" && seed osrelease escapes '\x05\x03' "$W/o2"

# text: any bytes
printf '5a6ee3613e02bdce73c7e01ae6065f6f63564b06' >"$C/text/build-id"
printf '1099511627776' >"$C/text/number"
printf '0.25e1' >"$C/text/double"
printf 'comm\x01"\\\xff\t\n' >"$C/text/json"
du -sh "$C"
