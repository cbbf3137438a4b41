#!/bin/sh
# Produces a BTFhub-layout archive of Debian kernel BTF from the kernel packages themselves.
#
# usage: btfs/kernel/fetch-debian.sh ARCHIVE [LIST]
#   LIST (default btfs/kernel/debian.list): "DISTRO VERSION_ID ARCH PACKAGE=VERSION" lines;
#   ARCH is BTFhub's x86_64 or arm64. MKSTORE (environment) is the build host's build/mkstore,
#   needed for arm64: its Image is a raw memory image, not an ELF file (see image_btf there).
# For each kernel it writes
#   ARCHIVE/DISTRO/VERSION_ID/ARCH/RELEASE.btf          raw vmlinux BTF (from the image's .BTF)
#   ARCHIVE/DISTRO/VERSION_ID/ARCH/RELEASE.buildid      the image's GNU build-id (hex)
#   ARCHIVE/DISTRO/VERSION_ID/ARCH/RELEASE.modules/M.btf  split BTF of each module in modules.list
# Packages are downloaded once into $COREPROBE_CACHE/debs (also used by the VM tests); the
# archive entries are rebuilt only when missing.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ARCHIVE=${1:?usage: $0 ARCHIVE [LIST]}
LIST=${2:-$HERE/debian.list}
MODULES=$(grep -v '^#' "$HERE/modules.list" | tr '\n' ' ')
CACHE=${COREPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coreprobe}
DEBS=$CACHE/debs
mkdir -p "$ARCHIVE" "$DEBS"

die() { echo "fetch-debian: $*" >&2; exit 1; }

# deb_path PACKAGE=VERSION: download once, print the .deb's path.
deb_path() {
	pkg=${1%%=*}; ver=${1#*=}
	f=$(ls "$DEBS/${pkg}_${ver#*:}_"*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$f" ]; then
		(cd "$DEBS" && apt-get download -qq "$1" >/dev/null 2>&1) ||
			die "apt-get download $1 failed: run scripts/setup.sh, or pick a version that 'apt-cache madison $pkg' lists"
		f=$(ls "$DEBS/${pkg}_${ver#*:}_"*.deb | head -n 1)
	fi
	echo "$f"
}

# decompress_bzimage VMLINUZ OUT: the compressed kernel starts at (setup_sects+1)*512 +
# payload_offset (x86 boot protocol setup header); its format is known by its magic.
decompress_bzimage() {
	set -- "$1" "$2" $(od -An -tu1 -j 497 -N1 "$1") $(od -An -tu4 -j 584 -N8 "$1")
	ss=$3; [ "$ss" = 0 ] && ss=4
	start=$(( (ss + 1) * 512 + $4 ))
	case $(od -An -tx1 -j "$start" -N4 "$1" | tr -d ' \n') in
	fd377a58) dec="xz -dc" ;;
	02214c18) dec="lz4 -dc" ;;
	28b52ffd) dec="zstd -dc" ;;
	1f8b*) dec="gzip -dc" ;;
	*) die "$1: unknown kernel compression" ;;
	esac
	# The decompressors complain about the trailer after the stream (size words, relocations);
	# the result is judged by whether it is a whole ELF with a .BTF section instead.
	tail -c +$((start + 1)) "$1" | head -c "$5" | $dec >"$2" 2>/dev/null || true
}

# kernel_btf IMAGE OUTBTF: the BTF and (printed) build-id of a kernel image: an x86 bzImage is
# decompressed into the ELF vmlinux; an arm64 Image (gzip'd or not) is the kernel's raw memory
# image, in which mkstore finds the .BTF and .notes contents.
kernel_btf() {
	if [ "$(od -An -c -j 514 -N4 "$1" | tr -d ' ')" = HdrS ]; then
		decompress_bzimage "$1" "$tmp/vmlinux"
		llvm-objcopy --dump-section .BTF="$2" "$tmp/vmlinux" /dev/null 2>/dev/null ||
			die "$pkgver: no .BTF section in the kernel image (kernel built without CONFIG_DEBUG_INFO_BTF?)"
		build_id "$tmp/vmlinux"
		return
	fi
	img=$1
	if [ "$(od -An -tx1 -N2 "$1" | tr -d ' ')" = 1f8b ]; then
		gzip -dc "$1" >"$tmp/Image" || die "$pkgver: cannot gunzip the kernel image"
		img=$tmp/Image
	fi
	# arm64 boot header: "ARM\x64" at offset 56
	[ "$(od -An -tx1 -j 56 -N4 "$img" | tr -d ' ')" = 41524d64 ] || die "$pkgver: neither a bzImage nor an arm64 Image"
	[ -x "${MKSTORE:-}" ] || die "MKSTORE (build/mkstore) is needed to read an arm64 Image"
	"$MKSTORE" image-btf "$img" "$2" || die "$pkgver: no unambiguous kernel BTF in the Image (CONFIG_DEBUG_INFO_BTF?)"
	"$MKSTORE" image-build-id "$img"
}

build_id() { readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'; }

grep -v '^#' "$LIST" | while read -r distro ver arch pkgver; do
	[ -n "$distro" ] || continue
	pkg=${pkgver%%=*}
	release=${pkg#linux-image-}
	release=${release%-unsigned}	# arm64: the unsigned image package carries the kernel
	dir=$ARCHIVE/$distro/$ver/$arch
	[ -s "$dir/$release.btf" ] && [ -s "$dir/$release.buildid" ] && continue
	mkdir -p "$dir/$release.modules"
	deb=$(deb_path "$pkgver")
	tmp=$(mktemp -d "$CACHE/kx.XXXXXX")
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./boot
	bid=$(kernel_btf "$tmp/boot/vmlinuz-$release" "$dir/$release.btf")
	[ -n "$bid" ] || die "$pkgver: kernel image has no GNU build-id"
	echo "$bid" >"$dir/$release.buildid"
	for m in $MODULES; do
		ko=$(dpkg-deb -c "$deb" | awk -v m="/$m.ko" 'index($6, m) { print $6 }' | head -n 1)
		[ -n "$ko" ] || continue
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "$ko"
		case $ko in *.xz) xz -dc "$tmp/$ko" >"$tmp/$m.ko" ;; *.zst) zstd -qdc "$tmp/$ko" >"$tmp/$m.ko" ;; *) cp "$tmp/$ko" "$tmp/$m.ko" ;; esac
		llvm-objcopy --dump-section .BTF="$dir/$release.modules/$m.btf" "$tmp/$m.ko" /dev/null 2>/dev/null || true
	done
	rm -rf "$tmp"
	echo "fetch-debian: $distro/$ver/$arch/$release ($(wc -c <"$dir/$release.btf") bytes BTF, build-id $bid)" >&2
done
