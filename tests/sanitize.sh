#!/bin/bash
# The sanitizer pass of `make test`: the same sources built for glibc with ASan + UBSan
# (build/asan/coreprobe carries the same embedded blob store as ./coreprobe), then
#   - the unit tests under ASan + UBSan (build/asan/unit),
#   - the host integration tests with CP=build/asan/coreprobe (root),
#   - valgrind memcheck (--leak-check=full) on the uninstrumented glibc unit binary.
# A sanitizer report anywhere fails its line; reports are kept in build/asan/reports/.
# One "ok"/"not ok" line per check.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
A=build/asan
R=$A/reports
INTEGRATION=${SANITIZE_INTEGRATION:-tests/integration/structs.sh tests/integration/badinputs.sh tests/integration/files.sh}

if ! make -s asan-bins >"$A.build.log" 2>&1; then
	echo "not ok - sanitizer builds: $(tail -n 3 "$A.build.log" | tr '\n' ' ')"
	exit 1
fi
rm -rf "$R"
mkdir -p "$R"
# Reports go to files (not to the tools' stderr, which the tests read); any file is a finding.
export ASAN_OPTIONS="log_path=$ROOT/$R/asan:detect_leaks=1:abort_on_error=0:exitcode=86"
export UBSAN_OPTIONS="log_path=$ROOT/$R/ubsan:print_stacktrace=1:halt_on_error=1"
fail=0

reports() { ls "$R" 2>/dev/null | grep -c . ; }
first_report() { for f in "$R"/*; do [ -f "$f" ] && { grep -m1 -E 'ERROR|runtime error' "$f" | head -c 200; return; }; done; }

# unit tests under ASan + UBSan
out=$("$A/unit" 2>&1)
rc=$?
sum=$(echo "$out" | tail -n 1)
if [ "$rc" = 0 ] && [ "$(reports)" = 0 ]; then
	echo "ok - sanitize: unit tests under ASan+UBSan ($sum)"
else
	echo "not ok - sanitize: unit tests under ASan+UBSan: exit $rc, $sum, $(reports) report(s): $(first_report)"
	echo "$out" | grep '^not ok' | sed 's/^/#   /'
	fail=1
fi

# host integration tests against the ASan coreprobe
if [ "$(id -u)" = 0 ]; then
	for t in $INTEGRATION; do
		before=$(reports)
		out=$(CP=$ROOT/$A/coreprobe bash "$t" 2>&1)
		p=$(echo "$out" | grep -c '^ok - ')
		f=$(echo "$out" | grep -c '^not ok - ')
		if [ "$f" = 0 ] && [ "$p" -gt 0 ] && [ "$(reports)" = "$before" ]; then
			echo "ok - sanitize: $(basename "$t") against the ASan+UBSan coreprobe ($p passed)"
		else
			echo "not ok - sanitize: $(basename "$t") against the ASan+UBSan coreprobe: $f failed, $(( $(reports) - before )) report(s): $(first_report)"
			echo "$out" | grep '^not ok' | sed 's/^/#   /'
			fail=1
		fi
	done
else
	echo "not ok - sanitize: integration tests need root"
	fail=1
fi

# valgrind memcheck on the uninstrumented glibc unit binary
unset ASAN_OPTIONS UBSAN_OPTIONS
if valgrind -q --error-exitcode=1 --leak-check=full --track-origins=yes --log-file="$R/valgrind.%p" \
	build/glibc/unit >"$R/valgrind.out" 2>&1; then
	echo "ok - sanitize: valgrind memcheck --leak-check=full on the unit tests ($(tail -n 1 "$R/valgrind.out"))"
	rm -f "$R"/valgrind.[0-9]*
else
	echo "not ok - sanitize: valgrind on the unit tests: $(grep -m3 -E '==[0-9]+== [A-Z]' "$R"/valgrind.[0-9]* | head -c 300)"
	fail=1
fi
exit $fail
