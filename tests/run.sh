#!/bin/bash
# `make test`: every test of coreprobe, in one run. Prints each test's "ok"/"not ok" line and
# ends with "N passed, N failed". Sections: unit (no root), integration (root, this host), the
# real-kernel VM matrix, short fuzz runs (unit-arm64: the unit tests of the aarch64 build), the sanitizer build. SECTIONS=... limits the run.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
LOG=build/test-log
mkdir -p "$LOG"
SECTIONS=${SECTIONS:-unit unit-arm64 integration vm fuzz sanitize}
pass=0 failn=0

count() {	# count FILE: adds its ok / not ok lines
	local p f
	p=$(grep -c '^ok - ' "$1" || true)
	f=$(grep -c '^not ok - ' "$1" || true)
	pass=$((pass + p))
	failn=$((failn + f))
}

section() {	# section NAME CMD...: runs CMD, shows and counts its results; a CMD failing
	local name=$1	# without a "not ok" line counts as one failure of the section
	shift
	echo "### $name"
	"$@" 2>&1 | tee "$LOG/$name.log"
	local rc=${PIPESTATUS[0]}
	count "$LOG/$name.log"
	if [ "$rc" != 0 ] && ! grep -q '^not ok - ' "$LOG/$name.log"; then
		echo "not ok - section $name exited $rc"
		failn=$((failn + 1))
	fi
}

for s in $SECTIONS; do
	case $s in
	unit) section unit build/unit ;;
	# the same unit tests built for aarch64, run by qemu's user-mode emulator (ELF machine
	# checks, arch of blobs and picks, as coreprobe-aarch64 sees them)
	unit-arm64) section unit-arm64 bash -c 'set -o pipefail; qemu-aarch64-static build/arm64/unit | sed "s/^\(not \)\{0,1\}ok - /&arm64: /"' ;;
	integration)
		for t in tests/integration/*.sh; do
			section "integration-$(basename "$t" .sh)" bash "$t"
		done ;;
	vm) section vm bash tests/vm/run.sh --tap --no-build ;;
	fuzz) [ -x tests/fuzz/run.sh ] && section fuzz bash tests/fuzz/run.sh --short ;;
	sanitize) [ -x tests/sanitize.sh ] && section sanitize bash tests/sanitize.sh ;;
	esac
done
echo "$pass passed, $failn failed"
[ "$failn" = 0 ]
