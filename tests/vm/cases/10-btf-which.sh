# cells: btf:which
# btf which: the kernel BTF a trace would use here, for MODE (sysfs | hidden) x EMBEDDED.
#   embedded,     sysfs visible: sysfs true,  source embedded, match build-id
#   embedded,     sysfs hidden:  sysfs false, source embedded, match build-id
#   not embedded, sysfs visible: sysfs true,  source sysfs,    match running kernel
#   not embedded, sysfs hidden:  exit 3 and {"error":...,"exit":3}
# plus the app part for demo_v1 (embedded blob) when a kernel BTF exists.
VMDIR=${VMDIR:-$(cd "${0%/*}/.." && pwd)}
. "$VMDIR/lib.sh"

o=$WORK/which.json
e=$WORK/which.err
"$COREPROBE" -j btf which "$T/demo_v1" >"$o" 2>"$e"
rc=$?
kid=$(kernel_build_id)
[ -r /sys/kernel/btf/vmlinux ] && have=true || have=false
want_sysfs=true
[ "$MODE" = hidden ] && want_sysfs=false

# the harness itself: is /sys/kernel/btf as MODE says?
if [ "$have" != "$want_sysfs" ]; then
	result btf which FAIL "harness: /sys/kernel/btf/vmlinux readable=$have in mode $MODE"
	exit 0
fi

if no_btf_here; then
	err=$(json_field "$o" error)
	ex=$(json_field "$o" exit)
	if [ $rc = 3 ] && [ "$ex" = 3 ] && [ -n "$err" ] && ! grep -q '"kernel"' "$o" && [ "$(wc -l <"$o" | tr -d ' ')" = 1 ]; then
		result btf which PASS "exit 3: $(printf '%s' "$err" | cut -c1-80)"
	else
		result btf which FAIL "want exit 3 and one {\"error\":..,\"exit\":3} line, got exit $rc: $(head -c 300 "$o" "$e" | tr '\n' ' ')"
	fi
	exit 0
fi

if [ "$EMBEDDED" = yes ]; then
	want="sysfs=$want_sysfs source=embedded match=build-id"
else
	want="sysfs=true source=sysfs match=running kernel"
fi
got="sysfs=$(json_field "$o" kernel.sysfs) source=$(json_field "$o" kernel.source) match=$(json_field "$o" kernel.match)"
rel=$(json_field "$o" kernel.release)
bid=$(json_field "$o" kernel.build_id)
blob=$(json_field "$o" kernel.blob)
asrc=$(json_field "$o" app.source)
ablob=$(json_field "$o" app.blob)
if [ $rc != 0 ]; then
	result btf which FAIL "exit $rc: $(head -c 300 "$o" "$e" | tr '\n' ' ')"
elif [ "$got" != "$want" ]; then
	result btf which FAIL "got $got, want $want"
elif [ "$rel" != "$KREL" ]; then
	result btf which FAIL "release $rel, uname -r $KREL"
elif [ -z "$kid" ] || [ "$bid" != "$kid" ]; then
	result btf which FAIL "build_id $bid, /sys/kernel/notes has '$kid'"
elif [ "$EMBEDDED" = yes ] && [ "${blob##* }" != "$KREL" ]; then
	result btf which FAIL "blob '$blob' is not this release $KREL"
elif [ "$EMBEDDED" = no ] && [ -n "$blob" ]; then
	result btf which FAIL "source sysfs but blob '$blob'"
elif [ "$asrc" != embedded ] || [ "$ablob" != demo_v1 ]; then
	result btf which FAIL "app source '$asrc' blob '$ablob', want embedded demo_v1"
else
	result btf which PASS "$got${blob:+ ($blob)}"
fi
