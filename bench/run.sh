#!/bin/bash
# make bench: every performance measurement of coreprobe in one run, side by side with the
# references, as one JSON document (build/bench/results.json, so runs can be compared) and a
# Markdown table (build/bench/table.md, for docs/figures.md).
#
# Variables (environment):
#   BENCH_RUNS        runs per start-up variant (default 20; medians with min/max)
#   BENCH_EVENT_RUNS  runs per per-event variant (default 20)
#   BENCH_CALLS       add_test calls per per-event run (default 1000000)
#   BENCH_SSL_RUNS    runs per sslsniff load step (default 5)
#   BENCH_SSLFD_RUNS  runs per sslfd variant (default 10)
#   BENCH_GNUTLS_RUNS runs per GnuTLS per-call variant and per GnuTLS loss step (default 10)
#   BENCH_ONLY        space-separated subset of: startup events sslsniff sslfd gnutls procwatch micro profile dwarf
#                     (default: all)
#
# The machine is shared and noisy (2 cores, other builds, qemu): every group runs its variants
# in the same rounds (shuffled each round, 100 ms apart), so noise hits them alike; compare
# ratios and medians, and see the load average recorded before and after.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-20}
EVENT_RUNS=${BENCH_EVENT_RUNS:-20}
CALLS=${BENCH_CALLS:-1000000}
SSL_RUNS=${BENCH_SSL_RUNS:-5}
SSLFD_RUNS=${BENCH_SSLFD_RUNS:-10}
GNUTLS_RUNS=${BENCH_GNUTLS_RUNS:-10}
ONLY=${BENCH_ONLY:-startup events sslsniff sslfd gnutls procwatch micro profile dwarf}
OUT=build/bench
H=$OUT/harness
T=$PWD/build/targets/demo_v1
SYSFS=/sys/kernel/btf/vmlinux
mkdir -p "$OUT"

die() { echo "bench: $*" >&2; exit 1; }
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
# the pairs are built by make bench (bench/bench.mk); run alone, this script would otherwise
# time a missing program and print empty rows
for p in tlspair gnutlspair; do
	[ -x $OUT/$p ] || die "no $OUT/$p: build it first (make $OUT/$p, or run make bench)"
done
[ "$(id -u)" = 0 ] || die "must run as root (loads BPF programs)"
[ -r $SYSFS ] || die "$SYSFS missing: the comparisons need the kernel's own BTF"

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD_BEFORE=$(loadavg)

# ---- inputs of the references ----
# (d) needs the minimal merged BTF coreprobe would hand libbpf: kernel + demo_v1 types, pruned
# to what the structs object relocates (bpftool's BTFGen, from the full merge).
./coreprobe btf merge $SYSFS build/btf/demo_v1.btf $OUT/full.btf >/dev/null
bpftool gen min_core_btf $OUT/full.btf $OUT/min.btf build/bpf/structs.bpf.o
rm -f $OUT/full.btf
BTF_BYTES=$(wc -c <$SYSFS)

echo '{}' >$OUT/startup.json
echo '{}' >$OUT/events.json
echo '[]' >$OUT/sslsniff.json
echo '{}' >$OUT/sslfd.json
echo '{}' >$OUT/gnutls.json
echo '{}' >$OUT/micro.json
echo '{}' >$OUT/profile.json

# ---- 1+2+5. start-up (exec -> "Tracing" line) and peak RSS, peers alongside ----
if want startup; then
	echo "bench: start-up, $RUNS runs per variant" >&2
	$H -n "$RUNS" -o $OUT/startup.json \
		a_default= ./coreprobe structs "$T" \
		a_sysfs_forced= ./coreprobe --kernel-btf $SYSFS structs "$T" \
		a_nohost_sysfs= build/coreprobe-nohost structs "$T" \
		b_no_sysfs= ./coreprobe --no-sysfs-btf structs "$T" \
		c_seed= $OUT/loader seed $SYSFS build/btf/demo_v1.btf $OUT/seed.btf "$T" \
		d_floor= $OUT/loader min $OUT/min.btf "$T" \
		t_trace3= ./coreprobe --app-btf build/btf/demo_v1.funcs.btf trace "$T:add_test" 'arg0->a' 'arg0->c' 'arg0->d' \
		peer_bpftrace@stdout= bpftrace -B line -e "BEGIN { printf(\"Tracing\\n\"); } uprobe:$T:add_test { @n = count(); }" \
		peer_funclatency@stdout= stdbuf -oL funclatency "$T:add_test" \
		peer_tcprtt= tcprtt
	rm -f $OUT/seed.btf
fi

# ---- 4a. per-event cost: demo_v1 CALLS untraced / coreprobe / floor ----
if want events; then
	echo "bench: per-event, $EVENT_RUNS runs of $CALLS calls per variant" >&2
	$H -n "$EVENT_RUNS" -w 1 -o $OUT/events.json --target "$T" "$CALLS" --- \
		untraced= - \
		coreprobe= ./coreprobe -j structs "$T" \
		trace1= ./coreprobe -j --app-btf build/btf/demo_v1.funcs.btf trace "$T:add_test" 'arg0->a' \
		trace8= ./coreprobe -j --app-btf build/btf/demo_v1.funcs.btf trace "$T:add_test" 'arg0->a' 'arg0->c' 'arg0->d' '*arg0' 'arg0->a' 'arg0->c' 'arg0->d' '*arg0' \
		floor= $OUT/loader floor "$T"
fi

# ---- 4b. sslsniff: 1 KiB SSL_writes, offered load stepped up until events are lost ----
# Two client/server pairs (one client alone is slowed down by its own uprobes and never
# outruns the reader); RATE is per pair, 0 = as fast as they can; each step lasts ~1 s.
if want sslsniff; then
	echo "bench: sslsniff, $SSL_RUNS runs per step" >&2
	PAIRS=2
	steps=
	for rate in 1000 2000 4000 8000 16000 0; do
		writes=$rate
		[ "$rate" = 0 ] && writes=20000
		$H -n "$SSL_RUNS" -w 0 -o $OUT/ssl-step.json --target $OUT/tlspair "$writes" "$rate" 1024 $PAIRS --- \
			untraced= - \
			sslsniff= ./coreprobe -j sslsniff
		steps="$steps$(jq -c --argjson r "$rate" --argjson w "$writes" --argjson p $PAIRS \
			'{rate_per_pair: $r, writes_per_pair: $w, pairs: $p, runs: .}' $OUT/ssl-step.json)"$'\n'
	done
	printf '%s' "$steps" | jq -s . >$OUT/sslsniff.json
	rm -f $OUT/ssl-step.json
fi

# ---- 4c. sslfd: what the fd correlation (sys_enter tracepoint, per-call in-flight entry)
# adds to sslsniff's per-call cost: one pair, SSLFD_WRITES 64-byte SSL_writes as fast as it
# can, untraced / sslsniff / sslsniff --no-fd-syscalls (the fd only from the BIO) ----
SSLFD_WRITES=20000
if want sslfd; then
	echo "bench: sslfd, $SSLFD_RUNS runs per variant" >&2
	$H -n "$SSLFD_RUNS" -w 1 -o $OUT/sslfd.json --target $OUT/tlspair $SSLFD_WRITES 0 64 1 --- \
		untraced= - \
		sslsniff= ./coreprobe -j sslsniff \
		nofd= ./coreprobe -j sslsniff --no-fd-syscalls
fi

# ---- 4e. GnuTLS (bench/gnutlspair, the system's libgnutls30): (1) per-call cost: one pair,
# GNUTLS_WRITES 64-byte gnutls_record_send calls as fast as it can (each read by one
# gnutls_record_recv), untraced / a bare uprobe counter on the two calls (bpftrace count():
# entry only, and entry + return, the probes a plaintext tracer needs: a receive's bytes exist
# only at its return), and on entry + return of the four record calls sslsniff probes (send,
# send2, recv, recv_seq: what sslsniff probes when it cannot prove that gnutls_record_send only
# tail-calls send2; where it can, it probes send2 alone, docs/sslsniff.md)
# / coreprobe sslsniff; (2) loss: 1 KiB records, 2 pairs, the offered
# rates of the sslsniff steps above ----
GNUTLS_WRITES=20000
GNUTLS_LIB=/lib/x86_64-linux-gnu/libgnutls.so.30
if want gnutls; then
	echo "bench: gnutls, $GNUTLS_RUNS runs per variant and step" >&2
	[ -e $GNUTLS_LIB ] || die "no $GNUTLS_LIB (libgnutls30)"
	# A private copy of the library (same bytes, same build-id, so the same blob), which the
	# pair loads through LD_LIBRARY_PATH: uprobes belong to the file, and other tracers on the
	# system's libgnutls (other engineers' sslsniff runs) would trap in every variant,
	# "untraced" included. The tracers are pointed at the copy.
	mkdir -p $OUT/gnutls-lib
	cp "$(readlink -f $GNUTLS_LIB)" $OUT/gnutls-lib/libgnutls.so.30
	G=$PWD/$OUT/gnutls-lib/libgnutls.so.30
	GP="env LD_LIBRARY_PATH=$PWD/$OUT/gnutls-lib $OUT/gnutlspair"
	$GP 1 0 64 1 >/dev/null || die "gnutlspair does not run on the copy of $GNUTLS_LIB"
	# Other tracers' uprobes on any libgnutls now (none of this bench's are running): a
	# system-wide sslsniff of someone else traps in every variant, "untraced" included
	FOREIGN=$(bpftool perf 2>/dev/null | grep -c 'libgnutls' || true)
	[ "$FOREIGN" = 0 ] || echo "bench: warning: $FOREIGN uprobes of other tracers on libgnutls (bpftool perf): the GnuTLS figures are not clean" >&2
	$H -n "$GNUTLS_RUNS" -w 1 -o $OUT/gnutls-call.json --target $GP $GNUTLS_WRITES 0 64 1 --- \
		untraced= - \
		count_entry@stdout= bpftrace -B line -e "BEGIN { printf(\"Tracing\\n\"); } uprobe:$G:gnutls_record_send { @s = count(); } uprobe:$G:gnutls_record_recv { @r = count(); }" \
		count_entry_return@stdout= bpftrace -B line -e "BEGIN { printf(\"Tracing\\n\"); } uprobe:$G:gnutls_record_send { @s = count(); } uprobe:$G:gnutls_record_recv { @r = count(); } uretprobe:$G:gnutls_record_send { @sr = count(); } uretprobe:$G:gnutls_record_recv { @rr = count(); }" \
		count_sslsniff_probes@stdout= bpftrace -B line -e "BEGIN { printf(\"Tracing\\n\"); } uprobe:$G:gnutls_record_send,uprobe:$G:gnutls_record_send2,uprobe:$G:gnutls_record_recv,uprobe:$G:gnutls_record_recv_seq { @e = count(); } uretprobe:$G:gnutls_record_send,uretprobe:$G:gnutls_record_send2,uretprobe:$G:gnutls_record_recv,uretprobe:$G:gnutls_record_recv_seq { @r = count(); }" \
		sslsniff= ./coreprobe -j sslsniff --lib $G
	steps=
	for rate in 1000 2000 4000 8000 16000 0; do
		writes=$rate
		[ "$rate" = 0 ] && writes=20000
		$H -n "$GNUTLS_RUNS" -w 0 -o $OUT/gnutls-step.json --target $GP "$writes" "$rate" 1024 2 --- \
			untraced= - \
			sslsniff= ./coreprobe -j sslsniff --lib $G
		steps="$steps$(jq -c --argjson r "$rate" --argjson w "$writes" \
			'{rate_per_pair: $r, writes_per_pair: $w, pairs: 2, runs: .}' $OUT/gnutls-step.json)"$'\n'
	done
	printf '%s' "$steps" | jq -s --slurpfile call $OUT/gnutls-call.json --argjson foreign "$FOREIGN" \
		'{per_call: $call[0], loss: ., foreign_probes: $foreign}' >$OUT/gnutls.json
	rm -f $OUT/gnutls-step.json $OUT/gnutls-call.json
fi

# ---- 4d. sslsniff: exec of a new process -> its libssl covered (bench/procwatch.sh, its own
# JSON: build/bench/procwatch.json) ----
if want procwatch; then
	bash bench/procwatch.sh >&2
fi

# ---- micro: the kernel-BTF read steps, and picking a blob ----

if want micro; then
	echo "bench: micro-benchmarks" >&2
	{
		$OUT/btfparse -n "$RUNS"
		$OUT/pick -n "$RUNS" ./coreprobe
		$OUT/pick -n "$RUNS" build/coreprobe-nohost
	} | jq -s '{btfparse: .[0], pick_default: .[1], pick_nohost: .[2]}' >$OUT/micro.json
fi

# ---- profile: where exec -> attached goes (kernel side by syscall, user side by function) ----
if want profile; then
	echo "bench: profile (strace, callgrind)" >&2
	P=$OUT/profile
	rm -rf $P && mkdir -p $P
	for i in $(seq 10); do
		strace -T -o $P/a.$i ./coreprobe structs -d 0.05 "$T" >/dev/null 2>&1
		strace -T -o $P/n.$i build/coreprobe-nohost structs -d 0.05 "$T" >/dev/null 2>&1
		BENCH_ONESHOT=1 strace -T -o $P/d.$i $OUT/loader min $OUT/min.btf "$T" >/dev/null 2>&1
	done
	cg() { valgrind --tool=callgrind --callgrind-out-file="$P/$1.cg" "${@:2}" >/dev/null 2>&1; }
	cg a ./coreprobe structs -d 0.05 "$T"
	cg n build/coreprobe-nohost structs -d 0.05 "$T"
	BENCH_ONESHOT=1 cg d $OUT/loader min $OUT/min.btf "$T"
	BENCH_ONESHOT=1 cg c $OUT/loader seed $SYSFS build/btf/demo_v1.btf $OUT/seed.btf "$T"
	rm -f $OUT/seed.btf
	{
		python3 bench/phases.py strace a_default $P/a.*[0-9]
		python3 bench/phases.py strace a_nohost_sysfs $P/n.*[0-9]
		python3 bench/phases.py strace d_floor $P/d.*[0-9]
		python3 bench/phases.py callgrind a_default $P/a.cg
		python3 bench/phases.py callgrind a_nohost_sysfs $P/n.cg
		python3 bench/phases.py callgrind d_floor $P/d.cg
		python3 bench/phases.py callgrind c_seed $P/c.cg
	} | jq -s '{kernel_ms: .[0:3], user_instructions: .[3:7]}' >$OUT/profile.json
fi

# ---- app BTF from DWARF: start-up vs blob, encode vs pahole (bench/dwarf.sh, own JSON + table)
if want dwarf; then
	bash bench/dwarf.sh >$OUT/dwarf.md
fi

LOAD_AFTER=$(loadavg)
CMD="make bench"
for v in BENCH_RUNS BENCH_EVENT_RUNS BENCH_CALLS BENCH_SSL_RUNS BENCH_SSLFD_RUNS BENCH_GNUTLS_RUNS BENCH_ONLY; do
	if [ -n "${!v:-}" ]; then CMD="$v=\"${!v}\" $CMD"; fi
done
ARCHIVE=$OUT/archive.json
[ -s $ARCHIVE ] || echo null >$OUT/archive-none.json

jq -n \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--arg git "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo -dirty)" \
	--arg kernel "$(uname -r)" --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
	--argjson cpus "$(nproc)" --arg load_before "$LOAD_BEFORE" --arg load_after "$LOAD_AFTER" \
	--argjson runs "$RUNS" --argjson event_runs "$EVENT_RUNS" --argjson calls "$CALLS" \
	--argjson ssl_runs "$SSL_RUNS" --argjson btf_bytes "$BTF_BYTES" \
	--arg cmd "$CMD" \
	--slurpfile startup $OUT/startup.json --slurpfile events $OUT/events.json \
	--slurpfile ssl $OUT/sslsniff.json --slurpfile micro $OUT/micro.json \
	--slurpfile sslfd $OUT/sslfd.json --argjson sslfd_calls "$SSLFD_WRITES" \
	--slurpfile gnutls $OUT/gnutls.json --argjson gnutls_calls "$GNUTLS_WRITES" \
	--slurpfile profile $OUT/profile.json \
	--slurpfile archive "$( [ -s $ARCHIVE ] && echo $ARCHIVE || echo $OUT/archive-none.json)" \
	-f bench/results.jq >$OUT/results.json
rm -f $OUT/archive-none.json
jq -r -f bench/table.jq $OUT/results.json >$OUT/table.md
cat $OUT/table.md
! want dwarf || cat $OUT/dwarf.md
echo "bench: wrote $OUT/results.json and $OUT/table.md" >&2
