#!/bin/sh
# Application BTF for Debian's OpenSSL builds, keyed by the GNU build-id of the libssl and
# libcrypto that Debian ships.
#
# The arm64 variant of build.sh (which makes the x86_64 blobs from apt's list of served
# builds); this one still works from the hand list VERSIONS_arm64 below. Merging the two (the
# served list for arm64 too) is open work.
#
# usage: ARCH=arm64 btfs/app/openssl/build-arm64.sh (Debian's arm64 builds, cross-compiled with
#        gcc-aarch64-linux-gnu under dpkg-architecture -aarm64: blobs, MANIFEST and LAYOUT go to
#        btfs/app-arm64/, which coreprobe-aarch64 embeds; the versions of VERSIONS_arm64)
#
# For each version in VERSIONS:
#  1. fetches the source package (apt-get source) into $CACHE/src and the binary library
#     package (apt-get download) into $CACHE/debs, once;
#  2. rebuilds libssl/libcrypto as debian/rules does: its CONFARGS and debian-ARCH target,
#     its DEB_BUILD_MAINT_OPTIONS through dpkg-buildflags, SOURCE_DATE_EPOCH from
#     debian/changelog, HASHBANGPERL, "make build_libs" (the rules' build_shared tree). The tree
#     is unpacked in the cache and, when possible (root + unshare), bind-mounted in a private
#     mount namespace on /build/reproducible-path/openssl-UPSTREAM, the directory Debian's
#     buildds use: libcrypto embeds its compiler flags, which name that path;
#  3. encodes the BTF of every type in each rebuilt library's DWARF with coreprobe's own encoder:
#     `coreprobe-aarch64 btf dwarf` under qemu-aarch64-static (coreprobe reads ELF files of its
#     own machine only; `make coreprobe-aarch64` first; COREPROBE_ARM64=PATH). Until this switch
#     it was pahole on a copy with DW_TAG_atomic_type rewritten (pahole 1.24 mishandles it).
#     CROSSCHECK=FILE: btfs/app/crosscheck.sh's output, quoted in MANIFEST per version;
#  4. writes btfs/app/libssl/<id>.btf.xz and btfs/app/libcrypto/<id>.btf.xz (xz -9 of the raw
#     BTF; <id> = build-id of Debian's library), and rewrites MANIFEST and LAYOUT next to this
#     script.
# Everything big lives in $CACHE/{src,debs,openssl-build}; a version is rebuilt only when its
# build is missing. Needs: dpkg-dev, gcc, make, perl, bpftool, xz-utils, qemu-user-static,
# and for 3.5 (enable-zlib enable-zstd) zlib1g-dev and libzstd-dev.
# -nt (dash and bash have it), deliberate word splitting of readelf output, literal $ in sh -c.
# shellcheck disable=SC3013,SC2046,SC2016,SC2086,SC2015,SC2154
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
SELF=$HERE/$(basename "$0")
REPO=$(cd "$HERE/../../.." && pwd)
CACHE=${COREPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coreprobe}
# Target architecture: the build host's (x86_64), or arm64 cross-built.
ARCH=${ARCH:-arm64}
[ "$ARCH" = arm64 ] || { echo "build-arm64.sh: for ARCH=arm64 only; x86_64 blobs: btfs/app/openssl/build.sh" >&2; exit 2; }
case $ARCH in
x86_64) DEBARCH=amd64 MULTIARCH=x86_64-linux-gnu WORK=$CACHE/openssl-build OUTAPP=$REPO/btfs/app
	OBJCOPY=objcopy STRIP=strip CROSS= ;;
arm64) DEBARCH=arm64 MULTIARCH=aarch64-linux-gnu WORK=$CACHE/openssl-build-arm64 OUTAPP=$REPO/btfs/app-arm64
	OBJCOPY=aarch64-linux-gnu-objcopy STRIP=aarch64-linux-gnu-strip CROSS="dpkg-architecture -aarm64 -c env CROSS_COMPILE=aarch64-linux-gnu-" ;;
*) echo "build.sh: ARCH=$ARCH: x86_64 or arm64" >&2; exit 2 ;;
esac
JOBS=$(nproc 2>/dev/null || echo 2)

# LABEL SUITE SOURCE-VERSIONS BINARY-PACKAGE BINARY-VERSION SONAME-VERSION
# SOURCE-VERSIONS: tried in order, the first one the archive serves is built. For 3.5 the
# archive lists source 3.5.9-1~deb13u1 but does not serve its files (404); 3.5.7-1~deb13u2 is
# the nearest trixie source it does serve (see MANIFEST: layout checked against the binary).
VERSIONS="
1.1.1w bullseye 1.1.1w-0+deb11u1 libssl1.1 1.1.1w-0+deb11u1 1.1
3.0.20 bookworm 3.0.20-1~deb12u2 libssl3 3.0.20-1~deb12u2 3
3.5.9 trixie 3.5.9-1~deb13u1,3.5.7-1~deb13u2 libssl3t64 3.5.9-1~deb13u1 3
"
# arm64: bookworm's 3.0.20, the suite whose toolchain (gcc 12.2.0-14, as a cross compiler) is
# the one here; the others need their suites' toolchains to be reproduced and are not built.
VERSIONS_arm64="
3.0.20 bookworm 3.0.20-1~deb12u2 libssl3 3.0.20-1~deb12u2 3
"
[ "$ARCH" = arm64 ] && VERSIONS=$VERSIONS_arm64

die() { echo "build.sh: $*" >&2; exit 1; }
say() { echo "build.sh: $*" >&2; }
build_id() { readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'; }
compiler_line() { strings -a "$1" | grep -m1 '^compiler: ' || true; }

# ---------------------------------------------------------------------------------------------
# Inner mode: run inside the (bind-mounted) source tree; builds build_shared/lib{ssl,crypto}.so.
# Mirrors override_dh_auto_configure / override_dh_auto_build-arch for the shared tree.
if [ "${1:-}" = --inner ]; then
	out=$2 # directory for configure/build records
	top=$(pwd -P)
	printmk=$out/print.mk
	printf 'print-%%:\n\t@echo $($*)\n' >"$printmk"
	rules_var() { make -s --no-print-directory -f debian/rules -f "$printmk" "print-$1"; }
	DEB_BUILD_MAINT_OPTIONS=$(rules_var DEB_BUILD_MAINT_OPTIONS)
	export DEB_BUILD_MAINT_OPTIONS
	confargs=$(rules_var CONFARGS)
	arch=$(rules_var DEB_HOST_ARCH)
	unset CFLAGS CPPFLAGS CXXFLAGS LDFLAGS ASFLAGS
	eval "$(DEB_BUILD_PATH=$top dpkg-buildflags --export=sh)"
	SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -STimestamp)
	export SOURCE_DATE_EPOCH
	{
		echo "build_path=$top"
		echo "DEB_BUILD_MAINT_OPTIONS=$DEB_BUILD_MAINT_OPTIONS"
		echo "configure=../Configure shared $confargs debian-$arch"
		echo "CFLAGS=$CFLAGS"
		echo "CPPFLAGS=$CPPFLAGS"
		echo "LDFLAGS=$LDFLAGS"
		echo "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH"
	} >"$out/build.env"
	# 3.0's rules unpack extra test inputs first; harmless for the libraries, kept for fidelity.
	if [ -f debian/binary.tar ]; then tar xf debian/binary.tar; fi
	rm -rf build_shared
	mkdir build_shared
	cd build_shared
	# shellcheck disable=SC2086
	HASHBANGPERL=/usr/bin/perl ../Configure shared $confargs "debian-$arch"
	perl configdata.pm -d >"$out/configdata.txt"
	make -j"$JOBS" build_libs
	exit 0
fi

# ---------------------------------------------------------------------------------------------
CP=${COREPROBE_ARM64:-$REPO/coreprobe-aarch64}
[ -x "$CP" ] || die "$CP missing: build it first (make coreprobe-aarch64) or set COREPROBE_ARM64"
command -v qemu-aarch64-static >/dev/null || die "qemu-aarch64-static missing (apt-get install qemu-user-static)"
command -v bpftool >/dev/null || die "bpftool missing"
command -v dpkg-source >/dev/null || die "dpkg-source missing (apt-get install dpkg-dev)"
mkdir -p "$CACHE/src" "$CACHE/debs" "$WORK"


# dsc_complete DSC: every file the .dsc lists is present with its SHA-256.
dsc_complete() {
	[ -f "$1" ] || return 1
	awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF == 3 { print $1 "  " $3 }' "$1" |
		(cd "$(dirname "$1")" && sha256sum -c --quiet >/dev/null 2>&1)
}

# fetch_source "V1,V2": prints the first source version available (downloading it once).
fetch_source() {
	for v in $(echo "$1" | tr ',' ' '); do
		dsc=$CACHE/src/openssl_${v#*:}.dsc
		if dsc_complete "$dsc"; then echo "$v"; return 0; fi
		if (cd "$CACHE/src" && apt-get source -qq --download-only "openssl=$v") >/dev/null 2>&1 &&
			dsc_complete "$dsc"; then
			echo "$v"; return 0
		fi
		say "source openssl=$v is not served by the archive; trying the next candidate"
	done
	return 1
}

# fetch_deb PACKAGE VERSION: prints the path of the .deb in $CACHE/debs (downloading it once).
fetch_deb() {
	f=$CACHE/debs/${1}_${2#*:}_$DEBARCH.deb
	if [ ! -f "$f" ]; then
		(cd "$CACHE/debs" && apt-get download -qq "$1:$DEBARCH=$2" >/dev/null 2>&1) ||
			die "apt-get download $1=$2 failed (run scripts/setup.sh; check apt-cache madison $1)"
	fi
	[ -f "$f" ] || die "$f missing after download"
	echo "$f"
}

# disp_set LIB FUNC: sorted memory-operand displacements off registers in FUNC's code.
# The accessors read struct fields at fixed offsets, so equal sets in two builds of the same
# source mean the fields those accessors touch sit at the same offsets.
# x86-64: disp(%reg) operands (not %rsp/%rip); arm64: [xN, #imm] / [xN] operands (not sp).
disp_set() {
	set -- "$1" "$2" $(readelf -W --dyn-syms "$1" | awk -v f="$2" '{ sub("@.*", "", $8) } $8 == f && $4 == "FUNC" && $7 != "UND" { print $2, $3; exit }')
	[ $# = 4 ] || { echo "absent"; return; }
	start=$((0x$3)); stop=$((start + $4))
	if [ "$ARCH" = arm64 ]; then
		aarch64-linux-gnu-objdump -d --no-show-raw-insn --start-address=$start --stop-address=$stop "$1" |
			grep -o -E '\[x[0-9]+(, #-?[0-9]+)?\]' | sed -E 's/^\[x[0-9]+(, #)?//; s/\]$//' |
			sed 's/^$/0/' | sort -un | tr '\n' ' ' | sed 's/ $//'
		return
	fi
	objdump -d --no-show-raw-insn --start-address=$start --stop-address=$stop "$1" |
		grep -v -E '\snop[wl]?\s' | grep -o -E '(-?0x[0-9a-f]+)?\(%r[a-z0-9]+' | grep -v -E '%r(sp|ip)' | sed 's/(%.*//' |
		sed 's/^$/0x0/' | sort -u | tr '\n' ' ' | sed 's/ $//'
}
SSL_ACCESSORS="SSL_version SSL_get_rbio SSL_get_wbio SSL_get_session SSL_get_client_random
SSL_get_server_random SSL_get_current_cipher SSL_get_pending_cipher SSL_SESSION_get_master_key
SSL_SESSION_get0_cipher SSL_SESSION_get_protocol_version SSL_CIPHER_get_id SSL_is_server
SSL_get_state SSL_in_init SSL_get_SSL_CTX SSL_get_verify_result SSL_get_shutdown"
CRYPTO_ACCESSORS="BIO_next BIO_method_type BIO_get_data BIO_get_init BIO_get_shutdown
BIO_test_flags BIO_get_retry_reason BIO_number_read BIO_number_written BIO_get_callback_arg
BIO_get_callback"

# sym_cmp DEBIAN_LIB OUR_LIB: compares the sets of exported (versioned) symbols.
sym_cmp() {
	nm -D --defined-only --with-symbol-versions "$1" | awk '{ print $3 }' | sort >"$WORK/sym.a"
	nm -D --defined-only --with-symbol-versions "$2" | awk '{ print $3 }' | sort >"$WORK/sym.b"
	if cmp -s "$WORK/sym.a" "$WORK/sym.b"; then
		echo "same $(wc -l <"$WORK/sym.a" | tr -d ' ') symbols"
	else
		echo "DIFFER: only Debian's: $(comm -23 "$WORK/sym.a" "$WORK/sym.b" | tr '\n' ' ')only ours: $(comm -13 "$WORK/sym.a" "$WORK/sym.b" | tr '\n' ' ')"
	fi
	rm -f "$WORK/sym.a" "$WORK/sym.b"
}

# accessor_check DEBIAN_LIB OUR_LIB FUNCS: writes "func: same|DIFF (debian: ..., ours: ...)".
accessor_check() {
	for fn in $3; do
		d=$(disp_set "$1" "$fn"); o=$(disp_set "$2" "$fn")
		if [ "$d" = absent ] && [ "$o" = absent ]; then continue; fi
		if [ "$d" = "$o" ]; then echo "  $fn: same [$d]"; else echo "  $fn: DIFF debian [$d] ours [$o]"; fi
	done
}

# btf_of LIB OUTBTF LOG: every type of LIB's DWARF, by coreprobe's encoder (the aarch64 build,
# under qemu-user). A type it refuses fails the build: a blob must not silently lack a type.
btf_of() {
	qemu-aarch64-static "$CP" btf dwarf "$1" -o "$2" >"$3" 2>&1 || die "coreprobe btf dwarf failed on $1: $(cat "$3")"
	! grep -q 'refused' "$3" || die "coreprobe btf dwarf refused types of $1: $(cat "$3")"
}
# crosscheck_line NAME: the line of $CROSSCHECK (btfs/app/crosscheck.sh's output) for NAME
crosscheck_line() {
	if [ -n "${CROSSCHECK:-}" ] && grep -q "^[a-z ]* - $1: " "$CROSSCHECK"; then
		grep -m1 "^[a-z ]* - $1: " "$CROSSCHECK"
	else
		echo "not run for this build (btfs/app/crosscheck.sh; CROSSCHECK=FILE)"
	fi
}
count_struct() { bpftool btf dump file "$1" | grep -c "STRUCT '$2'" || true; }
void_typedefs() {
	bpftool btf dump file "$1" | awk '$2 == "TYPEDEF" && $4 == "type_id=0" { n++; s = s sep $3; sep = "," } END { printf "%d typedefs to void%s", n, n ? " (" s ")" : "" }'
}
typedef_target() { bpftool btf dump file "$1" | awk -v n="'$2'" '$2 == "TYPEDEF" && $3 == n { sub("type_id=", "", $4); print $4; exit }'; }
fsize() { wc -c <"$1" | tr -d ' '; }
text_size() { echo $(( 0x$(readelf -SW "$1" | awk '{ sub(/^ *\[ *[0-9]+\] */, "") } $1 == ".text" { print $5; exit }') )); }

# install_blob RAW DEST: xz -9 RAW into DEST unless DEST already holds exactly that.
install_blob() {
	mkdir -p "$(dirname "$2")"
	xz -9 -c "$1" >"$2.tmp"
	if [ -f "$2" ] && cmp -s "$2.tmp" "$2"; then rm -f "$2.tmp"; else mv "$2.tmp" "$2"; fi
}

MANIFEST_TMP=$WORK/MANIFEST.tmp
LAYOUT_TMP=$WORK/LAYOUT.tmp
{
	echo "# Application BTF for Debian OpenSSL ($ARCH): written by ARCH=$ARCH btfs/app/openssl/build-arm64.sh, do not edit."
	echo "# Blobs: ${OUTAPP#"$REPO"/}/libssl/<libssl build-id>.btf.xz, ${OUTAPP#"$REPO"/}/libcrypto/<libcrypto build-id>.btf.xz"
	echo "# (build-ids of the libraries in Debian's binary packages; raw BTF of every type in the rebuilt"
	echo "# libraries' DWARF from \`coreprobe-aarch64 btf dwarf\` under qemu-user (docs/dwarf.md), xz -9)."
	echo "# Rebuilt on: Debian $(cat /etc/debian_version), $(gcc --version | head -n 1), $(ld --version | head -n 1),"
	echo "# dpkg-dev $(dpkg-query -W -f '${Version}' dpkg-dev), $(qemu-aarch64-static "$CP" -V | sed "s/:.*//") aarch64, $(bpftool version 2>/dev/null | head -n 1)."
	echo "# Cross-check (btfs/app/crosscheck.sh, before the switch from pahole): the CO-RE relocations"
	echo "# libbpf makes for sslsniff against this BTF equal those against pahole 1.24's BTF of the same"
	echo "# DWARF (after the atomic->volatile rewrite pahole needed): every relocation line, type ids aside."
	echo "# Layout check: for versions whose rebuild is not bit-identical, the field displacements used"
	echo "# by small exported accessors are compared between Debian's binary and the rebuild (objdump)."
} >"$MANIFEST_TMP"
: >"$LAYOUT_TMP"

echo "$VERSIONS" | while read -r label suite srcs binpkg binver sover; do
	[ -n "$label" ] || continue
	say "== OpenSSL $label ($suite)"
	B=$WORK/$label
	mkdir -p "$B"
	srcver=$(fetch_source "$srcs") || die "no source package for openssl $label ($srcs)"
	upstream=${srcver#*:}; upstream=${upstream%-*}
	deb=$(fetch_deb "$binpkg" "$binver")

	# Debian's libraries.
	if [ "$(cat "$B/deb.stamp" 2>/dev/null)" != "$binver" ]; then
		rm -rf "$B/deb"; dpkg-deb -x "$deb" "$B/deb"; echo "$binver" >"$B/deb.stamp"
	fi
	dssl=$B/deb/usr/lib/$MULTIARCH/libssl.so.$sover
	dcrypto=$B/deb/usr/lib/$MULTIARCH/libcrypto.so.$sover
	[ -f "$dssl" ] && [ -f "$dcrypto" ] || die "$deb: libssl/libcrypto not found"
	dssl_id=$(build_id "$dssl"); dcrypto_id=$(build_id "$dcrypto")

	# Source tree.
	S=$B/openssl-$upstream
	if [ "$(cat "$B/unpack.stamp" 2>/dev/null)" != "$srcver" ] || [ ! -d "$S" ]; then
		rm -rf "$B"/openssl-* "$B/built.stamp"
		dpkg-source --no-copy -x "$CACHE/src/openssl_${srcver#*:}.dsc" "$S.tmp" >"$B/unpack.log" 2>&1 ||
			die "dpkg-source -x failed (see $B/unpack.log)"
		mv "$S.tmp" "$S"
		echo "$srcver" >"$B/unpack.stamp"
	fi

	# Build (only when missing).
	ossl=$S/build_shared/libssl.so.$sover
	ocrypto=$S/build_shared/libcrypto.so.$sover
	if [ "$(cat "$B/built.stamp" 2>/dev/null)" != "$srcver" ] || [ ! -f "$ossl" ] || [ ! -f "$ocrypto" ]; then
		debpath=/build/reproducible-path/openssl-$upstream
		say "building $srcver in $debpath (log: $B/build.log)"
		t0=$(date +%s)
		made=""
		if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
			# Create only the missing components of the mount point, and remove them afterwards.
			d=$debpath
			while [ ! -e "$d" ]; do made="$d $made"; d=$(dirname "$d"); done
			mkdir -p "$debpath"
			rc=0
			JOBS=$JOBS $CROSS unshare -m sh -c 'mount --bind "$1" "$2" && cd "$2" && exec sh "$3" --inner "$4"' \
				sh "$S" "$debpath" "$SELF" "$B" >"$B/build.log" 2>&1 || rc=$?
			# Deepest first: reverse lexical order puts a path after its parents.
			for d in $(printf "%s\n" $made | sort -r); do
				rmdir "$d" 2>/dev/null || true
			done
			[ $rc = 0 ] || die "build of openssl $srcver failed (see $B/build.log)"
		else
			say "no root/unshare: building in $S (libcrypto's embedded flags will name that path)"
			(cd "$S" && JOBS=$JOBS $CROSS sh "$SELF" --inner "$B") >"$B/build.log" 2>&1 ||
				die "build of openssl $srcver failed (see $B/build.log)"
		fi
		echo $(( $(date +%s) - t0 )) >"$B/build.seconds"
		echo "$srcver" >"$B/built.stamp"
	fi
	ossl_id=$(build_id "$ossl"); ocrypto_id=$(build_id "$ocrypto")
	secs=$(cat "$B/build.seconds")

	# Bit-for-bit comparison. dh_strip keeps the debug info in a separate file (objcopy
	# --only-keep-debug --compress-debug-sections), strips the library (--remove-section=.comment
	# --remove-section=.note --strip-unneeded) and adds a .gnu_debuglink naming that file with its
	# CRC32. Debian's debug file has also been through dh_dwz (dwz is not used here), so only the
	# 4-byte CRC at the end of .gnu_debuglink may legitimately differ.
	same() {
		if [ "$1" != "$2" ]; then echo "no (different build-id)"; return; fi
		dbg=$B/strip/${2#??}.debug
		mkdir -p "$B/strip"
		$OBJCOPY --only-keep-debug --compress-debug-sections "$3" "$dbg"
		$STRIP --remove-section=.comment --remove-section=.note --strip-unneeded -o "$B/strip/lib" "$3"
		$OBJCOPY --add-gnu-debuglink="$dbg" "$B/strip/lib"
		if cmp -s "$B/strip/lib" "$4"; then
			echo "yes: same build-id, and the dh_strip-style stripped copy is byte-identical to Debian's file"
		else
			# Byte positions (1-based) of the debuglink CRC in Debian's file.
			set -- "$@" $(readelf -SW "$4" | awk '{ sub(/^ *\[ *[0-9]+\] */, "") } $1 == ".gnu_debuglink" { print $4, $5 }')
			lo=$(( 0x$5 + 0x$6 - 3 )); hi=$(( 0x$5 + 0x$6 ))
			n=$(cmp -l "$B/strip/lib" "$4" 2>/dev/null | wc -l)
			out=$(cmp -l "$B/strip/lib" "$4" 2>/dev/null | awk -v lo=$lo -v hi=$hi '$1 < lo || $1 > hi' | wc -l)
			if [ "$(wc -c <"$B/strip/lib")" = "$(wc -c <"$4")" ] && [ "$out" = 0 ]; then
				echo "yes: same build-id; the dh_strip-style stripped copy equals Debian's file except the $n-byte .gnu_debuglink CRC (of Debian's dwz-processed debug file)"
			else
				echo "same build-id, but the stripped copy differs from Debian's file in $n bytes"
			fi
		fi
		rm -rf "$B/strip"
	}
	eq_ssl=$(same "$dssl_id" "$ossl_id" "$ossl" "$dssl")
	eq_crypto=$(same "$dcrypto_id" "$ocrypto_id" "$ocrypto" "$dcrypto")

	# BTF.
	mkdir -p "$B/btf"
	for lib in ssl crypto; do
		eval "src=\$o$lib"
		raw=$B/btf/lib$lib.dwarf.btf	# (lib$lib.btf: pahole's, from before the switch)
		if [ ! -f "$raw" ] || [ "$src" -nt "$raw" ] || [ "$CP" -nt "$raw" ]; then
			say "coreprobe btf dwarf lib$lib.so.$sover"
			btf_of "$src" "$raw" "$B/btf/lib$lib.dwarf.log"
		fi
	done
	rawssl=$B/btf/libssl.dwarf.btf; rawcrypto=$B/btf/libcrypto.dwarf.btf
	n=$(count_struct "$rawssl" ssl_st); [ "$n" = 1 ] || die "$rawssl: $n STRUCT 'ssl_st' (want 1)"
	n=$(count_struct "$rawcrypto" bio_st); [ "$n" = 1 ] || die "$rawcrypto: $n STRUCT 'bio_st' (want 1)"
	for pair in "$rawssl SSL" "$rawssl SSL_SESSION" "$rawssl SSL_CIPHER" "$rawcrypto BIO"; do
		set -- $pair
		tid=$(typedef_target "$1" "$2")
		[ -n "$tid" ] && [ "$tid" != 0 ] || die "$1: typedef $2 is missing or void"
	done
	case $label in 3.5*)
		n=$(count_struct "$rawssl" ssl_connection_st); [ "$n" = 1 ] || die "$rawssl: $n STRUCT 'ssl_connection_st'" ;;
	esac
	install_blob "$rawssl" "$OUTAPP/libssl/$dssl_id.btf.xz"
	install_blob "$rawcrypto" "$OUTAPP/libcrypto/$dcrypto_id.btf.xz"

	# Layout checks and report.
	accessor_check "$dssl" "$ossl" "$SSL_ACCESSORS" >"$B/accessors.txt"
	accessor_check "$dcrypto" "$ocrypto" "$CRYPTO_ACCESSORS" >>"$B/accessors.txt"
	nsame=$(grep -c ': same' "$B/accessors.txt" || true); ndiff=$(grep -c ': DIFF' "$B/accessors.txt" || true)
	perl "$HERE/layout.pl" "$label" "$rawssl" "$rawcrypto" "$S" >>"$LAYOUT_TMP"

	{
		echo
		echo "[$label]"
		echo "suite: $suite"
		echo "source: openssl $srcver (candidates tried in order: $(echo "$srcs" | tr ',' ' '))"
		echo "binary: $binpkg $binver (libssl.so.$sover, libcrypto.so.$sover)"
		if [ "${srcver%-*}" != "${binver%-*}" ]; then
			echo "note: built from source $srcver although the key is binary $binver: the archive lists"
			echo "  source $binver but does not serve its files. Field offsets the accessors below read are"
			echo "  compared between Debian's $binver binary and this rebuild."
		fi
		case $ARCH/$eq_ssl in arm64/no*)
			echo "note: not bit-identical: cross-compiled here with gcc-aarch64-linux-gnu ($(aarch64-linux-gnu-gcc --version | head -n 1));"
			echo "  Debian built it natively on arm64 with the same gcc release. Same Configure, flags and build"
			echo "  path (build lines below); libcrypto embeds its compiler's name (see the compiler lines), and"
			echo "  .text differs: libssl $(text_size "$dssl") (Debian) vs $(text_size "$ossl") (rebuild), libcrypto"
			echo "  $(text_size "$dcrypto") vs $(text_size "$ocrypto") bytes (the cross compiler's code differs in some"
			echo "  functions). A same-build-id rebuild needs a native arm64 bookworm toolchain (a qemu-user"
			echo "  chroot), not attempted. Evidence for the layout: same configuration, same exported symbols,"
			echo "  the accessor displacement check below, and the VM rows' key log equal to OpenSSL's own." ;;
		*/no*)
			echo "note: not bit-identical: rebuilt with bookworm's toolchain and dpkg-buildflags, Debian built"
			echo "  this in $suite (see the compiler lines: flags differ only where dpkg-buildflags/gcc of the"
			echo "  suites differ). A same-build-id rebuild needs a $suite toolchain (chroot), not attempted."
			echo "  Layout cannot be proven equal without Debian's debug info; evidence: same configuration,"
			echo "  same exported symbol set, and the accessor displacement check below." ;;
		esac
		echo "debian libssl build-id:    $dssl_id"
		echo "rebuild libssl build-id:   $ossl_id"
		echo "libssl identical: $eq_ssl"
		echo "debian libcrypto build-id: $dcrypto_id"
		echo "rebuild libcrypto build-id: $ocrypto_id"
		echo "libcrypto identical: $eq_crypto"
		sed 's/^/build /' "$B/build.env"
		echo "debian $(compiler_line "$dcrypto")"
		echo "rebuild $(compiler_line "$ocrypto")"
		echo "make target: build_libs; build wall time: ${secs}s with -j$JOBS"
		echo "btf dwarf libssl: $(sed 's/^[^:]*: //; s/ in [^ ]* (/ (/; s/, [0-9.]* ms$//' "$B/btf/libssl.dwarf.log")"
		echo "btf dwarf libcrypto: $(sed 's/^[^:]*: //; s/ in [^ ]* (/ (/; s/, [0-9.]* ms$//' "$B/btf/libcrypto.dwarf.log")"
		echo "btf check: libssl $(count_struct "$rawssl" ssl_st) STRUCT 'ssl_st', $(void_typedefs "$rawssl"); libcrypto $(count_struct "$rawcrypto" bio_st) STRUCT 'bio_st', $(void_typedefs "$rawcrypto")"
		echo "cross-check: $(crosscheck_line "openssl-$label (arm64): sslsniff")"
		echo "btf libssl: raw $(fsize "$rawssl") bytes, xz $(fsize "$OUTAPP/libssl/$dssl_id.btf.xz") bytes -> ${OUTAPP#"$REPO"/}/libssl/$dssl_id.btf.xz"
		echo "btf libcrypto: raw $(fsize "$rawcrypto") bytes, xz $(fsize "$OUTAPP/libcrypto/$dcrypto_id.btf.xz") bytes -> ${OUTAPP#"$REPO"/}/libcrypto/$dcrypto_id.btf.xz"
		echo "exported symbols libssl (debian vs rebuild): $(sym_cmp "$dssl" "$ossl")"
		echo "exported symbols libcrypto (debian vs rebuild): $(sym_cmp "$dcrypto" "$ocrypto")"
		echo "accessor displacement check (debian vs rebuild): $nsame same, $ndiff different"
		cat "$B/accessors.txt"
	} >>"$MANIFEST_TMP"
done

mkdir -p "$OUTAPP/openssl"
MDIR=$HERE; [ "$ARCH" = x86_64 ] || MDIR=$OUTAPP/openssl
mv "$MANIFEST_TMP" "$MDIR/MANIFEST"
mv "$LAYOUT_TMP" "$MDIR/LAYOUT"
say "done: $MDIR/MANIFEST, $MDIR/LAYOUT"
