#!/bin/bash
# Every OpenSSL and GnuTLS build the configured Debian suites serve has its blob in coreprobe:
# asks apt which libssl1.1 / libssl3 / libssl3t64 / libgnutls30 / libgnutls30t64 versions
# bullseye, bookworm and trixie (with -updates,
# -security, -backports, as scripts/setup.sh configures them) serve (btfs/app/served.sh),
# downloads each binary package (a few MB, once, into the cache), and checks with
# `coreprobe btf which` that the libssl and libcrypto (or libgnutls) in it resolve to an
# embedded blob by build-id; and that a build-id nobody shipped does not (the check can fail).
# No rebuild. Prints the list and what the blobs cost (committed .xz and embedded sizes).
. "$(dirname "$0")/../lib.sh"

CACHE=${COREPROBE_CACHE:-$HOME/.cache/coreprobe}
DEBS=$CACHE/debs
mkdir -p "$DEBS"
# PACKAGE:LIBRARY... (file name prefixes under usr/lib/x86_64-linux-gnu; blob kind = prefix)
LIBS="libssl1.1:libssl:libcrypto libssl3:libssl:libcrypto libssl3t64:libssl:libcrypto libgnutls30:libgnutls libgnutls30t64:libgnutls"
build_id() { readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'; }

# 1. apt must have lists for every suite setup.sh configures, or "served" would silently mean
# "served by the suites that happen to be there".
want=$(sed -n 's/^\(MAIN_SUITES\|SECURITY_SUITES\)="\(.*\)"$/\2/p' "$ROOT/scripts/setup.sh" | tr '\n' ' ')
# indextargets lists the Packages indexes apt has downloaded (a configured suite whose update
# failed, or that was never updated, is absent).
# shellcheck disable=SC2016
have=$(apt-get indextargets --format '$(CODENAME)' 'Created-By: Packages' 2>/dev/null | sort -u | tr '\n' ' ')
missing=""
for s in bookworm $want; do
	case " $have " in *" $s "*) ;; *) missing="$missing $s" ;; esac
done
if [ -z "$want" ]; then
	notok "sslbuilds: no suite list found in scripts/setup.sh (MAIN_SUITES/SECURITY_SUITES)"
	exit 0
elif [ -n "$missing" ]; then
	notok "sslbuilds: apt has no lists for:$missing (run scripts/setup.sh: it configures them and runs apt-get update)"
	exit 0
fi
ok "sslbuilds: apt has lists for every configured suite (bookworm $want)"

# 2. The served builds.
pkgs=$(for e in $LIBS; do echo "${e%%:*}"; done | tr '\n' ' ')
# shellcheck disable=SC2086
if ! sh "$ROOT/btfs/app/served.sh" $pkgs >"$TMP/served.txt" 2>"$TMP/served.err"; then
	notok "sslbuilds: cannot list the served builds: $(cat "$TMP/served.err")"
	exit 0
fi
ok "sslbuilds: apt serves $(wc -l <"$TMP/served.txt") builds of $pkgs"

"$CP" -j btf list >"$TMP/list.json" 2>"$TMP/list.err" || { notok "sslbuilds: btf list failed: $(cat "$TMP/list.err")"; exit 0; }

# 3. Each build: download, extract, btf which on each library.
fail=0 n=0 xz_total=0 raw_total=0 comp_total=0
printf '%-11s %-18s %-18s %-10s %-40s %8s %6s %6s\n' package version suites library build-id xz-bytes raw comp >"$TMP/table.txt"
while read -r pkg ver suites _src _srcver; do
	deb=$(ls "$DEBS/${pkg}_$(echo "$ver" | sed 's/:/%3a/')_amd64.deb" 2>/dev/null || true)
	if [ -z "$deb" ]; then
		(cd "$DEBS" && apt-get download -qq "$pkg=$ver" >/dev/null 2>"$TMP/dl.err") ||
			{ notok "sslbuilds: apt-get download $pkg=$ver failed: $(head -c 200 "$TMP/dl.err")"; fail=1; continue; }
		deb=$(ls "$DEBS/${pkg}_$(echo "$ver" | sed 's/:/%3a/')_amd64.deb")
	fi
	x=$TMP/x-$pkg-$ver
	dpkg-deb -x "$deb" "$x"
	libs=$(for e in $LIBS; do [ "${e%%:*}" = "$pkg" ] && echo "${e#*:}" | tr ':' ' '; done)
	for l in $libs; do
		f=$(ls "$x"/usr/lib/x86_64-linux-gnu/"$l".so.* 2>/dev/null | head -n 1)
		if [ -z "$f" ]; then notok "sslbuilds: $pkg $ver: no $l.so.* in $deb"; fail=1; continue; fi
		id=$(build_id "$f")
		n=$((n + 1))
		rc=0
		"$CP" -j btf which "$f" >"$TMP/which.json" 2>/dev/null || rc=$?
		app=$(tail -n 1 "$TMP/which.json" | jq -r '.app | "\(.build_id) \(.source) \(.blob)"' 2>/dev/null)
		blob=$ROOT/btfs/app/$l/$id.btf.xz
		if [ $rc != 0 ] || [ "$app" != "$id embedded $l" ]; then
			notok "sslbuilds: $pkg $ver ($suites) $l build-id $id: no embedded blob (btf which rc=$rc: $(tail -c 200 "$TMP/which.json"))"
			fail=1; continue
		fi
		if [ ! -f "$blob" ]; then
			notok "sslbuilds: $pkg $ver $l: embedded but $blob is not committed"; fail=1; continue
		fi
		xz=$(wc -c <"$blob")
		read -r raw comp < <(jq -r --arg id "$id" 'select(.kind == "app" and .build_id == $id) | "\(.raw_size) \(.compressed_size)"' "$TMP/list.json" | head -n 1)
		xz_total=$((xz_total + xz)); raw_total=$((raw_total + ${raw:-0})); comp_total=$((comp_total + ${comp:-0}))
		printf '%-11s %-18s %-18s %-10s %-40s %8s %6s %6s\n' "$pkg" "$ver" "$suites" "$l" "$id" "$xz" "${raw:-?}" "${comp:-?}" >>"$TMP/table.txt"
	done
done <"$TMP/served.txt"
cat "$TMP/table.txt"
echo "# $n libraries; committed btfs/app .xz: $xz_total bytes; embedded (pruned) raw $raw_total, compressed $comp_total bytes"
[ $fail = 0 ] && ok "sslbuilds: every served build's libssl and libcrypto, and libgnutls ($n libraries) has its embedded blob, by build-id"

# 4. Control: the same library with a build-id nobody shipped has none (exit 3, no guess).
f=$(ls "$TMP"/x-libssl3-*/usr/lib/x86_64-linux-gnu/libssl.so.3 2>/dev/null | head -n 1)
if [ -n "$f" ]; then
	cp "$f" "$TMP/foreign.so"
	old=$(build_id "$f"); new=$(echo "$old" | perl -ne 'chomp; print unpack("H*", ~pack("H*", $_))')
	perl -0777 -pi -e 'BEGIN { $o = pack("H*", shift); $n = pack("H*", shift) } s/\Q$o\E/$n/' "$old" "$new" "$TMP/foreign.so"
	rc=0
	"$CP" btf which "$TMP/foreign.so" >/dev/null 2>"$TMP/foreign.err" || rc=$?
	if [ "$(build_id "$TMP/foreign.so")" = "$new" ] && [ $rc = 3 ] && grep -q "no BTF for .*$new" "$TMP/foreign.err"; then
		ok "sslbuilds: control: libssl.so.3 with an unshipped build-id has no blob (exit 3)"
	else
		notok "sslbuilds: control: foreign build-id: rc=$rc $(head -c 200 "$TMP/foreign.err")"
	fi
else
	notok "sslbuilds: control: no libssl3 among the served builds"
fi

# 5. The same control for GnuTLS: bullseye-security's libgnutls.so.30 with its build-id inverted.
f=$(ls "$TMP"/x-libgnutls30-3.7.1-5+deb11u10/usr/lib/x86_64-linux-gnu/libgnutls.so.30.* 2>/dev/null | head -n 1)
if [ -n "$f" ]; then
	cp "$f" "$TMP/foreign-gnutls.so"
	old=$(build_id "$f"); new=$(echo "$old" | perl -ne 'chomp; print unpack("H*", ~pack("H*", $_))')
	perl -0777 -pi -e 'BEGIN { $o = pack("H*", shift); $n = pack("H*", shift) } s/\Q$o\E/$n/' "$old" "$new" "$TMP/foreign-gnutls.so"
	rc=0
	"$CP" btf which "$TMP/foreign-gnutls.so" >/dev/null 2>"$TMP/foreign.err" || rc=$?
	if [ "$(build_id "$TMP/foreign-gnutls.so")" = "$new" ] && [ $rc = 3 ] && grep -q "no BTF for .*$new" "$TMP/foreign.err"; then
		ok "sslbuilds: control: libgnutls.so.30 with an unshipped build-id has no blob (exit 3)"
	else
		notok "sslbuilds: control: foreign GnuTLS build-id: rc=$rc $(head -c 200 "$TMP/foreign.err")"
	fi
else
	notok "sslbuilds: control: bullseye-security's libgnutls30 3.7.1-5+deb11u10 is not among the served builds"
fi
