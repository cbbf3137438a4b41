# bash completion for coreprobe(8); `make install` puts it in
# PREFIX/share/bash-completion/completions/coreprobe. Self-contained: it needs no
# bash-completion helper functions.
#
# The word lists mirror `coreprobe -h` and `coreprobe CMD -h`: tests/integration/install.sh
# drives this function and fails when a command, subcommand or option listed there is not
# completed. A new command NAME: add NAME to _coreprobe_commands and one _coreprobe_opts_NAME
# line; a new subcommand SUB of CMD: add it to _coreprobe_subs_CMD (and _coreprobe_opts_CMD_SUB);
# an option taking a file: add it to _coreprobe_file_opts.

_coreprobe_commands="structs sslsniff btf tcprtt ipsetaudit flowlat trace"
# before COMMAND; all but --output, -V also after it (_coreprobe_common)
_coreprobe_global="-v --verbose -j --json --kernel-btf --app-btf --no-sysfs-btf --debug-file --debug-dir --output --perfbuf -h --help -V --version"
_coreprobe_common="-v --verbose -j --json --kernel-btf --app-btf --no-sysfs-btf --debug-file --debug-dir --perfbuf -h --help"
_coreprobe_opts_structs="-p -c -d"
_coreprobe_opts_sslsniff="-p --lib -x --hexdump --max-bytes --keylog --no-fd-syscalls --no-watch -c -d"
_coreprobe_opts_tcprtt="-i -d -c -m -e -b -B -p -P -a -A --events --attach"
_coreprobe_opts_ipsetaudit="-c -d --attach"
_coreprobe_opts_flowlat="-i -p -c -d --hook"
_coreprobe_opts_trace="-p -c -d"
_coreprobe_opts_btf=""
_coreprobe_subs_btf="list which merge add dwarf"
# a subcommand's options are its own only (btf list, which, merge take none)
_coreprobe_opts_btf_dwarf="--debug-file --debug-dir --funcs --tools -o --output -v --verbose -j --json -h --help"
_coreprobe_opts_btf_add="--kernel --app --full --debug-file --debug-dir -o --output -v --verbose -j --json -h --help"
# options whose argument is a file (or, for --kernel/--app, NAME=FILE: completed as a file)
_coreprobe_file_opts="--kernel-btf --app-btf --debug-file --debug-dir --output --keylog --lib --kernel --app -o"
# options with an argument that is not completed
_coreprobe_arg_opts="-p -c -d -i -P -a -A --max-bytes --attach --hook"

_coreprobe_has() {	# _coreprobe_has WORD LIST
	case " $2 " in *" $1 "*) return 0 ;; esac
	return 1
}

_coreprobe() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd="" sub="" w i v words
	COMPREPLY=()
	# the command and subcommand typed so far; skip option arguments
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if _coreprobe_has "$w" "$_coreprobe_file_opts $_coreprobe_arg_opts"; then
			((i++))
			continue
		fi
		case $w in -*) continue ;; esac
		if [ -z "$cmd" ]; then
			cmd=$w
		elif [ -z "$sub" ]; then
			sub=$w
		fi
	done
	if [ -n "$cmd" ] && ! _coreprobe_has "$cmd" "$_coreprobe_commands"; then
		return 0	# not a command of ours: nothing sensible to offer
	fi

	# the argument of an option
	if _coreprobe_has "$prev" "$_coreprobe_file_opts"; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
	fi
	case $cmd:$prev in
	tcprtt:--attach) COMPREPLY=($(compgen -W "fentry tp_btf kprobe raw_tp sockops" -- "$cur")); return 0 ;;
	ipsetaudit:--attach) COMPREPLY=($(compgen -W "fentry kprobe" -- "$cur")); return 0 ;;
	flowlat:--hook) COMPREPLY=($(compgen -W "tcx clsact" -- "$cur")); return 0 ;;
	flowlat:-i) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")); return 0 ;;
	esac
	if _coreprobe_has "$prev" "$_coreprobe_arg_opts" && [ -n "$cmd" ]; then
		return 0
	fi

	if [ -z "$cmd" ]; then
		case $cur in
		-*) words=$_coreprobe_global ;;
		*) words=$_coreprobe_commands ;;
		esac
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return 0
	fi
	v=_coreprobe_subs_$cmd
	if [ -n "${!v:-}" ] && ! _coreprobe_has "$sub" "${!v}"; then
		sub=""	# a command with subcommands: until one is typed, complete them
		case $cur in
		-*) words="-h --help" ;;
		*) words=${!v} ;;
		esac
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return 0
	fi
	[ -n "${!v:-}" ] || sub=""	# no subcommands: the word after the command is an argument
	case $cur in
	-*)
		if [ -n "$sub" ]; then
			v=_coreprobe_opts_${cmd}_$sub
			words=${!v:-}
		else
			v=_coreprobe_opts_$cmd
			words="${!v:-} $_coreprobe_common"
		fi
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		;;
	*)
		case $cmd:$sub in
		structs:* | btf:which | btf:merge) COMPREPLY=($(compgen -f -- "$cur")) ;;
		esac
		;;
	esac
	return 0
}
complete -F _coreprobe coreprobe
