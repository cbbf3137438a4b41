# What the application-BTF recipes share (btfs/app/openssl/build.sh, btfs/app/gnutls/build.sh):
# fetching Debian's binary package, the rebuild at the buildds' path, the BTF encode, and the
# layout evidence written to MANIFEST. POSIX sh, sourced after the recipe has set:
#   ARCH (x86_64|arm64)  DEBARCH  OBJDUMP (the objdump of ARCH's code)  CACHE  WORK  REPO  SELF
#   JOBS  CROSS (the wrapper a cross build runs under)  ENC (the encoder: coreprobe, or the
#   aarch64 one under qemu-user)
# and, optionally, DISP_EXCLUDE: an extended regexp of instruction lines disp_set leaves out.
# shellcheck shell=sh disable=SC2046,SC2016,SC2086,SC2015

die() { echo "build.sh: $*" >&2; exit 1; }
say() { echo "build.sh: $*" >&2; }
build_id() { readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'; }
count_struct() { bpftool btf dump file "$1" | grep -c "STRUCT '$2'" || true; }
fsize() { wc -c <"$1" | tr -d ' '; }

# fetch_deb PACKAGE VERSION: prints the path of the .deb in $CACHE/debs (downloading it once).
# Fails when the archive lists the package but does not serve it (404: arm64's libssl1.1
# 1.1.1w-0+deb11u8): there is then no Debian binary whose build-id could key a blob.
fetch_deb() {
	f=$CACHE/debs/${1}_${2#*:}_$DEBARCH.deb
	if [ ! -f "$f" ]; then
		(cd "$CACHE/debs" && apt-get download -qq "$1:$DEBARCH=$2" >/dev/null 2>&1) || return 1
	fi
	[ -f "$f" ] || return 1
	echo "$f"
}

# rebuild_at SRC DEBPATH B WHAT NOTE: runs "$SELF --inner B" (the recipe's own build of the
# library) in the source tree SRC, bind-mounted (root + unshare -m) on DEBPATH, the path
# Debian's buildds build in (-ffile-prefix-map and the DWARF record it); without root/unshare
# in SRC itself (NOTE says what then names that path). Log: B/build.log, wall time:
# B/build.seconds. Dies naming WHAT when the build fails.
rebuild_at() {
	say "building $4 in $2 (log: $3/build.log)"
	t0=$(date +%s)
	made=""
	if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
		# Create only the missing components of the mount point, and remove them afterwards.
		d=$2
		while [ ! -e "$d" ]; do made="$d $made"; d=$(dirname "$d"); done
		mkdir -p "$2"
		# A file under the mount point, on the host side: another build's clean-up (rmdir of
		# the same path) would otherwise remove the directory, which detaches our bind mount
		# in the middle of the build (mounts on a removed directory are dropped).
		busy=$2/.build-sh-busy.$$
		: >"$busy"
		rc=0
		JOBS=$JOBS $CROSS unshare -m sh -c 'mount --bind "$1" "$2" && cd "$2" && exec sh "$3" --inner "$4"' \
			sh "$1" "$2" "$SELF" "$3" >"$3/build.log" 2>&1 || rc=$?
		rm -f "$busy"
		# Deepest first: reverse lexical order puts a path after its parents.
		for d in $(printf "%s\n" $made | sort -r); do
			rmdir "$d" 2>/dev/null || true
		done
		[ $rc = 0 ] || die "build of $4 failed (see $3/build.log)"
	else
		say "no root/unshare: building in $1 ($5 will name that path)"
		(cd "$1" && JOBS=$JOBS $CROSS sh "$SELF" --inner "$3") >"$3/build.log" 2>&1 ||
			die "build of $4 failed (see $3/build.log)"
	fi
	echo $(( $(date +%s) - t0 )) >"$3/build.seconds"
}

# btf_of LIB OUTBTF LOG: every type of LIB's DWARF, by coreprobe's encoder. A type it refuses
# (one line each in LOG) fails the build: a blob must not silently lack a type.
btf_of() {
	$ENC btf dwarf "$1" -o "$2" >"$3" 2>&1 || die "coreprobe btf dwarf failed on $1: $(cat "$3")"
	! grep -q 'refused' "$3" || die "coreprobe btf dwarf refused types of $1: $(cat "$3")"
}

# install_blob RAW DEST: xz -9 RAW into DEST unless DEST already holds exactly that.
install_blob() {
	mkdir -p "$(dirname "$2")"
	xz -9 -c "$1" >"$2.tmp"
	if [ -f "$2" ] && cmp -s "$2.tmp" "$2"; then rm -f "$2.tmp"; else mv "$2.tmp" "$2"; fi
}

# crosscheck_line NAME: the line of $CROSSCHECK (btfs/app/crosscheck.sh's output) for NAME
crosscheck_line() {
	if [ -n "${CROSSCHECK:-}" ] && grep -q "^[a-z ]* - $1: " "$CROSSCHECK"; then
		grep -m1 "^[a-z ]* - $1: " "$CROSSCHECK"
	else
		echo "not run for this build (btfs/app/crosscheck.sh; CROSSCHECK=FILE)"
	fi
}

# disp_set LIB FUNC: sorted memory-operand displacements off registers in FUNC's code.
# The accessors read struct fields at fixed offsets, so equal sets in two builds of the same
# source mean the fields those accessors touch sit at the same offsets.
# x86-64: disp(%reg) operands (not %rsp/%rip; nops and DISP_EXCLUDE's lines left out); arm64:
# [xN, #imm] / [xN] operands (not sp, not adrp page addresses: btfs/app/disp-arm64.awk).
disp_set() {
	set -- "$1" "$2" $(readelf -W --dyn-syms "$1" | awk -v f="$2" '{ sub("@.*", "", $8) } $8 == f && $4 == "FUNC" && $7 != "UND" { print $2, $3; exit }')
	[ $# = 4 ] || { echo "absent"; return; }
	start=$((0x$3)); stop=$((start + $4))
	if [ "$ARCH" = arm64 ]; then
		$OBJDUMP -d --no-show-raw-insn --start-address=$start --stop-address=$stop "$1" |
			awk -f "$REPO/btfs/app/disp-arm64.awk" | sort -un | tr '\n' ' ' | sed 's/ $//'
		return
	fi
	objdump -d --no-show-raw-insn --start-address=$start --stop-address=$stop "$1" |
		grep -v -E "\\snop[wl]?\\s${DISP_EXCLUDE:+|$DISP_EXCLUDE}" | grep -o -E '(-?0x[0-9a-f]+)?\(%r[a-z0-9]+' | grep -v -E '%r(sp|ip)' | sed 's/(%.*//' |
		sed 's/^$/0x0/' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# accessor_check DEBIAN_LIB OUR_LIB FUNCS: writes "func: same|DIFF (debian: ..., ours: ...)".
accessor_check() {
	for fn in $3; do
		d=$(disp_set "$1" "$fn"); o=$(disp_set "$2" "$fn")
		if [ "$d" = absent ] && [ "$o" = absent ]; then continue; fi
		if [ "$d" = "$o" ]; then echo "  $fn: same [$d]"; else echo "  $fn: DIFF debian [$d] ours [$o]"; fi
	done
}

# sym_cmp DEBIAN_LIB OUR_LIB: compares the sets of exported (versioned) symbols.
sym_cmp() {
	nm -D --defined-only --with-symbol-versions "$1" | awk '{ print $3 }' | sort >"$WORK/sym.a"
	nm -D --defined-only --with-symbol-versions "$2" | awk '{ print $3 }' | sort >"$WORK/sym.b"
	if cmp -s "$WORK/sym.a" "$WORK/sym.b"; then
		echo "same $(wc -l <"$WORK/sym.a" | tr -d ' ') symbols"
	else
		echo "DIFFER: only Debian's: $(comm -23 "$WORK/sym.a" "$WORK/sym.b" | tr '\n' ' ')only ours: $(comm -13 "$WORK/sym.a" "$WORK/sym.b" | tr '\n' ' ')"
	fi
	rm -f "$WORK/sym.a" "$WORK/sym.b"
}
