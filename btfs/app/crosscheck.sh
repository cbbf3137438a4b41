#!/bin/bash
# Cross-check of the DWARF -> BTF encoder (docs/dwarf.md) against pahole, for every app build whose
# BTF is committed under btfs/app*/ and every BPF object that relocates app types:
#   OpenSSL x86_64  $CACHE/openssl-sslbuilds/src-*/   (one per source build; btf/lib{ssl,crypto}.btf)
#   OpenSSL arm64   $CACHE/openssl-build-arm64/*/
#   GnuTLS          $CACHE/gnutls-build/*/             (libgnutls.btf)
#   the demo        build/targets/demo_*.debug          (pahole run here)
# These are the rebuilt libraries with their DWARF, and pahole's BTF of them (made by the build
# scripts before they switched to `coreprobe btf dwarf`: pahole 1.24 after the atomic->volatile
# abbrev rewrite, the blobs' source until then). For each build:
#   1. `coreprobe btf dwarf` of every type of each library (libssl + libcrypto merged per side);
#   2. the CO-RE relocations libbpf makes against each side, from `coreprobe -v --app-btf M TOOL`:
#      sslsniff (OpenSSL and GnuTLS: -p of a process that maps neither, so only --lib is loaded),
#      structs (the demo). Every "relo #N:" line of a program (the access spec, each candidate,
#      the patched offset/size/existence value, every poisoned insn), type ids removed (they are
#      numbering, not layout), must be equal.
# usage: btfs/app/crosscheck.sh [COREPROBE]   (root: loads BPF; CP_ARM64=coreprobe-aarch64 for the
# arm64 builds' encode, run under qemu-aarch64-static). Exit 1 on a difference or when
# no build is found. Prints TAP-like lines; the summary goes to the MANIFESTs.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CP=${1:-$REPO/coreprobe}
CP_ARM64=${CP_ARM64:-$REPO/coreprobe-aarch64}	# make coreprobe-aarch64
CACHE=${COREPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coreprobe}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0 n=0

# relo_lines LOG: the relocation decisions, type ids removed, sorted
relo_lines() { grep -o "prog '[^']*': relo #[0-9]*: .*" "$1" | sed -E 's/\[[0-9]+\]/[]/g' | sort; }
# relos OUT BTF TOOL ARGS...: libbpf's relocation log of TOOL against BTF
relos() {
	local out=$1 btf=$2
	shift 2
	"$CP" -v --app-btf "$btf" "$@" -d 1 >"$out.log" 2>&1
	relo_lines "$out.log" >"$out"
}
# compare NAME A B: equal and not empty
compare() {
	local na nb
	na=$(grep -c 'patched insn\|poisoning' "$2"); nb=$(grep -c 'patched insn\|poisoning' "$3")
	if [ "$na" -gt 0 ] && cmp -s "$2" "$3"; then
		echo "ok - $1: $na CO-RE relocations ($(wc -l <"$2") decision lines) against btf dwarf's BTF = against pahole's"
	else
		echo "not ok - $1: relocations differ (pahole $nb, ours $na):"
		diff "$3" "$2" | head -n 20 | sed 's/^/#   /'
		fail=1
	fi
}
# encode TAG LIB OUT: all types of LIB's DWARF, by the coreprobe of LIB's architecture (an
# aarch64 library: coreprobe-aarch64 under qemu-user; coreprobe reads ELF of its own machine only)
encode() {
	local enc=("$CP")
	case $(file -b "$2") in *aarch64*) enc=(qemu-aarch64-static "$CP_ARM64") ;; esac
	if "${enc[@]}" btf dwarf "$2" -o "$3" >"$3.txt" 2>&1; then
		echo "# $1: $(sed 's/^[^:]*: //' "$3.txt")"
	else
		echo "not ok - $1: btf dwarf failed: $(cat "$3.txt")"
		fail=1
		return 1
	fi
}

# ---- OpenSSL: libssl + libcrypto of each rebuilt source version, x86_64 then arm64
for B in "$CACHE"/openssl-sslbuilds/src-*/ "$CACHE"/openssl-build-arm64/*/; do
	ssl=$(ls "$B"/openssl-*/build_shared/libssl.so.* 2>/dev/null | head -n 1)
	crypto=$(ls "$B"/openssl-*/build_shared/libcrypto.so.* 2>/dev/null | head -n 1)
	[ -f "$B/btf/libssl.btf" ] && [ -f "$B/btf/libcrypto.btf" ] && [ -n "$ssl" ] && [ -n "$crypto" ] || continue
	v=openssl-$(basename "$B"); v=${v/openssl-src-/openssl-}
	case $B in *arm64*) v="$v (arm64)" ;; esac
	t=$W/$n; n=$((n + 1))
	encode "$v libssl" "$ssl" "$t-ssl.btf" && encode "$v libcrypto" "$crypto" "$t-crypto.btf" || continue
	"$CP" btf merge "$t-ssl.btf" "$t-crypto.btf" "$t-ours.btf" >/dev/null &&
		"$CP" btf merge "$B/btf/libssl.btf" "$B/btf/libcrypto.btf" "$t-pahole.btf" >/dev/null ||
		{ echo "not ok - $v: btf merge failed"; fail=1; continue; }
	# an arm64 library: the x86_64 object relocated against the arm64 BTF (the relocations are
	# the same source; the offsets come from the BTF). --lib of another architecture is not
	# attached, so its probes are given by the x86_64 rebuild's libssl path of the same version.
	lib=$ssl
	case $B in *arm64*)
		lib=$(ls "$CACHE"/openssl-sslbuilds/src-"$(basename "$B")"*/openssl-*/build_shared/libssl.so.* 2>/dev/null | head -n 1)
		[ -n "$lib" ] || { echo "# $v: no x86_64 libssl of that version to attach to, skipped"; continue; } ;;
	esac
	relos "$t-a" "$t-ours.btf" sslsniff -p $$ --lib "$lib"
	relos "$t-b" "$t-pahole.btf" sslsniff -p $$ --lib "$lib"
	compare "$v: sslsniff" "$t-a" "$t-b"
done

# ---- GnuTLS
for B in "$CACHE"/gnutls-build/*/; do
	lib=$(ls "$B"/gnutls28-*/b4deb/lib/.libs/libgnutls.so.30.* 2>/dev/null | head -n 1)
	[ -f "$B/libgnutls.btf" ] && [ -n "$lib" ] || continue
	v=gnutls-$(basename "$B")
	t=$W/$n; n=$((n + 1))
	encode "$v libgnutls" "$lib" "$t-ours.btf" || continue
	relos "$t-a" "$t-ours.btf" sslsniff -p $$ --lib "$lib"
	relos "$t-b" "$B/libgnutls.btf" sslsniff -p $$ --lib "$lib"
	compare "$v: sslsniff" "$t-a" "$t-b"
done

# ---- the demo targets (structs; pahole run here on the same DWARF)
for d in "$REPO"/build/targets/demo_*.debug; do
	[ -f "$d" ] || continue
	v=$(basename "$d" .debug)
	t=$W/$n; n=$((n + 1))
	encode "$v" "$d" "$t-ours.btf" || continue
	pahole --btf_encode_detached "$t-pahole.btf" "$d" >/dev/null 2>&1 || { echo "not ok - $v: pahole failed"; fail=1; continue; }
	relos "$t-a" "$t-ours.btf" structs "${d%.debug}"
	relos "$t-b" "$t-pahole.btf" structs "${d%.debug}"
	compare "$v: structs" "$t-a" "$t-b"
done

[ "$n" -gt 0 ] || { echo "not ok - no build found under $CACHE with both its DWARF and pahole's BTF (btf/lib*.btf, libgnutls.btf: written by the build scripts before their switch to btf dwarf) nor a demo build"; exit 1; }
exit $fail
