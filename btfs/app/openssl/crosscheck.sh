#!/bin/bash
# Cross-check of the DWARF -> BTF encoder (docs/dwarf.md) against pahole on the OpenSSL builds
# that build.sh made: for each $CACHE/openssl-build/VERSION with its rebuilt libssl/libcrypto
# (DWARF) and pahole's BTF of them (btf/libssl.btf, btf/libcrypto.btf: the blobs' source),
#   1. `coreprobe btf dwarf` of every type of each library;
#   2. libssl + libcrypto merged per side (`coreprobe btf merge`);
#   3. the CO-RE relocations libbpf makes for the sslsniff object (the only embedded object that
#      relocates OpenSSL types) against each side: `coreprobe -v --app-btf M sslsniff --lib LIB`
#      (-p of a process mapping no libssl, so only --lib is loaded), its "relo #N: patched insn"
#      lines, which carry every offset, size and existence decision — must be equal.
# usage: btfs/app/openssl/crosscheck.sh [COREPROBE]   (root: loads BPF). Exit 1 on a difference.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
CP=${1:-$REPO/coreprobe}
CACHE=${COREPROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coreprobe}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0 n=0
relos() { "$CP" -v --app-btf "$1" sslsniff -p $$ --lib "$2" -d 1 2>&1 | grep -o 'relo #[0-9]*: patched insn .*' | sort; }
for B in "$CACHE"/openssl-build/*/; do
	v=$(basename "$B")
	ssl=$(ls "$B"/openssl-*/build_shared/libssl.so.* 2>/dev/null | head -n 1)
	crypto=$(ls "$B"/openssl-*/build_shared/libcrypto.so.* 2>/dev/null | head -n 1)
	[ -f "$B/btf/libssl.btf" ] && [ -f "$B/btf/libcrypto.btf" ] && [ -n "$ssl" ] && [ -n "$crypto" ] || continue
	n=$((n + 1))
	for lib in ssl crypto; do
		eval "src=\$$lib"
		if ! "$CP" btf dwarf "$src" -o "$W/$v-$lib.btf" >"$W/$v-$lib.log" 2>&1; then
			echo "not ok - $v lib$lib: btf dwarf failed: $(cat "$W/$v-$lib.log")"
			fail=1
			continue 2
		fi
		echo "# $v lib$lib: $(cut -d: -f2- "$W/$v-$lib.log")"
	done
	# one app BTF file per side for --app-btf: libssl's types then libcrypto's
	"$CP" btf merge "$W/$v-ssl.btf" "$W/$v-crypto.btf" "$W/$v-ours.btf" >/dev/null &&
		"$CP" btf merge "$B/btf/libssl.btf" "$B/btf/libcrypto.btf" "$W/$v-pahole.btf" >/dev/null || {
		echo "not ok - $v: btf merge failed"; fail=1; continue; }
	a=$(relos "$W/$v-ours.btf" "$ssl")
	b=$(relos "$W/$v-pahole.btf" "$ssl")
	if [ -n "$b" ] && [ "$a" = "$b" ]; then
		echo "ok - $v: sslsniff's $(echo "$a" | wc -l) CO-RE relocations against btf dwarf's BTF = against pahole's"
	else
		echo "not ok - $v: relocations differ:"
		diff <(echo "$b") <(echo "$a") | head -n 20 | sed 's/^/#   /'
		fail=1
	fi
done
[ "$n" -gt 0 ] || { echo "not ok - no OpenSSL build in $CACHE/openssl-build: run btfs/app/openssl/build.sh first"; exit 1; }
exit $fail
