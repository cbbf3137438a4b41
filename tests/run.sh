#!/bin/bash
# `make test`: every test of coreprobe, in one run. Prints each test's "ok"/"not ok" line and
# ends with "N passed, N failed". Sections: unit (no root), integration (root, this host), the
# real-kernel VM matrix, short fuzz runs, the sanitizer build. SECTIONS=... limits the run.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
LOG=build/test-log
mkdir -p "$LOG"
SECTIONS=${SECTIONS:-unit integration vm fuzz sanitize}
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
