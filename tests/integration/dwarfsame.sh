#!/bin/bash
# The fast DWARF reading (src/btf/dwimage.c: only the type sections, inflated by libdeflate, in an
# in-memory image; src/btf/dwskim.c: the name index from a skim of each unit; one attribute pass
# per member) gives byte for byte the BTF of the reference reading — libdw over the whole file,
# libdw's own walk of every unit, one dwarf_attr per attribute (COREPROBE_DWARF_REFERENCE=1, the
# encoder as it was before) — on real DWARF: glibc's debug file (libc6-dbg), the demo builds (own
# .debug_info, split and compressed, after dwz -m), gcc DWARF 2/4/5 with type units, clang DWARF 5
# (strx names), with and without FUNC records (--funcs), the OpenSSL 3.0.20 -g rebuild when the cache has it; and the CO-RE relocations
# of a trace through a debug file are the same.
. "$(dirname "$0")/../lib.sh"

for tool in objcopy dwz clang gcc; do
	command -v $tool >/dev/null || { notok "$tool missing: run scripts/setup.sh"; exit 1; }
done

# same NAME CP-ARGS...: `coreprobe CP-ARGS -o OUT` both ways, the outputs byte-identical
same() {
	local name=$1 fa=$TMP/fast.btf fr=$TMP/ref.btf ra rr
	shift
	rm -f "$fa" "$fr"
	"$CP" "$@" -o "$fa" >"$TMP/fast.log" 2>&1
	ra=$?
	COREPROBE_DWARF_REFERENCE=1 "$CP" "$@" -o "$fr" >"$TMP/ref.log" 2>&1
	rr=$?
	if [ $ra != 0 ] || [ $rr != 0 ]; then
		notok "$name: exit $ra (fast) / $rr (reference): $(head -c 300 "$TMP/fast.log") / $(head -c 300 "$TMP/ref.log")"
	elif cmp -s "$fa" "$fr" && [ -s "$fa" ]; then
		ok "$name: the same $(wc -c <"$fa") bytes of BTF both ways ($(grep -o '[0-9]* BTF types' "$TMP/fast.log"))"
	else
		notok "$name: the BTF differs: $(cmp "$fa" "$fr" 2>&1 | head -c 200)"
	fi
}

LIBC=$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)
if [ -f "/usr/lib/debug/.build-id/$(readelf -n "$LIBC" | awk '/Build ID:/ {print substr($3, 1, 2) "/" substr($3, 3)}').debug" ]; then
	same "libc6-dbg, every type" btf dwarf "$LIBC"
	same "libc6-dbg, _IO_FILE malloc_state link_map" btf dwarf "$LIBC" _IO_FILE malloc_state link_map
	same "libc6-dbg, what the tools' start-up encodes (--tools: object mode, copies proven the same skipped)" btf dwarf --tools "$LIBC"
	grep -q "more definitions proven the same" "$TMP/fast.log" && ok "libc6-dbg --tools: $(grep -o '[0-9]* more definitions proven the same' "$TMP/fast.log")" ||
		notok "libc6-dbg --tools: no definition proven the same as another (libc's 2063 units repeat their headers' types): $(cat "$TMP/fast.log")"
	same "libc6-dbg, every type and every FUNC (--funcs)" btf dwarf --funcs "$LIBC"
else
	notok "libc6-dbg is not installed for $LIBC: run scripts/setup.sh"
fi

for v in 1 2 3; do
	same "demo_v$v, its own .debug_info" btf dwarf "$T/demo_v$v.debug"
	objcopy --only-keep-debug --compress-debug-sections "$T/demo_v$v.debug" "$TMP/v$v.debug"
	same "demo_v$v, split and compressed (--debug-file)" --debug-file "$TMP/v$v.debug" btf dwarf "$T/demo_v$v.debug"
done

# dwz: the three builds' debug files share an alt file (partial units, alt strings and refs)
mkdir -p "$TMP/dwz"
for v in 1 2 3; do objcopy --only-keep-debug "$T/demo_v$v.debug" "$TMP/dwz/v$v.debug"; done
(cd "$TMP/dwz" && dwz -m "$TMP/dwz/common.debug" v1.debug v2.debug v3.debug)
if [ -f "$TMP/dwz/common.debug" ]; then
	same "demo_v3 after dwz -m, with its alt file" --debug-file "$TMP/dwz/v3.debug" btf dwarf "$T/demo_v3.debug"
else
	notok "dwz -m made no alt file (the test would prove nothing)"
fi

# one struct in three units (tests/targets/dwtwin.c): alike, it is encoded once and the copies
# are proven the same; changed in the middle unit (a member's type, one alignment, a struct
# behind a pointer), that unit's copy is encoded too — except, in object mode (--tools), a
# change only behind a pointer, which the encoder writes as a FWD there. Each against the
# reference reading, byte for byte, and the counts on the output line.
twin() {	# twin NAME "CFLAGS of unit 2" ENCODED SAME named|tools|all
	local name=$1 flags=$2 enc=$3 sm=$4 mode=$5 o=$TMP/twin
	gcc -g -O0 -c "$ROOT/tests/targets/dwtwin.c" -DUNIT=1 -o $o.1.o &&
		gcc -g -O0 -c "$ROOT/tests/targets/dwtwin.c" -DUNIT=2 $flags -o $o.2.o &&
		gcc -g -O0 -c "$ROOT/tests/targets/dwtwin.c" -DUNIT=3 -o $o.3.o &&
		gcc -Wl,--build-id $o.1.o $o.2.o $o.3.o -o $o 2>"$o.err" ||
		{ notok "$name: dwtwin.c does not build: $(head -c 200 "$o.err")"; return; }
	case $mode in
	named) same "$name" btf dwarf "$o" data ;;
	tools) same "$name" btf dwarf --tools "$o" ;;
	*) same "$name" btf dwarf "$o" ;;
	esac
	local line
	line=$(grep -o "from [0-9]* definitions.*" "$TMP/fast.log")
	if [ "$sm" = 0 ]; then
		echo "$line" | grep -q "^from $enc definitions" && ! echo "$line" | grep -q "proven the same" &&
			ok "$name: $enc definitions encoded, none proven the same" ||
			notok "$name: expected $enc definitions encoded and none proven the same: $line"
	else
		echo "$line" | grep -q "^from $enc definitions.*; $sm more definitions proven the same" &&
			ok "$name: $enc encoded, $sm proven the same" ||
			notok "$name: expected $enc encoded and $sm proven the same: $line"
	fi
}
twin "struct data alike in 3 units" "" 1 2 named
twin "struct data with another member type in unit 2" "-DTWIN_B=int" 2 1 named
twin "struct data with one member aligned otherwise in unit 2" "-DTWIN_ALIGN=16" 2 1 named
twin "struct data whose struct inner differs in unit 2" "-DINNER_Y=short" 2 1 named
twin "object mode: struct inner behind a pointer differs in unit 2 (a FWD)" "-DINNER_Y=short" 1 2 tools
twin "object mode: another member type in unit 2" "-DTWIN_B=int" 2 1 tools
twin "every type (no skipping there)" "" 12 0 all

# compilers and DWARF versions: dwarfshapes.c (bitfields, _Atomic, arrays, enum64, ...) and
# dwarfshapes2.c (the definition of a struct the first unit only declares)
for c in "gcc -gdwarf-2 -gstrict-dwarf" "gcc -gdwarf-4 -fdebug-types-section" "gcc -gdwarf-5" "clang -gdwarf-5"; do
	o=$TMP/shapes-$(printf %s "$c" | tr -c 'a-z0-9' _)
	if $c -O0 -Wl,--build-id "$ROOT/tests/targets/dwarfshapes.c" "$ROOT/tests/targets/dwarfshapes2.c" -o "$o" 2>"$o.err"; then
		same "$c: every type" btf dwarf "$o"
		same "$c: every type and every FUNC (--funcs)" btf dwarf --funcs "$o"
	else
		notok "$c: dwarfshapes.c does not build: $(head -c 200 "$o.err")"
	fi
done
readelf -S "$TMP/shapes-gcc__gdwarf_4__fdebug_types_section" 2>/dev/null | grep -q '\.debug_types' &&
	ok "the DWARF 4 build has type units (.debug_types): the skim's second section is tested" ||
	notok "gcc -fdebug-types-section made no .debug_types (the test would prove less)"

# OpenSSL 3.0.20 (btfs/app/openssl/build.sh's -g rebuild), if the cache has it: the largest input
# (its work directory is named after the Debian version: src-3.0.20-1~deb12u2/openssl-3.0.20/...)
OSSL=
for d in "${COREPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coreprobe}"/openssl-build*/*3.0.20*/openssl-3.0.20/build_shared; do
	[ -f "$d/libcrypto.so.3" ] && [ -f "$d/libssl.so.3" ] && { OSSL=$d; break; }
done
if [ -n "$OSSL" ]; then
	for l in libssl libcrypto; do
		objcopy --only-keep-debug --compress-debug-sections "$OSSL/$l.so.3" "$TMP/$l.debug"
		same "OpenSSL 3.0.20 $l debug file, every type" --debug-file "$TMP/$l.debug" btf dwarf "$OSSL/$l.so.3"
	done
	same "OpenSSL 3.0.20 libssl, ssl_st" --debug-file "$TMP/libssl.debug" btf dwarf "$OSSL/libssl.so.3" ssl_st
	for l in libssl libcrypto; do	# object mode, as sslsniff's start-up (172 and 770 copies skipped)
		same "OpenSSL 3.0.20 $l, what the tools' start-up encodes (--tools)" --debug-file "$TMP/$l.debug" btf dwarf --tools "$OSSL/$l.so.3"
	done
else
	echo "# no OpenSSL 3.0.20 rebuild in the cache (btfs/app/openssl/build.sh): its rows skipped"
fi

# object mode (start-up encode): structs' CO-RE relocations through demo_v3's debug file
relos() { "$CP" -v --debug-file "$TMP/v3.debug" structs -d 1 "$TMP/demo_v3" 2>&1 | grep -o "relo #[0-9]*: patched insn .*" | sort; }
strip -o "$TMP/demo_v3" "$T/demo_v3.debug"
a=$(relos)
b=$(COREPROBE_DWARF_REFERENCE=1 relos)
[ -n "$a" ] && [ "$a" = "$b" ] && ok "structs on demo_v3 through its debug file: the same $(echo "$a" | wc -l) CO-RE relocations both ways" ||
	notok "structs relocations differ: fast [$a] reference [$b]"
