#!/bin/bash
# What a new user reads first (issue 16): `coreprobe -h` prints each block once; a usage error
# names the command line to type for help, for every command; the build host's own kernel
# blob is labelled as taken from the build host's sysfs, never named after its os-release.
# Commands are read from `coreprobe -h`, so a new command is covered without editing this.
. "$(dirname "$0")/../lib.sh"

# commands: the first word of each line after "commands:" in `coreprobe -h`
commands() { "$CP" -h | sed -n '/^commands:/,$p' | sed 1d | awk 'NF { print $1 }'; }

# -- -h: exit 0, every block once (no non-blank line twice), every command listed once
help=$("$CP" -h); rc=$?
dups=$(printf '%s\n' "$help" | grep -v '^[[:space:]]*$' | sort | uniq -d)
n_usage=$(printf '%s\n' "$help" | grep -c '^usage: coreprobe ')
n_cmds=$(printf '%s\n' "$help" | grep -c '^commands:')
if [ $rc = 0 ] && [ -z "$dups" ] && [ "$n_usage" = 1 ] && [ "$n_cmds" = 1 ] && [ -n "$(commands)" ]; then
	ok "coreprobe -h: usage header, options, exit codes and command list each once ($(commands | wc -l) commands)"
else
	notok "coreprobe -h: exit $rc, 'usage:' ${n_usage}x, 'commands:' ${n_cmds}x, repeated lines: $(echo "$dups" | head -3)"
fi
for c in $(commands); do
	out=$("$CP" "$c" -h); rc=$?
	dups=$(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | sort | uniq -d)
	if [ $rc = 0 ] && [ -z "$dups" ] && printf '%s\n' "$out" | head -1 | grep -q "^usage: coreprobe $c"; then
		ok "coreprobe $c -h: its usage, once"
	else
		notok "coreprobe $c -h: exit $rc, first line '$(printf '%s\n' "$out" | head -1)', repeated: $(echo "$dups" | head -2)"
	fi
done

# -- a usage error names `coreprobe CMD -h`, and that command line really prints CMD's usage
usage_hint() {	# usage_hint NAME "WANT" ARGS...: exit 2, the last stderr line names `coreprobe WANT -h`
	local name=$1 want=$2 rc last
	shift 2
	"$CP" "$@" >"$TMP/u.out" 2>"$TMP/u.err"; rc=$?
	last=$(tail -n 1 "$TMP/u.err")
	if [ $rc != 2 ]; then
		notok "$name: exit $rc, want 2"
	elif ! printf '%s' "$last" | grep -qF "type \`coreprobe ${want:+$want }-h\`"; then
		notok "$name: '$last' does not name \`coreprobe ${want:+$want }-h\`"
	elif ! "$CP" $want -h 2>/dev/null | head -1 | grep -q "^usage: coreprobe ${want:+$want }"; then
		notok "$name: the named \`coreprobe ${want:+$want }-h\` does not print its usage"
	else
		ok "$name: $last"
	fi
}
for c in $(commands); do
	usage_hint "usage error of $c" "$c" "$c" --no-such-option
done
usage_hint "usage error of btf list" "btf" btf list extra
usage_hint "usage error of btf merge" "btf" btf merge onlyone
usage_hint "btf without a subcommand" "btf" btf
usage_hint "unknown btf subcommand" "btf" btf nosuch
usage_hint "unknown global option" "" --no-such-option
usage_hint "unknown command" "" nosuchcommand
# --json: one error line, no usage text ("see the usage above" would point at nothing)
out=$("$CP" -j structs --no-such-option 2>"$TMP/j.err"); rc=$?
if [ $rc = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
   printf '%s' "$out" | grep -q '^{"error":"structs: bad usage: type `coreprobe structs -h` for the usage","exit":2}$' &&
   ! grep -q 'usage:' "$TMP/j.err"; then
	ok "usage error with --json: one JSON line naming \`coreprobe structs -h\`, no usage text"
else
	notok "usage error with --json: exit $rc: $out / $(head -c 200 "$TMP/j.err")"
fi

# -- the build host's kernel blob: labelled as such; os-release not used to name it
rel=$(uname -r) arch=$(uname -m)
kid=$("$B/mkstore" notes-build-id /sys/kernel/notes 2>/dev/null)
os_id=$(. /etc/os-release 2>/dev/null; echo "${ID:-}") os_ver=$(. /etc/os-release 2>/dev/null; echo "${VERSION_ID:-}")
json=$("$CP" -j btf list)
host_line=$(printf '%s\n' "$json" | grep -F "\"build_id\":\"$kid\"")
if [ -z "$kid" ] || [ "$(printf '%s\n' "$host_line" | grep -c .)" != 1 ]; then
	notok "build-host blob: no single entry with this kernel's build-id '$kid' in btf list"
elif ! printf '%s' "$host_line" | grep -qF "\"key\":\"$rel\",\"distro\":\"\",\"version\":\"\",\"arch\":\"$arch\"," ||
     ! printf '%s' "$host_line" | grep -qF '"build_host":true}'; then
	notok "build-host blob: not recorded as build_host with no distro/version: $host_line"
else
	ok "build-host blob: release $rel, arch $arch, build_host true, no distro or version (os-release says '$os_id $os_ver')"
fi
text=$("$CP" btf list)
if printf '%s\n' "$text" | grep -q "^kernel  *build-host/$arch $rel " &&
   ! printf '%s\n' "$text" | grep -qF "$os_id/$os_ver/$arch $rel"; then
	ok "btf list labels it build-host/$arch $rel, never $os_id/$os_ver/$arch $rel"
else
	notok "btf list label: $(printf '%s\n' "$text" | grep -F "$rel")"
fi
# only the build host's entry is flagged: every other kernel entry comes from an archive
others=$(printf '%s\n' "$json" | grep '"kind":"kernel"' | grep -vF "\"build_id\":\"$kid\"" | grep -c '"build_host":true')
[ "$others" = 0 ] && ok "no other kernel blob is flagged build_host" || notok "$others other kernel blobs flagged build_host"
# still picked by build-id, with and without sysfs, and said to come from the build host
out=$(hidden_sysfs "$CP" btf which)
if printf '%s' "$out" | grep -q "embedded blob build-host/$arch $rel (taken from the build host's sysfs), matched by kernel build-id"; then
	ok "btf which with sysfs hidden: the build-host blob, matched by build-id"
else
	notok "btf which with sysfs hidden: $out"
fi
out=$("$CP" -j btf which)
if printf '%s' "$out" | grep -qF "\"source\":\"embedded\",\"match\":\"build-id\",\"blob\":\"build-host/$arch $rel\""; then
	ok "btf which --json with sysfs: build-host blob preferred by build-id"
else
	notok "btf which --json: $out"
fi
# the store without the build host's kernel (coreprobe-nohost) has no build-host entry
if [ -x "$B/coreprobe-nohost" ]; then
	n=$("$B/coreprobe-nohost" -j btf list | grep -c '"build_host":true')
	[ "$n" = 0 ] && ok "coreprobe-nohost carries no build-host blob" || notok "coreprobe-nohost has $n build-host blobs"
fi
