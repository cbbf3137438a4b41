# cells: ipsetaudit:audit ipsetaudit:perfbuf ipsetaudit:no-module-types
# ipsetaudit with the real ipset tool:
#   audit       create cpA (hash:ip), cpB (hash:net family inet6), destroy both: four events
#               with the right op, name, type, family, pid comm "ipset", uid 0 user "root"; the
#               signature CO-RE picked matches the kernel (tests may use version numbers:
#               5.12 changed it); attach fentry where the kernel's BTF is in sysfs and has
#               ip_set's module BTF, else kprobe. Where neither works (the host: no kprobes,
#               fentry refused) exit 5 with ONE line naming both attempts.
#   perfbuf     one creation through the perf buffer
#   no-module-types  --kernel-btf with the bare vmlinux BTF (no module types): on a kernel
#               that publishes module BTF, exit 3 with one line; on one that does not (5.10),
#               the old signature is right and the run works
# Without any kernel BTF (not embedded, sysfs hidden): exit 3, one line.
VMDIR=${VMDIR:-$(cd "${0%/*}/.." && pwd)}
. "$VMDIR/lib.sh"

IPSET=$(tool_path ipset)
[ -n "$IPSET" ] || { for c in audit perfbuf no-module-types; do result ipsetaudit $c FAIL "no ipset binary"; done; exit 0; }

if no_btf_here; then
	o=$WORK/ipa-nobtf.out e=$WORK/ipa-nobtf.err
	start_tracer "$o" "$e" "$COREPROBE" ipsetaudit -d 5
	if [ $? = 1 ]; then
		r=$(expect_one_line "$o" "$e" 3 "coreprobe: no BTF for kernel" "$KREL")
		[ "$r" = ok ] && result ipsetaudit audit PASS "exit 3, one line: $(cut -c1-80 "$e")" || result ipsetaudit audit FAIL "$r"
	else
		stop_tracer
		result ipsetaudit audit FAIL "attached without any kernel BTF"
	fi
	for c in perfbuf no-module-types; do result ipsetaudit $c SKIP "no kernel BTF here (not embedded, sysfs hidden)"; done
	exit 0
fi

if kernel_at_least 5 12; then want_sig="(skb, nfnl_info, attr)"; else want_sig="(net, ctnl, skb, nlh, attr, extack)"; fi
if [ -r /sys/kernel/btf/vmlinux ] && [ -r /sys/kernel/btf/ip_set ] && [ "$KNAME" != host ] && fentry_on_kernel; then
	want_att=fentry
else
	want_att=kprobe
fi
# ipset runs as root here; give this VM a passwd (with lines a careless parser trips on) so
# the name is resolved. Never on the host.
if [ "$KNAME" != host ]; then
	cat >/etc/passwd <<'EOF'
# coreprobe test passwd
+::::::
broken line without fields
toolong:x:99999999999:0::/:/bin/sh
:x:0:0:empty name:/:/bin/sh
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/false
EOF
fi
"$IPSET" destroy cpA 2>/dev/null
"$IPSET" destroy cpB 2>/dev/null

# ---- audit
o=$WORK/ipa.out e=$WORK/ipa.err
# -v: the attach attempts (and libbpf's log) in $e, for the diagnosis of a wrong choice
start_tracer "$o" "$e" "$COREPROBE" -j -v ipsetaudit -c 4 -d 120
st=$?
if [ $st = 1 ] && [ "$KNAME" = host ]; then
	n=$(wc -l <"$o" | tr -d ' ')
	if [ "$TRACER_RC" = 5 ] && [ "$n" = 1 ] && grep -q '"error":"ipsetaudit: no attach type works on this kernel: fentry(.*; kprobe(' "$o"; then
		result ipsetaudit audit PASS "exit 5, one line: $(json_field "$o" error | cut -c1-150)"
	else
		result ipsetaudit audit FAIL "want exit 5 and one error line naming fentry and kprobe, got exit $TRACER_RC: $(head -c 300 "$o" "$e")"
	fi
	result ipsetaudit perfbuf SKIP "no attach type works on this kernel (see audit)"
	result ipsetaudit no-module-types SKIP "no attach type works on this kernel (see audit)"
	exit 0
elif [ $st != 0 ]; then
	[ $st = 2 ] && stop_tracer
	result ipsetaudit audit FAIL "did not attach (exit $TRACER_RC): $(head -c 300 "$e" "$o" | tr '\n' ' ')"
else
	"$IPSET" create cpA hash:ip >"$WORK/ipset.out" 2>&1 &&
		"$IPSET" create cpB hash:net family inet6 >>"$WORK/ipset.out" 2>&1 &&
		"$IPSET" destroy cpA >>"$WORK/ipset.out" 2>&1 &&
		"$IPSET" destroy cpB >>"$WORK/ipset.out" 2>&1
	iprc=$?
	wait_tracer
	got=$(grep '"op":' "$o" | sed 's/.*"comm":"\([^"]*\)","op":"\([a-z]*\)","set":"\([^"]*\)"\(,"type":"\([^"]*\)","family":"\([^"]*\)"\)\{0,1\}.*/\2 \3 \5 \6 \1/' | tr '\n' ';')
	want="create cpA hash:ip inet ipset;create cpB hash:net inet6 ipset;destroy cpA   ipset;destroy cpB   ipset;"
	users=$(json_all "$o" user | sort -u | tr '\n' ' ')
	uids=$(json_all "$o" uid | sort -u | tr '\n' ' ')
	sig=$(json_field "$o" signature)
	att=$(json_field "$o" attach)
	if [ $iprc != 0 ]; then
		result ipsetaudit audit FAIL "ipset failed: $(head -c 300 "$WORK/ipset.out")"
	elif [ "$TRACER_RC" != 0 ]; then
		result ipsetaudit audit FAIL "exit $TRACER_RC: $(head -c 300 "$e") $(grep -v '"op":' "$o" | head -c 300)"
	elif [ "$got" != "$want" ]; then
		result ipsetaudit audit FAIL "events '$got', want '$want'"
	elif [ "$users" != "root " ] || [ "$uids" != "0 " ]; then
		result ipsetaudit audit FAIL "user '$users' uid '$uids', want root 0"
	elif [ "$sig" != "$want_sig" ]; then
		result ipsetaudit audit FAIL "signature $sig, want $want_sig on $KREL"
	elif [ "$att" != "$want_att" ]; then
		result ipsetaudit audit FAIL "attached by $att, want $want_att: $(grep '^coreprobe: ipsetaudit: ' "$e" | tr '\n' ' ')"
		grep -B8 'coreprobe: ipsetaudit: fentry' "$e" | head -n 40
	else
		result ipsetaudit audit PASS "attach=$att signature $sig; 4 events: $got"
	fi
fi
"$IPSET" destroy cpA 2>/dev/null
"$IPSET" destroy cpB 2>/dev/null

# ---- perfbuf
o=$WORK/ipa-pb.out e=$WORK/ipa-pb.err
if start_tracer "$o" "$e" "$COREPROBE" -j --perfbuf ipsetaudit -c 1 -d 120; then
	"$IPSET" create cpC hash:ip family inet >/dev/null 2>&1
	wait_tracer
	"$IPSET" destroy cpC 2>/dev/null
	if [ "$TRACER_RC" = 0 ] && grep -q '"op":"create","set":"cpC","type":"hash:ip","family":"inet"' "$o"; then
		result ipsetaudit perfbuf PASS "create cpC hash:ip inet through the perf buffer"
	else
		result ipsetaudit perfbuf FAIL "exit $TRACER_RC: $(head -c 300 "$o" "$e" | tr '\n' ' ')"
	fi
else
	stop_tracer
	result ipsetaudit perfbuf FAIL "did not attach (exit $TRACER_RC): $(head -c 300 "$e" "$o" | tr '\n' ' ')"
fi

# ---- no-module-types: the kernel's vmlinux BTF alone, without ip_set's module BTF
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	result ipsetaudit no-module-types SKIP "no sysfs vmlinux BTF to pass as --kernel-btf in this mode"
	exit 0
fi
o=$WORK/ipa-nm.out e=$WORK/ipa-nm.err
start_tracer "$o" "$e" "$COREPROBE" --kernel-btf /sys/kernel/btf/vmlinux ipsetaudit -c 1 -d 120
st=$?
if [ -r /sys/kernel/btf/ip_set ]; then
	# module BTF is a feature of this kernel: without ip_set's types, refuse
	if [ $st = 1 ]; then
		r=$(expect_one_line "$o" "$e" 3 "no types of the ip_set module" "refusing to guess")
		[ "$r" = ok ] && result ipsetaudit no-module-types PASS "exit 3, one line: $(cut -c1-110 "$e")" ||
			result ipsetaudit no-module-types FAIL "$r"
	else
		[ $st = 0 ] && "$IPSET" create cpD hash:ip >/dev/null 2>&1
		stop_tracer
		"$IPSET" destroy cpD 2>/dev/null
		result ipsetaudit no-module-types FAIL "attached without ip_set's types: $(head -c 300 "$o")"
	fi
elif [ $st = 0 ]; then
	"$IPSET" create cpD hash:ip >/dev/null 2>&1
	wait_tracer
	"$IPSET" destroy cpD 2>/dev/null
	if [ "$TRACER_RC" = 0 ] && grep -q 'CREATE *cpD *hash:ip *inet' "$o" && grep -q "signature (net, ctnl" "$o"; then
		result ipsetaudit no-module-types PASS "no module BTF in this kernel: old signature, create cpD reported"
	else
		result ipsetaudit no-module-types FAIL "exit $TRACER_RC: $(head -c 300 "$o" "$e" | tr '\n' ' ')"
	fi
else
	[ $st = 2 ] && stop_tracer
	result ipsetaudit no-module-types FAIL "exit $TRACER_RC: $(head -c 300 "$e" "$o" | tr '\n' ' ')"
fi
