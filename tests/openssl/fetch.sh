#!/bin/sh
# Runtime fixtures for the OpenSSL tests: Debian's own binaries of each OpenSSL version coreprobe
# has BTF for (btfs/app/openssl/build.sh), unpacked into private roots. Nothing is built and
# nothing is installed into the system.
#
# usage: tests/openssl/fetch.sh [--arch arm64] [--no-tls]
#
# --arch arm64: Debian's arm64 builds for the arm64 test VMs (tests/vm/cases/70-sslsniff.sh),
# under $CACHE/openssl-arm64/<version>/, blobs looked up in btfs/app-arm64. Their `run` wrapper
# names the VM's loader (/lib/ld-linux-aarch64.so.1, the bookworm glibc of
# tests/vm/arm64-debs.list) or the root's own; here, on x86_64, the roots are checked through
# qemu-aarch64-static (the loader's --list, `openssl version`); no TLS sessions (the VMs run
# them).
#
# For each version it writes, under $CACHE/openssl/<version>/:
#   root/   the extracted packages (libraries, /usr/bin/openssl, and for suites newer than the
#           host their own libc and the other libraries they need);
#   run     a wrapper: `run PROGRAM [ARGS...]` runs PROGRAM (a path, or a name in root/usr/bin)
#           through a dynamic loader invoked directly with --library-path pointing into root/,
#           OPENSSL_CONF/OPENSSL_MODULES/OPENSSL_ENGINES pointing into root/ too. Versions whose
#           suite is not newer than the host use the host's loader and libc; trixie uses its own.
# Then it checks each root (the loader's --list shows where every library comes from), runs a
# TLS 1.2 and a TLS 1.3 session between `run openssl s_server` and `run openssl s_client` with
# key logging, shows which libssl the running server has mapped, and prints a table of the
# libssl/libcrypto build-ids with whether btfs/app/lib{ssl,crypto}/<build-id>.btf.xz exists.
# Packages are downloaded once into $CACHE/debs; a root is re-extracted only when its package
# list changes. --no-tls skips the TLS sessions.
# shellcheck disable=SC2012,SC2086
set -eu

die() { echo "fetch.sh: $*" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${COREPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coreprobe}
DEBS=$CACHE/debs
OUT=$CACHE/openssl
TLS=1 ARCH=x86_64
while [ $# -gt 0 ]; do
	case $1 in
	--no-tls) TLS=0; shift ;;
	--arch) [ $# -ge 2 ] || { echo "fetch.sh: --arch needs x86_64 or arm64" >&2; exit 2; }; ARCH=$2; shift 2 ;;
	*) echo "usage: fetch.sh [--arch x86_64|arm64] [--no-tls]" >&2; exit 2 ;;
	esac
done
# LDSO: the loader's file name; RUNNER: what runs the architecture's programs here.
case $ARCH in
x86_64|amd64) ARCH=x86_64 MULTIARCH=x86_64-linux-gnu LDSO=ld-linux-x86-64.so.2 HOST_LDSO=/lib64/ld-linux-x86-64.so.2
	DEBARCH=amd64 RUNNER='' APPBTF=$REPO/btfs/app ;;
arm64|aarch64) ARCH=arm64 MULTIARCH=aarch64-linux-gnu LDSO=ld-linux-aarch64.so.1 HOST_LDSO=/lib/ld-linux-aarch64.so.1
	DEBARCH=arm64 RUNNER=qemu-aarch64-static APPBTF=$REPO/btfs/app-arm64 OUT=$CACHE/openssl-arm64 TLS=0
	command -v qemu-aarch64-static >/dev/null || die "qemu-aarch64-static missing (apt-get install qemu-user-static)"
	[ -e "$HOST_LDSO" ] || die "$HOST_LDSO missing: Debian's libc6:arm64 (scripts/setup.sh installs it) stands in for the VM's" ;;
*) echo "fetch.sh: --arch $ARCH: x86_64 or arm64" >&2; exit 2 ;;
esac

# VERSION LOADER PACKAGE=VERSION...   (LOADER: host = the host's ld.so and libc; root = the
# loader and libc extracted into the root). Versions pinned to what the archive serves; the
# library packages are among the builds btfs/app/openssl/build.sh embeds BTF for (a -debNNuM
# label: a security update of the same upstream version).
# 3.0.22-foreign is the "OpenSSL build without a blob" case (plaintext only, a warning, no keys):
# coreprobe embeds a blob for every build Debian serves, so a build it cannot know is made here
# the way a local or vendor rebuild differs: Debian's 3.0.22 libraries with another build-id
# (every byte of the GNU build-id note inverted, nothing else touched; ld.so ignores it).
VERSIONS="
1.1.1w host openssl=1.1.1w-0+deb11u1 libssl1.1=1.1.1w-0+deb11u1
1.1.1w-deb11u8 host openssl=1.1.1w-0+deb11u8 libssl1.1=1.1.1w-0+deb11u8
3.0.20 host openssl=3.0.20-1~deb12u2 libssl3=3.0.20-1~deb12u2
3.0.22 host openssl=3.0.22-1~deb12u2 libssl3=3.0.22-1~deb12u2
3.0.22-foreign host openssl=3.0.22-1~deb12u2 libssl3=3.0.22-1~deb12u2
3.5.9 root openssl=3.5.9-1~deb13u1 libssl3t64=3.5.9-1~deb13u1 openssl-provider-legacy=3.5.9-1~deb13u1 libc6=2.41-12+deb13u5 libgcc-s1=14.2.0-19 libzstd1=1.5.7+dfsg-1 zlib1g=1:1.3.dfsg+really1.3.1-1+deb13u1
3.5.7 root openssl=3.5.7-1~deb13u3 libssl3t64=3.5.7-1~deb13u3 openssl-provider-legacy=3.5.7-1~deb13u3 libc6=2.41-12+deb13u5 libgcc-s1=14.2.0-19 libzstd1=1.5.7+dfsg-1 zlib1g=1:1.3.dfsg+really1.3.1-1+deb13u1
"
# arm64: the builds btfs/app-arm64 has blobs for and the VMs do not carry as their system
# OpenSSL (that is 3.0.20, tests/vm/arm64-debs.list). "host" is the VM's bookworm glibc.
# (1.1.1w-0+deb11u8's arm64 libssl1.1 is listed but not served: 404.)
[ "$ARCH" = arm64 ] && VERSIONS="
1.1.1w host openssl=1.1.1w-0+deb11u1 libssl1.1=1.1.1w-0+deb11u1
3.5.9 root openssl=3.5.9-1~deb13u1 libssl3t64=3.5.9-1~deb13u1 openssl-provider-legacy=3.5.9-1~deb13u1 libc6=2.41-12+deb13u5 libgcc-s1=14.2.0-19 libzstd1=1.5.7+dfsg-1 zlib1g=1:1.3.dfsg+really1.3.1-1+deb13u1
"

say() { echo "fetch.sh: $*" >&2; }
build_id() { readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'; }

# deb_path PACKAGE=VERSION: download once into $DEBS, print the path (apt-get download writes
# an epoch "E:" as "E%3a" in the file name).
deb_path() {
	pkg=${1%%=*}; ver=$(echo "${1#*=}" | sed "s/:/%3a/")
	f=$(ls "$DEBS/${pkg}_${ver}_$DEBARCH.deb" "$DEBS/${pkg}_${ver}_all.deb" 2>/dev/null | head -n 1 || true)
	if [ -z "$f" ]; then
		(cd "$DEBS" && apt-get download -qq "$pkg:$DEBARCH=${1#*=}" >/dev/null 2>&1) ||
			die "apt-get download $pkg:$DEBARCH=${1#*=} failed: run scripts/setup.sh, or check 'apt-cache madison $pkg:$DEBARCH'"
		f=$(ls "$DEBS/${pkg}_${ver}_$DEBARCH.deb" "$DEBS/${pkg}_${ver}_all.deb" 2>/dev/null | head -n 1 || true)
		[ -n "$f" ] || die "$1 downloaded but not found in $DEBS"
	fi
	echo "$f"
}

# write_run DIR LOADER: the wrapper DIR/run.
write_run() {
	dir=$1; root=$1/root
	if [ "$2" = root ]; then
		ldso=$root/usr/lib/$MULTIARCH/$LDSO
		[ -e "$ldso" ] || ldso=$root/lib/$MULTIARCH/$LDSO
		[ -e "$ldso" ] || die "$root: no $LDSO"
	else
		ldso=$HOST_LDSO
	fi
	libpath=$root/usr/lib/$MULTIARCH:$root/lib/$MULTIARCH
	modules=$(ls -d "$root/usr/lib/$MULTIARCH/ossl-modules" 2>/dev/null || true)
	engines=$(ls -d "$root/usr/lib/$MULTIARCH"/engines-* 2>/dev/null | head -n 1 || true)
	cat >"$dir/run.tmp" <<EOF
#!/bin/sh
# Written by tests/openssl/fetch.sh: runs a program with OpenSSL $(basename "$dir") from
# $root (loader: $ldso).
# usage: run PROGRAM [ARGS...]   PROGRAM: a path, or a name looked up in root/usr/bin.
prog=\${1:?usage: \$0 PROGRAM [ARGS...]}
shift
case \$prog in
*/*) ;;
*) prog=$root/usr/bin/\$prog ;;
esac
OPENSSL_CONF=\${OPENSSL_CONF:-$root/usr/lib/ssl/openssl.cnf}
export OPENSSL_CONF
${modules:+OPENSSL_MODULES=$modules
export OPENSSL_MODULES
}${engines:+OPENSSL_ENGINES=$engines
export OPENSSL_ENGINES
}exec $ldso --inhibit-cache --library-path $libpath "\$prog" "\$@"
EOF
	chmod 755 "$dir/run.tmp"
	mv "$dir/run.tmp" "$dir/run"
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

# ldso_of DIR: the loader the wrapper uses (for --list).
ldso_of() { awk '$1 == "exec" { print $2 }' "$1/run"; }
libpath_of() { awk '$1 == "exec" { print $5 }' "$1/run"; }

# ---------------------------------------------------------------------------------------------
mkdir -p "$DEBS" "$OUT"
TABLE=$OUT/table.txt
: >"$TABLE"
echo "$VERSIONS" | while read -r version loader pkgs; do
	[ -n "$version" ] || continue
	dir=$OUT/$version
	root=$dir/root
	mkdir -p "$dir"
	debs=""
	for p in $pkgs; do debs="$debs $(deb_path "$p")"; done
	if [ "$(cat "$dir/root.stamp" 2>/dev/null)" != "$loader$debs" ] || [ ! -d "$root" ]; then
		say "extracting OpenSSL $version into $root"
		rm -rf "$root" "$root.tmp"
		mkdir -p "$root.tmp"
		for d in $debs; do dpkg-deb -x "$d" "$root.tmp"; done
		case $version in *-foreign)
			for lib in "$root.tmp/usr/lib/$MULTIARCH"/libssl.so.* "$root.tmp/usr/lib/$MULTIARCH"/libcrypto.so.*; do
				foreign_build_id "$lib"
			done ;;
		esac
		mv "$root.tmp" "$root"
		echo "$loader$debs" >"$dir/root.stamp"
	fi
	# Debian's /usr/lib/ssl/openssl.cnf is a symlink to /etc/ssl/openssl.cnf: point it into root.
	if [ -L "$root/usr/lib/ssl/openssl.cnf" ] && [ -f "$root/etc/ssl/openssl.cnf" ]; then
		ln -sfn ../../../etc/ssl/openssl.cnf "$root/usr/lib/ssl/openssl.cnf"
	fi
	write_run "$dir" "$loader"

	# ldd equivalent: where the loader resolves each library of root's openssl binary.
	ldso=$(ldso_of "$dir"); lp=$(libpath_of "$dir")
	$RUNNER "$ldso" --inhibit-cache --library-path "$lp" --list "$root/usr/bin/openssl" >"$dir/ldd.txt" 2>&1 ||
		die "$version: the loader cannot resolve $root/usr/bin/openssl (see $dir/ldd.txt)"
	grep -q 'not found' "$dir/ldd.txt" && die "$version: missing libraries (see $dir/ldd.txt)"
	for lib in libssl libcrypto; do
		grep -q "$lib\.so.* => $root/" "$dir/ldd.txt" || die "$version: $lib does not come from $root"
	done
	if [ "$loader" = root ] && grep '=>' "$dir/ldd.txt" | grep -v -q "=> $root/"; then
		die "$version: a library is taken from outside $root (see $dir/ldd.txt)"
	fi
	if [ -n "$RUNNER" ]; then
		v=$($RUNNER "$ldso" --inhibit-cache --library-path "$lp" "$root/usr/bin/openssl" version) ||
			die "$version: '$RUNNER $ldso ... openssl version' failed"
	else
		v=$("$dir/run" openssl version) || die "$version: '$dir/run openssl version' failed"
	fi
	case $v in "OpenSSL ${version%%-*}"*) ;; *) die "$version: 'run openssl version' printed '$v'" ;; esac
	say "$version: $v"
	sed 's/^/    /' "$dir/ldd.txt" >&2

	ssl=$(ls "$root/usr/lib/$MULTIARCH"/libssl.so.* | head -n 1)
	crypto=$(ls "$root/usr/lib/$MULTIARCH"/libcrypto.so.* | head -n 1)
	sid=$(build_id "$ssl"); cid=$(build_id "$crypto")
	sblob=no; [ -f "$APPBTF/libssl/$sid.btf.xz" ] && sblob=yes
	cblob=no; [ -f "$APPBTF/libcrypto/$cid.btf.xz" ] && cblob=yes
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$version" "$ssl" "$sid" "$sblob" "$crypto" "$cid" "$cblob" >>"$TABLE"
done

# ---------------------------------------------------------------------------------------------
# The throwaway certificate every TLS test uses (these sessions, tests/integration/sslsniff.sh,
# the VM cases): made even with --no-tls, which is how the tests call this script.
certdir=$CACHE/openssl/cert
if [ ! -f "$certdir/cert.pem" ]; then
	mkdir -p "$certdir.tmp"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj /CN=localhost \
		-keyout "$certdir.tmp/key.pem" -out "$certdir.tmp/cert.pem" >/dev/null 2>&1 ||
		die "cannot create a self-signed certificate with the system openssl"
	rm -rf "$certdir" && mv "$certdir.tmp" "$certdir"
fi
# TLS sessions between s_server and s_client of each version, with key logs.
if [ "$TLS" = 1 ]; then
	# free_port: a TCP port nobody listens on, from 127.0.0.1's ephemeral-looking range.
	free_port() {
		p=$1
		while ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; do p=$((p + 1)); done
		echo "$p"
	}
	port=44300
	failed=0
	RESULTS=$OUT/tls.txt
	: >"$RESULTS"
	for dir in "$OUT"/*/; do
		dir=${dir%/}
		[ -x "$dir/run" ] || continue
		version=$(basename "$dir")
		"$dir/run" openssl s_server -help >"$dir/s_server.help" 2>&1 || true
		"$dir/run" openssl s_client -help >"$dir/s_client.help" 2>&1 || true
		skl=no; grep -q -- '-keylogfile' "$dir/s_server.help" && skl=yes
		ckl=no; grep -q -- '-keylogfile' "$dir/s_client.help" && ckl=yes
		for proto in tls1_2 tls1_3; do
			port=$(free_port $((port + 1)))
			log=$dir/$proto
			rm -f "$log".*
			set -- -accept "127.0.0.1:$port" -cert "$certdir/cert.pem" -key "$certdir/key.pem" -naccept 1 -www
			[ $skl = yes ] && set -- "$@" -keylogfile "$log.server.keylog"
			"$dir/run" openssl s_server "$@" -"$proto" >"$log.server.out" 2>&1 </dev/null &
			spid=$!
			i=0
			while ! ss -Hltn "sport = :$port" | grep -q .; do
				i=$((i + 1)); [ $i -le 50 ] || break; sleep 0.1
			done
			maps=$(awk '$6 ~ /libssl\.so/ { print $6 }' "/proc/$spid/maps" 2>/dev/null | sort -u | tr '\n' ' ')
			set -- -connect "127.0.0.1:$port" -"$proto" -servername localhost
			[ $ckl = yes ] && set -- "$@" -keylogfile "$log.client.keylog"
			crc=0
			printf 'GET / HTTP/1.0\r\n\r\n' |
				timeout 20 "$dir/run" openssl s_client "$@" >"$log.client.out" 2>&1 || crc=$?
			i=0
			while kill -0 "$spid" 2>/dev/null && [ $i -lt 30 ]; do i=$((i + 1)); sleep 0.1; done
			kill "$spid" 2>/dev/null || true
			wait "$spid" 2>/dev/null || true
			got=$(awk '/^New, / { sub(",", "", $2); print $2; exit }' "$log.client.out")
			cipher=$(awk '/^New, / { print $NF; exit }' "$log.client.out")
			labels() { if [ -f "$1" ]; then awk '$1 != "#" { print $1 }' "$1" | sort | uniq -c | awk '{ printf "%s%s=%s", sep, $2, $1; sep = "," }'; else echo "-"; fi; }
			want=TLSv1.2; key=CLIENT_RANDOM
			[ $proto = tls1_3 ] && want=TLSv1.3 && key=CLIENT_TRAFFIC_SECRET_0
			status=ok
			[ "$crc" = 0 ] && [ "$got" = "$want" ] || status=FAIL
			case $maps in "$dir/root/"*) ;; *) status=FAIL ;; esac
			for kl in "$skl $log.server.keylog" "$ckl $log.client.keylog"; do
				set -- $kl
				if [ "$1" = yes ] && ! grep -q "^$key " "$2" 2>/dev/null; then status=FAIL; fi
			done
			[ $status = ok ] || failed=1
			printf '%s %s: %s  client rc=%s, %s %s; server maps %s\n    keylog server (-keylogfile %s): %s\n    keylog client (-keylogfile %s): %s\n' \
				"$version" "$proto" "$status" "$crc" "${got:-?}" "${cipher:-?}" "${maps:-?}" "$skl" "$(labels "$log.server.keylog")" "$ckl" "$(labels "$log.client.keylog")" >>"$RESULTS"
		done
	done
	echo
	echo "TLS sessions (run openssl s_server / s_client, 127.0.0.1):"
	cat "$RESULTS"
fi

echo
printf '%-8s %-84s %-40s %s\n' version "libssl in root" "build-id" "${APPBTF#"$REPO"/}/libssl blob"
while IFS="$(printf '\t')" read -r v ssl sid sblob crypto cid cblob; do
	printf '%-8s %-84s %-40s %s\n' "$v" "$ssl" "$sid" "$sblob"
done <"$TABLE"
echo
printf '%-8s %-84s %-40s %s\n' version "libcrypto in root" "build-id" "${APPBTF#"$REPO"/}/libcrypto blob"
while IFS="$(printf '\t')" read -r v ssl sid sblob crypto cid cblob; do
	printf '%-8s %-84s %-40s %s\n' "$v" "$crypto" "$cid" "$cblob"
done <"$TABLE"
if [ "$TLS" = 1 ] && [ "$failed" != 0 ]; then
	die "some TLS sessions failed (see $OUT/<version>/tls1_*.{server,client}.out)"
fi
