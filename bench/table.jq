# build/bench/results.json -> the Markdown table for docs/figures.md (build/bench/table.md).
def n(d): if . == null then "–" else (. * pow(10; d) | round) / pow(10; d) | tostring end;
def mmm(x; d): if x == null then "–" else "\(x.median | n(d)) [\(x.min | n(d))–\(x.max | n(d))]" end;
def lbl: {
	a_default: "(a) coreprobe, default choice (here: embedded blob, kernel build-id match)",
	a_sysfs_forced: "(a) coreprobe `--kernel-btf /sys/kernel/btf/vmlinux` (libbpf parse + prune)",
	a_nohost_sysfs: "(a) `coreprobe-nohost` (no blob for this kernel: the real sysfs path)",
	b_no_sysfs: "(b) coreprobe `--no-sysfs-btf` (embedded blob)",
	c_seed: "(c) seed flow: full kernel + app BTF, `btf__add_btf`, file, `btf_custom_path`",
	d_floor: "(d) floor: bare loader, precomputed minimal merged BTF",
	t_trace3: "`coreprobe trace` add_test, 3 expressions (`--app-btf`)",
	peer_bpftrace: "peer: bpftrace, uprobe count (marker: BEGIN, after attach)",
	peer_funclatency: "peer: libbpf-tools funclatency, uprobe (via `stdbuf -oL`)",
	peer_tcprtt: "peer: libbpf-tools tcprtt",
	untraced: "demo_v1 untraced",
	coreprobe: "traced by `coreprobe -j structs`",
	trace1: "traced by `coreprobe -j trace`, 1 expression",
	trace8: "traced by `coreprobe -j trace`, 8 expressions (2 whole structs)",
	floor: "traced by the floor (bench/floor.bpf.c, plain reads, same event size)"
}[.] // .;
def rat(a; b): if a == null or b == null or b == 0 then null else a / b end;
def yes: if . == null then "–" elif . then "**met**" else "**missed**" end;

. as $r |
"## Performance (`make bench`)",
"",
"Command: `\($r.meta.command)` — \($r.meta.date), git \($r.meta.git), kernel \($r.meta.kernel), \($r.meta.cpus) × \($r.meta.cpu); load average \($r.meta.load_before) before, \($r.meta.load_after) after. Shared, noisy machine: medians [min–max], goals are ratios of medians.",
"",
"### Start-up (exec → `Tracing` line, i.e. attached) and peak RSS — `structs` demo, \($r.meta.runs) runs each, in shuffled rounds",
"",
if ($r.startup | length) == 0 then "(not run)" else (
"| variant | exec→attached ms | × (d) | × (d), mins | peak RSS at attach (VmHWM) KB | × (d) | CPU ms |",
"|---|---|---|---|---|---|---|",
($r.startup | to_entries[] |
	if .value.runs > 0 then
		"| \(.key | lbl) | \(mmm(.value.attach_ms; 2)) | \($r.startup_ratios[.key].attach_vs_floor | n(2)) | \($r.startup_ratios[.key].min_attach_vs_floor | n(2)) | \(mmm(.value.hwm_kb; 0)) | \($r.startup_ratios[.key].hwm_vs_floor | n(2)) | \(.value.cpu_ms.median | n(1)) |"
	else
		"| \(.key | lbl) | fails here: \(.value.error // "no run" | .[0:160]) | | | | | |"
	end),
"",
"The kernel's sysfs BTF is \($r.meta.sysfs_btf_bytes / 1024 | n(0)) KB; RSS above the floor, in kernel-BTF sizes: sysfs path \($r.startup_ratios.a_nohost_sysfs.hwm_over_floor_in_kernel_btfs | n(2)), `--kernel-btf` \($r.startup_ratios.a_sysfs_forced.hwm_over_floor_in_kernel_btfs | n(2)), seed \($r.startup_ratios.c_seed.hwm_over_floor_in_kernel_btfs | n(2)). The marker line comes after the uprobe is attached in every row (bpftrace: its BEGIN probe fires after attach, checked by catching a call made right after the line)."
) end,
"",
"### Per-event cost — `demo_v1 \($r.meta.calls)`, \($r.meta.event_runs) runs each",
"",
if ($r.per_event | length) <= 1 then "(not run)" else (
"| variant | wall ms | added µs per call | × floor | events delivered | lost |",
"|---|---|---|---|---|---|",
($r.per_event | to_entries[] | select(.key != "added_us_per_call") |
	if .value.runs > 0 then
		"| \(.key | lbl) | \(mmm(.value.target_ms; 1)) | \($r.per_event.added_us_per_call[.key] | n(3)) | \(if .key == "untraced" then "" else (($r.per_event.added_us_per_call[.key] / $r.per_event.added_us_per_call.floor) | n(3)) end) | \(.value.events_total // "") | \(.value.lost_total // "") |"
	else "| \(.key | lbl) | fails: \(.value.error // "no run" | .[0:160]) | | | | |" end)
) end,
"",
"### sslsniff — 1 KiB `SSL_write`s, 2 client/server pairs on loopback (system libssl), \($r.meta.ssl_runs) runs per step",
"",
if ($r.sslsniff | length) == 0 then "(not run)" else (
"| offered writes/s per pair | writes per run | untraced ms | traced ms | events/s delivered (SSL_write + SSL_read) | lost per run | lost % |",
"|---|---|---|---|---|---|---|",
($r.sslsniff[] |
	"| \(if .rate_per_pair == 0 then "max" else .rate_per_pair end) | \(.offered_writes) | \(.untraced_ms | n(0)) | \(.traced_ms | n(0)) | \(.events_per_s | n(0)) | \(.lost_per_run | n(0)) | \(.loss_pct | n(2)) |"),
"",
""
) end,
if ($r.sslsniff | length) == 0 then empty else
"Highest delivery rate with zero loss: \($r.sslsniff_zero_loss_events_per_s | n(0)) events/s. sslsniff start-up in these runs: \([$r.sslsniff[].attach_ms | select(. != null)] | if length > 0 then (sort | .[length / 2 | floor] | n(1)) else "–" end) ms, peak RSS \([$r.sslsniff[].hwm_kb | select(. != null)] | if length > 0 then (sort | .[length / 2 | floor] | n(0)) else "–" end) KB." end,
"",
"### GnuTLS — bench/gnutlspair (system libgnutls30), \($r.gnutls.runs // "–") runs per variant",
"",
if ($r.gnutls.added_us_per_call // null) == null then "(not run)" else (
"| per gnutls_record_send + gnutls_record_recv pair (64 B, \($r.gnutls.calls) per run) | added CPU µs (target + tracer after attach) | of which in the target (traps, BPF) | added wall µs |",
"|---|---|---|---|",
($r.gnutls.added_cpu_us_per_call | to_entries[] | "| \(.key) | \(.value | n(3)) | \($r.gnutls.added_target_cpu_us_per_call[.key] | n(3)) | \($r.gnutls.added_us_per_call[.key] | n(3)) |"),
"",
($r.gnutls.added_cpu_us_per_call as $c | $r.gnutls.added_target_cpu_us_per_call as $t |
"CPU: sslsniff / counter on entry + return \(rat($c.sslsniff; $c.count_entry_return) | n(3))× (in the target alone \(rat($t.sslsniff; $t.count_entry_return) | n(3))×), / counter on the same four calls \(rat($c.sslsniff; $c.count_sslsniff_probes) | n(3))×, / counter on entry only \(rat($c.sslsniff; $c.count_entry) | n(3))×; events \($r.gnutls.events), lost \($r.gnutls.lost)."),
"",
(if ($r.gnutls.foreign_probes // 0) > 0 then "**Not clean:** \($r.gnutls.foreign_probes) uprobes of other tracers were on libgnutls when these ran (`bpftool perf`)." else empty end),
"",
"| 1 KiB records, 2 pairs: offered/s per pair | untraced ms | traced ms | events/s | lost per run |",
"|---|---|---|---|---|",
($r.gnutls.loss[] | "| \(if .rate_per_pair == 0 then "max" else .rate_per_pair end) | \(.untraced_ms | n(0)) | \(.traced_ms | n(0)) | \(.events_per_s | n(0)) | \(.lost_per_run | n(0)) |")
) end,
"",
"### Where exec→attached goes (profile: strace -T, 10 runs; callgrind, 1 run)",
"",
if ($r.profile.kernel_ms // null) == null then "(not run)" else (
"| kernel time in syscalls, ms: median [min] | \($r.profile.kernel_ms | map(.name | lbl | split(" (")[0] | split(":")[0]) | join(" | ")) |",
"|---|\($r.profile.kernel_ms | map("---") | join("|"))|",
(($r.profile.kernel_ms[0] | keys_unsorted - ["name", "runs", "unit"])[] as $ph |
 "| \($ph) | \($r.profile.kernel_ms | map(if .[$ph] == null then "–" else "\(.[$ph].median | n(2)) [\(.[$ph].min | n(2))]" end) | join(" | ")) |"),
"",
"| user instructions (callgrind, inclusive), thousands | \($r.profile.user_instructions | map(.name | lbl | split(" (")[0] | split(":")[0]) | join(" | ")) |",
"|---|\($r.profile.user_instructions | map("---") | join("|"))|",
((["total"] + ($r.profile.user_instructions | map(keys_unsorted - ["name", "unit", "total"]) | add | unique))[] as $ph |
 "| \($ph) | \($r.profile.user_instructions | map(if .[$ph] == null then "–" else (.[$ph] / 1000 | round | tostring) end) | join(" | ")) |")
) end,
"",
"### Where the kernel-BTF time goes (micro-benchmarks, medians of \($r.meta.runs))",
"",
(if $r.micro.btfparse == null then "(not run)" else
 ($r.micro.btfparse | "- `/sys/kernel/btf/vmlinux`, \(.bytes / 1024 | n(0)) KB, \(.types) types: libbpf `btf__parse` \(.btf__parse_ms | n(2)) ms; `read()` alone \(.read_ms | n(2)) ms; `mmap` + touch \(.mmap_touch_ms | n(3)) ms; `btf__new` on the mapping \(.btf__new_mmap_ms | n(2)) ms; one indexing walk over the mapped types \(.index_mmap_ms | n(2)) ms."),
 ($r.micro.pick_default | "- picking the kernel BTF, default binary (\(.entries) entries, \(.source)): host \(.host_us | n(0)) µs + store \(.store_us | n(0)) µs + choose \(.choose_us | n(1)) µs + load \(.load_us | n(0)) µs = \(.total_us | n(0)) µs."),
 ($r.micro.pick_nohost | "- same, `coreprobe-nohost` (\(.entries) entries, \(.source)): host \(.host_us | n(0)) µs + store \(.store_us | n(0)) µs + choose \(.choose_us | n(1)) µs + load \(.load_us | n(0)) µs = \(.total_us | n(0)) µs.")
 end),
"",
(if $r.archive == null then "### Archive scale: not run (`make bench-archive`)" else
 ($r.archive | "### Archive scale (`make bench-archive`, \(.date))",
  "",
  "- \(.kernels) x86_64 Debian kernel images (\(.suites)), minimized against all \(.objects) BPF objects: \(.kernel_blob_bytes) bytes of kernel blobs in the store (compressed), \(.distinct_blobs) distinct blobs, \(.bytes_per_kernel | n(1)) bytes per kernel (raw minimized: \(.raw_bytes_total) bytes in total).",
  "- binary embedding them: \(.stripped_bytes) bytes stripped (default build: \(.default_stripped_bytes) bytes); store section \(.store_section_bytes) bytes.",
  "- picking a blob: `btf which` \(.which_default_ms | n(2)) ms with the default store vs \(.which_big_ms | n(2)) ms with all kernels; in-process (host + store + choose + load): default \(.pick_default.total_us | n(0)) µs, all kernels \(.pick_big.total_us | n(0)) µs (store \(.pick_big.store_us | n(0)) µs, choose \(.pick_big.choose_us | n(1)) µs, load \(.pick_big.load_us | n(0)) µs)."
 ) end),
"",
"### Goals",
"",
"| goal | value | limit | |",
"|---|---|---|---|",
($r.goals[] | "| \(.name) | \(.value | n(3)) \(.unit) | ≤ \(.limit) \(.unit) | \(.met | yes) |")
