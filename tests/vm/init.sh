#!/bin/sh
# /init of the test VMs' initramfs (built by tests/vm/run.sh): sets the machine up, runs every
# case of /vm/cases with the matrix's environment, powers off. The mode comes from the kernel
# command line (coreprobe.mode=sysfs|hidden); KNAME, EMBEDDED and CACHE (where the fixtures of
# tests/vm/extra-dirs.list sit) from /etc/coreprobe-vm.env.
export PATH=/bin:/sbin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
echo	# the firmware's escape codes share the first serial line
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null ||
	{ mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null; }
mount -t bpf bpf /sys/fs/bpf
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /run/coreprobe-vm
ip link set lo up

. /etc/coreprobe-vm.env
MODE=sysfs
for a in $(cat /proc/cmdline); do
	case $a in coreprobe.mode=*) MODE=${a#coreprobe.mode=} ;; esac
done
if [ "$MODE" = hidden ]; then
	mount -t tmpfs -o ro tmpfs /sys/kernel/btf
fi
export COREPROBE=/bin/coreprobe T=/targets MODE EMBEDDED KREL=$(uname -r) KNAME VMARCH VMDIR=/vm WORK=/run/coreprobe-vm CACHE
echo "coreprobe-vm: $KNAME $KREL mode=$MODE embedded=$EMBEDDED"
. /vm/lib.sh
run_cases /vm/cases
echo "COREPROBE-VM-DONE $KNAME $MODE"
sync
poweroff -f
