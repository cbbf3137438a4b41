#!/bin/bash
# Privilege: coreprobe run as nobody (setpriv --reuid=65534 ...) without capabilities must stop
# at once with exit 4 and one line naming what it needs; with capabilities granted as ambient
# ones, the structs demo must work where the kernel allows it. The sets that work here are
# measured and printed. Needs root (to hand out the capabilities).
. "$(dirname "$0")/../lib.sh"

NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
# as_nobody CAPS CMD...: CMD as uid/gid 65534 with only CAPS (e.g. +bpf,+perfmon; "" for none)
as_nobody() {
	local caps=$1
	shift
	if [ -n "$caps" ]; then
		$NOBODY --inh-caps="$caps" --ambient-caps="$caps" "$@"
	else
		$NOBODY "$@"
	fi
}
# nobody may traverse $TMP (mktemp -d makes it 0700) to reach the targets copied there
chmod 711 "$TMP"

expect_error "nobody, no capabilities: exit 4 naming CAP_BPF and CAP_PERFMON" 4 'missing privilege: .*CAP_BPF and CAP_PERFMON' \
	as_nobody "" "$CP" structs "$T/demo_v1"
as_nobody "" "$CP" -j structs "$T/demo_v1" >"$TMP/j.out" 2>"$TMP/j.err"
rc=$?
[ "$rc" = 4 ] && grep -q '^{"error":"missing privilege.*CAP_BPF.*","exit":4}$' "$TMP/j.out" && [ ! -s "$TMP/j.err" ] &&
	ok "nobody, no capabilities, --json: one JSON error line, exit 4" ||
	notok "nobody --json: exit $rc: $(head -c 200 "$TMP/j.out") $(head -c 200 "$TMP/j.err")"
expect_error "nobody with CAP_BPF only: exit 4" 4 'missing privilege: .*CAP_PERFMON' as_nobody +bpf "$CP" structs "$T/demo_v1"
expect_error "nobody with CAP_PERFMON only: exit 4" 4 'missing privilege: .*CAP_BPF' as_nobody +perfmon "$CP" structs "$T/demo_v1"
# not root and the BTF commands that need no privilege still work
as_nobody "" "$CP" btf list >/dev/null 2>&1 && ok "nobody: btf list works without privilege" || notok "nobody: btf list failed"

# try CAPS TARGET: 0 if the demo traced 1 3 4; the exit code and message otherwise
try() {
	local caps=$1 target=$2
	if tracer_start "$TMP/t.out" "$TMP/t.err" as_nobody "$caps" "$CP" -j structs -c 1 "$target"; then
		"$target" >/dev/null
		tracer_wait 10
		grep -q '"a":1,"c":3,"sum":4' "$TMP/t.out"
		return
	fi
	wait "$TRACER_PID"
	return 1
}

works=()
for caps in +bpf,+perfmon +sys_admin +bpf,+perfmon,+sys_admin; do
	if try "$caps" "$T/demo_v1"; then
		works+=("$caps")
		ok "nobody with $caps: structs demo traces 1 3 4"
	elif [ "$caps" = +bpf,+perfmon ] && grep -q '^{"error":"missing privilege: .*CAP_SYS_ADMIN.*","exit":4}$' "$TMP/t.out"; then
		# kernels that want CAP_SYS_ADMIN for uprobe perf events (this 6.18 one does)
		ok "nobody with $caps: the kernel refuses the uprobe; exit 4 names CAP_SYS_ADMIN ($(cut -c1-140 "$TMP/t.out"))"
	else
		notok "nobody with $caps: $(head -c 300 "$TMP/t.out") $(head -c 300 "$TMP/t.err")"
	fi
done
# a target nobody may not read: CAP_DAC_READ_SEARCH is needed to inspect it
mkdir -p "$TMP/priv" && cp "$T/demo_v1" "$TMP/priv/demo_v1" && chmod 700 "$TMP/priv"
minimal=${works[0]:-none}
expect_error "nobody with $minimal, unreadable target: exit 2, cannot open" 2 'cannot open: Permission denied' \
	as_nobody "$minimal" "$CP" structs "$TMP/priv/demo_v1"
if [ "$minimal" != none ] && try "$minimal,+dac_read_search" "$TMP/priv/demo_v1"; then
	ok "nobody with $minimal,+dac_read_search, unreadable target: traces 1 3 4"
else
	notok "nobody with $minimal,+dac_read_search, unreadable target: $(head -c 300 "$TMP/t.err")"
fi
echo "# minimal capability sets that trace here: ${works[*]:-none} (+dac_read_search for a target the user cannot read)"
