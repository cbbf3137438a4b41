# cells: structs:demo_v1 structs:demo_v2 structs:demo_v3 structs:demo_v3-dbg
# structs: one traced call of each demo build. demo_v1 and demo_v2 (different struct data
# layouts, embedded app BTF) must both read a=1 c=3 (sum 4); demo_v3 has no app BTF: exit 3,
# nothing printed; demo_v3-dbg: demo_v3 again, its app BTF encoded from its split, compressed
# debug file (--debug-file): a=1 c=3. Without any kernel BTF (not embedded, sysfs hidden) every demo gives exit 3,
# one error line, no values, no probe left behind.
VMDIR=${VMDIR:-$(cd "${0%/*}/.." && pwd)}
. "$VMDIR/lib.sh"

for d in demo_v1 demo_v2; do
	if no_btf_here; then
		structs_expect_fail structs $d $d 3 "coreprobe: no BTF for kernel" "$KREL"
	else
		structs_check structs $d $d
	fi
done
if no_btf_here; then
	structs_expect_fail structs demo_v3 demo_v3 3 "coreprobe: no BTF for kernel" "$KREL"
else
	structs_expect_fail structs demo_v3 demo_v3 3 "coreprobe: no BTF for" "demo_v3" "build-id"
fi
if no_btf_here; then
	structs_expect_fail structs demo_v3-dbg demo_v3 3 "coreprobe: no BTF for kernel" "$KREL"
else
	structs_check structs demo_v3-dbg demo_v3 --debug-file "$T/demo_v3.dbg"
fi
