#!/bin/sh
# Application BTF for Debian's OpenSSL builds, keyed by the GNU build-id of the libssl and
# libcrypto that Debian ships.
#
# usage: btfs/app/openssl/build.sh [--arch x86_64|arm64] [--only VERSION[,VERSION...]]
#        (ARCH=arm64 in the environment is the same as --arch arm64; default x86_64)
#
# The builds are not a hand list: btfs/app/served.sh asks apt which versions of PACKAGES the
# configured suites serve for that architecture (scripts/setup.sh configures bullseye, bookworm,
# trixie and their -updates/-security/-backports, and the arm64 foreign architecture).
# OPENSSL_SERVED=FILE and OPENSSL_SOURCES=FILE replay a saved answer of "served.sh --arch A
# $PACKAGES" and "served.sh --sources openssl" instead. --only builds just the listed binary
# versions (e.g. 3.5.9-1~deb13u1); MANIFEST then names the served builds left out.
# x86_64: native builds; blobs in btfs/app/, MANIFEST and LAYOUT next to this script.
# arm64: cross-compiled with gcc-aarch64-linux-gnu under "dpkg-architecture -aarm64" (the rules'
#   DEB_HOST_ARCH is arm64, Configure gets CROSS_COMPILE=aarch64-linux-gnu-), keyed by the
#   build-ids of Debian's arm64 libraries; blobs, MANIFEST and LAYOUT in btfs/app-arm64/, which
#   coreprobe-aarch64 embeds. The accessor check reads arm64 code ([xN, #imm] operands).
# For each served binary package version:
#  1. fetches the source package (apt-get source) into $CACHE/src and the binary library
#     package (apt-get download) into $CACHE/debs, once. The source is the one the binary names;
#     when the archive lists it but does not serve its files (404), the nearest served source
#     of the same Debian release (debNN in the version) is used instead, older first, and
#     MANIFEST says so. Binaries sharing a source share one build;
#  2. rebuilds libssl/libcrypto as debian/rules does: its CONFARGS and debian-ARCH target,
#     its DEB_BUILD_MAINT_OPTIONS through dpkg-buildflags, SOURCE_DATE_EPOCH from
#     debian/changelog, HASHBANGPERL, "make build_libs" (the rules' build_shared tree). The tree
#     is unpacked in the cache and, when possible (root + unshare), bind-mounted in a private
#     mount namespace on /build/reproducible-path/openssl-UPSTREAM, the directory Debian's
#     buildds use: libcrypto embeds its compiler flags, which name that path;
#  3. encodes the BTF of every type in each rebuilt library's DWARF with coreprobe's own encoder
#     (`coreprobe btf dwarf`, docs/dwarf.md; COREPROBE=PATH, default the host build ./coreprobe:
#     run `make coreprobe` first). It reads DW_TAG_atomic_type as its qualified type, so no
#     rewrite of the DWARF is needed (pahole 1.24 mishandled that tag: until this switch a copy
#     of each library had it rewritten to DW_TAG_volatile_type first). CROSSCHECK=FILE: the
#     output of btfs/app/crosscheck.sh (this encoder's relocations against pahole's), quoted in
#     MANIFEST per build;
#  4. writes btfs/app/libssl/<id>.btf.xz and btfs/app/libcrypto/<id>.btf.xz (xz -9 of the raw
#     BTF; <id> = build-id of Debian's library), and rewrites MANIFEST and LAYOUT next to this
#     script.
# Everything big lives in $CACHE/{src,debs,openssl-build}; a version is rebuilt only when its
# build is missing. Needs: dpkg-dev, gcc, make, perl, bpftool, xz-utils, coreprobe,
# and for 3.5 (enable-zlib enable-zstd) zlib1g-dev and libzstd-dev.
# -nt (dash and bash have it), deliberate word splitting of readelf output, literal $ in sh -c.
# shellcheck disable=SC3013,SC2046,SC2016,SC2086,SC2015,SC2154
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
SELF=$HERE/$(basename "$0")
REPO=$(cd "$HERE/../../.." && pwd)
CACHE=${COREPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coreprobe}
ARCH=${ARCH:-x86_64}
ONLY=""
while [ $# -gt 0 ] && [ "$1" != --inner ]; do
	case $1 in
	--arch) [ $# -ge 2 ] || { echo "build.sh: --arch needs x86_64 or arm64" >&2; exit 2; }; ARCH=$2; shift 2 ;;
	--only) [ $# -ge 2 ] || { echo "build.sh: --only needs VERSION[,VERSION...]" >&2; exit 2; }; ONLY=$(echo "$2" | tr ',' ' '); shift 2 ;;
	*) echo "usage: build.sh [--arch x86_64|arm64] [--only VERSION[,VERSION...]]" >&2; exit 2 ;;
	esac
done
# Per architecture: Debian's name, the multiarch directory, the work tree, where blobs go, the
# binutils that read its objects, and the wrapper a cross build runs under.
case $ARCH in
x86_64|amd64) ARCH=x86_64 DEBARCH=amd64 MULTIARCH=x86_64-linux-gnu DEFWORK=$CACHE/openssl-build
	OUTAPP=$REPO/btfs/app MDIR=$HERE OBJCOPY=objcopy STRIP=strip OBJDUMP=objdump CROSS= ;;
arm64|aarch64) ARCH=arm64 DEBARCH=arm64 MULTIARCH=aarch64-linux-gnu DEFWORK=$CACHE/openssl-build-arm64
	OUTAPP=$REPO/btfs/app-arm64 MDIR=$REPO/btfs/app-arm64/openssl OBJCOPY=aarch64-linux-gnu-objcopy
	STRIP=aarch64-linux-gnu-strip OBJDUMP=aarch64-linux-gnu-objdump
	CROSS="dpkg-architecture -a$DEBARCH -c env CROSS_COMPILE=aarch64-linux-gnu-" ;;
*) echo "build.sh: ARCH=$ARCH: x86_64 or arm64" >&2; exit 2 ;;
esac
WORK=${OPENSSL_BUILD_WORK:-$DEFWORK}
# The binary packages holding libssl/libcrypto, per Debian release. GnuTLS (libgnutls30,
# libgnutls30t64) is listed the same way by btfs/app/gnutls/build.sh through served.sh.
PACKAGES="libssl1.1 libssl3 libssl3t64"
JOBS=$(nproc 2>/dev/null || echo 2)

# shellcheck source=btfs/app/lib.sh
. "$HERE/../lib.sh"
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
CP=${COREPROBE:-$REPO/coreprobe}
[ -x "$CP" ] || die "$CP missing: build the host coreprobe first (make coreprobe) or set COREPROBE"
# The encoder reads ELF files of its own machine only: arm64 libraries go through the aarch64
# build under qemu-user. XC_SUFFIX: how btfs/app/crosscheck.sh names that architecture's builds.
ENC="$CP"
XC_SUFFIX=
if [ "$ARCH" = arm64 ]; then
	CP_A64=${COREPROBE_ARM64:-$REPO/coreprobe-aarch64}
	[ -x "$CP_A64" ] || die "$CP_A64 missing: build it first (make coreprobe-aarch64) or set COREPROBE_ARM64"
	ENC="qemu-aarch64-static $CP_A64"
	XC_SUFFIX=" (arm64)"
fi
command -v bpftool >/dev/null || die "bpftool missing"
command -v dpkg-source >/dev/null || die "dpkg-source missing (apt-get install dpkg-dev)"
if [ "$ARCH" = arm64 ]; then
	command -v aarch64-linux-gnu-gcc >/dev/null || die "aarch64-linux-gnu-gcc missing (apt-get install gcc-aarch64-linux-gnu)"
	dpkg --print-foreign-architectures | grep -qx arm64 || die "arm64 is not a dpkg architecture here (run scripts/setup.sh)"
	command -v qemu-aarch64-static >/dev/null || die "qemu-aarch64-static missing (apt-get install qemu-user-static)"
	sh "$REPO/btfs/app/arm64-deps.sh" || die "the arm64 -dev packages could not be installed (btfs/app/arm64-deps.sh, above)"
fi
mkdir -p "$CACHE/src" "$CACHE/debs" "$WORK"


# dsc_complete DSC: every file the .dsc lists is present with its SHA-256.
dsc_complete() {
	[ -f "$1" ] || return 1
	awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF == 3 { print $1 "  " $3 }' "$1" |
		(cd "$(dirname "$1")" && sha256sum -c --quiet >/dev/null 2>&1)
}

# candidates SOURCE-VERSION: that version, then the other listed source versions of the same
# Debian release (debNN), older ones nearest first, then newer ones nearest first.
candidates() {
	rel=$(echo "$1" | grep -o 'deb[0-9][0-9]*' | head -n 1)
	echo "$1"
	others=$(awk -v r="$rel" -v me="$1" 'index($2, r) && $2 != me { print $2 }' "$SOURCES")
	for v in $others; do dpkg --compare-versions "$v" lt "$1" && echo "$v" || true; done | sort_versions -r
	for v in $others; do dpkg --compare-versions "$v" gt "$1" && echo "$v" || true; done | sort_versions
}
# sort_versions [-r]: Debian version order (insertion sort through dpkg; the lists are short).
sort_versions() {
	sorted=""
	while read -r v; do
		out=""; placed=0
		for w in $sorted; do
			if [ $placed = 0 ] && dpkg --compare-versions "$v" lt "$w"; then out="$out $v"; placed=1; fi
			out="$out $w"
		done
		[ $placed = 1 ] || out="$out $v"
		sorted=$out
	done
	if [ "${1:-}" = -r ]; then printf '%s\n' $sorted | tac; else printf '%s\n' $sorted; fi | grep -v '^$' || true
}

# fetch_source "V1 V2": prints the first source version available (downloading it once).
fetch_source() {
	for v in $1; do
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

SSL_ACCESSORS="SSL_version SSL_get_rbio SSL_get_wbio SSL_get_session SSL_get_client_random
SSL_get_server_random SSL_get_current_cipher SSL_get_pending_cipher SSL_SESSION_get_master_key
SSL_SESSION_get0_cipher SSL_SESSION_get_protocol_version SSL_CIPHER_get_id SSL_is_server
SSL_get_state SSL_in_init SSL_get_SSL_CTX SSL_get_verify_result SSL_get_shutdown"
CRYPTO_ACCESSORS="BIO_next BIO_method_type BIO_get_data BIO_get_init BIO_get_shutdown
BIO_test_flags BIO_get_retry_reason BIO_number_read BIO_number_written BIO_get_callback_arg
BIO_get_callback"

void_typedefs() {
	bpftool btf dump file "$1" | awk '$2 == "TYPEDEF" && $4 == "type_id=0" { n++; s = s sep $3; sep = "," } END { printf "%d typedefs to void%s", n, n ? " (" s ")" : "" }'
}
typedef_target() { bpftool btf dump file "$1" | awk -v n="'$2'" '$2 == "TYPEDEF" && $3 == n { sub("type_id=", "", $4); print $4; exit }'; }
text_size() { echo $(( 0x$(readelf -SW "$1" | awk '{ sub(/^ *\[ *[0-9]+\] */, "") } $1 == ".text" { print $5; exit }') )); }

# The served builds and the listed sources: asked of apt now, or replayed from files.
SERVED_LIST=$WORK/served.txt
SOURCES=$WORK/sources.txt
if [ -n "${OPENSSL_SERVED:-}" ]; then
	cp "$OPENSSL_SERVED" "$SERVED_LIST.tmp"
else
	# shellcheck disable=SC2086
	sh "$HERE/../served.sh" --arch "$DEBARCH" $PACKAGES >"$SERVED_LIST.tmp" || die "cannot list the served builds (see above)"
fi
mv "$SERVED_LIST.tmp" "$SERVED_LIST"
# --only: the listed binary versions, each of which must be served.
LEFT_OUT=""
if [ -n "$ONLY" ]; then
	for v in $ONLY; do
		awk -v v="$v" '$2 == v { f = 1 } END { exit !f }' "$SERVED_LIST" || die "--only $v: not a served $ARCH build (served: $(awk '{ printf "%s ", $2 }' "$SERVED_LIST"))"
	done
	LEFT_OUT=$(awk -v only=" $ONLY " '!index(only, " " $2 " ") { printf "%s%s %s", sep, $1, $2; sep = ", " }' "$SERVED_LIST")
	awk -v only=" $ONLY " 'index(only, " " $2 " ")' "$SERVED_LIST" >"$SERVED_LIST.only"
	mv "$SERVED_LIST.only" "$SERVED_LIST"
fi
if [ -n "${OPENSSL_SOURCES:-}" ]; then
	cp "$OPENSSL_SOURCES" "$SOURCES.tmp"
else
	sh "$HERE/../served.sh" --sources openssl >"$SOURCES.tmp" || die "cannot list the served sources (see above)"
fi
mv "$SOURCES.tmp" "$SOURCES"
say "served builds: $(awk '{ printf "%s%s %s (%s)", sep, $1, $2, $3; sep = ", " }' "$SERVED_LIST")"

MANIFEST_TMP=$WORK/MANIFEST.tmp
LAYOUT_TMP=$WORK/LAYOUT.tmp
{
	if [ "$ARCH" = x86_64 ]; then
		echo "# Application BTF for Debian OpenSSL: written by btfs/app/openssl/build.sh, do not edit."
	else
		echo "# Application BTF for Debian OpenSSL ($ARCH): written by btfs/app/openssl/build.sh --arch $ARCH, do not edit."
	fi
	echo "# Blobs: ${OUTAPP#"$REPO"/}/libssl/<libssl build-id>.btf.xz, ${OUTAPP#"$REPO"/}/libcrypto/<libcrypto build-id>.btf.xz"
	echo "# (build-ids of the libraries in Debian's binary packages; raw BTF of every type in the rebuilt"
	echo "# libraries' DWARF from \`coreprobe btf dwarf\` (docs/dwarf.md; for arm64 the aarch64 build under"
	echo "# qemu-user, since coreprobe reads ELF files of its own machine only), xz -9)."
	echo "# Rebuilt on: Debian $(cat /etc/debian_version), $(gcc --version | head -n 1), $(ld --version | head -n 1),"
	echo "# dpkg-dev $(dpkg-query -W -f '${Version}' dpkg-dev), $("$CP" -V | sed "s/:.*//"), $(bpftool version 2>/dev/null | head -n 1)."
	echo "# Cross-check (btfs/app/crosscheck.sh, before the switch from pahole): the CO-RE relocations"
	echo "# libbpf makes for sslsniff against this BTF equal those against pahole 1.24's BTF of the same"
	echo "# DWARF (after the atomic->volatile rewrite pahole needed): every relocation line, type ids aside."
	echo "# Layout check: for versions whose rebuild is not bit-identical, the field displacements used"
	echo "# by small exported accessors are compared between Debian's binary and the rebuild (objdump)."
	[ -z "$LEFT_OUT" ] || echo "# Served but not built in this run (no blob): $LEFT_OUT."
} >"$MANIFEST_TMP"
: >"$LAYOUT_TMP"

while read -r binpkg binver suite srcname srcown <&3; do
	[ -n "$binpkg" ] || continue
	[ "$srcname" = openssl ] || die "$binpkg $binver: built from source $srcname, not openssl"
	label=${binver#*:}
	say "== OpenSSL $binpkg $label ($suite)"
	srcs=$(candidates "$srcown" | tr '\n' ' ')
	srcver=$(fetch_source "$srcs") || die "no source package for $binpkg $binver (tried: $srcs)"
	upstream=${srcver#*:}; upstream=${upstream%-*}
	if ! deb=$(fetch_deb "$binpkg" "$binver"); then
		say "$binpkg:$DEBARCH $binver is listed but apt-get download fails: no blob (noted in MANIFEST)"
		{
			echo
			echo "[$label]"
			echo "suite: $suite"
			echo "binary: $binpkg:$DEBARCH $binver: listed by apt, but the archive does not serve the .deb"
			echo "  (apt-get download fails): no Debian binary, so no build-id to key a blob by. Not built."
		} >>"$MANIFEST_TMP"
		continue
	fi

	# Debian's libraries (one directory per binary package version).
	D=$WORK/deb-${binpkg}_$label
	if [ "$(cat "$D/deb.stamp" 2>/dev/null)" != "$binver" ]; then
		rm -rf "$D"; mkdir -p "$D"; dpkg-deb -x "$deb" "$D/deb"; echo "$binver" >"$D/deb.stamp"
	fi
	dssl=$(ls "$D"/deb/usr/lib/$MULTIARCH/libssl.so.* 2>/dev/null | head -n 1)
	[ -n "$dssl" ] || die "$deb: no libssl.so.* in it"
	sover=${dssl##*/libssl.so.}
	dcrypto=$D/deb/usr/lib/$MULTIARCH/libcrypto.so.$sover
	[ -f "$dssl" ] && [ -f "$dcrypto" ] || die "$deb: libssl/libcrypto not found"
	dssl_id=$(build_id "$dssl"); dcrypto_id=$(build_id "$dcrypto")

	# The build tree: one per source version, shared by the binaries built from it.
	B=$WORK/src-${srcver#*:}
	mkdir -p "$B"

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
		rebuild_at "$S" /build/reproducible-path/openssl-$upstream "$B" "openssl $srcver" "libcrypto's embedded flags"
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
		dbg=$D/strip/${2#??}.debug
		mkdir -p "$D/strip"
		$OBJCOPY --only-keep-debug --compress-debug-sections "$3" "$dbg"
		$STRIP --remove-section=.comment --remove-section=.note --strip-unneeded -o "$D/strip/lib" "$3"
		$OBJCOPY --add-gnu-debuglink="$dbg" "$D/strip/lib"
		if cmp -s "$D/strip/lib" "$4"; then
			echo "yes: same build-id, and the dh_strip-style stripped copy is byte-identical to Debian's file"
		else
			# Byte positions (1-based) of the debuglink CRC in Debian's file.
			set -- "$@" $(readelf -SW "$4" | awk '{ sub(/^ *\[ *[0-9]+\] */, "") } $1 == ".gnu_debuglink" { print $4, $5 }')
			lo=$(( 0x$5 + 0x$6 - 3 )); hi=$(( 0x$5 + 0x$6 ))
			n=$(cmp -l "$D/strip/lib" "$4" 2>/dev/null | wc -l)
			out=$(cmp -l "$D/strip/lib" "$4" 2>/dev/null | awk -v lo=$lo -v hi=$hi '$1 < lo || $1 > hi' | wc -l)
			if [ "$(wc -c <"$D/strip/lib")" = "$(wc -c <"$4")" ] && [ "$out" = 0 ]; then
				echo "yes: same build-id; the dh_strip-style stripped copy equals Debian's file except the $n-byte .gnu_debuglink CRC (of Debian's dwz-processed debug file)"
			else
				echo "same build-id, but the stripped copy differs from Debian's file in $n bytes"
			fi
		fi
		rm -rf "$D/strip"
	}
	mkdir -p "$D/btf"
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
	accessor_check "$dssl" "$ossl" "$SSL_ACCESSORS" >"$D/accessors.txt"
	accessor_check "$dcrypto" "$ocrypto" "$CRYPTO_ACCESSORS" >>"$D/accessors.txt"
	nsame=$(grep -c ': same' "$D/accessors.txt" || true); ndiff=$(grep -c ': DIFF' "$D/accessors.txt" || true)
	perl "$HERE/layout.pl" "$label" "$rawssl" "$rawcrypto" "$S" >>"$LAYOUT_TMP"

	{
		echo
		echo "[$label]"
		echo "suite: $suite"
		echo "source: openssl $srcver (candidates tried in order: $srcs)"
		echo "binary: $binpkg $binver (libssl.so.$sover, libcrypto.so.$sover)"
		if [ "$srcver" != "$srcown" ]; then
			echo "note: built from source $srcver although the key is binary $binver (source $srcown): the"
			echo "  archive lists source $srcown but does not serve its files. Field offsets the accessors"
			echo "  below read are compared between Debian's $binver binary and this rebuild."
		fi
		case $ARCH/$srcver/$eq_ssl in arm64/*/no*)
			echo "note: not bit-identical: cross-compiled here with gcc-aarch64-linux-gnu ($(aarch64-linux-gnu-gcc --version | head -n 1)),"
			echo "  bookworm's dpkg-buildflags; Debian built it natively on arm64 in $suite (compiler lines"
			echo "  below). Same Configure and build path (build lines below); .text differs: libssl"
			echo "  $(text_size "$dssl") (Debian) vs $(text_size "$ossl") (rebuild), libcrypto $(text_size "$dcrypto") vs $(text_size "$ocrypto")"
			echo "  bytes. A same-build-id rebuild needs a native arm64 $suite toolchain (a qemu-user chroot),"
			echo "  not attempted. Evidence for the layout: same configuration, same exported symbols, the"
			echo "  accessor displacement check below, and the VM rows' key log equal to OpenSSL's own." ;;
		x86_64/"$srcown"/no*)
			echo "note: not bit-identical: rebuilt with bookworm's toolchain and dpkg-buildflags, Debian built"
			echo "  this for $suite (see the compiler lines: flags differ only where dpkg-buildflags/gcc of the"
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
		echo "cross-check: $(crosscheck_line "openssl-${srcver#*:}$XC_SUFFIX: sslsniff")"
		echo "btf libssl: raw $(fsize "$rawssl") bytes, xz $(fsize "$OUTAPP/libssl/$dssl_id.btf.xz") bytes -> ${OUTAPP#"$REPO"/}/libssl/$dssl_id.btf.xz"
		echo "btf libcrypto: raw $(fsize "$rawcrypto") bytes, xz $(fsize "$OUTAPP/libcrypto/$dcrypto_id.btf.xz") bytes -> ${OUTAPP#"$REPO"/}/libcrypto/$dcrypto_id.btf.xz"
		echo "exported symbols libssl (debian vs rebuild): $(sym_cmp "$dssl" "$ossl")"
		echo "exported symbols libcrypto (debian vs rebuild): $(sym_cmp "$dcrypto" "$ocrypto")"
		echo "accessor displacement check (debian vs rebuild): $nsame same, $ndiff different"
		cat "$D/accessors.txt"
	} >>"$MANIFEST_TMP"
done 3<"$SERVED_LIST"

mkdir -p "$MDIR"
mv "$MANIFEST_TMP" "$MDIR/MANIFEST"
mv "$LAYOUT_TMP" "$MDIR/LAYOUT"
say "done: $MDIR/MANIFEST, $MDIR/LAYOUT"
