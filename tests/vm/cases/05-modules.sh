# cells: vm:modules
# vm modules: the modules of tests/vm/modules.list load with modprobe in the VM (built-in ones
# must show in /sys/module). /etc/coreprobe-vm.modules, written by run.sh, has one line per
# listed module: NAME, "NAME builtin" or "NAME missing" (not in the kernel package).
# Not on the host rows: they never change the host.
VMDIR=${VMDIR:-$(cd "${0%/*}/.." && pwd)}
. "$VMDIR/lib.sh"

if [ "$KNAME" = host ] || [ ! -r /etc/coreprobe-vm.modules ]; then
	result vm modules SKIP "not a test VM"
	exit 0
fi
bad='' ok=''
while read -r m how; do
	[ -n "$m" ] || continue
	case $how in
	missing) bad="$bad $m(not in the kernel package)" ;;
	builtin) [ -d "/sys/module/$m" ] && ok="$ok $m(built in)" || bad="$bad $m(built in, but no /sys/module/$m)" ;;
	*)
		if modprobe "$m" 2>"$WORK/modprobe.err" && [ -d "/sys/module/$m" ]; then
			ok="$ok $m"
		else
			bad="$bad $m($(head -n1 "$WORK/modprobe.err"))"
		fi ;;
	esac
done </etc/coreprobe-vm.modules
if [ -n "$bad" ]; then
	result vm modules FAIL "not loaded:$bad; loaded:$ok"
elif [ -z "$ok" ]; then
	result vm modules SKIP "modules.list is empty"
else
	result vm modules PASS "loaded:$ok"
fi
