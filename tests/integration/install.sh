#!/bin/bash
# `make install`, the man page and the bash completion (issue 16). The lists of commands,
# subcommands and options are read from the binary's own -h texts, so a command or option
# added to coreprobe without its man page section or completion entry fails here:
#   - docs/coreprobe.8 renders with no warning and names, in the right section, every one;
#   - the completion offers every one (driven through COMP_WORDS/COMP_CWORD);
#   - `make install DESTDIR=...` installs exactly the binary, the man page and the completion.
. "$(dirname "$0")/../lib.sh"
MAN=${MAN:-$ROOT/docs/coreprobe.8}
COMPL=${COMPL:-$ROOT/scripts/coreprobe-completion.bash}

# ---- what the -h texts list
commands() { "$CP" -h | sed -n '/^commands:/,$p' | sed 1d | awk 'NF { print $1 }'; }
# options of a help text on stdin: -x and --long-name tokens that start a word or follow [ | ,
opts_of() { grep -oE '(^|[][ ,|(])--?[a-zA-Z][a-zA-Z0-9-]*' | sed -E 's/^[][ ,|(]//' | sort -u; }
global_opts() { "$CP" -h | sed '/^commands:/,$d' | opts_of; }
cmd_opts() { "$CP" "$1" -h | opts_of; }
# subcommands: the word after "coreprobe CMD" on its usage lines, when it is a plain word
subcommands() { "$CP" "$1" -h | sed -nE "s/^(usage:)? *coreprobe $1 ([a-z][a-z0-9_-]*)( .*)?$/\2/p" | sort -u; }

[ -n "$(commands)" ] && [ -n "$(global_opts)" ] || { notok "cannot read commands/options from $CP -h"; exit 0; }

# ---- the man page
warn=$(MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >/dev/null)
[ -z "$warn" ] && ok "man --warnings -l docs/coreprobe.8: no warning" || notok "man warnings: $(echo "$warn" | head -5)"
LC_ALL=C MANWIDTH=80 man -l "$MAN" >"$TMP/man.txt" 2>/dev/null
# section NAME: the rendered text of ".SH NAME" (col 0, to the next .SH) or ".SS NAME" (col 3,
# to the next .SS or .SH)
section() {
	awk -v h="$1" '
		$0 == h { on = 1; sh = 1; next }
		$0 == "   " h { on = 1; next }
		on && /^[^ ]/ { exit }
		on && !sh && /^   [^ ]/ { exit }
		on { print }' "$TMP/man.txt"
}
mentions() { grep -qE -- "(^|[^a-zA-Z0-9_-])$2([^a-zA-Z0-9_-]|$)" <<<"$1"; }
check_man() {	# check_man WHAT SECTION-HEADING WORDS (one per line)
	local what=$1 head=$2 text missing="" w
	text=$(section "$head")
	if [ -z "$text" ]; then
		notok "man page: no section '$head' for $what: add it to docs/coreprobe.8"
		return
	fi
	while IFS= read -r w; do
		[ -n "$w" ] && ! mentions "$text" "$w" && missing="$missing '$w'"
	done <<<"$3"
	[ -z "$missing" ] && ok "man page section '$head' covers $what: $(echo $3)" ||
		notok "man page section '$head' lacks$missing (listed by $what): add them to docs/coreprobe.8"
}
check_man "coreprobe -h" OPTIONS "$(global_opts)"
for c in $(commands); do
	check_man "coreprobe $c -h" "coreprobe $c" "$(cmd_opts "$c"; subcommands "$c" | sed "s/^/coreprobe $c /")"
done
ver=$("$CP" -V | awk '{ print $2 }')
grep -q "^\.TH COREPROBE 8 .* \"coreprobe $ver\"" "$MAN" && ok "man page is for coreprobe $ver (coreprobe -V)" ||
	notok "man page .TH does not say \"coreprobe $ver\" (coreprobe -V): update docs/coreprobe.8"
for s in "EXIT STATUS" "BTF SEARCH ORDER" FILES; do
	[ -n "$(section "$s")" ] && ok "man page has $s" || notok "man page lacks $s"
done
# every exit code of -h, and the written files
ex=$(section "EXIT STATUS")
miss=""; for n in 0 1 2 3 4 5; do grep -qE "^       $n( |$)" <<<"$ex" || miss="$miss $n"; done
[ -z "$miss" ] && ok "man page EXIT STATUS lists 0-5" || notok "EXIT STATUS lacks$miss"
files=$(section FILES)
miss=""; for w in --output --keylog "btf add -o" coreprobe-btf /proc; do grep -qF -- "$w" <<<"$files" || miss="$miss '$w'"; done
[ -z "$miss" ] && ok "man page FILES names --output, --keylog, btf add -o and the no-/proc temp file" || notok "FILES lacks$miss"
kb=$(section "Kernel BTF")
if grep -q -- "--kernel-btf" <<<"$kb" && grep -q "build-id" <<<"$kb" && grep -q "/sys/kernel/btf/vmlinux" <<<"$kb" &&
   section "Application BTF" | grep -q -- "--app-btf"; then
	ok "man page states the kernel and application BTF search orders"
else
	notok "man page BTF search orders incomplete"
fi

# ---- the completion, driven as bash does it
complete_words() {	# complete_words WORD...: COMPREPLY for the last word, one per line
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _coreprobe; printf "%s\n" "${COMPREPLY[@]}"' \
		sh "$COMPL" "$@"
}
out=$(complete_words coreprobe b)
[ "$out" = btf ] && ok "completion: coreprobe b<TAB> -> btf" || notok "completion: coreprobe b<TAB> -> '$out'"
got=$(complete_words coreprobe "" | sort); want=$(commands | sort)
[ "$got" = "$want" ] && ok "completion: every command of coreprobe -h ($(echo $want))" ||
	notok "completion commands '$(echo $got)', coreprobe -h lists '$(echo $want)': edit _coreprobe_commands in scripts/coreprobe-completion.bash"
check_completion() {	# check_completion WHAT WANT-LIST WORD...
	local what=$1 want=$2 got missing="" w
	shift 2
	got=$(complete_words "$@")
	for w in $want; do grep -qxF -- "$w" <<<"$got" || missing="$missing $w"; done
	[ -z "$missing" ] && ok "completion: '$*<TAB>' offers every option of $what" ||
		notok "completion: '$*<TAB>' lacks$missing (listed by $what): edit scripts/coreprobe-completion.bash"
}
check_completion "coreprobe -h" "$(global_opts)" coreprobe -
for c in $(commands); do
	subs=$(subcommands "$c")
	if [ -z "$subs" ]; then
		check_completion "coreprobe $c -h" "$(cmd_opts "$c")" coreprobe "$c" -
		continue
	fi
	got=$(complete_words coreprobe "$c" "" | sort)
	[ "$got" = "$subs" ] && ok "completion: coreprobe $c <TAB> -> its subcommands ($(echo $subs))" ||
		notok "completion: coreprobe $c <TAB> -> '$(echo $got)', want '$(echo $subs)'"
	# every option of CMD -h is offered after one of its subcommands
	all=$(for s in $subs; do complete_words coreprobe "$c" "$s" -; done | sort -u)
	missing=""; for o in $(cmd_opts "$c"); do grep -qxF -- "$o" <<<"$all" || missing="$missing $o"; done
	[ -z "$missing" ] && ok "completion: the options of coreprobe $c -h are offered after its subcommands" ||
		notok "completion: coreprobe $c SUB -<TAB> lacks$missing: edit scripts/coreprobe-completion.bash"
done
out=$(complete_words coreprobe tcprtt --attach "" | tr '\n' ' ')
[ "$out" = "fentry tp_btf kprobe raw_tp sockops " ] && ok "completion: tcprtt --attach <TAB> -> attach types" || notok "completion: tcprtt --attach -> '$out'"
out=$(complete_words coreprobe -j structs -p 1 "$T/demo_v" | sort | tr '\n' ' ')
[[ $out == *"$T/demo_v1 "* ]] && ok "completion: structs BINARY completes files after option arguments" || notok "completion: structs BINARY -> '$out'"

# ---- make install DESTDIR=...: exactly three files, in PREFIX (default /usr/local)
D=$TMP/dest
if make -C "$ROOT" -s install DESTDIR="$D" >"$TMP/install.log" 2>&1; then
	got=$(cd "$D" && find . -type f -printf '%m %p\n' | sort)
	want=$(printf '%s\n' "644 ./usr/local/share/bash-completion/completions/coreprobe" \
		"644 ./usr/local/share/man/man8/coreprobe.8" "755 ./usr/local/sbin/coreprobe")
	if [ "$got" = "$want" ] && [ -z "$(cd "$D" && find . ! -type f ! -type d)" ]; then
		ok "make install DESTDIR: exactly sbin/coreprobe, man8/coreprobe.8, the bash completion"
	else
		notok "make install DESTDIR installed: $(echo $got)"
	fi
	cmp -s "$D/usr/local/sbin/coreprobe" "$CP" && "$D/usr/local/sbin/coreprobe" btf list | grep -q '^kernel ' &&
		ok "installed coreprobe is the built one and reads its own blob store" || notok "installed binary differs or has no blobs"
	out=$(MANWIDTH=80 man -M "$D/usr/local/share/man" 8 coreprobe 2>&1 | head -1)
	[[ $out == COREPROBE\(8\)* ]] && ok "man -M DESTDIR/usr/local/share/man 8 coreprobe finds the page" || notok "installed man page: '$out'"
else
	notok "make install DESTDIR: $(tail -3 "$TMP/install.log")"
fi
if make -C "$ROOT" -s install DESTDIR="$D/p" PREFIX=/opt/cp >"$TMP/install.log" 2>&1 &&
   [ -x "$D/p/opt/cp/sbin/coreprobe" ] && [ -f "$D/p/opt/cp/share/man/man8/coreprobe.8" ] &&
   [ -f "$D/p/opt/cp/share/bash-completion/completions/coreprobe" ]; then
	ok "make install PREFIX=/opt/cp DESTDIR: under DESTDIR/opt/cp"
else
	notok "make install PREFIX: $(tail -3 "$TMP/install.log"; cd "$D/p" 2>/dev/null && find . -type f)"
fi

# ---- the README's first screen and its links (the figures live in docs/, one click away)
grep -qxF 'make demo     # build, then trace the demo targets (two struct layouts) on the embedded BTF' "$ROOT/README.md" &&
grep -qxF 'make test     # every test: unit, integration, the real-kernel VM matrix, fuzzing, sanitizers' "$ROOT/README.md" &&
	[ "$(grep -n '^make test ' "$ROOT/README.md" | cut -d: -f1)" -le 25 ] &&
	ok "README: make demo and make test on its first screen" || notok "README: the two commands moved or changed"
broken=""
for f in "$ROOT/README.md" "$ROOT"/docs/*.md; do
	for l in $(grep -oE '\]\([^)#]+' "$f" | sed 's/^](//' | grep -v '^[a-z]*://'); do
		[ -e "$(dirname "$f")/$l" ] || broken="$broken ${f#"$ROOT"/}:$l"
	done
done
[ -z "$broken" ] && ok "README and docs/*.md: every relative link resolves" || notok "broken links:$broken"
