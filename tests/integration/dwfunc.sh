#!/bin/bash
# FUNC records from DWARF (src/btf/dwfunc.c, `coreprobe btf dwarf --funcs`): for the demo and
# tracetarget builds, every function's prototype (parameter names, resolved type names, return
# type) equals pahole's; on tests/targets/dwfuncs_*.c built by gcc -O2, the functions whose
# entry does not take the source prototype (IPA clones, two statics of one name) get no FUNC
# and one line each saying why, while the others are typed; bad inputs of --funcs.
. "$(dirname "$0")/../lib.sh"

for tool in pahole bpftool gcc python3; do
	command -v $tool >/dev/null || { notok "$tool missing: run scripts/setup.sh"; exit 1; }
done
FN=$ROOT/tests/btf_funcs.py

# pahole writes every FUNC with static linkage; ours says global for DW_AT_external: compared
# without linkage, which is checked on its own below
protos() { python3 "$FN" "$1" | awk '{ $2 = ""; print }'; }

for f in demo_v1 demo_v2 demo_static tracetarget_l1 tracetarget_l2; do
	d=$T/$f.debug
	[ -e "$d" ] || { notok "$d missing (make coreprobe trace-targets)"; continue; }
	pahole --btf_encode_detached "$TMP/p.btf" "$d" >/dev/null 2>&1 || { notok "$f: pahole failed"; continue; }
	if ! "$CP" btf dwarf --funcs "$d" -o "$TMP/o.btf" >"$TMP/o.out" 2>"$TMP/o.err"; then
		notok "$f: btf dwarf --funcs failed: $(head -c 300 "$TMP/o.err")"
		continue
	fi
	protos "$TMP/p.btf" >"$TMP/p.fn"
	protos "$TMP/o.btf" >"$TMP/o.fn"
	if [ -s "$TMP/p.fn" ] && diff -q "$TMP/p.fn" "$TMP/o.fn" >/dev/null; then
		ok "$f: $(wc -l <"$TMP/o.fn") FUNC prototypes, the same as pahole's ($(tr '\n' ';' <"$TMP/o.fn" | head -c 200))"
	else
		notok "$f: FUNC prototypes differ from pahole's: $(diff "$TMP/p.fn" "$TMP/o.fn" | head -c 400)"
	fi
done
python3 "$FN" "$TMP/o.btf" | grep -q '^visit global ' && ok "DW_AT_external gives linkage=global (visit)" ||
	notok "visit's linkage: $(python3 "$FN" "$TMP/o.btf" | grep '^visit')"

# the committed app blobs and the embedded demo BTF stay without FUNC records (all-types mode
# without --funcs)
if [ -e "$B/btf/demo_v1.btf" ] && ! bpftool btf dump file "$B/btf/demo_v1.btf" | grep -q "FUNC '"; then
	ok "btf dwarf without --funcs: no FUNC records (build/btf/demo_v1.btf)"
else
	notok "build/btf/demo_v1.btf has FUNC records or is missing"
fi

# -- gcc -O2 changes functions: clones and two statics of one name
W=$TMP/dwfuncs
if gcc -g -O2 -Wl,--build-id "$ROOT/tests/targets/dwfuncs_a.c" "$ROOT/tests/targets/dwfuncs_b.c" -o "$W" 2>"$TMP/cc.err"; then
	"$CP" btf dwarf --funcs "$W" -o "$TMP/w.btf" >"$TMP/w.out" 2>"$TMP/w.err"
	rc=$?
	python3 "$FN" "$TMP/w.btf" >"$TMP/w.fn" 2>/dev/null
	if [ $rc = 0 ] && grep -q '^call_a global long int(p:struct acct/24 \*)$' "$TMP/w.fn"; then
		ok "dwfuncs: call_a typed: $(grep '^call_a' "$TMP/w.fn")"
	else
		notok "dwfuncs: call_a not typed (exit $rc): $(cat "$TMP/w.fn") $(head -c 300 "$TMP/w.err")"
	fi
	for f in only_id twin same_name; do
		n=$(grep -c "function '$f' left out" "$TMP/w.err")
		if grep -q "^$f " "$TMP/w.fn"; then
			notok "dwfuncs: $f has a FUNC record: $(grep "^$f " "$TMP/w.fn")"
		elif [ "$n" = 1 ]; then
			ok "dwfuncs: $f left out, one line: $(grep "function '$f' left out" "$TMP/w.err" | sed 's/.*(no FUNC record): //')"
		else
			notok "dwfuncs: $f: $n lines saying why: $(head -c 300 "$TMP/w.err")"
		fi
	done
	grep "function 'only_id' left out" "$TMP/w.err" | grep -q "only compiler clones have code (only_id\." &&
		ok "dwfuncs: only_id's reason names its clone symbol" || notok "dwfuncs: only_id's reason: $(grep only_id "$TMP/w.err")"
	grep "function 'same_name' left out" "$TMP/w.err" | grep -q "several definitions with different prototypes" &&
		ok "dwfuncs: same_name (two statics, two prototypes) is ambiguous" || notok "dwfuncs: same_name's reason: $(grep same_name "$TMP/w.err")"
	# pahole (without consistent_func) writes one same_name for both copies: wrong for one
	pahole --btf_encode_detached "$TMP/wp.btf" "$W" >/dev/null 2>&1 && python3 "$FN" "$TMP/wp.btf" | grep -q '^same_name ' &&
		ok "dwfuncs: pahole $(pahole --version) keeps same_name (one prototype for two different copies): we do not" ||
		ok "dwfuncs: pahole $(pahole --version) leaves same_name out too"
	jq -e '.funcs == 3 and ([.funcs_refused[].func] | sort) == ["only_id","same_name","twin"]' \
		<("$CP" -j btf dwarf --funcs "$W" -o "$TMP/wj.btf" 2>/dev/null) >/dev/null &&
		ok "dwfuncs: --json lists funcs and funcs_refused" || notok "dwfuncs: --json: $("$CP" -j btf dwarf --funcs "$W" -o "$TMP/wj.btf" 2>&1 | head -c 300)"
	# the FUNC records are the same whether the DWARF is read fast or by the reference walk
	COREPROBE_DWARF_REFERENCE=1 "$CP" btf dwarf --funcs "$W" -o "$TMP/wr.btf" >/dev/null 2>&1
	cmp -s "$TMP/w.btf" "$TMP/wr.btf" && ok "dwfuncs: the same BTF with COREPROBE_DWARF_REFERENCE=1" ||
		notok "dwfuncs: the BTF differs with the reference reading"
else
	notok "dwfuncs does not build: $(head -c 300 "$TMP/cc.err")"
fi

# -- bad inputs
"$CP" btf dwarf --funcs "$T/demo_v1.debug" >/dev/null 2>"$TMP/u.err"
rc=$?
[ $rc = 2 ] && grep -q '^usage:' "$TMP/u.err" && ok "btf dwarf --funcs without -o: usage, exit 2" || notok "btf dwarf --funcs without -o: exit $rc"
expect_error "btf dwarf --funcs on a binary without DWARF" 3 "build-id" "$CP" btf dwarf --funcs "$T/demo_v3" -o "$TMP/x.btf"
expect_error "btf dwarf --funcs with an unknown type name" 3 "not defined in this DWARF" "$CP" btf dwarf --funcs "$T/demo_v1.debug" nosuchtype -o "$TMP/x.btf"
rm -rf "$TMP"
