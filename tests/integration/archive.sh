#!/bin/bash
# A BTFhub-archive layout (DISTRO/VERSION/ARCH/RELEASE.btf or .btf.tar.xz) embeds like the
# default Debian set: embed/mkblobs.sh minimizes and packs it, and a coreprobe carrying that
# store lists the kernels with their distro keys. Runs the build's own tools on a small archive.
. "$(dirname "$0")/../lib.sh"

CACHE=${COREPROBE_CACHE:-$HOME/.cache/coreprobe}
src=$CACHE/btfarchive/debian/11/x86_64/5.10.0-32-cloud-amd64.btf
A=$TMP/archive
mkdir -p "$A/ubuntu/20.04/x86_64" "$A/centos/8/x86_64"
# a tarball entry as BTFhub ships them, and a plain .btf
cp "$src" "$TMP/5.4.0-42-generic.btf"
tar -cJf "$A/ubuntu/20.04/x86_64/5.4.0-42-generic.btf.tar.xz" -C "$TMP" 5.4.0-42-generic.btf
cp "$src" "$A/centos/8/x86_64/4.18.0-305.el8.x86_64.btf"
if BPFTOOL=bpftool sh "$ROOT/embed/mkblobs.sh" "$TMP/store.bin" "$TMP/work" "$B/mkstore" "$(ls "$B"/bpf/*.bpf.o | tr '\n' ' ')" "$A" "" >"$TMP/mk.log" 2>&1 &&
   "$B/mkstore" replace "$CP" "$TMP/store.bin" "$TMP/cp-archive" >>"$TMP/mk.log" 2>&1; then
	"$TMP/cp-archive" -j btf list >"$TMP/list.json"
	if grep -q '"kind":"kernel","key":"5.4.0-42-generic","distro":"ubuntu","version":"20.04","arch":"x86_64","build_id":"",' "$TMP/list.json" &&
	   grep -q '"key":"4.18.0-305.el8.x86_64","distro":"centos","version":"8"' "$TMP/list.json" &&
	   [ "$(grep -c '"kind":"kernel"' "$TMP/list.json")" = 2 ] &&
	   grep -q '"shared_by":2' "$TMP/list.json"; then
		ok "BTFhub layout (.btf.tar.xz and .btf) embedded with distro keys, identical blobs stored once"
	else
		notok "BTFhub layout: $(head -c 600 "$TMP/list.json")"
	fi
	# on this host neither release matches: exit 3 naming them as the closest
	expect_error "kernel not in a BTFhub-built store, sysfs hidden: exit 3 naming the closest" 3 \
		"closest embedded: 5.4.0-42-generic, 4.18.0-305.el8.x86_64" hidden_sysfs "$TMP/cp-archive" btf which
else
	notok "mkblobs on a BTFhub layout: $(tail -5 "$TMP/mk.log")"
fi
