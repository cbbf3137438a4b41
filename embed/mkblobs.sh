#!/bin/sh
# Minimizes every kernel and application BTF against all of coreprobe's BPF objects and packs
# the results into the blob store that is linked into the executable.
#
# usage: embed/mkblobs.sh OUT.bin WORKDIR MKSTORE "BPF_OBJECTS" "KERNEL_ARCHIVES" "APP_DIRS"
#   KERNEL_ARCHIVES  BTFhub-layout trees: DISTRO/VERSION/ARCH/RELEASE.btf (or .btf.tar.xz),
#                    optional RELEASE.buildid (hex) and RELEASE.modules/*.btf (split BTF)
#   APP_DIRS         trees of NAME/BUILD-ID.btf (or .btf.xz): application BTF from pahole
#   KERNEL_ARCH (environment, default x86_64): only kernels of this ARCH directory (x86_64,
#   arm64) are taken: the BPF objects are compiled for one architecture, and another's
#   pt_regs would not match them.
set -eu

OUT=$1 WORK=$2 MKSTORE=$3 OBJS=$4 ARCHIVES=$5 APPDIRS=$6
BPFTOOL=${BPFTOOL:-bpftool}
KERNEL_ARCH=${KERNEL_ARCH:-x86_64}
rm -rf "$WORK"
mkdir -p "$WORK/k" "$WORK/a"
LIST=$WORK/list
: >"$LIST"

die() { echo "mkblobs: $*" >&2; exit 1; }

# minimize IN OUT: keep only what the BPF objects' CO-RE relocations touch.
minimize() {
	# shellcheck disable=SC2086
	$BPFTOOL gen min_core_btf "$1" "$2" $OBJS >/dev/null 2>"$2.log" ||
		die "bpftool gen min_core_btf $1 failed: $(tail -n 3 "$2.log")"
}

ai=0
for archive in $ARCHIVES; do
	ai=$((ai + 1))
	[ -d "$archive" ] || die "BTF archive $archive: no such directory"
	find "$archive" -mindepth 4 -maxdepth 4 \( -name '*.btf' -o -name '*.btf.tar.xz' \) | sort |
	while read -r f; do
		rel=${f#"$archive"/}
		distro=${rel%%/*}; rest=${rel#*/}
		version=${rest%%/*}; rest=${rest#*/}
		arch=${rest%%/*}; file=${rest#*/}
		release=${file%.btf.tar.xz}; release=${release%.btf}
		case $arch in aarch64) arch=arm64 ;; amd64) arch=x86_64 ;; esac
		[ "$arch" = "$KERNEL_ARCH" ] || continue
		w=$WORK/k/$ai/$distro/$version/$arch/$release; mkdir -p "$w"
		case $f in
		*.tar.xz) tar -xJf "$f" -C "$w" && base=$(find "$w" -name '*.btf' | head -n 1) ;;
		*) base=$f ;;
		esac
		dir=$(dirname "$f")
		bid=-
		[ -s "$dir/$release.buildid" ] && bid=$(tr -d ' \n' <"$dir/$release.buildid")
		mods=$(ls "$dir/$release.modules/"*.btf 2>/dev/null || true)
		# shellcheck disable=SC2086
		"$MKSTORE" flatten "$w/flat.btf" "$base" $mods || die "flattening $f failed"
		minimize "$w/flat.btf" "$w/min.btf"
		# every uprobe/kprobe program relocates pt_regs: a blob without it is not this
		# set's kernel BTF (min_core_btf silently drops what it cannot match)
		$BPFTOOL btf dump file "$w/min.btf" | grep -q "STRUCT 'pt_regs'" ||
			die "$f: minimized BTF lacks struct pt_regs: not a kernel BTF?"
		echo "kernel $release $bid $distro $version $arch $w/min.btf" >>"$LIST"
		rm -f "$w/flat.btf"
	done
done

for appdir in $APPDIRS; do
	[ -d "$appdir" ] || continue
	find "$appdir" -mindepth 2 -maxdepth 2 \( -name '*.btf' -o -name '*.btf.xz' \) | sort |
	while read -r f; do
		name=$(basename "$(dirname "$f")")
		bid=$(basename "$f"); bid=${bid%.xz}; bid=${bid%.btf}
		w=$WORK/a/$name.$bid; mkdir -p "$w"
		case $f in
		*.xz) xz -dc "$f" >"$w/full.btf" ;;
		*) cp "$f" "$w/full.btf" ;;
		esac
		minimize "$w/full.btf" "$w/min.btf"
		echo "app $name $bid $w/min.btf" >>"$LIST"
		rm -f "$w/full.btf"
	done
done

"$MKSTORE" pack "$OUT" "$LIST"
