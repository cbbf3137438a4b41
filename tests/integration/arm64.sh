#!/bin/bash
# coreprobe-aarch64 as built here (docs/arm64.md), checked on this x86_64 host: a static aarch64
# ELF; its store carries exactly the arm64 kernels of btfs/kernel/debian.list, keyed by the
# build-ids fetch-debian.sh read from their Images, and the x86_64 binary none of them; each
# binary refuses the other architecture's targets (exit 2); `btf add` records the binary's arch.
# The aarch64 binary runs under qemu's user-mode emulator (no BPF needed for these paths). The
# VM rows (tests/vm/run.sh, a64-*) run it on real arm64 kernels.
. "$(dirname "$0")/../lib.sh"

CACHE=${COREPROBE_CACHE:-$HOME/.cache/coreprobe}
A64=$ROOT/coreprobe-aarch64
QA=qemu-aarch64-static
TA=$B/arm64/targets
if [ ! -x "$A64" ] || ! command -v $QA >/dev/null; then
	notok "arm64: no $A64 or no $QA (make coreprobe-aarch64; scripts/setup.sh)"
	exit 0
fi

f=$(file -b "$A64")
case $f in
*"ARM aarch64"*"statically linked"*) ok "coreprobe-aarch64 is a static aarch64 ELF ($(stat -c %s "$A64") bytes)" ;;
*) notok "coreprobe-aarch64: $f" ;;
esac

# every arm64 kernel of debian.list, with the build-id of its Image, and nothing else
$QA "$A64" -j btf list >"$TMP/a64.json" 2>"$TMP/a64.err" || notok "arm64 btf list: $(cat "$TMP/a64.err")"
want=0 bad=
while read -r distro ver arch pkgver; do
	[ "$arch" = arm64 ] || continue
	rel=${pkgver%%=*} rel=${rel#linux-image-} rel=${rel%-unsigned}
	bid=$(cat "$CACHE/btfarchive/$distro/$ver/arm64/$rel.buildid" 2>/dev/null)
	want=$((want + 1))
	grep -q "\"kind\":\"kernel\",\"key\":\"$rel\",\"distro\":\"$distro\",\"version\":\"$ver\",\"arch\":\"arm64\",\"build_id\":\"$bid\"" "$TMP/a64.json" ||
		bad="$bad $rel(build-id ${bid:-?})"
done < <(grep -v '^#' "$ROOT/btfs/kernel/debian.list")
n=$(grep -c '"kind":"kernel"' "$TMP/a64.json")
if [ -z "$bad" ] && [ "$want" -gt 0 ] && [ "$n" = "$want" ]; then
	ok "coreprobe-aarch64 embeds the $want arm64 kernels of debian.list by release, arch and Image build-id, no other"
else
	notok "coreprobe-aarch64 kernels: $n listed, want $want; missing/wrong:$bad: $(grep kernel "$TMP/a64.json" | head -c 400)"
fi
grep -q '"arch":"arm64"' "$TMP/a64.json" && $QA "$A64" btf list | grep -q '^kernel debian/12/arm64 6.1.0-50-arm64 ' &&
	ok "arm64 btf list text names the architecture of each kernel" || notok "arm64 btf list text: $($QA "$A64" btf list | head -3)"
"$CP" -j btf list | grep '"kind":"kernel"' | grep -q '"arch":"arm64"' &&
	notok "the x86_64 coreprobe carries an arm64 kernel blob" ||
	ok "the x86_64 coreprobe carries no arm64 kernel blob"

# targets of the other architecture: refused before anything is loaded
expect_error "coreprobe-aarch64 on an x86_64 target: exit 2" 2 "ELF for x86-64, this machine is aarch64" \
	$QA "$A64" structs -c 1 "$T/demo_v1"
expect_error "coreprobe (x86_64) on an aarch64 target: exit 2" 2 "ELF for aarch64, this machine is x86-64" \
	"$CP" structs -c 1 "$TA/demo_v1"

# btf add keys a kernel blob by this binary's own architecture
k=$CACHE/btfarchive/debian/12/arm64/6.1.0-50-arm64.btf
if $QA "$A64" btf add --kernel 9.9.9-arm64test="$k" -o "$TMP/cpa" >"$TMP/add.out" 2>&1; then
	file -b "$TMP/cpa" | grep -q 'ARM aarch64.*statically linked' &&
		$QA "$TMP/cpa" -j btf list | grep -q '"key":"9.9.9-arm64test","distro":"","version":"","arch":"arm64"' &&
		ok "arm64 btf add: a static aarch64 copy, the new kernel blob keyed arm64" ||
		notok "arm64 btf add: $(file -b "$TMP/cpa"): $($QA "$TMP/cpa" -j btf list | grep 9.9.9 | head -c 300)"
	# qemu -r fakes uname -r: the added blob is picked by release on this "aarch64" host
	out=$(hidden_sysfs $QA -r 9.9.9-arm64test "$TMP/cpa" -j btf which 2>&1)
	echo "$out" | grep -q '"source":"embedded"' && echo "$out" | grep -q '9.9.9-arm64test' &&
		ok "arm64: the added blob is picked by release with sysfs hidden" || notok "arm64 btf which: $(echo "$out" | head -c 300)"
else
	notok "arm64 btf add: $(cat "$TMP/add.out")"
fi
"$CP" btf add --kernel 9.9.9-x86test="$CACHE/btfarchive/debian/12/x86_64/6.1.0-50-amd64.btf" -o "$TMP/cpx" >"$TMP/addx.out" 2>&1 &&
	"$TMP/cpx" -j btf list | grep -q '"key":"9.9.9-x86test","distro":"","version":"","arch":"x86_64"' &&
	ok "x86_64 btf add: the new kernel blob keyed x86_64" || notok "x86_64 btf add: $(cat "$TMP/addx.out")"

# the arm64 OpenSSL blobs: exactly the Debian arm64 build-ids btfs/app-arm64's MANIFEST records
M=$ROOT/btfs/app-arm64/openssl/MANIFEST
bad= nb=0
for kind in libssl libcrypto; do
	for id in $(sed -n "s/^debian $kind build-id: *//p" "$M"); do
		nb=$((nb + 1))
		grep -q "\"kind\":\"app\",\"key\":\"$kind\",.*\"build_id\":\"$id\"" "$TMP/a64.json" || bad="$bad $kind:$id"
	done
done
na=$(grep -c '"key":"lib\(ssl\|crypto\)"' "$TMP/a64.json")
if [ "$nb" -gt 0 ] && [ -z "$bad" ] && [ "$na" = "$nb" ]; then
	ok "coreprobe-aarch64 carries the $nb arm64 OpenSSL blobs of btfs/app-arm64 (Debian's arm64 build-ids), no x86_64 one"
else
	notok "arm64 OpenSSL blobs: $na embedded, $nb in the MANIFEST, missing:$bad"
fi

# the arm64 GnuTLS blobs: the Debian arm64 build-ids btfs/app-arm64/gnutls/MANIFEST records
M=$ROOT/btfs/app-arm64/gnutls/MANIFEST
if [ -f "$M" ]; then
	bad= nb=0
	for id in $(sed -n 's/^debian build-id: *//p' "$M"); do
		nb=$((nb + 1))
		grep -q "\"kind\":\"app\",\"key\":\"libgnutls\",.*\"build_id\":\"$id\"" "$TMP/a64.json" || bad="$bad $id"
	done
	na=$(grep -c '"key":"libgnutls"' "$TMP/a64.json")
	if [ "$nb" -gt 0 ] && [ -z "$bad" ] && [ "$na" = "$nb" ]; then
		ok "coreprobe-aarch64 carries the $nb arm64 GnuTLS blob(s) of btfs/app-arm64 (Debian's arm64 build-ids), no x86_64 one"
	else
		notok "arm64 GnuTLS blobs: $na embedded, $nb in the MANIFEST, missing:$bad"
	fi
fi

# Every arm64 libgnutls30/30t64 build apt lists (btfs/app/served.sh --arch arm64) has its blob
# in coreprobe-aarch64, by the build-id of Debian's arm64 binary (the package downloaded once
# into the cache, as sslbuilds.sh does for amd64). A version apt lists whose binary the archive
# does not serve (404) is reported as such: no binary, no build-id to key a blob by.
DEBS=$CACHE/debs
mkdir -p "$DEBS"
if sh "$ROOT/btfs/app/served.sh" --arch arm64 libgnutls30 libgnutls30t64 >"$TMP/served-a64.txt" 2>"$TMP/served-a64.err"; then
	bad= n=0 gone= have=
	while read -r pkg ver _suites _; do
		deb=$DEBS/${pkg}_${ver}_arm64.deb
		if [ ! -f "$deb" ] && ! (cd "$DEBS" && apt-get download -qq "$pkg:arm64=$ver" >/dev/null 2>"$TMP/dl.err"); then
			if grep -q '404' "$TMP/dl.err"; then gone="$gone $pkg=$ver"; continue; fi
			bad="$bad $pkg=$ver(download: $(head -c 120 "$TMP/dl.err"))"; continue
		fi
		rm -rf "$TMP/x"; dpkg-deb -x "$deb" "$TMP/x"
		f=$(ls "$TMP"/x/usr/lib/aarch64-linux-gnu/libgnutls.so.30.* 2>/dev/null | head -n 1)
		id=$(readelf -n "$f" 2>/dev/null | awk '/Build ID:/ { print $3; exit }')
		n=$((n + 1)) have="$have $ver"
		[ -n "$id" ] && grep -q "\"kind\":\"app\",\"key\":\"libgnutls\",.*\"build_id\":\"$id\"" "$TMP/a64.json" || bad="$bad $pkg=$ver(${id:-no build-id})"
	done <"$TMP/served-a64.txt"
	if [ -z "$bad" ] && [ "$n" -gt 0 ]; then
		ok "every arm64 GnuTLS build the archive serves ($n:$have) has its blob in coreprobe-aarch64, by Debian's build-id${gone:+; listed but not served (404), no binary to key by:$gone}"
	else
		notok "served arm64 GnuTLS builds without a blob:$bad"
	fi
else
	notok "arm64: cannot list the served GnuTLS builds: $(cat "$TMP/served-a64.err")"
fi
