#!/usr/bin/env bash
# The real-kernel matrix: the case scripts of tests/vm/cases, run on every kernel of
# tests/vm/kernels.list booted in qemu (TCG), in two BTF modes each:
#   sysfs   /sys/kernel/btf visible
#   hidden  a tmpfs over /sys/kernel/btf: coreprobe must use its embedded blob
# plus the host kernel itself (rows host/sysfs and host/hidden, in a private mount namespace).
# Kernels of ARCH arm64 (kernels.list) boot with qemu-system-aarch64 (TCG, virt, -cpu max) and
# run coreprobe-aarch64 and the aarch64 targets (build/arm64); their userland helpers (glibc,
# ipset, tc, libbpf-tools' tcprtt) are Debian's arm64 packages of tests/vm/arm64-debs.list.
#
# usage: tests/vm/run.sh [--kernels NAME,NAME] [--modes sysfs,hidden] [--jobs N] [--no-host]
#                        [--no-build] [--timeout SECONDS] [--tap]
#   --kernels   only these VM kernels (names from kernels.list; "host" names none: with
#               --kernels host only the host rows run); the host rows run unless --no-host
#   --modes     only these modes
#   --jobs N    boots at a time (default: $VM_JOBS or 2)
#   --no-host   no host rows
#   --no-build  do not run make first (coreprobe and build/targets must exist)
#   --timeout   seconds per boot before qemu is killed (default: $BOOT_TIMEOUT or 180)
#   --tap       also print one "ok"/"not ok" line per cell (for tests/run.sh)
#
# Output: build/vm/NAME-MODE.log (serial console, or the host rows' output), the matrix on stdout
# and in build/vm/matrix.txt and build/vm/matrix.md. Exit 1 if any cell FAILs or any row gave
# no results, 2 on bad usage or a failed setup.
#
# The cases print `RESULT TOOL CASE PASS|FAIL|SKIP DETAIL`; a row that stops early (qemu killed
# at the timeout, a panic) gets FAIL in every column it did not report.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM=$ROOT/tests/vm
CACHE=${COREPROBE_CACHE:-$HOME/.cache/coreprobe}
DEBS=$CACHE/debs
OUT=$ROOT/build/vm
DEMOS="demo_v1 demo_v2 demo_v3"
BOOT_TIMEOUT=${BOOT_TIMEOUT:-180}
HOST_TIMEOUT=${HOST_TIMEOUT:-400}
JOBS=${VM_JOBS:-2}

die() { echo "run.sh: $*" >&2; exit 2; }
note() { echo "[vm] $*" >&2; }
now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- the host rows (inner part)
# Runs inside `unshare -m`: every mount below belongs to this private namespace only.
if [ "${1:-}" = --host-inner ]; then
	MODE=$2
	# The env cases mount over /tmp, which would hide a checkout that lies under /tmp: in this
	# namespace, reach the checkout through a bind mount outside /tmp instead.
	case $ROOT/ in
	/tmp/* | /var/tmp/*)
		mkdir -p /mnt && mount -t tmpfs -o mode=0755 tmpfs /mnt && mkdir /mnt/checkout &&
			mount --bind "$ROOT" /mnt/checkout || { echo "cannot bind the checkout outside /tmp"; exit 1; }
		COREPROBE=${COREPROBE/#"$ROOT"//mnt/checkout} T=${T/#"$ROOT"//mnt/checkout}
		WORK=${WORK/#"$ROOT"//mnt/checkout} VM=${VM/#"$ROOT"//mnt/checkout} ROOT=/mnt/checkout
		export COREPROBE T WORK ;;
	esac
	if [ ! -e /sys/kernel/tracing/uprobe_events ] && [ -d /sys/kernel/tracing ]; then
		mount -t tracefs tracefs /sys/kernel/tracing || echo "cannot mount tracefs"
	fi
	if [ "$MODE" = hidden ]; then
		mount -t tmpfs -o ro tmpfs /sys/kernel/btf || { echo "cannot hide /sys/kernel/btf"; exit 1; }
	fi
	KREL=$(uname -r)
	export MODE KREL KNAME=host EMBEDDED=${HOST_EMBEDDED:-yes} VMDIR=$VM CACHE
	echo "coreprobe-host: $KREL mode=$MODE embedded=$EMBEDDED"
	sh -c '. "$VMDIR/lib.sh"; run_cases "$VMDIR/cases"'
	echo "COREPROBE-VM-DONE host $MODE"
	exit 0
fi

# ---------------------------------------------------------------- options
SEL_KERNELS= SEL_MODES="sysfs,hidden" HOST=1 NO_HOST=0 BUILD=1
while [ $# -gt 0 ]; do
	case $1 in
	--kernels) SEL_KERNELS=${2:?}; shift ;;
	--kernels=*) SEL_KERNELS=${1#*=} ;;
	--modes) SEL_MODES=${2:?}; shift ;;
	--modes=*) SEL_MODES=${1#*=} ;;
	--jobs|-j) JOBS=${2:?}; shift ;;
	--jobs=*) JOBS=${1#*=} ;;
	--no-host) NO_HOST=1 ;;
	--no-build) BUILD=0 ;;
	--tap) TAP=1 ;;
	--timeout) BOOT_TIMEOUT=${2:?}; shift ;;
	--timeout=*) BOOT_TIMEOUT=${1#*=} ;;
	-h|--help) sed -n '2,/^set -u/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift
done
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive number"
[[ $BOOT_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "--timeout wants a positive number of seconds"
MODES=()
for m in ${SEL_MODES//,/ }; do
	case $m in sysfs|hidden) MODES+=("$m") ;; *) die "unknown mode $m (sysfs, hidden)" ;; esac
done
[ ${#MODES[@]} -gt 0 ] || die "no mode selected"
[ "$(id -u)" = 0 ] || die "needs root (mounts, BPF)"

# ---------------------------------------------------------------- kernels.list
K_NAMES=()
declare -A K_PKG K_EMB K_ARCH
while read -r name pkgver emb arch rest; do
	[ -z "$name" ] || [ "${name#\#}" != "$name" ] && continue
	[ -n "$emb" ] && [ -z "$rest" ] || die "kernels.list: bad line: $name $pkgver $emb $arch $rest"
	case $emb in yes|no) ;; *) die "kernels.list: $name: EMBEDDED must be yes or no" ;; esac
	case ${arch:=x86_64} in x86_64|arm64) ;; *) die "kernels.list: $name: ARCH must be x86_64 or arm64" ;; esac
	K_NAMES+=("$name") K_PKG[$name]=$pkgver K_EMB[$name]=$emb K_ARCH[$name]=$arch
done <"$VM/kernels.list"
# krel NAME: the kernel's release (uname -r): the package name without linux-image- (and the
# -unsigned of Debian's arm64 image packages)
krel() { local r=${K_PKG[$1]%%=*}; r=${r#linux-image-}; echo "${r%-unsigned}"; }

# Embedded kernels must be exactly those of btfs/kernel/debian.list.
DEBLIST=$ROOT/btfs/kernel/debian.list
for name in "${K_NAMES[@]}"; do
	if grep -v '^#' "$DEBLIST" | awk '{print $NF}' | grep -qxF "${K_PKG[$name]}"; then in=yes; else in=no; fi
	[ "$in" = "${K_EMB[$name]}" ] ||
		die "kernels.list says $name (${K_PKG[$name]}) embedded=${K_EMB[$name]}, btfs/kernel/debian.list says $in"
done
for pv in $(grep -v '^#' "$DEBLIST" | awk 'NF {print $NF}'); do
	printf '%s\n' "${K_PKG[@]}" | grep -qxF "$pv" || note "warning: $pv (btfs/kernel/debian.list) is not in the matrix"
done

RUN_KERNELS=()
if [ -n "$SEL_KERNELS" ]; then
	for k in ${SEL_KERNELS//,/ }; do
		[ "$k" = host ] && continue
		[ -n "${K_PKG[$k]:-}" ] || die "unknown kernel $k (kernels.list: ${K_NAMES[*]})"
		RUN_KERNELS+=("$k")
	done
else
	RUN_KERNELS=("${K_NAMES[@]}")
fi

T0=$(now)
mkdir -p "$OUT" "$DEBS"
ARCHES=" "
for name in "${RUN_KERNELS[@]}"; do [[ $ARCHES == *" ${K_ARCH[$name]} "* ]] || ARCHES+="${K_ARCH[$name]} "; done
[ "$HOST" = 1 ] && [ "$NO_HOST" = 0 ] && [[ $ARCHES != *" x86_64 "* ]] && ARCHES+="x86_64 "

# Per architecture: the coreprobe binary, the targets' directory, how to run the binary here.
declare -A A_CP=([x86_64]=$ROOT/coreprobe [arm64]=$ROOT/coreprobe-aarch64)
declare -A A_TGT=([x86_64]=$ROOT/build/targets [arm64]=$ROOT/build/arm64/targets)
declare -A A_RUN=([x86_64]="" [arm64]=qemu-aarch64-static)
declare -A A_FILE=([x86_64]=x86-64 [arm64]="ARM aarch64")

# ---------------------------------------------------------------- build
if [ "$BUILD" = 1 ]; then
	note "make coreprobe and the demo targets"
	# plus the extra binaries the build makes (extra-bins.list entries under build/)
	make -C "$ROOT" coreprobe $(printf 'build/targets/%s ' $DEMOS) build/targets/demo_v3.dbg \
		$(grep -v '^[[:space:]]*#' "$VM/extra-bins.list" | awk '$1 ~ /^build\// { print $1 }') >"$OUT/make.log" 2>&1 ||
		{ tail -n 20 "$OUT/make.log" >&2; die "make failed (build/vm/make.log)"; }
	if [[ $ARCHES == *" arm64 "* ]]; then
		note "make coreprobe-aarch64 and the aarch64 demo targets"
		make -C "$ROOT" ARCH=arm64 coreprobe-aarch64 $(printf 'build/arm64/targets/%s ' $DEMOS nettraffic demo_v3.dbg tracetarget_l1.btfsec) \
			>>"$OUT/make.log" 2>&1 || { tail -n 20 "$OUT/make.log" >&2; die "make ARCH=arm64 failed (build/vm/make.log)"; }
	fi
fi
for a in $ARCHES; do
	[ -x "${A_CP[$a]}" ] || die "no ${A_CP[$a]#"$ROOT"/}"
	file "${A_CP[$a]}" | grep -q "${A_FILE[$a]},.* statically linked" || die "${A_CP[$a]} is not a static ${A_FILE[$a]} ELF"
	for d in $DEMOS; do [ -x "${A_TGT[$a]}/$d" ] || die "no ${A_TGT[$a]#"$ROOT"/}/$d"; done
done
[ -f "$ROOT/build/targets/demo_v3.dbg" ] || die "no build/targets/demo_v3.dbg"
# Fixtures of the OpenSSL cases (Debian's own OpenSSL builds, unpacked into the cache).
sh "$ROOT/tests/openssl/fetch.sh" --no-tls >"$OUT/openssl-fetch.log" 2>&1 ||
	{ tail -n 5 "$OUT/openssl-fetch.log" >&2; die "tests/openssl/fetch.sh failed (build/vm/openssl-fetch.log)"; }
# arm64: Debian's arm64 1.1.1w and 3.5.9 in private roots ($CACHE/openssl-arm64, copied into the
# arm64 initramfs at the same path; the VM's system OpenSSL is arm64-debs.list's 3.0.20).
if [[ $ARCHES == *" arm64 "* ]]; then
	sh "$ROOT/tests/openssl/fetch.sh" --arch arm64 --no-tls >"$OUT/openssl-fetch-arm64.log" 2>&1 ||
		{ tail -n 5 "$OUT/openssl-fetch-arm64.log" >&2; die "tests/openssl/fetch.sh --arch arm64 failed (build/vm/openssl-fetch-arm64.log)"; }
fi
declare -A A_BUSYBOX
A_BUSYBOX[x86_64]=$(command -v busybox) || die "no busybox (apt-get install busybox-static)"
file -L "${A_BUSYBOX[x86_64]}" | grep -q 'statically linked' || die "${A_BUSYBOX[x86_64]} is not static (busybox-static)"

# ---------------------------------------------------------------- arm64 userland
# debs_root LIST DIR: Debian's arm64 packages of LIST (PACKAGE=VERSION lines), downloaded once
# into $CACHE/debs and unpacked into DIR (reused while LIST is unchanged).
debs_root() {
	local list=$1 dir=$2 pv pkg ver deb stamp
	stamp=$(cksum <"$list")
	[ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ] && return 0
	rm -rf "$dir" && mkdir -p "$dir/root" || return 1
	for pv in $(grep -v '^[[:space:]]*#' "$list"); do
		pkg=${pv%%=*} ver=${pv#*=}
		deb=$(ls "$DEBS/${pkg}_${ver//:/%3a}_arm64.deb" 2>/dev/null | head -n1)
		if [ -z "$deb" ]; then
			(cd "$DEBS" && apt-get download -q "$pkg:arm64=$ver") >&2 ||
				{ note "apt-get download $pkg:arm64=$ver failed (dpkg --add-architecture arm64, apt-get update: scripts/setup.sh)"; return 1; }
			deb=$(ls "$DEBS/${pkg}_${ver//:/%3a}_arm64.deb" 2>/dev/null | head -n1)
			[ -n "$deb" ] || return 1
		fi
		dpkg-deb -x "$deb" "$dir/root" || return 1
	done
	echo "$stamp" >"$dir/.stamp"
}
if [[ $ARCHES == *" arm64 "* ]]; then
	debs_root "$VM/arm64-debs.list" "$OUT/arm64-root" || die "cannot unpack the arm64 packages of tests/vm/arm64-debs.list"
	A_BUSYBOX[arm64]=$OUT/arm64-root/root/bin/busybox
	file "${A_BUSYBOX[arm64]}" | grep -q 'ARM aarch64,.* statically linked' || die "no static aarch64 busybox (busybox-static in arm64-debs.list)"
fi

# A warning (not an error) when the binary does not carry a kernel that kernels.list says it does.
declare -A EMBEDDED_KEYS
for a in $ARCHES; do
	EMBEDDED_KEYS[$a]=$(${A_RUN[$a]} "${A_CP[$a]}" -j btf list 2>/dev/null | grep '"kind":"kernel"' | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
done
for name in "${RUN_KERNELS[@]}"; do
	rel=$(krel "$name")
	if [ "${K_EMB[$name]}" = yes ] && ! printf '%s\n' "${EMBEDDED_KEYS[${K_ARCH[$name]}]}" | grep -qxF "$rel"; then
		note "warning: ${A_CP[${K_ARCH[$name]}]##*/} does not embed $rel (built with another BTF_ARCHIVE?)"
	fi
done

# ---------------------------------------------------------------- kernels: deb -> vmlinuz + modules
extract() {	# extract DEB DIR MEMBER...
	local deb=$1 dir=$2
	shift 2
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" "$@"
	[ "${PIPESTATUS[*]}" = "0 0" ]
}

# Bump when prepare_kernel changes what it makes: cached kernels are then prepared again.
PREP_VERSION=2
# prepare_kernel NAME: build/vm/kernels/NAME/{vmlinuz,root/lib/modules/KREL,modules}
prepare_kernel() {
	local name=$1 pkgver=${K_PKG[$1]} pkg ver krel deb kd stamp
	pkg=${pkgver%%=*} ver=${pkgver#*=} krel=$(krel "$name")
	# apt-get download names the file PKG_VERSION_ARCH.deb, an epoch's ':' as %3a
	deb=$(ls "$DEBS/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1)
	if [ -z "$deb" ]; then
		note "$name: apt-get download $pkgver"
		(cd "$DEBS" && apt-get download -q "$pkgver") >&2 ||
			{ note "$name: apt-get download $pkgver failed (apt-get update? apt-cache madison $pkg)"; return 1; }
		deb=$(ls "$DEBS/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1)
		[ -n "$deb" ] || return 1
	fi
	kd=$OUT/kernels/$name
	stamp="v$PREP_VERSION $(basename "$deb") $(cksum <"$VM/modules.list")"
	[ "$(cat "$kd/.stamp" 2>/dev/null)" = "$stamp" ] && return 0
	note "$name: extracting $(basename "$deb")"
	rm -rf "$kd" && mkdir -p "$kd/x" || return 1
	local members moddir modre mods=() want m f base q=() seen=" " builtin
	members=$(dpkg-deb --fsys-tarfile "$deb" | tar -t) || return 1
	[ -n "$members" ] || return 1
	moddir=$(grep -m1 -xF -e "./lib/modules/$krel/" -e "./usr/lib/modules/$krel/" <<<"$members")
	[ -n "$moddir" ] || { note "$name: no lib/modules/$krel in $(basename "$deb")"; return 1; }
	moddir=${moddir%/}
	modre=$(sed 's/[][\.*^$+?(){}|]/\\&/g' <<<"$moddir")	# as an ERE
	extract "$deb" "$kd/x" "./boot/vmlinuz-$krel" $(printf '%s\n' "$members" |
		grep -E "^$modre/modules\.(builtin|builtin\.modinfo|order)\$") || return 1
	cp "$kd/x/boot/vmlinuz-$krel" "$kd/vmlinuz" || return 1
	builtin=$(cat "$kd/x/$moddir/modules.builtin" 2>/dev/null)
	# the listed modules, then what they depend on (modinfo), until nothing new
	q=($(grep -v '^#' "$VM/modules.list"))
	want=" ${q[*]} "
	local dst=$kd/root/lib/modules/$krel
	mkdir -p "$dst"
	cp "$kd/x/$moddir"/modules.* "$dst/" 2>/dev/null
	while [ ${#q[@]} -gt 0 ]; do
		local batch=() names=()
		for m in "${q[@]}"; do
			[[ $seen == *" $m "* ]] && continue
			seen+="$m "
			local re=${m//[-_]/[-_]}
			f=$(grep -m1 -E "^$modre/kernel/.*/$re\.ko(\.xz|\.zst|\.gz)?\$" <<<"$members")
			if [ -z "$f" ]; then
				if grep -qE "/$re\.ko\$" <<<"$builtin"; then
					note "$name: module $m is built in"
					[[ $want == *" $m "* ]] && mods+=("$m builtin")
				else
					note "$name: module $m is not in $(basename "$deb")"
					[[ $want == *" $m "* ]] && mods+=("$m missing")
				fi
				continue
			fi
			batch+=("$f") names+=("$m")
		done
		q=()
		[ ${#batch[@]} -gt 0 ] || break
		extract "$deb" "$kd/x" "${batch[@]}" || return 1
		local i
		for i in "${!batch[@]}"; do
			f=${batch[$i]} base=${f#"$moddir"/}
			mkdir -p "$dst/$(dirname "$base")"
			case $f in
			*.xz) xz -dc "$kd/x/$f" >"$dst/${base%.xz}" ;;
			*.zst) zstd -qdc "$kd/x/$f" >"$dst/${base%.zst}" ;;
			*.gz) gzip -dc "$kd/x/$f" >"$dst/${base%.gz}" ;;
			*) cp "$kd/x/$f" "$dst/$base" ;;
			esac || return 1
			base=${base%.xz} base=${base%.zst} base=${base%.gz}
			[[ $want == *" ${names[$i]} "* ]] && mods+=("${names[$i]}")
			for m in $(modinfo -F depends "$dst/$base" | tr ',' ' '); do
				q+=("$m")
			done
		done
	done
	depmod -b "$kd/root" "$krel" || return 1
	printf '%s\n' "${mods[@]}" >"$kd/modules"
	rm -rf "$kd/x"
	echo "$stamp" >"$kd/.stamp"
}

# ---------------------------------------------------------------- initramfs
# copy_bin STAGE SRC DST: SRC at STAGE/DST, with what ldd lists at the same paths.
copy_bin() {
	local stage=$1 src=$2 dst=$3 lib
	mkdir -p "$stage/$(dirname "$dst")" && cp -L "$src" "$stage/$dst" || return 1
	for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
		[ -e "$stage/$lib" ] && continue
		mkdir -p "$stage/$(dirname "$lib")" && cp -L "$lib" "$stage/$lib" || return 1
	done
}

extra_bins() {	# HOST-PATH VM-PATH lines
	grep -v '^[[:space:]]*#' "$VM/extra-bins.list" | while read -r src dst _; do
		[ -n "$src" ] || continue
		[ "${src#/}" != "$src" ] || src=$ROOT/$src
		echo "$src ${dst:-$src}"
	done
}

extra_dirs() {	# directories copied whole, at the same path (@CACHE@: the download cache)
	grep -v '^[[:space:]]*#' "$VM/extra-dirs.list" | while read -r d _; do
		[ -n "$d" ] && echo "${d//@CACHE@/$CACHE}"
	done
}

build_initrd() {
	local name=$1 krel emb=${K_EMB[$1]} kd=$OUT/kernels/$1 od=$OUT/$1 stamp stage a src dst
	local arch=${K_ARCH[$name]}
	local cp=${A_CP[$arch]} tgt=${A_TGT[$arch]} busybox=${A_BUSYBOX[$arch]}
	krel=$(krel "$name")
	local inputs=("$cp" "$busybox" "$VM/init.sh" "$VM/lib.sh" "$VM"/cases/*.sh
		"$VM/extra-bins.list" "$kd/.stamp" "$kd/modules" "$VM/run.sh")
	for a in $DEMOS; do inputs+=("$tgt/$a"); done
	[ "$arch" = x86_64 ] && inputs+=("$ROOT/build/targets/demo_v3.dbg")
	local dirsig=""
	if [ "$arch" = x86_64 ]; then
		while read -r src dst; do
			[ -e "$src" ] || { note "extra-bins.list: no $src"; return 1; }
			inputs+=("$src")
		done < <(extra_bins)
		while read -r src; do
			[ -d "$src" ] || { note "extra-dirs.list: no $src"; return 1; }
			dirsig+=$(find "$src" -printf '%p %s %T@\n' | sha256sum)
		done < <(extra_dirs)
	else
		inputs+=("$tgt/nettraffic" "$tgt/demo_v3.dbg" "$tgt/tracetarget_l1.btfsec" "$OUT/arm64-root/.stamp")
		# the throwaway certificate of the sslsniff case and the arm64 OpenSSL roots
		# (tests/openssl/fetch.sh [--arch arm64])
		for src in "$CACHE/openssl/cert" "$CACHE"/openssl-arm64/*/; do
			[ -d "$src" ] && dirsig+=$(find "$src" -printf '%p %s %T@\n' | sha256sum)
		done
	fi
	stamp=$({ echo "$name $krel $emb $arch $dirsig"; cat "${inputs[@]}"; } | sha256sum | cut -c1-32)
	[ "$(cat "$od/.stamp" 2>/dev/null)" = "$stamp" ] && [ -s "$od/initrd.gz" ] && return 0
	note "$name: building the initramfs"
	stage=$od/root
	rm -rf "$od" && mkdir -p "$stage" || return 1
	(cd "$stage" && mkdir -p bin sbin dev proc sys tmp run etc targets vm/cases lib/modules mnt) || return 1
	if [ "$arch" = arm64 ]; then
		# Debian's arm64 glibc, ipset, tc, tcprtt (a root of unpacked packages): the aarch64
		# targets are dynamic glibc programs like the x86_64 ones; ldd cannot see cross binaries
		cp -a "$OUT/arm64-root/root/." "$stage/" || return 1
		rm -rf "$stage/usr/share/doc" "$stage/usr/share/man" "$stage/usr/share/locale"
		mkdir -p "$stage/bin" "$stage/sbin"
	fi
	cp "$busybox" "$stage/bin/busybox" || return 1
	for a in $(${A_RUN[$arch]} "$busybox" --list); do
		[ -e "$stage/bin/$a" ] || [ -e "$stage/sbin/$a" ] || [ -e "$stage/usr/sbin/$a" ] || ln -s busybox "$stage/bin/$a"
	done
	cp "$cp" "$stage/bin/coreprobe" || return 1
	if [ "$arch" = x86_64 ]; then
		for a in $DEMOS; do copy_bin "$stage" "$tgt/$a" "/targets/$a" || return 1; done
		cp "$ROOT/build/targets/demo_v3.dbg" "$stage/targets/demo_v3.dbg" || return 1
		while read -r src dst; do
			copy_bin "$stage" "$src" "$dst" || return 1
		done < <(extra_bins)
		while read -r src; do
			mkdir -p "$stage/$(dirname "$src")" && cp -a "$src" "$stage/$src" || return 1
		done < <(extra_dirs)
	else
		for a in $DEMOS nettraffic demo_v3.dbg tracetarget_l1.btfsec; do cp "$tgt/$a" "$stage/targets/$a" || return 1; done
		if [ -d "$CACHE/openssl/cert" ]; then
			mkdir -p "$stage/$CACHE/openssl" && cp -a "$CACHE/openssl/cert" "$stage/$CACHE/openssl/" || return 1
		fi
		for src in "$CACHE"/openssl-arm64/*/; do
			[ -x "$src/run" ] || continue
			mkdir -p "$stage/$CACHE/openssl-arm64" && cp -a "${src%/}" "$stage/$CACHE/openssl-arm64/" || return 1
			rm -rf "$stage/${src%/}/root/usr/share/doc" "$stage/${src%/}/root/usr/share/man" "$stage/${src%/}/root/usr/share/locale"
		done
	fi
	cp "$VM/init.sh" "$stage/init" && chmod 755 "$stage/init" || return 1
	cp "$VM/lib.sh" "$stage/vm/" && cp "$VM"/cases/*.sh "$stage/vm/cases/" || return 1
	cp -a "$kd/root/lib/modules/$krel" "$stage/lib/modules/" || return 1
	cp "$kd/modules" "$stage/etc/coreprobe-vm.modules"
	printf 'KNAME=%s\nEMBEDDED=%s\nCACHE=%s\nVMARCH=%s\n' "$name" "$emb" "$CACHE" "$arch" >"$stage/etc/coreprobe-vm.env"
	mknod "$stage/dev/console" c 5 1 && mknod "$stage/dev/null" c 1 3 || return 1
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -6 &&
		[ "${PIPESTATUS[*]}" = "0 0 0 0" ]) >"$od/initrd.gz" || return 1
	rm -rf "$stage"
	echo "$stamp" >"$od/.stamp"
}

for name in "${RUN_KERNELS[@]}"; do
	prepare_kernel "$name" || die "$name: cannot prepare the kernel"
	build_initrd "$name" || die "$name: cannot build the initramfs"
done
T_PREP=$(elapsed "$T0")

# ---------------------------------------------------------------- runs
# Every row: build/vm/ROW.log (output), build/vm/ROW.status ("EXIT SECONDS").
rowfile() { echo "$OUT/${1//\//-}"; }

boot() {	# boot NAME MODE
	local name=$1 mode=$2 f t rc
	f=$(rowfile "$name/$mode")
	rm -f "$f.status"
	t=$(now)
	local qemu=(qemu-system-x86_64) console=ttyS0
	if [ "${K_ARCH[$name]}" = arm64 ]; then
		# pauth-impdef: QEMU's cheap pointer-authentication hash (the architected one is slow
		# under TCG); nothing here depends on which
		qemu=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on) console=ttyAMA0
	fi
	timeout -k 10 "$BOOT_TIMEOUT" "${qemu[@]}" -accel tcg -m 1G -smp 1 -nographic -no-reboot \
		-nic none -kernel "$OUT/kernels/$name/vmlinuz" -initrd "$OUT/$name/initrd.gz" \
		-append "console=$console loglevel=0 panic=-1 rdinit=/init coreprobe.mode=$mode" \
		</dev/null >"$f.log" 2>&1 &
	echo $! >"$f.pid"
	wait $!
	rc=$?
	rm -f "$f.pid"
	echo "$rc $(elapsed "$t")" >"$f.status"
	note "$name/$mode: $( [ $rc = 124 ] || [ $rc = 137 ] && echo "KILLED after ${BOOT_TIMEOUT}s" || echo "qemu exit $rc") in $(elapsed "$t")s"
}

host_rows() {
	local mode f t rc ht=$OUT/host/targets d
	rm -rf "$OUT/host" && mkdir -p "$ht" || return 1
	# private copies: other processes running build/targets/demo_* are not traced by these rows
	for d in $DEMOS; do cp "$ROOT/build/targets/$d" "$ht/$d"; done
	cp "$ROOT/build/targets/demo_v3.dbg" "$ht/demo_v3.dbg"
	for mode in "${MODES[@]}"; do
		f=$(rowfile "host/$mode")
		rm -f "$f.status"
		mkdir -p "$OUT/host/work-$mode"
		t=$(now)
		COREPROBE=$ROOT/coreprobe T=$ht WORK=$OUT/host/work-$mode \
			timeout -k 10 "$HOST_TIMEOUT" unshare -m --propagation private \
			bash "$VM/run.sh" --host-inner "$mode" </dev/null >"$f.log" 2>&1 &
		echo $! >"$f.pid"
		wait $!
		rc=$?
		rm -f "$f.pid"
		echo "$rc $(elapsed "$t")" >"$f.status"
		note "host/$mode: exit $rc in $(elapsed "$t")s"
	done
}

ROWS=()
[ "$NO_HOST" = 1 ] && HOST=0
[ "$HOST" = 1 ] && for m in "${MODES[@]}"; do ROWS+=("host/$m"); done
JOBLIST=()
[ "$HOST" = 1 ] && JOBLIST+=("host")
for name in "${RUN_KERNELS[@]}"; do
	for m in "${MODES[@]}"; do
		ROWS+=("$name/$m")
		JOBLIST+=("$name/$m")
	done
done
[ ${#ROWS[@]} -gt 0 ] || die "nothing to run (--kernels host with --no-host?)"
for r in "${ROWS[@]}"; do rm -f "$(rowfile "$r").log" "$(rowfile "$r").status" "$(rowfile "$r").pid"; done

# Interrupted: stop this run's time-limited children (each forwards the signal to its qemu or
# host run), by the pids they recorded.
stop_all() {
	local r p
	trap - INT TERM
	for r in "${ROWS[@]}"; do
		p=$(cat "$(rowfile "$r").pid" 2>/dev/null) && [ -n "$p" ] && kill -TERM "$p" 2>/dev/null
	done
	note "interrupted"
	exit 130
}
trap stop_all INT TERM

note "${#JOBLIST[@]} jobs, $JOBS at a time (boot timeout ${BOOT_TIMEOUT}s)"
running=0
for j in "${JOBLIST[@]}"; do
	while [ $running -ge "$JOBS" ]; do
		wait -n
		running=$((running - 1))
	done
	if [ "$j" = host ]; then host_rows & else boot "${j%/*}" "${j#*/}" & fi
	running=$((running + 1))
done
wait

# ---------------------------------------------------------------- matrix
declare -A CELL DETAIL FINISHED NRES DECLARED
# The cells every row must report: the `# cells: TOOL:CASE...` line of each case script.
COLS=()
for c in $(sed -n 's/^# cells://p' "$VM"/cases/*.sh); do
	COLS+=("$c")
	DECLARED[$c]=1
done
for r in "${ROWS[@]}"; do
	f=$(rowfile "$r").log
	NRES[$r]=0
	FINISHED[$r]=0
	[ -r "$f" ] || continue
	grep -aq 'COREPROBE-VM-DONE' "$f" && FINISHED[$r]=1
	while read -r _ tool cas st detail; do
		c="$tool:$cas"
		[[ " ${COLS[*]} " == *" $c "* ]] || COLS+=("$c")
		NRES[$r]=$((NRES[$r] + 1))
		prev=${CELL[$r|$c]:-}
		if [ "$prev" = FAIL ] || { [ "$prev" = PASS ] && [ "$st" = SKIP ]; }; then
			continue
		fi
		CELL[$r|$c]=$st DETAIL[$r|$c]=$detail
	done < <(tr -d '\r' <"$f" | grep -ao 'RESULT [^ ]\{1,\} [^ ]\{1,\} \(PASS\|FAIL\|SKIP\)\( .*\)\{0,1\}$')
done

npass=0 nfail=0 nskip=0 bad_rows=()
for r in "${ROWS[@]}"; do
	[ "${NRES[$r]}" -gt 0 ] || bad_rows+=("$r")
	for c in "${COLS[@]}"; do
		if [ -z "${CELL[$r|$c]:-}" ] && { [ "${FINISHED[$r]}" = 0 ] || [ -n "${DECLARED[$c]:-}" ]; }; then
			read -r rc secs <"$(rowfile "$r").status" 2>/dev/null || rc="?"
			CELL[$r|$c]=FAIL
			if [ "${FINISHED[$r]}" = 1 ]; then
				DETAIL[$r|$c]="no result although the run finished (a case script bug?)"
			elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
				DETAIL[$r|$c]="no result: killed at the time limit"
			else
				DETAIL[$r|$c]="no result: the run ended early (exit $rc)"
			fi
		fi
		case ${CELL[$r|$c]:-} in
		PASS) npass=$((npass + 1)) ;;
		FAIL) nfail=$((nfail + 1)) ;;
		SKIP) nskip=$((nskip + 1)) ;;
		esac
	done
done
WALL=$(elapsed "$T0")

# --tap: one "ok"/"not ok" line per cell, for tests/run.sh to count (SKIP cells are not tests)
if [ "${TAP:-0}" = 1 ]; then
	for r in "${ROWS[@]}"; do
		for c in "${COLS[@]}"; do
			case ${CELL[$r|$c]:-} in
			PASS) echo "ok - vm $r $c" ;;
			FAIL) echo "not ok - vm $r $c: ${DETAIL[$r|$c]:-}" ;;
			esac
		done
	done
fi

render() {	# render txt|md
	local fmt=$1 r c i s w=11 cw=() rc secs f
	for r in "${ROWS[@]}"; do [ ${#r} -gt $w ] && w=${#r}; done
	for c in "${COLS[@]}"; do cw+=($(( ${#c} > 4 ? ${#c} : 4 ))); done
	if [ "$fmt" = md ]; then
		printf '| kernel/mode |'; for c in "${COLS[@]}"; do printf ' %s |' "$c"; done; echo
		printf '|---|'; for c in "${COLS[@]}"; do printf -- '---|'; done; echo
		for r in "${ROWS[@]}"; do
			printf '| %s |' "$r"
			for c in "${COLS[@]}"; do
				s=${CELL[$r|$c]:--}
				[ "$s" = FAIL ] && s="**FAIL**"
				printf ' %s |' "$s"
			done
			echo
		done
	else
		printf "%-${w}s" "kernel/mode"; for i in "${!COLS[@]}"; do printf "  %-${cw[$i]}s" "${COLS[$i]}"; done; echo
		for r in "${ROWS[@]}"; do
			printf "%-${w}s" "$r"
			for i in "${!COLS[@]}"; do printf "  %-${cw[$i]}s" "${CELL[$r|${COLS[$i]}]:--}"; done
			echo
		done
	fi
	echo
	echo "$npass passed, $nfail failed, $nskip skipped; wall time ${WALL}s (setup ${T_PREP}s, $JOBS at a time)"
	echo
	if [ "$fmt" = md ]; then
		echo "| row | seconds | exit | results | finished |"
		echo "|---|---|---|---|---|"
	else
		echo "per row (seconds, exit code of qemu or of the host run, RESULT lines):"
	fi
	for r in "${ROWS[@]}"; do
		rc="?" secs="?"
		read -r rc secs <"$(rowfile "$r").status" 2>/dev/null
		if [ "$fmt" = md ]; then
			echo "| $r | $secs | $rc | ${NRES[$r]} | $( [ "${FINISHED[$r]}" = 1 ] && echo yes || echo '**no**') |"
		else
			printf '  %-*s %7ss  exit %-3s %3s results%s\n' "$w" "$r" "$secs" "$rc" "${NRES[$r]}" \
				"$( [ "${FINISHED[$r]}" = 1 ] || echo ", DID NOT FINISH")"
		fi
	done
	[ ${#bad_rows[@]} -gt 0 ] && printf '\nrows without any result: %s\n' "${bad_rows[*]}"
	for r in "${ROWS[@]}"; do
		[ "${FINISHED[$r]}" = 1 ] && continue
		f=$(rowfile "$r").log
		printf '\nlast lines of %s (build/vm/%s):\n' "$r" "${f##*/}"
		[ "$fmt" = md ] && echo '```'
		tr -d '\r' <"$f" 2>/dev/null | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[A-Za-z]//g' |
			grep -av '^[[:space:]]*$' | tail -n 6 | cut -c1-200 | sed 's/^/    /'
		[ "$fmt" = md ] && echo '```'
	done
	if [ "$nfail" -gt 0 ]; then
		printf '\nfailures:\n'
		[ "$fmt" = md ] && echo
		for r in "${ROWS[@]}"; do
			for c in "${COLS[@]}"; do
				[ "${CELL[$r|$c]:-}" = FAIL ] || continue
				f=$(rowfile "$r").log
				if [ "$fmt" = md ]; then
					echo "- \`$r\` \`$c\`: ${DETAIL[$r|$c]} (build/vm/${f##*/})"
				else
					echo "  $r $c: ${DETAIL[$r|$c]} (build/vm/${f##*/})"
				fi
			done
		done
	fi
	return 0
}

render txt | tee "$OUT/matrix.txt"
render md >"$OUT/matrix.md"
[ "$nfail" = 0 ] && [ ${#bad_rows[@]} = 0 ]
