/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel side of coreprobe's event transport, shared by every tool: a ring buffer where the
 * kernel has one (5.8+), a perf buffer otherwise; userspace (src/tracer.c) creates only the
 * maps of the transport in use and sets cp_use_ringbuf, so the verifier drops the other path.
 * Define CP_EVENT_MAX (the largest event) before including this file. */
#ifndef COREPROBE_EVENTS_BPF_H
#define COREPROBE_EVENTS_BPF_H

#ifndef CP_EVENT_MAX
#error "define CP_EVENT_MAX before including events.bpf.h"
#endif
#ifndef CP_RINGBUF_SIZE
#define CP_RINGBUF_SIZE (512 * 1024)
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CP_RINGBUF_SIZE);
} events_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events_pb SEC(".maps");

/* a per-CPU scratch slot: where perf-buffer events are built, and where tools build
 * variable-size events before cp_event_output() copies out only the used part */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, CP_EVENT_MAX);
} events_heap SEC(".maps");

/* events the kernel side could not queue: reported at exit, never silent */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} events_dropped SEC(".maps");

const volatile bool cp_use_ringbuf = true;

/* The reader is woken once a batch is queued (an eighth of the ring); a quieter stream is
 * picked up by its poll timeout (100 ms, cp_events_loop in src/runtime/tracer.c), and every
 * exit drains the ring. Why: by default the kernel wakes a caught-up reader for every record,
 * and a reader woken per event spent more CPU on the wake-up, the epoll call and a write per
 * event than on the event itself (perf of sslsniff in the GnuTLS per-call bench). */
#define CP_WAKEUP_BYTES (CP_RINGBUF_SIZE / 8)

static __always_inline __u64 cp_wakeup_flag(void)
{
	return bpf_ringbuf_query(&events_rb, BPF_RB_AVAIL_DATA) >= CP_WAKEUP_BYTES ?
	       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void cp_event_count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&events_dropped, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline void *cp_event_reserve(__u32 size)
{
	__u32 zero = 0;
	void *e;

	if (cp_use_ringbuf)
		e = bpf_ringbuf_reserve(&events_rb, size, 0);
	else
		e = bpf_map_lookup_elem(&events_heap, &zero);
	if (!e)
		cp_event_count_drop();
	return e;
}

static __always_inline void cp_event_submit(void *ctx, void *e, __u32 size)
{
	if (cp_use_ringbuf)
		bpf_ringbuf_submit(e, cp_wakeup_flag());
	else if (bpf_perf_event_output(ctx, &events_pb, BPF_F_CURRENT_CPU, e, size) < 0)
		cp_event_count_drop();
}

/* The per-CPU scratch slot (CP_EVENT_MAX bytes), for events built before their size is known. */
static __always_inline void *cp_event_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&events_heap, &zero);
}

/* Copies size bytes of a scratch-built event out (ring buffer or perf buffer). */
static __always_inline void cp_event_output(void *ctx, void *e, __u64 size)
{
	long err;

	if (cp_use_ringbuf)
		err = bpf_ringbuf_output(&events_rb, e, size, cp_wakeup_flag());
	else
		err = bpf_perf_event_output(ctx, &events_pb, BPF_F_CURRENT_CPU, e, size);
	if (err < 0)
		cp_event_count_drop();
}

static __always_inline void cp_event_discard(void *e)
{
	if (cp_use_ringbuf)
		bpf_ringbuf_discard(e, 0);
}

#endif
