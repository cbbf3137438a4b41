#!/bin/bash
# make bench-archive: coreprobe at archive scale — every x86_64 Debian kernel image the
# configured suites offer, minimized against all of coreprobe's BPF objects and embedded in one
# binary. Opt-in: the first run downloads ~100 kernel packages (~7 GB, cached in
# $COREPROBE_CACHE/debs and shared with the VM tests).
#
#   bench/archive.sh fetch ARCHIVE   list the images (apt-cache), fetch their BTF into ARCHIVE
#                                    (btfs/kernel/fetch-debian.sh's method, with a generated list)
#   bench/archive.sh measure BINARY  figures of a coreprobe built with that archive
#                                    (build/bench/archive.json; make bench adds them to its table)
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "bench-archive: $*" >&2; exit 1; }

# suite -> Debian VERSION_ID, as the default list (btfs/kernel/debian.list) names them
version_of() {
	case $1 in
	bullseye*) echo 11 ;; bookworm*) echo 12 ;; trixie*) echo 13 ;; forky*) echo 14 ;;
	*) echo unknown ;;
	esac
}

fetch() {
	archive=$1
	mkdir -p "$archive"
	list=$archive/kernels.list
	: >"$list.tmp"
	# Only real images: "linux-image-6.12-amd64" and the like are metapackages without a kernel
	# (their names lack the ABI's patch level).
	apt-cache search --names-only '^linux-image-[0-9].*-(amd64|cloud-amd64|rt-amd64)$' | awk '{print $1}' |
		grep -E '^linux-image-[0-9]+\.[0-9]+\.[0-9]+' | sort | while read -r pkg; do
		# the first binary-package line: the version apt would fetch, and its suite
		line=$(apt-cache madison "$pkg" | awk -F'|' '$3 ~ /Packages/ { print; exit }')
		ver=$(echo "$line" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
		suite=$(echo "$line" | awk -F'|' '{ n = split($3, f, " "); split(f[2], s, "/"); print s[1] }')
		[ -n "$ver" ] || die "no version for $pkg"
		echo "debian $(version_of "$suite") x86_64 $pkg=$ver" >>"$list.tmp"
	done
	mv "$list.tmp" "$list"
	echo "bench-archive: $(wc -l <"$list") kernel images listed in $list" >&2
	sh btfs/kernel/fetch-debian.sh "$archive" "$list"
}

measure() {
	big=$1
	out=build/bench
	json=$out/archive.json
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	strip -o "$work/big" "$big"
	strip -o "$work/default" coreprobe
	"$big" -j btf list >"$work/list.json"
	# kernel blobs: every distinct blob a kernel entry points at, compressed as stored
	jq -s '[.[] | select(.kind == "kernel")] as $k |
		($k | unique_by(.blob)) as $d |
		{kernels: ($k | length), distinct_blobs: ($d | length),
		 kernel_blob_bytes: ($d | map(.compressed_size) | add),
		 raw_bytes_total: ($d | map(.raw_size) | add),
		 bytes_per_kernel: (($d | map(.compressed_size) | add) / ($k | length)),
		 suites: ($k | map("\(.distro) \(.version)") | unique | join(", "))}' "$work/list.json" >"$work/blobs.json"
	section() { printf '%d\n' "0x$(readelf -SW "$1" | awk '$2 == ".coreprobe.btf" { print $6 }')"; }
	# `btf which`, whole process: the choice as a user sees it, big store vs default
	$out/harness -n 20 -w 2 -o "$work/which-default.json" --target ./coreprobe btf which --- which= - 2>/dev/null
	$out/harness -n 20 -w 2 -o "$work/which-big.json" --target "$big" btf which --- which= - 2>/dev/null
	$out/pick -n 20 ./coreprobe >"$work/pick-default.json"
	$out/pick -n 20 "$big" >"$work/pick-big.json"
	jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		--argjson objects "$(grep -c "_bpf__elf_bytes" tools/objects.c)" \
		--slurpfile blobs "$work/blobs.json" \
		--argjson stripped "$(stat -c %s "$work/big")" --argjson default_stripped "$(stat -c %s "$work/default")" \
		--argjson section "$(section "$work/big")" \
		--slurpfile wd "$work/which-default.json" --slurpfile wb "$work/which-big.json" \
		--slurpfile pd "$work/pick-default.json" --slurpfile pb "$work/pick-big.json" \
		'$blobs[0] + {date: $date, objects: $objects, stripped_bytes: $stripped,
		  default_stripped_bytes: $default_stripped, store_section_bytes: $section,
		  which_default_ms: $wd[0].which.target_ms.median, which_big_ms: $wb[0].which.target_ms.median,
		  pick_default: $pd[0], pick_big: $pb[0]}' >"$json"
	cat "$json"
}

case ${1:-} in
fetch) fetch "${2:?usage: $0 fetch ARCHIVE}" ;;
measure) measure "${2:?usage: $0 measure BINARY}" ;;
*) die "usage: $0 fetch ARCHIVE | measure BINARY" ;;
esac
