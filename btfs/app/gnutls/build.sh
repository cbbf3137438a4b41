#!/bin/sh
# Application BTF for Debian's GnuTLS builds, keyed by the GNU build-id of the libgnutls.so.30
# that Debian ships.
#
# usage: btfs/app/gnutls/build.sh [--arch x86_64|arm64] [LABEL...]
#        (default: x86_64, or $ARCH; all versions below; idempotent)
# arm64: cross-compiled under "dpkg-architecture -aarm64" (debhelper passes --host, configure
#   finds aarch64-linux-gnu-gcc; pkg-config reads the arm64 .pc files of the :arm64 -dev
#   packages scripts/setup.sh installs), keyed by the build-id of Debian's arm64 library; blobs
#   in btfs/app-arm64/libgnutls/ and MANIFEST in btfs/app-arm64/gnutls/, which coreprobe-aarch64
#   embeds. The accessor check then reads arm64 code ([xN, #imm] operands).
#
# For each version in VERSIONS:
#  1. fetches the source package (apt-get source) into $CACHE/src and libgnutls30
#     (apt-get download) into $CACHE/debs, once;
#  2. rebuilds libgnutls as debian/rules does, by running the rules' own targets
#     (override_dh_autoreconf, override_dh_auto_configure: its CONFIGUREARGS, dh_auto_configure's
#     arguments, DEB_BUILD_MAINT_OPTIONS through dpkg-buildflags), as an arch-only build
#     (DH_INTERNAL_OPTIONS=-a, as the buildds do: no documentation) with the noguile profile
#     (guile-gnutls does not touch libgnutls), SOURCE_DATE_EPOCH from debian/changelog, then
#     "make" in b4deb/gl and b4deb/lib only. The tree is bind-mounted (root + unshare) on
#     /build/reproducible-path/gnutls28-UPSTREAM, the path Debian's buildds use, which
#     -ffile-prefix-map and the DWARF name;
#  3. encodes the BTF of every type in the rebuilt library's DWARF with coreprobe's own encoder
#     (`coreprobe btf dwarf`, docs/dwarf.md; COREPROBE=PATH, default the host build ./coreprobe:
#     `make coreprobe` first). Until this switch it was pahole on a copy with DW_TAG_atomic_type
#     rewritten (pahole 1.24 mishandles it); CROSSCHECK=FILE: btfs/app/crosscheck.sh's output
#     (this encoder's relocations against pahole's), quoted in MANIFEST per version;
#  4. writes btfs/app/libgnutls/<id>.btf.xz (xz -9 of the raw BTF; <id> = build-id of Debian's
#     libgnutls.so.30) and rewrites MANIFEST next to this script with the evidence: build-id
#     equality, else the field displacements of exported accessors compared (objdump) between
#     Debian's binary and the rebuild.
# Everything big lives in $CACHE/{src,debs,gnutls-build}. Needs (scripts/setup.sh): dpkg-dev, debhelper,
# dh-autoreconf, gcc, make, bison, gperf, nettle-dev, libp11-kit-dev, libtasn1-6-dev,
# libidn2-dev, libunistring-dev, libunbound-dev, libbrotli-dev, libzstd-dev, zlib1g-dev,
# bpftool, xz-utils, coreprobe (pahole, if installed, only reads the offsets MANIFEST records).
# GNUTLS_BUILD_WORK=DIR: the build directory (default $CACHE/gnutls-build).
# shellcheck disable=SC2046,SC2016,SC2086,SC2015
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
SELF=$HERE/$(basename "$0")
REPO=$(cd "$HERE/../../.." && pwd)
CACHE=${COREPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coreprobe}
JOBS=$(nproc 2>/dev/null || echo 2)
[ "$JOBS" -gt 2 ] && JOBS=2
ARCH=${ARCH:-x86_64}
if [ "${1:-}" = --arch ]; then
	[ $# -ge 2 ] || { echo "build.sh: --arch needs x86_64 or arm64" >&2; exit 2; }
	ARCH=$2; shift 2
fi
# Per architecture: Debian's name, the multiarch directory, the work tree, where blobs and
# MANIFEST go, the objdump that reads its code, and the wrapper a cross build runs under.
case $ARCH in
x86_64|amd64) ARCH=x86_64 DEBARCH=amd64 MULTIARCH=x86_64-linux-gnu WORK=$CACHE/gnutls-build
	OUTAPP=$REPO/btfs/app MDIR=$HERE OBJDUMP=objdump CROSS= ;;
arm64|aarch64) ARCH=arm64 DEBARCH=arm64 MULTIARCH=aarch64-linux-gnu WORK=$CACHE/gnutls-build-arm64
	OUTAPP=$REPO/btfs/app-arm64 MDIR=$REPO/btfs/app-arm64/gnutls OBJDUMP=aarch64-linux-gnu-objdump
	CROSS="dpkg-architecture -a$DEBARCH -c env PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig" ;;
*) echo "build.sh: ARCH=$ARCH: x86_64 or arm64" >&2; exit 2 ;;
esac
WORK=${GNUTLS_BUILD_WORK:-$WORK}

# LABEL SUITE SOURCE-VERSION BINARY-PACKAGE BINARY-VERSION (trixie's package is the 64-bit
# time_t rename, libgnutls30t64)
VERSIONS="
3.7.9 bookworm 3.7.9-2+deb12u7 libgnutls30 3.7.9-2+deb12u7
3.7.1 bullseye 3.7.1-5+deb11u5 libgnutls30 3.7.1-5+deb11u5
3.7.1u10 bullseye-security 3.7.1-5+deb11u10 libgnutls30 3.7.1-5+deb11u10
3.8.9 trixie 3.8.9-3+deb13u4 libgnutls30t64 3.8.9-3+deb13u4
"

# x86-64: a lea with an index register is arithmetic (gcc 12 computes x*9+3 in gnutls_kx_get as
# lea 0x3(%rax,%rax,8) where bullseye's gcc 10 did not), not a field: disp_set leaves it out
DISP_EXCLUDE='\slea\s.*\(%r[a-z0-9]*,%r'
# shellcheck source=btfs/app/lib.sh
. "$HERE/../lib.sh"

# ---------------------------------------------------------------------------------------------
# Inner mode: run inside the (bind-mounted) source tree; builds b4deb/lib/.libs/libgnutls.so.30.
if [ "${1:-}" = --inner ]; then
	out=$2
	SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -STimestamp)
	DEB_BUILD_PROFILES=noguile
	DEB_BUILD_OPTIONS="nocheck parallel=$JOBS"
	DH_INTERNAL_OPTIONS=-a
	# without gnutls-doc bookworm's rules run autoreconf so; bullseye's (3.7.1) do not, and
	# would need gtk-doc-tools only to set up documentation that is not built
	GTKDOCIZE="echo DISABLED running gtkdocize"
	export SOURCE_DATE_EPOCH DEB_BUILD_PROFILES DEB_BUILD_OPTIONS DH_INTERNAL_OPTIONS GTKDOCIZE
	{
		echo "build_path=$(pwd -P)"
		echo "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH"
		echo "DEB_BUILD_PROFILES=$DEB_BUILD_PROFILES"
		echo "DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS"
	} >"$out/build.env"
	# configure once per unpacked tree (b4deb/.configured), then make
	if [ ! -f b4deb/.configured ]; then
		rm -rf b4deb
		debian/rules override_dh_autoreconf
		debian/rules override_dh_auto_configure
		touch b4deb/.configured
	fi
	grep -m1 '^  \$ ' b4deb/config.log | sed 's/^  \$ /configure=/' >>"$out/build.env"
	sed -n 's/^CFLAGS = /CFLAGS=/p; s/^CPPFLAGS = /CPPFLAGS=/p; s/^LDFLAGS = /LDFLAGS=/p' b4deb/lib/Makefile >>"$out/build.env"
	# configure's warning set includes -fanalyzer (gcc's static analyzer: diagnostics only, no
	# effect on the code, but it made the build ~15x slower here: 18 objects in 4 minutes).
	# Dropped; gcc records its options in DW_AT_producer, so the build-id cannot be Debian's
	# (the layout evidence in MANIFEST stands instead).
	warn=$(sed -n 's/^WARN_CFLAGS = //p' b4deb/lib/Makefile | sed 's/-fanalyzer//')
	echo "WARN_CFLAGS without -fanalyzer" >>"$out/build.env"
	make -C b4deb/gl -j"$JOBS" WARN_CFLAGS="$warn"
	make -C b4deb/lib -j"$JOBS" WARN_CFLAGS="$warn"
	exit 0
fi

# ---------------------------------------------------------------------------------------------
CP=${COREPROBE:-$REPO/coreprobe}
[ -x "$CP" ] || die "$CP missing: build the host coreprobe first (make coreprobe) or set COREPROBE"
# The encoder reads ELF files of its own machine only: arm64 goes through the aarch64 build
# under qemu-user.
ENC="$CP"
if [ "$ARCH" = arm64 ]; then
	CP_A64=${COREPROBE_ARM64:-$REPO/coreprobe-aarch64}
	[ -x "$CP_A64" ] || die "$CP_A64 missing: build it first (make coreprobe-aarch64) or set COREPROBE_ARM64"
	command -v qemu-aarch64-static >/dev/null || die "qemu-aarch64-static missing (apt-get install qemu-user-static)"
	ENC="qemu-aarch64-static $CP_A64"
	sh "$REPO/btfs/app/arm64-deps.sh" || die "the arm64 -dev packages could not be installed (btfs/app/arm64-deps.sh, above)"
fi
command -v bpftool >/dev/null || die "bpftool missing"
command -v dh >/dev/null || die "debhelper missing (apt-get install debhelper dh-autoreconf)"
mkdir -p "$CACHE/src" "$CACHE/debs" "$WORK"

# fetch_source VERSION: prints the .dsc to unpack. When the archive serves every file but the
# upstream signature (trixie's 3.8.9: gnutls28_3.8.9.orig.tar.xz.asc is 404), the files the
# .dsc lists are checked against its SHA-256 lines and a copy of it without the .asc lines is
# unpacked with dpkg-source --no-check (recorded in MANIFEST as "source check").
fetch_source() {
	dsc=$CACHE/src/gnutls28_$1.dsc
	if [ ! -f "$dsc.ok" ]; then
		(cd "$CACHE/src" && apt-get source -qq --download-only "gnutls28=$1") >/dev/null 2>&1 && touch "$dsc.ok"
	fi
	if [ -f "$dsc.ok" ]; then echo "$dsc"; return; fi
	[ -f "$dsc" ] || die "apt-get source gnutls28=$1 failed (check apt-cache showsrc gnutls28)"
	sums=$(awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF == 3 && $3 !~ /\.asc$/ { print $1 "  " $3 }' "$dsc")
	(cd "$CACHE/src" && echo "$sums" | sha256sum -c --quiet) >/dev/null 2>&1 ||
		die "gnutls28=$1: files missing or not matching the .dsc's SHA-256"
	mkdir -p "$CACHE/src/noasc"
	grep -v '\.asc$' "$dsc" >"$CACHE/src/noasc/$(basename "$dsc")"
	for f in $(echo "$sums" | awk '{ print $2 }'); do ln -sf "$CACHE/src/$f" "$CACHE/src/noasc/$f"; done
	echo "$CACHE/src/noasc/$(basename "$dsc")"
}
# Accessors reading the session fields the BPF program reads or that sit next to them
# (gnutls_prf_rfc5705: key.proto.tls13.ap_expkey; gnutls_deinit: the key.proto wipe).
ACCESSORS="gnutls_protocol_get_version gnutls_prf_hash_get gnutls_cipher_get gnutls_mac_get
gnutls_kx_get gnutls_session_is_resumed gnutls_session_get_flags gnutls_transport_get_int
gnutls_transport_get_ptr gnutls_session_get_ptr gnutls_record_get_max_size gnutls_handshake_get_last_in
gnutls_handshake_get_last_out gnutls_session_get_random gnutls_session_get_master_secret
gnutls_early_cipher_get gnutls_early_prf_hash_get gnutls_record_get_state gnutls_session_get_keylog_function
gnutls_session_etm_status gnutls_session_ext_master_secret_status gnutls_certificate_type_get2
gnutls_group_get gnutls_record_check_pending gnutls_transport_get_int2 gnutls_session_channel_binding
gnutls_prf_rfc5705 gnutls_prf_early gnutls_session_key_update gnutls_deinit"
# field_offsets BTF: the offsets (from the BTF, hex) of what bpf/sslsniff.bpf.c reads, as
# pahole's BTF reader prints them (a second reader of the encoder's output; optional).
field_offsets() {
	command -v pahole >/dev/null || { echo "(pahole not installed: not read) "; return; }
	pahole --hex -C gnutls_session_int "$1" 2>/dev/null | awk '$NF == "*/" && / (security_parameters|key);/ { n = $2; sub(/;/, "", n); print n "=" $(NF-2) }' | tr '\n' ' '
	pahole --hex -C security_parameters_st "$1" 2>/dev/null | awk '$NF == "*/" && / \*? ?(prf|master_secret\[48\]|client_random\[32\]|pversion);/ { n = $0; sub(/;.*/, "", n); sub(/.*[ *]/, "", n); print "security_parameters." n "=" $(NF-2) }' | tr '\n' ' '
	# the secrets from the session expanded (-E), less key's offset: looking up gnutls_key_st by
	# name finds its typedef first when the typedef comes first in the BTF
	pahole --hex -E -C gnutls_session_int "$1" 2>/dev/null | perl -ne 'if (/^\t\} key; \/\* (0x[0-9a-f]+)/) { $k = hex $1 } if (/ (e_ckey|hs_ckey|hs_skey|ap_ckey|ap_skey|ap_expkey)\[64\]; \/\* (0x[0-9a-f]+)/) { push @o, [$1, hex $2] } END { printf "key.proto.tls13.%s=key+0x%x ", $_->[0], $_->[1] - $k for @o }'
}

only="$*"
MANIFEST_TMP=$WORK/MANIFEST.tmp
{
	if [ "$ARCH" = x86_64 ]; then
		echo "# Application BTF for Debian GnuTLS: written by btfs/app/gnutls/build.sh, do not edit."
	else
		echo "# Application BTF for Debian GnuTLS ($ARCH): written by btfs/app/gnutls/build.sh --arch $ARCH, do not edit."
		echo "# Cross-compiled here: $(aarch64-linux-gnu-gcc --version | head -n 1); Debian built natively on arm64."
	fi
	echo "# Blobs: ${OUTAPP#"$REPO"/}/libgnutls/<build-id of Debian's libgnutls.so.30>.btf.xz (raw BTF of every"
	echo "# type in the rebuilt library's DWARF from \`coreprobe btf dwarf\` (docs/dwarf.md; for arm64 the"
	echo "# aarch64 build under qemu-user), xz -9; the embedding step minimizes it against the BPF objects)."
	echo "# Rebuilt on: Debian $(cat /etc/debian_version), $(gcc --version | head -n 1), $(ld --version | head -n 1),"
	echo "# dpkg-dev $(dpkg-query -W -f '${Version}' dpkg-dev), debhelper $(dpkg-query -W -f '${Version}' debhelper), $("$CP" -V | sed "s/:.*//")."
	echo "# Cross-check (btfs/app/crosscheck.sh, before the switch from pahole): the CO-RE relocations"
	echo "# libbpf makes for sslsniff against this BTF equal those against pahole 1.24's BTF of the same"
	echo "# DWARF (after the atomic->volatile rewrite pahole needed): every relocation line, type ids aside."
} >"$MANIFEST_TMP"

echo "$VERSIONS" | while read -r label suite srcver binpkg binver; do
	[ -n "$label" ] || continue
	if [ -n "$only" ]; then case " $only " in *" $label "*) ;; *) continue ;; esac; fi
	say "== GnuTLS $label ($suite)"
	B=$WORK/$label
	mkdir -p "$B"
	dsc=$(fetch_source "$srcver")
	deb=$(fetch_deb "$binpkg" "$binver") || die "apt-get download $binpkg=$binver failed (check apt-cache madison $binpkg)"
	upstream=${srcver%-*}
	if [ "$(cat "$B/deb.stamp" 2>/dev/null)" != "$binver" ]; then
		rm -rf "$B/deb"; dpkg-deb -x "$deb" "$B/deb"; echo "$binver" >"$B/deb.stamp"
	fi
	dlib=$(ls "$B"/deb/usr/lib/$MULTIARCH/libgnutls.so.30.* | head -n 1)
	[ -f "$dlib" ] || die "$deb: libgnutls.so.30 not found"
	did=$(build_id "$dlib")

	S=$B/gnutls28-$upstream
	if [ "$(cat "$B/unpack.stamp" 2>/dev/null)" != "$srcver" ] || [ ! -d "$S" ]; then
		rm -rf "$B"/gnutls28-* "$B/built.stamp"
		case $dsc in */noasc/*) chk=--no-check ;; *) chk= ;; esac
		dpkg-source $chk --no-copy -x "$dsc" "$S.tmp" >"$B/unpack.log" 2>&1 || die "dpkg-source -x failed (see $B/unpack.log)"
		mv "$S.tmp" "$S"
		echo "$srcver" >"$B/unpack.stamp"
	fi
	olib=$(ls "$S"/b4deb/lib/.libs/libgnutls.so.30.* 2>/dev/null | head -n 1 || true)
	if [ "$(cat "$B/built.stamp" 2>/dev/null)" != "$srcver" ] || [ ! -f "$olib" ]; then
		rebuild_at "$S" /build/reproducible-path/gnutls28-$upstream "$B" "gnutls28 $srcver" "the DWARF"
		echo "$srcver" >"$B/built.stamp"
		olib=$(ls "$S"/b4deb/lib/.libs/libgnutls.so.30.* | head -n 1)
	fi
	oid=$(build_id "$olib")

	raw=$B/libgnutls.dwarf.btf	# (libgnutls.btf: pahole's, from before the switch)
	if [ ! -f "$raw" ] || [ "$olib" -nt "$raw" ] || [ "$CP" -nt "$raw" ]; then
		say "coreprobe btf dwarf $(basename "$olib")"
		btf_of "$olib" "$raw" "$B/btf.dwarf.log"
	fi
	n=$(count_struct "$raw" gnutls_session_int); [ "$n" = 1 ] || die "$raw: $n STRUCT 'gnutls_session_int' (want 1)"
	blob=$OUTAPP/libgnutls/$did.btf.xz
	install_blob "$raw" "$blob"
	accessor_check "$dlib" "$olib" "$ACCESSORS" >"$B/accessors.txt"
	nsame=$(grep -c ': same' "$B/accessors.txt" || true); ndiff=$(grep -c ': DIFF' "$B/accessors.txt" || true)
	if [ "$did" = "$oid" ]; then eq="yes (same build-id)"; else eq="no (different build-id)"; fi
	{
		echo
		echo "[$label]"
		echo "suite: $suite"
		echo "source: gnutls28 $srcver"
		case $dsc in */noasc/*) echo "source check: the archive does not serve the upstream signature (.asc, 404); the other files match the .dsc's SHA-256, unpacked with dpkg-source --no-check" ;; esac
		echo "binary: $binpkg $binver ($(basename "$dlib"))"
		echo "debian build-id:  $did"
		echo "rebuild build-id: $oid"
		echo "identical: $eq"
		sed 's/^/build /' "$B/build.env"
		echo "make: b4deb/gl b4deb/lib; build wall time: $(cat "$B/build.seconds")s with -j$JOBS (autoreconf, configure, make)"
		echo "btf dwarf: $(sed 's/^[^:]*: //; s/ in [^ ]* (/ (/; s/, [0-9.]* ms$//' "$B/btf.dwarf.log")"
		echo "cross-check: $(crosscheck_line "gnutls-$label: sslsniff")"
		echo "offsets in this build's BTF: $(field_offsets "$raw")(the TLS 1.3 secrets 64 bytes each)"
		echo "btf: raw $(fsize "$raw") bytes, xz $(fsize "$blob") bytes -> ${OUTAPP#"$REPO"/}/libgnutls/$did.btf.xz"
		echo "exported symbols (debian vs rebuild): $(sym_cmp "$dlib" "$olib")"
		echo "accessor displacement check (debian vs rebuild): $nsame same, $ndiff different"
		cat "$B/accessors.txt"
	} >"$B/manifest.txt"
done

# every version built so far (a run for one label keeps the others' sections)
echo "$VERSIONS" | while read -r label _; do
	if [ -n "$label" ] && [ -f "$WORK/$label/manifest.txt" ]; then cat "$WORK/$label/manifest.txt" >>"$MANIFEST_TMP"; fi
done
mkdir -p "$MDIR"
mv "$MANIFEST_TMP" "$MDIR/MANIFEST"
say "done: $MDIR/MANIFEST"
