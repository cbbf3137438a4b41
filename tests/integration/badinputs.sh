#!/bin/bash
# Bad inputs not covered by structs.sh and the unit tests (see the bad-input table in docs/bad-inputs.md): each must
# end with its exit code and one line on stderr, nothing on stdout. Needs root.
. "$(dirname "$0")/../lib.sh"

# -- targets
expect_error "target missing: exit 2" 2 'no such file' "$CP" structs "$TMP/nope"
printf '#!/bin/sh\necho hi\n' >"$TMP/script" && chmod 755 "$TMP/script"
expect_error "target is a script: exit 2" 2 'not an ELF file' "$CP" structs "$TMP/script"
head -c 6000 "$T/demo_v1" >"$TMP/trunc" && chmod 755 "$TMP/trunc"
expect_error "target truncated: exit 2" 2 'truncated' "$CP" structs "$TMP/trunc"
expect_error "target without the traced function (/bin/true): exit 2" 2 'no function add_test' "$CP" structs /bin/true
expect_error "target is a directory: exit 2" 2 'not a regular file' "$CP" structs "$T"
gcc -g0 -O2 -DDEMO_V1 -Wl,--build-id=none "$ROOT/tests/targets/demo.c" -o "$TMP/nobuildid" 2>/dev/null
expect_error "target without a GNU build-id and no BTF: exit 3" 3 'has no GNU build-id' "$CP" structs "$TMP/nobuildid"
# a .BTF section of type NOBITS (libbpf's own reader crashed on it; tests/fuzz regression)
# (on the build without a build-id: demo_v1's own build-id would find its embedded blob)
cp "$TMP/nobuildid" "$TMP/nobits" && objcopy --add-section .BTF="$B/btf/demo_v1.btf" --set-section-flags .BTF=alloc "$TMP/nobits" 2>/dev/null &&
	python3 - "$TMP/nobits" <<'PY'
import struct, sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
shoff, = struct.unpack_from('<Q', b, 0x28); es, n, sx = struct.unpack_from('<HHH', b, 0x3a)
str_off = struct.unpack_from('<Q', b, shoff + sx * es + 24)[0]
for i in range(n):
    o = shoff + i * es
    name = b[str_off + struct.unpack_from('<I', b, o)[0]:].split(b'\0', 1)[0]
    if name == b'.BTF':
        struct.pack_into('<I', b, o + 4, 8)   # sh_type = SHT_NOBITS
open(p, 'wb').write(b)
PY
expect_error "target whose .BTF is NOBITS: not its BTF, exit 3 (no crash)" 3 'has no GNU build-id' \
	timeout -s INT 20 "$CP" structs "$TMP/nobits"
expect_error "--app-btf an ELF whose .BTF is NOBITS: exit 2 (no crash)" 2 'not a valid BTF file' \
	"$CP" --app-btf "$TMP/nobits" structs "$T/demo_v1"
expect_error "-p PID not running: exit 2" 2 'no such process' "$CP" structs -p 999999999 "$T/demo_v1"
expect_error "-c garbage: exit 2" 2 'expected a whole number' "$CP" structs -c 12x "$T/demo_v1"

# -- BTF files given on the command line
head -c 4096 /dev/urandom >"$TMP/random.btf"
head -c 100 "$B/btf/demo_v1.btf" >"$TMP/short.btf"
expect_error "--kernel-btf random bytes: exit 2" 2 'not a valid BTF file' "$CP" --kernel-btf "$TMP/random.btf" structs "$T/demo_v1"
expect_error "--kernel-btf truncated BTF: exit 2" 2 'not a valid BTF file' "$CP" --kernel-btf "$TMP/short.btf" structs "$T/demo_v1"
expect_error "--kernel-btf missing file: exit 2" 2 'no such file' "$CP" --kernel-btf "$TMP/nope.btf" structs "$T/demo_v1"
expect_error "--app-btf random bytes: exit 2" 2 'not a valid BTF file' "$CP" --app-btf "$TMP/random.btf" structs "$T/demo_v1"
expect_error "--app-btf truncated BTF: exit 2" 2 'not a valid BTF file' "$CP" --app-btf "$TMP/short.btf" structs "$T/demo_v1"
# the demo's own BTF with its header made one byte longer (hdr_len 25): libbpf accepts it and
# would hand out misaligned type pointers (found by fuzzing)
python3 - "$B/btf/demo_v1.btf" "$TMP/oddhdr.btf" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
hl = struct.unpack_from("<I", d, 4)[0]
open(sys.argv[2], "wb").write(d[:4] + struct.pack("<I", hl + 1) + d[8:hl] + b"\0" + d[hl:])
PY
expect_error "--app-btf with an odd header length: exit 2" 2 'not a valid BTF file \(Invalid argument\)' "$CP" --app-btf "$TMP/oddhdr.btf" structs "$T/demo_v1"
expect_error "btf merge with a corrupt input: exit 2" 2 'not a valid BTF file' "$CP" btf merge "$TMP/random.btf" "$B/btf/demo_v1.btf" "$TMP/m.btf"

# -- the embedded blob store of a copy of coreprobe: damaged, cut short
# store_section FILE: "OFFSET SIZE HEADER-OFFSET" of .coreprobe.btf
store_section() {
	python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
shoff, = struct.unpack_from('<Q', b, 0x28); es, n, sx = struct.unpack_from('<HHH', b, 0x3a)
str_off = struct.unpack_from('<Q', b, shoff + sx * es + 24)[0]
for i in range(n):
    o = shoff + i * es
    name = b[str_off + struct.unpack_from('<I', b, o)[0]:].split(b'\0', 1)[0]
    if name == b'.coreprobe.btf':
        off, size = struct.unpack_from('<QQ', b, o + 24)
        print(off, size, o)
PY
}
read -r soff ssize shdr <<<"$(store_section "$CP")"
if [ -z "$ssize" ]; then
	notok "blob store tests: no .coreprobe.btf section in $CP"
else
	cp "$CP" "$TMP/cp-flip"
	# flip bytes in the middle of the store (entries/blobs/data: the crc catches it)
	printf '\xde\xad\xbe\xef' | dd of="$TMP/cp-flip" bs=1 seek=$((soff + ssize / 2)) conv=notrunc status=none
	expect_error "blob store with flipped bytes (copy of coreprobe): structs exit 1" 1 'damaged BTF blob store \(checksum mismatch\)' \
		"$TMP/cp-flip" structs "$T/demo_v1"
	expect_error "blob store with flipped bytes: btf list exit 1" 1 'damaged BTF blob store' "$TMP/cp-flip" btf list
	cp "$CP" "$TMP/cp-magic"
	printf 'XXXX' | dd of="$TMP/cp-magic" bs=1 seek="$soff" conv=notrunc status=none
	expect_error "blob store with a bad magic: exit 1" 1 'damaged BTF blob store \(bad magic\)' "$TMP/cp-magic" structs "$T/demo_v1"
	# cut short: the section header says half the size
	cp "$CP" "$TMP/cp-short"
	python3 -c "import struct,sys; f=open(sys.argv[1],'r+b'); f.seek($shdr+32); f.write(struct.pack('<Q', $ssize // 2))" "$TMP/cp-short"
	expect_error "blob store cut to half its size: exit 1" 1 'damaged BTF blob store' "$TMP/cp-short" structs "$T/demo_v1"
	cp "$CP" "$TMP/cp-tiny"
	python3 -c "import struct,sys; f=open(sys.argv[1],'r+b'); f.seek($shdr+32); f.write(struct.pack('<Q', 20))" "$TMP/cp-tiny"
	expect_error "blob store cut to 20 bytes: exit 1" 1 'damaged BTF blob store \(too short\)' "$TMP/cp-tiny" -V
fi

# -- btf add -o where it cannot write
# (stdout, the per-blob progress lines printed before the write, is not checked here)
expect_error "btf add -o into a missing directory: exit 2" 2 'cannot write .*No such file' \
	sh -c 'exec "$1" btf add --app "$2" -o "$3" >/dev/null' sh "$CP" "$T/demo_v3=$B/btf/demo_v3.btf" "$TMP/nodir/cp-new"
mkdir -p "$TMP/ro"
expect_error "btf add -o into a read-only directory (read-only mount): exit 2" 2 'cannot write .*Read-only file system' \
	unshare -m sh -c 'mount -t tmpfs -o ro none "$1" && exec "$2" btf add --app "$3" -o "$1/cp-new" >/dev/null' sh \
	"$TMP/ro" "$CP" "$T/demo_v3=$B/btf/demo_v3.btf"
expect_error "btf add --app with a corrupt BTF: exit 2" 2 'not a valid BTF file' \
	"$CP" btf add --app "$T/demo_v3=$TMP/random.btf" -o "$TMP/cp-new2"
[ ! -e "$TMP/cp-new2" ] && [ -z "$(ls -A "$TMP" | grep '^\.coreprobe\.')" ] &&
	ok "btf add failures leave no output and no temp file" || notok "btf add failure left files: $(ls -A "$TMP" | head)"
