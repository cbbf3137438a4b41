#!/bin/bash
# BTF from DWARF, in process (docs/dwarf.md): the demo targets with their DWARF split out the way
# distributions do it (objcopy --only-keep-debug --compress-debug-sections, .gnu_debuglink, a
# .build-id tree), again after dwz -m; type shapes from gcc and clang at several DWARF versions and
# glibc's own debug file (libc6-dbg) compared with what pahole reads from the same DWARF; every
# bad input with its exit code and one line. Needs root (structs traces).
. "$(dirname "$0")/../lib.sh"

for tool in objcopy dwz pahole bpftool clang; do
	command -v $tool >/dev/null || { notok "$tool missing: run scripts/setup.sh"; exit 1; }
done
for v in 1 2 3; do
	[ -f "$T/demo_v$v.debug" ] || { notok "$T/demo_v$v.debug missing: make test builds it"; exit 1; }
done

build_id() { readelf -n "$1" 2>/dev/null | awk '/Build ID:/ {print $3}'; }
# install_build_id ROOT FILE DEBUG: DEBUG as ROOT/.build-id/NN/REST.debug for FILE's build-id
install_build_id() {
	local id
	id=$(build_id "$2")
	mkdir -p "$1/.build-id/${id:0:2}" && cp "$3" "$1/.build-id/${id:0:2}/${id:2}.debug"
}

# trace NAME CP-ARGS... -- TARGET: one call of TARGET must print a=1 c=3 sum=4, the layout of
# each demo build; the -v log must say the app BTF came from DWARF.
trace() {
	local name=$1 args=() target
	shift
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	target=$2
	if ! tracer_start "$TMP/t.out" "$TMP/t.err" "$CP" -j -v "${args[@]}" structs -c 1 "$target"; then
		notok "$name: tracer did not attach: $(grep -v '^libbpf' "$TMP/t.err" | head -c 300)"
		return
	fi
	"$target" >/dev/null
	if ! tracer_wait 10; then
		notok "$name: tracer exit $?: $(grep -v '^libbpf' "$TMP/t.err" | head -c 300)"
	elif ! grep -q 'BTF encoded from DWARF' "$TMP/t.err"; then
		notok "$name: app BTF not from DWARF: $(grep '^coreprobe' "$TMP/t.err" | head -c 300)"
	elif grep -q '"a":1,"c":3,"sum":4' "$TMP/t.out" && [ "$(grep -c '"a":' "$TMP/t.out")" = 1 ]; then
		ok "$name ($(grep -o 'BTF encoded from DWARF.*' "$TMP/t.err" | head -1))"
	else
		notok "$name: got $(head -c 300 "$TMP/t.out")"
	fi
}

# -- the Debian way: stripped binary + compressed debug file, debuglink, .build-id tree
DBG=$TMP/debugroot
mkdir -p "$TMP/bin" "$DBG"
for v in 1 2 3; do
	objcopy --only-keep-debug --compress-debug-sections "$T/demo_v$v.debug" "$TMP/demo_v$v.dbg"
	strip -o "$TMP/bin/demo_v$v" "$T/demo_v$v.debug"
	objcopy --add-gnu-debuglink="$TMP/demo_v$v.dbg" "$TMP/bin/demo_v$v"
	install_build_id "$DBG" "$TMP/bin/demo_v$v" "$TMP/demo_v$v.dbg"
done
readelf -SW "$TMP/demo_v3.dbg" 2>/dev/null | grep -q '\.debug_info .* C ' && ok "demo_v3.dbg has a SHF_COMPRESSED .debug_info" ||
	notok "demo_v3.dbg .debug_info is not compressed"
expect_error "no debug file anywhere (demo_v3 moved away from its .dbg): exit 3, every place named" 3 \
	"no BTF for .*demo_v3 \(build-id [0-9a-f]+\).*looked at .*/usr/lib/debug/.build-id/.*demo_v3.dbg" \
	"$CP" structs "$TMP/bin/demo_v3"

trace "structs demo_v3 (no blob) via --debug-dir build-id tree: 1 3 4" --debug-dir "$DBG" -- "$TMP/bin/demo_v3"
out=$("$CP" --debug-dir "$DBG" btf which "$TMP/bin/demo_v3")
echo "$out" | grep -q "encoded from DWARF at start-up: $DBG/.build-id/.*\.debug (build-id tree" &&
	ok "btf which names the build-id tree debug file" || notok "btf which: $out"
out=$("$CP" -j --debug-dir "$DBG" btf which "$TMP/bin/demo_v3")
echo "$out" | grep -q '"source":"dwarf","blob":"","debug_file":"'"$DBG"'/.build-id/' && ok "btf which --json: source dwarf + debug_file" ||
	notok "btf which --json: $out"

# the same with /sys/kernel/btf hidden (a kernel without BTF: kernel types from the embedded blob)
printf '#!/bin/sh\nexec unshare -m sh -c '"'"'mount -t tmpfs none /sys/kernel/btf && exec "$@"'"'"' sh %s "$@"\n' "$CP" >"$TMP/cp-hidden"
chmod 755 "$TMP/cp-hidden"
CP_SAVE=$CP
CP=$TMP/cp-hidden
trace "structs demo_v3 via its debug file with sysfs BTF hidden: 1 3 4" --debug-dir "$DBG" -- "$TMP/bin/demo_v3"
CP=$CP_SAVE

# debuglink: next to the binary, in its .debug/, under a debug root (by the binary's directory)
mkdir -p "$TMP/dl/.debug" "$TMP/dl2" "$TMP/dlroot$TMP/dl2"
cp "$TMP/bin/demo_v3" "$TMP/dl/demo_v3"
cp "$TMP/demo_v3.dbg" "$TMP/dl/demo_v3.dbg"
trace "structs demo_v3 via .gnu_debuglink next to it: 1 3 4" -- "$TMP/dl/demo_v3"
mv "$TMP/dl/demo_v3.dbg" "$TMP/dl/.debug/"
trace "structs demo_v3 via .gnu_debuglink in .debug/: 1 3 4" -- "$TMP/dl/demo_v3"
cp "$TMP/bin/demo_v3" "$TMP/dl2/demo_v3"
cp "$TMP/demo_v3.dbg" "$TMP/dlroot$TMP/dl2/demo_v3.dbg"
trace "structs demo_v3 via .gnu_debuglink under a debug root: 1 3 4" --debug-dir "$TMP/dlroot" -- "$TMP/dl2/demo_v3"
trace "structs demo_v3 via --debug-file: 1 3 4" --debug-file "$TMP/demo_v3.dbg" -- "$TMP/bin/demo_v3"
objcopy --only-keep-debug --compress-debug-sections=zlib-gnu "$T/demo_v3.debug" "$TMP/demo_v3.zdebug"
trace "structs demo_v3 via --debug-file with .zdebug sections: 1 3 4" --debug-file "$TMP/demo_v3.zdebug" -- "$TMP/bin/demo_v3"
# a -g build that was never stripped: its own .debug_info
trace "structs demo_v3 on its own .debug_info (unstripped -g build): 1 3 4" -- "$T/demo_v3.debug"

# a process in another mount namespace whose /usr/lib/debug holds the debug file: found through
# /proc/PID/root (the host's /usr/lib/debug does not have it)
ID3=$(build_id "$TMP/bin/demo_v3")
unshare -m sh -c 'mount -t tmpfs none /usr/lib/debug && mkdir -p "/usr/lib/debug/.build-id/$1" &&
	cp "$2" "/usr/lib/debug/.build-id/$1/$3.debug" && exec sleep 60' sh "${ID3:0:2}" "$TMP/demo_v3.dbg" "${ID3:2}" &
NSPID=$!
for _ in $(seq 1 100); do [ -f "/proc/$NSPID/root/usr/lib/debug/.build-id/${ID3:0:2}/${ID3:2}.debug" ] && break; sleep 0.05; done
out=$("$CP" btf which "/proc/$NSPID/root$TMP/bin/demo_v3" 2>&1)
echo "$out" | grep -q "encoded from DWARF at start-up: /proc/$NSPID/root/usr/lib/debug/.build-id/${ID3:0:2}/${ID3:2}.debug" &&
	! [ -e "/usr/lib/debug/.build-id/${ID3:0:2}/${ID3:2}.debug" ] &&
	ok "another mount namespace: its /usr/lib/debug found through /proc/PID/root" || notok "mount namespace: $out"
kill "$NSPID" 2>/dev/null
wait "$NSPID" 2>/dev/null

# -- another build's debug file is refused, never used
mkdir -p "$TMP/wrongroot"
install_build_id "$TMP/wrongroot" "$TMP/bin/demo_v3" "$TMP/demo_v2.dbg"
expect_error "debug file of another build in the tree: exit 3, no values" 3 "demo_v3.*other build \(build-id $(build_id "$TMP/bin/demo_v2")\)" \
	"$CP" --debug-dir "$TMP/wrongroot" structs "$TMP/bin/demo_v3"
expect_error "--debug-file of another build: exit 2" 2 "--debug-file .*demo_v2.dbg refused: .*another build" \
	"$CP" --debug-file "$TMP/demo_v2.dbg" structs "$TMP/bin/demo_v3"
# debuglink whose CRC does not match (same build-id, other bytes: an extra section)
mkdir -p "$TMP/crc"
cp "$TMP/bin/demo_v3" "$TMP/crc/demo_v3"
echo junk >"$TMP/junk"
objcopy --add-section .junk="$TMP/junk" "$TMP/demo_v3.dbg" "$TMP/crc/demo_v3.dbg"
expect_error "debuglink CRC mismatch: exit 3, named" 3 "demo_v3.dbg: .gnu_debuglink CRC mismatch" "$CP" structs "$TMP/crc/demo_v3"
head -c 3000 "$TMP/demo_v3.dbg" >"$TMP/trunc.dbg"
expect_error "truncated debug file: exit 2" 2 "--debug-file .*trunc.dbg refused: .*truncated" \
	"$CP" --debug-file "$TMP/trunc.dbg" structs "$TMP/bin/demo_v3"
# a compressed .debug_info whose zlib stream is damaged (bytes after the compression header)
cp "$TMP/demo_v3.dbg" "$TMP/corrupt.dbg"
off=$(python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
shoff, = struct.unpack_from("<Q", b, 0x28); es, n, sx = struct.unpack_from("<HHH", b, 0x3a)
stro = struct.unpack_from("<Q", b, shoff + sx * es + 24)[0]
for i in range(n):
    o = shoff + i * es
    if b[stro + struct.unpack_from("<I", b, o)[0]:].split(b"\0", 1)[0] == b".debug_info":
        print(struct.unpack_from("<Q", b, o + 24)[0])
' "$TMP/corrupt.dbg")
printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of="$TMP/corrupt.dbg" bs=1 seek=$((off + 24)) conv=notrunc status=none
expect_error "corrupt compressed .debug_info: exit 2" 2 "compressed section .debug_info does not decompress" \
	"$CP" --debug-file "$TMP/corrupt.dbg" structs "$TMP/bin/demo_v3"
expect_error "btf dwarf: a needed type absent: exit 3" 3 "type 'no_such_type' is not defined in this DWARF" \
	"$CP" --debug-dir "$DBG" btf dwarf "$TMP/bin/demo_v3" data no_such_type -o "$TMP/x.btf"
[ -e "$TMP/x.btf" ] && notok "btf dwarf wrote OUT although it failed" || ok "btf dwarf wrote nothing on failure"

# -- dwz: a multifile over the three builds, referenced by .gnu_debugaltlink; compressed after
DWZ=$TMP/dwz
mkdir -p "$DWZ/root/.dwz/x86_64-linux-gnu" "$DWZ/plain"
for v in 1 2 3; do objcopy --only-keep-debug "$T/demo_v$v.debug" "$DWZ/plain/v$v.debug"; done
(cd "$DWZ/plain" && dwz -m ../common.debug -M /usr/lib/debug/.dwz/x86_64-linux-gnu/demo.debug v1.debug v2.debug v3.debug)
objcopy --compress-debug-sections "$DWZ/common.debug" "$DWZ/root/.dwz/x86_64-linux-gnu/demo.debug"
for v in 1 2 3; do
	objcopy --compress-debug-sections "$DWZ/plain/v$v.debug" "$DWZ/v$v.debug"
	install_build_id "$DWZ/root" "$TMP/bin/demo_v$v" "$DWZ/v$v.debug"
done
if readelf --debug-dump=info "$DWZ/v3.debug" 2>/dev/null | grep -q 'DW_TAG_imported_unit' &&
   readelf -SW "$DWZ/v3.debug" 2>/dev/null | grep -q .gnu_debugaltlink; then
	ok "dwz: demo_v3's debug file imports partial units from an alt file"
else
	notok "dwz made no alt references (test would prove nothing)"
fi
trace "structs demo_v3 from a dwz'd debug file + alt file (.dwz/ under the root): 1 3 4" --debug-dir "$DWZ/root" -- "$TMP/bin/demo_v3"
out=$("$CP" --debug-dir "$DWZ/root" btf which "$TMP/bin/demo_v3")
echo "$out" | grep -q "alt   $DWZ/root/.dwz/x86_64-linux-gnu/demo.debug" && ok "btf which names the alt file" || notok "btf which alt: $out"
out=$("$CP" -v --debug-dir "$DWZ/root" btf which "$TMP/bin/demo_v3" 2>/dev/null)
echo "$out" | grep -Eq "encode [1-9][0-9]* BTF types from [1-9][0-9]* definitions, [0-9]+ units indexed, [0-9.]+ ms" &&
	ok "btf which -v: the encode figures ($(echo "$out" | grep -o 'encode .*'))" || notok "btf which -v: $out"
"$CP" --debug-dir "$DWZ/root" btf add --app "$TMP/bin/demo_v3=$DWZ/v3.debug" -o "$TMP/cp-dwzadd" >/dev/null 2>"$TMP/da.err" &&
	"$TMP/cp-dwzadd" btf which "$TMP/bin/demo_v3" | grep -q 'embedded blob' &&
	ok "btf add --app BIN=DWZ'D-DEBUGFILE: the alt file found under --debug-dir, blob embedded" ||
	notok "btf add from a dwz'd debug file: $(cat "$TMP/da.err")"
rm -f "$TMP/cp-dwzadd"
# v1 and v2 have embedded blobs (a trace uses those): compare btf dwarf's struct data with
# pahole's reading of the original, un-dwz'd DWARF
for v in 1 2 3; do
	"$CP" --debug-dir "$DWZ/root" btf dwarf "$TMP/bin/demo_v$v" data -o "$TMP/dwz_v$v.btf" >/dev/null &&
		pahole -F btf -C data "$TMP/dwz_v$v.btf" >"$TMP/a.txt" 2>&1 && pahole -C data "$T/demo_v$v.debug" >"$TMP/b.txt" 2>&1 &&
		[ -s "$TMP/b.txt" ] && diff -q "$TMP/a.txt" "$TMP/b.txt" >/dev/null &&
		ok "dwz'd demo_v$v: struct data equals pahole's from the original DWARF" ||
		notok "dwz'd demo_v$v: struct data differs: $(diff "$TMP/a.txt" "$TMP/b.txt" | head -5)"
done
# the alt file of another dwz run (other build-id), then none at all
(cd "$DWZ/plain" && cp v1.debug o1.debug && cp v2.debug o2.debug 2>/dev/null)
mkdir -p "$DWZ/other/.dwz/x86_64-linux-gnu"
for v in 1 2; do objcopy --only-keep-debug "$T/demo_v$v.debug" "$DWZ/other/w$v.debug"; done
(cd "$DWZ/other" && dwz -m other.dwz -M /usr/lib/debug/.dwz/x86_64-linux-gnu/demo.debug w1.debug w2.debug)
cp "$DWZ/other/other.dwz" "$DWZ/root/.dwz/x86_64-linux-gnu/demo.debug"
expect_error "dwz alt file of another build: exit 3" 3 "supplementary file .*demo.debug \(build-id [0-9a-f]+\) was not found: .*other build-id" \
	"$CP" --debug-dir "$DWZ/root" structs "$TMP/bin/demo_v3"
rm -f "$DWZ/root/.dwz/x86_64-linux-gnu/demo.debug"
expect_error "dwz alt file missing: exit 3" 3 "supplementary file .*demo.debug \(build-id [0-9a-f]+\) was not found" \
	"$CP" --debug-dir "$DWZ/root" structs "$TMP/bin/demo_v3"

# -- a -dbgsym package built the Debian way (debhelper: dh_dwz, then dh_strip), extracted into
# a test root with its binary package: both builds traced through it
if command -v dh >/dev/null; then
	PKG=$TMP/pkg/cpdemo-1.0
	mkdir -p "$TMP/pkg" && cp -r "$ROOT/tests/targets/cpdemo-pkg" "$PKG" && cp "$ROOT/tests/targets/demo.c" "$PKG/"
	if (cd "$PKG" && dpkg-buildpackage -b -uc -us >"$TMP/pkg/build.log" 2>&1); then
		PR=$TMP/pkgroot
		dpkg-deb -x "$TMP"/pkg/cpdemo_1.0-1_*.deb "$PR" && dpkg-deb -x "$TMP"/pkg/cpdemo-dbgsym_1.0-1_*.deb "$PR"
		[ -f "$PR/usr/lib/debug/.dwz/x86_64-linux-gnu/cpdemo.debug" ] && ok "dbgsym package: dh_dwz made a multifile (.dwz/x86_64-linux-gnu/cpdemo.debug)" ||
			notok "dbgsym package has no dwz multifile: $(cd "$PR" && find . -type f | tr '\n' ' ')"
		trace "structs cpdemo_v3 from the -dbgsym package (debug root + .dwz): 1 3 4" --debug-dir "$PR/usr/lib/debug" -- "$PR/usr/bin/cpdemo_v3"
		trace "structs cpdemo_v2 from the -dbgsym package: 1 3 4" --debug-dir "$PR/usr/lib/debug" -- "$PR/usr/bin/cpdemo_v2"
	else
		notok "dpkg-buildpackage of tests/targets/cpdemo-pkg failed: $(tail -n 3 "$TMP/pkg/build.log" | tr '\n' ' ')"
	fi
else
	notok "debhelper missing: run scripts/setup.sh"
fi

# -- btf add --app BINARY=DEBUGFILE: a copy of coreprobe carrying demo_v3's BTF, from its DWARF
if "$CP" btf add --app "$TMP/bin/demo_v3=$TMP/demo_v3.dbg" -o "$TMP/cp-added" >"$TMP/add.out" 2>"$TMP/add.err"; then
	CP_SAVE=$CP
	CP=$TMP/cp-added
	"$CP" btf which "$TMP/bin/demo_v3" | grep -q 'embedded blob' && ok "btf add from a debug file: demo_v3 now has an embedded blob" ||
		notok "btf add from a debug file: no blob"
	if tracer_start "$TMP/a.out" "$TMP/a.err" "$CP" -j structs -c 1 "$TMP/bin/demo_v3"; then
		"$TMP/bin/demo_v3" >/dev/null
		tracer_wait 10 && grep -q '"a":1,"c":3,"sum":4' "$TMP/a.out" && ok "btf add output traces demo_v3 from the blob: 1 3 4" ||
			notok "btf add output trace: $(head -c 300 "$TMP/a.out" "$TMP/a.err")"
	else
		notok "btf add output did not attach: $(head -c 300 "$TMP/a.err")"
	fi
	CP=$CP_SAVE
else
	notok "btf add --app BIN=DEBUGFILE failed: $(cat "$TMP/add.err")"
fi
expect_error "btf add --app BIN=DEBUGFILE of another build: exit 2" 2 "refused: .*another build" \
	"$CP" btf add --app "$TMP/bin/demo_v3=$TMP/demo_v2.dbg" -o "$TMP/cp-added2"
expect_error "btf dwarf --tools with a type name: exit 2" 2 "takes no TYPE: drop the type names, or drop --tools" \
	"$CP" btf dwarf --tools "$T/demo_v1.debug" data -o "$TMP/tools.btf"
expect_error "btf dwarf --tools with --funcs: exit 2" 2 "takes no --funcs: drop --funcs, or drop --tools" \
	"$CP" btf dwarf --tools --funcs "$T/demo_v1.debug" -o "$TMP/tools.btf"

# -- the relocations libbpf makes for the structs object: against our BTF (all types of each demo
# build's DWARF, and the object-mode encode of a trace) = against pahole's BTF of the same build
# (pahole run here: build/btf/demo_*.btf is made by `btf dwarf` itself since the switch)
for v in 1 2 3; do pahole --btf_encode_detached "$TMP/pahole_v$v.btf" "$T/demo_v$v.debug" >/dev/null 2>&1; done
relos() { "$CP" -v "$@" structs -d 1 "$TMP/bin/demo_v3" 2>&1 | grep -o "relo #[0-9]*: patched insn .*" | sort; }
for v in 1 2 3; do
	"$CP" btf dwarf "$T/demo_v$v.debug" -o "$TMP/all_v$v.btf" >/dev/null
	a=$("$CP" -v --app-btf "$TMP/all_v$v.btf" structs -d 1 "$TMP/bin/demo_v$v" 2>&1 | grep -o "relo #[0-9]*: patched insn .*" | sort)
	b=$("$CP" -v --app-btf "$TMP/pahole_v$v.btf" structs -d 1 "$TMP/bin/demo_v$v" 2>&1 | grep -o "relo #[0-9]*: patched insn .*" | sort)
	[ -n "$a" ] && [ "$a" = "$b" ] && ok "demo_v$v: structs' $(echo "$a" | wc -l) CO-RE relocations against btf dwarf's BTF = against pahole's" ||
		notok "demo_v$v relocations differ: ours [$a] pahole [$b]"
done
a=$(relos --debug-dir "$DBG")
b=$(relos --app-btf "$TMP/pahole_v3.btf")
[ -n "$a" ] && [ "$a" = "$b" ] && ok "demo_v3: relocations from the start-up (object-mode) encode = pahole's" ||
	notok "demo_v3 object-mode relocations differ: ours [$a] pahole [$b]"

# -- type shapes: gcc and clang, DWARF 2 (DW_AT_bit_offset, DW_OP_plus_uconst locations), 4, 5
# Compared per member: name, offset and size as pahole prints them from the DWARF and from our
# BTF (pahole's own BTF reader prints multi-dimensional arrays reversed and cannot read
# DW_TAG_atomic_type from DWARF, so those columns are compared on bpftool's C dump instead).
members() {	# pahole output -> "name offset size" per top-level member
	python3 -c '
import re, sys
for line in sys.stdin:
    if not line.startswith("\t") or line.startswith("\t\t"):
        continue
    m = re.search(r"(\w+)(\[[^;]*\])?(:\d+)?(\s*__attribute__\(\(.*\)\))?;\s*/\*\s*(\d+)(:\s*\d+)?\s+(\d+)\s*\*/", line)
    if m:
        print(m.group(1), m.group(5), (m.group(6) or "").replace(" ", ""), m.group(7), m.group(3) or "")
    elif re.match(r"\t}[^;]*;\s*/\*", line):
        print("}", re.sub(r"\s+", " ", line.split("/*")[1]).strip())
'
}
S=$ROOT/tests/targets
for cc in "gcc -gdwarf-2 -gstrict-dwarf" "gcc -gdwarf-4" "gcc -gdwarf-5" "clang -gdwarf-4" "clang -gdwarf-5"; do
	n=$(echo "$cc" | tr -c 'a-z0-9\n' _)
	if ! $cc -O0 -Wl,--build-id "$S/dwarfshapes.c" "$S/dwarfshapes2.c" -o "$TMP/$n" 2>"$TMP/cc.err"; then
		notok "$cc: build failed: $(head -c 200 "$TMP/cc.err")"
		continue
	fi
	if ! "$CP" btf dwarf "$TMP/$n" shapes elsewhere -o "$TMP/$n.btf" >/dev/null 2>"$TMP/bd.err"; then
		notok "$cc: btf dwarf failed: $(cat "$TMP/bd.err")"
		continue
	fi
	# the same, without _Atomic (pahole refuses DW_TAG_atomic_type): the truth for the columns
	sed 's/_Atomic(\(struct elsewhere \*\)) ap/\1 ap/; s/_Atomic int counter/int counter/' "$S/dwarfshapes.c" >"$TMP/noatomic.c"
	$cc -O0 -c "$TMP/noatomic.c" -o "$TMP/$n.na.o"
	pahole -C shapes "$TMP/$n.na.o" | members >"$TMP/$n.want"
	pahole -F btf -C shapes "$TMP/$n.btf" | members >"$TMP/$n.got"
	if [ "$(wc -l <"$TMP/$n.want")" -ge 20 ] && diff -q "$TMP/$n.want" "$TMP/$n.got" >/dev/null; then
		ok "$cc: struct shapes: $(wc -l <"$TMP/$n.want") members' names, offsets, sizes, bit offsets equal pahole's"
	else
		notok "$cc: struct shapes differs from pahole: $(diff "$TMP/$n.want" "$TMP/$n.got" | head -6 | tr '\n' ' ')"
	fi
	c=$(bpftool btf dump file "$TMP/$n.btf" format c)
	for want in 'int grid\[3\]\[4\]\[2\];' 'int counter;' 'struct elsewhere \*ap;' 'long( int)? flex\[0\];' \
		'int \(\*callback\)\(const char \*, \.\.\.\);' 'void \(\*noargs\)\(void\);' '(const volatile|volatile const) int cv;' \
		'B_B = 78187493530' 'N_A = -5' 'typedef my_u32 my_u32_again;' 'unsigned char tail_bits: 2;' \
		'char name\[16\];'; do
		echo "$c" | grep -Eq "$want" || { notok "$cc: bpftool dump lacks /$want/"; continue 2; }
	done
	ok "$cc: bpftool C dump: [3][4][2], _Atomic as its type, flexible array, vararg/void function pointers, enum64, signed enum, typedef chain, the other unit's struct elsewhere"
done
gcc -g -O0 -DWITH_COMPLEX -Wl,--build-id "$S/dwarfshapes.c" "$S/dwarfshapes2.c" -o "$TMP/complex"
expect_error "btf dwarf on a type BTF cannot express (_Complex): exit 3, refused" 3 \
	"type 'with_complex' cannot be encoded in BTF faithfully: a complex float .*refused, not approximated" \
	"$CP" btf dwarf "$TMP/complex" with_complex -o "$TMP/c.btf"
"$CP" btf dwarf "$TMP/complex" shapes -o "$TMP/c2.btf" >/dev/null && ok "btf dwarf: the other types of that file still encode" ||
	notok "btf dwarf: shapes refused because of an unrelated type"
# every type (no names): the refused type and the four that reach it (pointer, typedef, member,
# the base type itself) are left out, one line each on stderr, exit 0; the rest is exactly the
# all-types BTF of the same sources without that type
gcc -g -O0 -Wl,--build-id "$S/dwarfshapes.c" "$S/dwarfshapes2.c" -o "$TMP/nocomplex"
"$CP" btf dwarf "$TMP/nocomplex" -o "$TMP/nc-all.btf" >/dev/null
"$CP" btf dwarf "$TMP/complex" -o "$TMP/c-all.btf" >"$TMP/c-all.out" 2>"$TMP/c-all.err"
rc=$?
left=$(sed -n "s/^coreprobe: warning: .*: type '\([^']*\)' left out: it cannot be encoded in BTF faithfully: a complex float .*/\1/p" "$TMP/c-all.err" | sort | tr '\n' ' ')
if [ $rc = 0 ] && [ "$left" = "complex double holds_complex points_to_complex with_complex with_complex_t " ] &&
	[ "$(wc -l <"$TMP/c-all.err")" = 5 ] && grep -q '; 5 types left out (refused, named above)$' "$TMP/c-all.out" &&
	cmp -s "$TMP/c-all.btf" "$TMP/nc-all.btf" && ! bpftool btf dump file "$TMP/c-all.btf" | grep -q refused; then
	ok "btf dwarf, all types: the 5 types that reach a _Complex left out, one line each, exit 0; the output = the BTF of the same sources without them"
else
	notok "btf dwarf, all types with a refused type: exit $rc, left out [$left], $(head -c 300 "$TMP/c-all.err") $(cat "$TMP/c-all.out"); same as without: $(cmp -s "$TMP/c-all.btf" "$TMP/nc-all.btf" && echo yes || echo no)"
fi
n=$("$CP" -j btf dwarf "$TMP/complex" -o "$TMP/c-all.btf" | python3 -c 'import json, sys
ls = [json.loads(l) for l in sys.stdin]
w = [l for l in ls if "warning" in l]
r = [l for l in ls if "refused" in l]
print(len(w), len(r), sorted(x["type"] for x in r[0]["refused"]) if r else "-")')
[ "$n" = "5 1 ['complex double', 'holds_complex', 'points_to_complex', 'with_complex', 'with_complex_t']" ] &&
	ok "btf dwarf -j, all types: 5 warnings and the result's \"refused\" list" || notok "btf dwarf -j refused: $n"

# -- glibc's debug file from Debian's libc6-dbg: members, offsets and sizes as pahole prints them
LIBC=$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)
LID=$(build_id "$LIBC")
LDBG=/usr/lib/debug/.build-id/${LID:0:2}/${LID:2}.debug
if [ ! -f "$LDBG" ]; then
	notok "libc6-dbg for $LIBC (build-id $LID) not installed: run scripts/setup.sh"
else
	for ty in _IO_FILE _IO_jump_t malloc_state malloc_chunk link_map pthread_attr dirent sigaction \
		tcbhead_t; do
		if ! "$CP" btf dwarf "$LIBC" "$ty" -o "$TMP/libc_$ty.btf" >/dev/null 2>"$TMP/bd.err"; then
			notok "libc $ty: btf dwarf failed: $(cat "$TMP/bd.err")"
			continue
		fi
		pahole -C "$ty" "$LDBG" 2>/dev/null | members >"$TMP/l.want"
		pahole -F btf -C "$ty" "$TMP/libc_$ty.btf" 2>/dev/null | members >"$TMP/l.got"
		if [ -s "$TMP/l.want" ] && diff -q "$TMP/l.want" "$TMP/l.got" >/dev/null; then
			ok "libc6-dbg $ty: $(wc -l <"$TMP/l.want") members, offsets and sizes equal pahole -C's"
		else
			notok "libc6-dbg $ty differs from pahole: $(diff "$TMP/l.want" "$TMP/l.got" | head -6 | tr '\n' ' ')"
		fi
	done
	"$CP" btf dwarf "$LIBC" -o "$TMP/libc_all.btf" >"$TMP/all.out" 2>&1 && bpftool btf dump file "$TMP/libc_all.btf" >/dev/null &&
		ok "btf dwarf libc.so.6, all types: bpftool reads it ($(cat "$TMP/all.out" | cut -d: -f2 | cut -c1-60))" ||
		notok "btf dwarf libc all types: $(head -c 300 "$TMP/all.out")"
fi
rm -rf "$TMP"
