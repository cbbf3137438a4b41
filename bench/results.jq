# Builds build/bench/results.json from the raw measurements (bench/run.sh passes them in) and
# evaluates the goals of issue #6. Ratios use medians; a goal is null when its inputs are missing.
def med(x): if x == null then null else x.median end;
def ratio(a; b): if a == null or b == null or b == 0 then null else (a / b * 1000 | round) / 1000 end;
# a ratio of two costs, null unless both are positive (noise can make a small added cost negative)
def cost_ratio(a; b): if a == null or b == null or a <= 0 or b <= 0 then null else ratio(a; b) end;
def goal(name; value; op; limit; unit):
	{name: name, value: value, limit: limit, unit: unit,
	 met: (if value == null then null elif op == "<=" then value <= limit else value >= limit end)};
def r3: if . == null then null else (. * 1000 | round) / 1000 end;

($startup[0]) as $s |
($events[0]) as $e |
($ssl[0]) as $ssl |
($micro[0]) as $m |
($sslfd[0]) as $fd |
($gnutls[0]) as $gt |
($archive[0]) as $ar |
($btf_bytes / 1024) as $btf_kb |
{
	meta: {date: $date, git: $git, kernel: $kernel, cpu: $cpu, cpus: $cpus,
	       load_before: $load_before, load_after: $load_after, command: $cmd,
	       runs: $runs, event_runs: $event_runs, calls: $calls, ssl_runs: $ssl_runs,
	       sysfs_btf_bytes: $btf_bytes},
	startup: $s,
	per_event: ($e + {
		added_us_per_call: (
			if $e.untraced == null then {} else
			[$e | to_entries[] | select(.key != "untraced" and .value.target_ms != null) |
			 {key: .key, value: (((.value.target_ms.median - $e.untraced.target_ms.median) * 1000 / $calls) | r3)}]
			| from_entries end)
	}),
	sslsniff: [$ssl[] | . as $st | ($st.runs.sslsniff // {}) as $t | {
		rate_per_pair: $st.rate_per_pair, writes_per_pair: $st.writes_per_pair, pairs: $st.pairs,
		offered_writes: ($st.writes_per_pair * $st.pairs),
		untraced_ms: med($st.runs.untraced.target_ms), traced_ms: med($t.target_ms),
		attach_ms: med($t.attach_ms), hwm_kb: med($t.hwm_kb),
		events_per_run: (if $t.runs > 0 and $t.events_total != null then $t.events_total / $t.runs else null end),
		lost_per_run: (if $t.runs > 0 and $t.lost_total != null then $t.lost_total / $t.runs else null end),
		runs: $t.runs, failures: $t.failures, error: $t.error
	} | . + {
		events_per_s: (if .events_per_run != null and .traced_ms != null then (.events_per_run / .traced_ms * 1000 | round) else null end),
		loss_pct: (if .events_per_run != null and (.events_per_run + .lost_per_run) > 0
			   then (.lost_per_run / (.events_per_run + .lost_per_run) * 100 | r3) else null end)
	}],
	# per SSL_write+SSL_read pair of calls (the client's write and the server's read of it)
	ssl_fd: (if $fd.untraced == null then {} else {
		calls: $sslfd_calls,
		added_us_per_write: ([$fd | to_entries[] | select(.key != "untraced" and .value.target_ms != null) |
			{key: .key, value: (((.value.target_ms.median - $fd.untraced.target_ms.median) * 1000 / $sslfd_calls) | r3)}]
			| from_entries),
		lost: ([$fd | to_entries[] | select(.key != "untraced") | {key: .key, value: .value.lost_total}] | from_entries)
	} end),
	# GnuTLS: per gnutls_record_send + gnutls_record_recv pair (the client's send, the server's
	# receive of it), and the loss steps (as sslsniff's)
	gnutls: (if ($gt.per_call.untraced // null) == null then {} else {
		calls: $gnutls_calls,
		added_us_per_call: ([$gt.per_call | to_entries[] | select(.key != "untraced" and .value.target_ms != null) |
			{key: .key, value: (((.value.target_ms.median - $gt.per_call.untraced.target_ms.median) * 1000 / $gnutls_calls) | r3)}]
			| from_entries),
		# CPU, not wall time: the target's own (uprobe traps and BPF programs run in its
		# context) above the untraced target's, plus the tracer's after its marker (the reader);
		# on a shared machine the wall time also counts waiting for the other load
		added_cpu_us_per_call: ([$gt.per_call | to_entries[] | select(.key != "untraced" and .value.target_cpu_ms != null) |
			{key: .key, value: (((.value.target_cpu_ms.median - $gt.per_call.untraced.target_cpu_ms.median
				+ (.value.cpu_after_attach_ms.median // 0)) * 1000 / $gnutls_calls) | r3)}]
			| from_entries),
		# the target's part alone: uprobe traps and BPF programs, without the tracer's reader
		added_target_cpu_us_per_call: ([$gt.per_call | to_entries[] | select(.key != "untraced" and .value.target_cpu_ms != null) |
			{key: .key, value: (((.value.target_cpu_ms.median - $gt.per_call.untraced.target_cpu_ms.median) * 1000 / $gnutls_calls) | r3)}]
			| from_entries),
		foreign_probes: $gt.foreign_probes,
		events: $gt.per_call.sslsniff.events_total, lost: $gt.per_call.sslsniff.lost_total,
		runs: $gt.per_call.sslsniff.runs,
		loss: [($gt.loss // [])[] | . as $st | ($st.runs.sslsniff // {}) as $t | {
			rate_per_pair: $st.rate_per_pair, writes_per_pair: $st.writes_per_pair, pairs: $st.pairs,
			untraced_ms: med($st.runs.untraced.target_ms), traced_ms: med($t.target_ms),
			events_per_run: (if $t.runs > 0 and $t.events_total != null then $t.events_total / $t.runs else null end),
			lost_per_run: (if $t.runs > 0 and $t.lost_total != null then $t.lost_total / $t.runs else null end),
			runs: $t.runs, failures: $t.failures, error: $t.error
		} | . + {
			events_per_s: (if .events_per_run != null and .traced_ms != null then (.events_per_run / .traced_ms * 1000 | round) else null end)
		}]
	} end),
	micro: $m,
	profile: $profile[0],
	archive: $ar
} |
. as $r |
([$r.sslsniff[] | select(.lost_per_run == 0 and .events_per_s != null) | .events_per_s] | max) as $zero_loss |
.sslsniff_zero_loss_events_per_s = $zero_loss |
# the GnuTLS steps at the offered rates where OpenSSL's lost nothing: all of them must lose nothing
([$r.sslsniff[] | select(.lost_per_run == 0) | .rate_per_pair]) as $ok_rates |
([($r.gnutls.loss // [])[] | select(.rate_per_pair as $x | $ok_rates | index($x)) | .lost_per_run]) as $gt_lost |
.gnutls_lost_at_openssl_zero_loss_rates = (if ($gt_lost | length) == 0 or ($gt_lost | any(. == null)) then null else ($gt_lost | add) end) |
.startup_ratios = (
	if $s.d_floor == null then {} else
	[$s | to_entries[] | select(.value.attach_ms != null) |
	 {key: .key, value: {attach_vs_floor: ratio(.value.attach_ms.median; $s.d_floor.attach_ms.median),
			     attach_vs_seed: ratio(.value.attach_ms.median; $s.c_seed.attach_ms.median),
			     min_attach_vs_floor: ratio(.value.attach_ms.min; $s.d_floor.attach_ms.min),
			     hwm_vs_floor: ratio(.value.hwm_kb.median; $s.d_floor.hwm_kb.median),
			     hwm_over_floor_in_kernel_btfs: (((.value.hwm_kb.median - $s.d_floor.hwm_kb.median) / $btf_kb) | r3)}}]
	| from_entries end) |
. as $r |
.goals = [
	goal("start-up (a) default / (d) floor"; ratio(med($s.a_default.attach_ms); med($s.d_floor.attach_ms)); "<="; 1.5; "x"),
	goal("start-up (b) --no-sysfs-btf / (d) floor"; ratio(med($s.b_no_sysfs.attach_ms); med($s.d_floor.attach_ms)); "<="; 1.2; "x"),
	goal("start-up (a) default / (c) seed"; ratio(med($s.a_default.attach_ms); med($s.c_seed.attach_ms)); "<="; 0.3; "x"),
	goal("start-up, sysfs path where no blob matches (coreprobe-nohost) / (d) floor, held to (a)'s goal"; ratio(med($s.a_nohost_sysfs.attach_ms); med($s.d_floor.attach_ms)); "<="; 1.5; "x"),
	goal("start-up, sysfs path (coreprobe-nohost) / (c) seed, held to (a)'s goal"; ratio(med($s.a_nohost_sysfs.attach_ms); med($s.c_seed.attach_ms)); "<="; 0.3; "x"),
	goal("peak RSS (a) default / (d) floor"; ratio(med($s.a_default.hwm_kb); med($s.d_floor.hwm_kb)); "<="; 1.5; "x"),
	goal("peak RSS (b) --no-sysfs-btf / (d) floor"; ratio(med($s.b_no_sysfs.hwm_kb); med($s.d_floor.hwm_kb)); "<="; 1.5; "x"),
	goal("peak RSS, sysfs path (coreprobe-nohost) / (d) floor, held to (a)'s goal"; ratio(med($s.a_nohost_sysfs.hwm_kb); med($s.d_floor.hwm_kb)); "<="; 1.5; "x"),
	goal("sysfs path: RSS above floor, in kernel-BTF sizes (< 1 = never two copies)"; $r.startup_ratios.a_nohost_sysfs.hwm_over_floor_in_kernel_btfs; "<="; 1; "x"),
	goal("per-call cost coreprobe / floor"; ratio($r.per_event.added_us_per_call.coreprobe; $r.per_event.added_us_per_call.floor); "<="; 1.3; "x"),
	goal("sslsniff per-call cost with the fd correlation / without (--no-fd-syscalls)"; ratio($r.ssl_fd.added_us_per_write.sslsniff; $r.ssl_fd.added_us_per_write.nofd); "<="; 1.1; "x"),
	goal("GnuTLS per-call CPU cost (gnutls_record_send + the peer's gnutls_record_recv) sslsniff / bare uprobe counter on entry + return"; cost_ratio($r.gnutls.added_cpu_us_per_call.sslsniff; $r.gnutls.added_cpu_us_per_call.count_entry_return); "<="; 1.3; "x"),
	goal("GnuTLS events lost at the offered rates where OpenSSL's sslsniff steps lose none"; $r.gnutls_lost_at_openssl_zero_loss_rates; "<="; 0; "events"),
	goal("start-up trace, 3 expressions / (d) floor"; ratio(med($s.t_trace3.attach_ms); med($s.d_floor.attach_ms)); "<="; 1.5; "x"),
	goal("start-up trace, 3 expressions / bpftrace"; ratio(med($s.t_trace3.attach_ms); med($s.peer_bpftrace.attach_ms)); "<="; 0.1; "x"),
	goal("peak RSS trace, 3 expressions / (d) floor"; ratio(med($s.t_trace3.hwm_kb); med($s.d_floor.hwm_kb)); "<="; 1.5; "x"),
	goal("per-call cost trace, 1 expression / floor"; ratio($r.per_event.added_us_per_call.trace1; $r.per_event.added_us_per_call.floor); "<="; 1.3; "x"),
	goal("per-call cost trace, 8 expressions / floor"; ratio($r.per_event.added_us_per_call.trace8; $r.per_event.added_us_per_call.floor); "<="; 1.3; "x"),
	(if $ar == null then empty else
	 goal("archive: kernel blob bytes in total"; $ar.kernel_blob_bytes; "<="; 65536; "B"),
	 goal("archive: time to pick a blob (store of all kernels)"; $ar.pick_big.total_us; "<="; 1000; "us"),
	 goal("archive: stripped binary"; $ar.stripped_bytes; "<="; 2621440; "B") end)
]
