# The helpers of `make bench` and `make bench-archive` (included by the Makefile). The static
# musl ones link the same libbpf as coreprobe, so they compare like with like; tlspair links the
# system's libssl (the build coreprobe sslsniff has a blob for); the harness is plain glibc.
BENCH := $(BUILD)/bench
BENCH_BINS := $(BENCH)/harness $(BENCH)/loader $(BENCH)/tlspair $(BENCH)/gnutlspair $(BENCH)/btfparse $(BENCH)/pick
BENCH_DEPS := coreprobe $(BUILD)/coreprobe-nohost $(BUILD)/targets/demo_v1 $(BUILD)/targets/demo_v1.debug $(BUILD)/btf/demo_v1.btf \
	$(BUILD)/btf/demo_v1.funcs.btf $(BUILD)/bpf/structs.bpf.o $(BENCH_BINS)

# the trace rows need add_test's BTF FUNC record (trace types arguments from it): `btf dwarf
# --funcs` (build/btf/demo_v1.btf, embedded, has types only)
$(BUILD)/btf/demo_v1.funcs.btf: $(BUILD)/targets/demo_v1.debug $(BUILD)/coreprobe-noblobs
	@mkdir -p $(@D)
	$(RUN_TARGET) $(BUILD)/coreprobe-noblobs btf dwarf --funcs $< -o $@.tmp >/dev/null && mv $@.tmp $@

.PHONY: bench-archive

$(BENCH)/harness: bench/harness.c bench/stats.h | $(SETUP_STAMP)
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra $< -o $@

$(BENCH)/floor.bpf.o: bench/floor.bpf.c bpf/structs.h $(DEPS)/.done
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -I. -I$(DEPS)/include -Wall -c $< -o $@

$(BENCH)/floor.skel.h: $(BENCH)/floor.bpf.o
	$(BPFTOOL) gen skeleton $< name floor_bpf > $@

$(BENCH)/loader: bench/loader.c $(BUILD)/structs.skel.h $(BENCH)/floor.skel.h $(DEPS)/.done
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(BENCH) $(LDFLAGS) $< -lbpf -lelf -lz -o $@

$(BENCH)/btfparse: bench/btfparse.c bench/stats.h src/btf/btfrec.h $(DEPS)/.done
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $< -lbpf -lelf -lz -o $@

$(BENCH)/pick: bench/pick.c bench/stats.h $(CORE_OBJS) $(DEPS)/.done
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(CORE_OBJS) $(LDLIBS) -o $@

# tlspair and gnutlspair share their sockets, fork and timing code: bench/pair.c
$(BENCH)/tlspair: bench/tlspair.c bench/pair.c bench/pair.h bench/stats.h | $(SETUP_STAMP)
	@mkdir -p $(@D)
	gcc -O2 -Wall bench/tlspair.c bench/pair.c -o $@ -lssl -lcrypto

# the GnuTLS twin of tlspair, on the system's libgnutls30 (coreprobe embeds its build's BTF)
$(BENCH)/gnutlspair: bench/gnutlspair.c bench/pair.c bench/pair.h bench/stats.h | $(SETUP_STAMP)
	@mkdir -p $(@D)
	gcc -O2 -Wall bench/gnutlspair.c bench/pair.c -o $@ -lgnutls

# make bench-archive (opt-in): every x86_64 Debian kernel image of the configured suites — the
# first run downloads ~100 packages (~7 GB, cached in $(CACHE)/debs) — minimized against all
# BPF objects like the default set (embed/mkblobs.sh) and embedded in one coreprobe, which is
# then measured: blob bytes, distinct blobs, pick time, stripped size (build/bench/archive.json,
# shown by the next make bench). Delete $(BENCH_ARCHIVE)/.done to pick up new kernels.
BENCH_ARCHIVE ?= $(CACHE)/btfarchive-all

$(BENCH_ARCHIVE)/.done: | $(SETUP_STAMP)
	bash bench/archive.sh fetch $(BENCH_ARCHIVE)
	@touch $@

$(BENCH)/archive/store.bin: embed/mkblobs.sh $(BUILD)/mkstore $(BPF_OBJS) $(BENCH_ARCHIVE)/.done \
		$(BUILD)/hostbtf/.done $(BUILD)/appbtf/.done
	@mkdir -p $(@D)
	BPFTOOL=$(BPFTOOL) sh embed/mkblobs.sh $@ $(BENCH)/archive/work $(BUILD)/mkstore "$(BPF_OBJS)" \
		"$(BENCH_ARCHIVE)" "btfs/app $(BUILD)/appbtf" $(BUILD)/hostbtf

$(BENCH)/archive/store.o: embed/store.S $(BENCH)/archive/store.bin
	$(CC) -c -DSTORE_BIN='"$(BENCH)/archive/store.bin"' $< -o $@

$(BENCH)/coreprobe-archive: $(CORE_OBJS) $(APP_OBJS) $(BENCH)/archive/store.o
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

bench-archive: $(BENCH)/coreprobe-archive $(BENCH_DEPS)
	bash bench/archive.sh measure $(BENCH)/coreprobe-archive
