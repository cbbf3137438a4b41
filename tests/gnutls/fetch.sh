#!/bin/sh
# Runtime fixtures for the GnuTLS tests: Debian's own binaries, unpacked into private roots
# under $CACHE/gnutls/<label>/. Nothing is built and nothing is installed into the system.
#
# usage: tests/gnutls/fetch.sh [LABEL...]   (default: all)
#
#   3.8.9           trixie's gnutls-cli with trixie's libgnutls30t64 3.8.9-3+deb13u4 and the
#                   trixie libraries it needs, its own libc and loader: root/ and a wrapper
#                   `run PROGRAM [ARGS...]` (the root's ld.so invoked directly, --library-path
#                   into root/; what the root does not hold, libunbound8 for libgnutls-dane,
#                   comes from the host's directories, which that loader searches last).
#   3.7.1-foreign   the "GnuTLS build without a blob" case: coreprobe embeds a blob for every
#                   libgnutls30 build Debian serves, so a build it cannot know is made the way a
#                   local or vendor rebuild differs: bullseye-security's libgnutls30
#                   3.7.1-5+deb11u10 with its GNU build-id inverted (every byte of the note,
#                   nothing else touched; ld.so ignores it), as tests/openssl/fetch.sh makes
#                   3.0.22-foreign. lib/ holds the library; bookworm's wget runs on it with
#                   LD_LIBRARY_PATH.
# Packages are downloaded once into $CACHE/debs; a root is re-extracted when its list changes.
# shellcheck disable=SC2012,SC2086
set -eu

CACHE=${COREPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coreprobe}
DEBS=$CACHE/debs
OUT=$CACHE/gnutls
MA=x86_64-linux-gnu

V389=3.8.9-3+deb13u4
ROOTS="
3.8.9 gnutls-bin=$V389 libgnutls30t64=$V389 libgnutls-dane0t64=$V389 libc6=2.41-12+deb13u5 libnettle8t64=3.10.1-1 libhogweed6t64=3.10.1-1 libunistring5=1.3-2 libp11-kit0=0.25.5-3 libidn2-0=2.3.8-2 libtasn1-6=4.20.0-2+deb13u1 libgmp10=2:6.3.0+dfsg-3 libffi8=3.4.8-2
3.7.1-foreign libgnutls30=3.7.1-5+deb11u10
"

die() { echo "gnutls/fetch.sh: $*" >&2; exit 1; }
build_id() { readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'; }

# deb_path PACKAGE=VERSION: downloaded once into $DEBS (an epoch "E:" is "E%3a" in the name).
# This machine's architecture or "all" only: $DEBS is shared, and the arm64 tests keep arm64
# builds of the same packages and versions there.
ARCH=$(dpkg --print-architecture)
deb_of() { ls "$DEBS/${1}_${2}_$ARCH.deb" "$DEBS/${1}_${2}_all.deb" 2>/dev/null | head -n 1 || true; }
deb_path() {
	pkg=${1%%=*}; ver=$(echo "${1#*=}" | sed "s/:/%3a/")
	f=$(deb_of "$pkg" "$ver")
	if [ -z "$f" ]; then
		(cd "$DEBS" && apt-get download -qq "$pkg:$ARCH=${1#*=}" >/dev/null 2>&1) ||
			(cd "$DEBS" && apt-get download -qq "$1" >/dev/null 2>&1) ||
			die "apt-get download $1 failed: run scripts/setup.sh (it configures trixie and bullseye-security), or check 'apt-cache madison $pkg'"
		f=$(deb_of "$pkg" "$ver")
		[ -n "$f" ] || die "$1 downloaded but not found in $DEBS"
	fi
	echo "$f"
}

# foreign_build_id LIB: inverts the bytes of LIB's GNU build-id in place (the id occurs once).
foreign_build_id() {
	old=$(build_id "$1"); [ -n "$old" ] || die "$1: no build-id"
	new=$(echo "$old" | perl -ne 'chomp; print unpack("H*", ~pack("H*", $_))')
	perl -0777 -pi -e 'BEGIN { $o = pack("H*", shift); $n = pack("H*", shift) }
		my $c = () = /\Q$o\E/g; die "build-id occurs $c times\n" unless $c == 1; s/\Q$o\E/$n/' "$old" "$new" "$1" ||
		die "$1: cannot rewrite the build-id"
	[ "$(build_id "$1")" = "$new" ] || die "$1: build-id rewrite did not take"
}

write_run() { # DIR
	root=$1/root
	ldso=$root/usr/lib/$MA/ld-linux-x86-64.so.2
	[ -e "$ldso" ] || ldso=$root/lib/$MA/ld-linux-x86-64.so.2
	[ -e "$ldso" ] || die "$root: no ld-linux-x86-64.so.2"
	cat >"$1/run.tmp" <<EOF
#!/bin/sh
# Written by tests/gnutls/fetch.sh: runs PROGRAM (a path, or a name in root/usr/bin) with the
# loader and libraries of $root.
prog=\${1:?usage: \$0 PROGRAM [ARGS...]}
shift
case \$prog in */*) ;; *) prog=$root/usr/bin/\$prog ;; esac
exec $ldso --inhibit-cache --library-path $root/usr/lib/$MA:$root/lib/$MA "\$prog" "\$@"
EOF
	chmod 755 "$1/run.tmp"
	mv "$1/run.tmp" "$1/run"
}

mkdir -p "$DEBS" "$OUT"
only="$*"
echo "$ROOTS" | while read -r label pkgs; do
	[ -n "$label" ] || continue
	if [ -n "$only" ]; then case " $only " in *" $label "*) ;; *) continue ;; esac; fi
	dir=$OUT/$label
	mkdir -p "$dir"
	debs=""
	for p in $pkgs; do debs="$debs $(deb_path "$p")"; done
	if [ "$(cat "$dir/root.stamp" 2>/dev/null)" = "$debs" ] && [ -d "$dir/root" ]; then continue; fi
	rm -rf "$dir/root" "$dir/root.tmp" "$dir/lib"
	mkdir -p "$dir/root.tmp"
	for d in $debs; do dpkg-deb -x "$d" "$dir/root.tmp"; done
	case $label in
	*-foreign)
		for lib in "$dir/root.tmp/usr/lib/$MA"/libgnutls.so.30.*; do foreign_build_id "$lib"; done ;;
	esac
	mv "$dir/root.tmp" "$dir/root"
	case $label in
	*-foreign) ln -s root/usr/lib/$MA "$dir/lib" ;;
	*) write_run "$dir" ;;
	esac
	echo "$debs" >"$dir/root.stamp"
done
