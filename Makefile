# coreprobe — see README.md.
#   make            build ./coreprobe (sets the machine up, fetches and builds what it needs)
#   make demo       build, then trace the demo targets on an embedded default
#   make test       every test: unit, integration (root), VM matrix, short fuzz, sanitizers
#   make bench      performance measurements (table + JSON)
#   make fuzz       every libFuzzer harness to 10^6 runs (tests/hardening.mk, tests/fuzz/)
#   make BTF_ARCHIVE=DIR   embed the kernels of a BTFhub-archive checkout instead of the
#                          default Debian set (the build host's own kernel is always added)

SHELL := /bin/bash
CACHE ?= $(HOME)/.cache/coreprobe
export COREPROBE_CACHE := $(CACHE)
BUILD := build

# Pinned third-party libraries, built by libbpf/build.sh; the directory name changes with it.
DEPS := $(CACHE)/deps-$(shell cksum < libbpf/build.sh | cut -d' ' -f1)
# Default kernel BTF set, from Debian kernel packages (btfs/kernel/debian.list).
DEBIAN_ARCHIVE := $(CACHE)/btfarchive
BTF_ARCHIVE ?= $(DEBIAN_ARCHIVE)
# vmlinux.h for the BPF sources comes from one fixed Debian kernel, not from the build host.
VMLINUX_BTF := $(DEBIAN_ARCHIVE)/debian/12/x86_64/6.1.0-50-amd64.btf

CLANG ?= clang
BPFTOOL ?= bpftool
CC := musl-gcc
ARCH := x86

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare -Wno-format-truncation
CFLAGS := -O2 -g $(WARN) -ffunction-sections -fdata-sections -D_GNU_SOURCE \
	-I. -I$(BUILD) -I$(DEPS)/include
LDFLAGS := -static -Wl,--gc-sections -L$(DEPS)/lib
LDLIBS := -lbpf -ldw -lelf -lz -lmbedcrypto

# One row per tool: bpf/<tool>.bpf.c + bpf/<tool>.h + tools/<tool>.c
TOOLS := structs sslsniff tcprtt ipsetaudit flowlat
# The BTF engine (src/btf/: blob store, kernel/app pick, merge, ELF readers) is apart from the
# tracer runtime (src/runtime/: load, attach, events, output files, tool helpers).
BTF_SRC := $(addprefix src/btf/,elfinfo.c hostinfo.c blobstore.c btfmerge.c btfpick.c dwarf.c)
RUNTIME_SRC := $(addprefix src/runtime/,tracer.c tlskeys.c outfile.c attach.c tchook.c netutil.c hist.c userdb.c)
CORE_SRC := src/common.c $(BTF_SRC) $(RUNTIME_SRC)
APP_SRC := main.c tools/btfcmd.c tools/objects.c $(addprefix tools/,$(addsuffix .c,$(TOOLS)))
BPF_OBJS := $(patsubst %,$(BUILD)/bpf/%.bpf.o,$(TOOLS))
SKELS := $(patsubst %,$(BUILD)/%.skel.h,$(TOOLS))
CORE_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(CORE_SRC))
APP_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(APP_SRC))

# Demo targets: built with DWARF, BTF made with pahole, then stripped. demo_v3 has no embedded
# blob (the refusal case); demo_static is a static musl build for the empty-root test.
DEMOS := demo_v1 demo_v2 demo_v3 demo_static
EMBEDDED_DEMOS := demo_v1 demo_v2 demo_static

SETUP_STAMP := $(CACHE)/.setup-$(shell cksum < scripts/setup.sh | cut -d' ' -f1)

.PHONY: all setup demo test test-unit test-integration test-vm bench fuzz clean distclean
.DELETE_ON_ERROR:
# keep generated skeletons and BTF (intermediate files of pattern rules)
.SECONDARY:

all: coreprobe

setup: $(SETUP_STAMP)
$(SETUP_STAMP): scripts/setup.sh
	sh scripts/setup.sh
	@mkdir -p $(CACHE) && touch $@

# Cached things are keyed by the content of their recipe, not by file times: a fresh clone or a
# second worktree must reuse them, never rebuild them under another build's feet.
$(DEPS)/.done: | $(SETUP_STAMP)
	sh libbpf/build.sh $(DEPS)

ARCHIVE_STAMP := $(DEBIAN_ARCHIVE)/.done-$(shell cat btfs/kernel/debian.list btfs/kernel/modules.list btfs/kernel/fetch-debian.sh | cksum | cut -d' ' -f1)
$(ARCHIVE_STAMP): | $(SETUP_STAMP)
	sh btfs/kernel/fetch-debian.sh $(DEBIAN_ARCHIVE)
	@touch $@

$(VMLINUX_BTF): $(ARCHIVE_STAMP)

$(BUILD)/vmlinux.h: $(ARCHIVE_STAMP)
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/%.h bpf/events.bpf.h $(BUILD)/vmlinux.h $(DEPS)/.done
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -I$(DEPS)/include -Ibpf \
		-Wall -Wno-unused-function -c $< -o $@
	# DWARF is for humans; the skeleton embeds the whole object, and kernel structs' debug
	# info made it ~0.8 MB per kernel tool (BTF and CO-RE records are kept)
	llvm-strip -g $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/obj/%.o: %.c $(DEPS)/.done $(SKELS) $(wildcard src/*.h src/*/*.h tools/*.h bpf/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# ---- demo targets and their BTF ----
$(BUILD)/targets/%.debug: tests/targets/demo.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	gcc -g -O2 -D$(shell echo $* | tr a-z A-Z) -Wl,--build-id -Wl,--export-dynamic-symbol=add_test $< -o $@

$(BUILD)/targets/demo_static.debug: tests/targets/demo.c $(DEPS)/.done
	@mkdir -p $(@D)
	$(CC) -static -g -O2 -DDEMO_V1 -Wl,--build-id $< -o $@

$(BUILD)/targets/%: $(BUILD)/targets/%.debug
	strip -o $@ $<

# a static binary has no .dynsym: keep its symbol table, drop only the debug info
$(BUILD)/targets/demo_static: $(BUILD)/targets/demo_static.debug
	strip --strip-debug -o $@ $<

# demo_v3's DWARF split out the way distributions ship it (the VM matrix traces through it)
$(BUILD)/targets/demo_v3.dbg: $(BUILD)/targets/demo_v3.debug
	objcopy --only-keep-debug --compress-debug-sections $< $@

$(BUILD)/btf/collide.btf: tests/targets/collide.c
	@mkdir -p $(@D)
	gcc -g -c $< -o $(BUILD)/btf/collide.o
	pahole --btf_encode_detached $@ $(BUILD)/btf/collide.o

$(BUILD)/btf/%.btf: $(BUILD)/targets/%.debug
	@mkdir -p $(@D)
	pahole --btf_encode_detached $@ $<

# Embedded demo blobs: btfs-like tree NAME/BUILD-ID.btf under build/appbtf.
$(BUILD)/appbtf/.done: $(patsubst %,$(BUILD)/btf/%.btf,$(EMBEDDED_DEMOS)) $(patsubst %,$(BUILD)/targets/%,$(DEMOS))
	rm -rf $(@D) && mkdir -p $(@D)
	for d in $(EMBEDDED_DEMOS); do \
		id=$$(readelf -n $(BUILD)/targets/$$d | awk '/Build ID:/ {print $$3}'); \
		mkdir -p $(@D)/$$d && cp $(BUILD)/btf/$$d.btf $(@D)/$$d/$$id.btf; \
	done
	@touch $@

# The build host's own kernel, from sysfs (skipped where there is none).
$(BUILD)/hostbtf/.done: $(BUILD)/mkstore btfs/kernel/modules.list
	rm -rf $(@D) && mkdir -p $(@D)
	if [ -r /sys/kernel/btf/vmlinux ]; then \
		. /etc/os-release; rel=$$(uname -r); d=$(@D)/$$ID/$$VERSION_ID/$$(uname -m); mkdir -p $$d/$$rel.modules; \
		cp /sys/kernel/btf/vmlinux $$d/$$rel.btf; \
		$(BUILD)/mkstore notes-build-id /sys/kernel/notes > $$d/$$rel.buildid || rm -f $$d/$$rel.buildid; \
		for m in $$(grep -v '^#' btfs/kernel/modules.list); do \
			[ -r /sys/kernel/btf/$$m ] && cp /sys/kernel/btf/$$m $$d/$$rel.modules/$$m.btf || true; \
		done; \
	fi
	@touch $@

$(BUILD)/mkstore: embed/mkstore.c $(CORE_SRC) $(DEPS)/.done
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) embed/mkstore.c $(CORE_SRC) $(LDLIBS) -o $@

$(BUILD)/store.bin: embed/mkblobs.sh $(BUILD)/mkstore $(BPF_OBJS) $(ARCHIVE_STAMP) \
		$(BUILD)/hostbtf/.done $(BUILD)/appbtf/.done $(shell find btfs/app -type f 2>/dev/null)
	BPFTOOL=$(BPFTOOL) sh embed/mkblobs.sh $@ $(BUILD)/blobwork $(BUILD)/mkstore "$(BPF_OBJS)" \
		"$(BUILD)/hostbtf $(BTF_ARCHIVE)" "btfs/app $(BUILD)/appbtf"

$(BUILD)/store.o: embed/store.S $(BUILD)/store.bin
	$(CC) -c -DSTORE_BIN='"$(BUILD)/store.bin"' $< -o $@

# The shipped binary is stripped with GNU strip, which keeps the blob section (llvm-strip drops
# it); build/coreprobe.debug keeps the symbols for profiling.
coreprobe: $(CORE_OBJS) $(APP_OBJS) $(BUILD)/store.o
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $(BUILD)/coreprobe.debug
	strip -o $@ $(BUILD)/coreprobe.debug
	@file $@ | grep -q 'statically linked' || { echo "coreprobe is not statically linked" >&2; rm -f $@; exit 1; }
	@./$@ -V | grep -qv ' 0 kernel' || { echo "coreprobe carries no kernel BTF blob" >&2; rm -f $@; exit 1; }

# For tests: the same program without the build host's kernel blob (the host archive is the
# first one mkblobs reads: k/1), for the unknown-kernel and real-sysfs cases.
$(BUILD)/store-nohost.bin: $(BUILD)/store.bin
	grep -v ' $(BUILD)/blobwork/k/1/' $(BUILD)/blobwork/list > $(BUILD)/blobwork/list-nohost
	$(BUILD)/mkstore pack $@ $(BUILD)/blobwork/list-nohost

$(BUILD)/store-nohost.o: embed/store.S $(BUILD)/store-nohost.bin
	$(CC) -c -DSTORE_BIN='"$(BUILD)/store-nohost.bin"' $< -o $@

$(BUILD)/coreprobe-nohost: $(CORE_OBJS) $(APP_OBJS) $(BUILD)/store-nohost.o
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# ---- the main job: a real trace of both demo layouts, on the embedded BTF ----
demo: coreprobe $(patsubst %,$(BUILD)/targets/%,$(DEMOS))
	bash tests/demo.sh

TEST_DEPS := coreprobe $(BUILD)/coreprobe-nohost $(BUILD)/unit $(patsubst %,$(BUILD)/targets/%,$(DEMOS)) \
	$(BUILD)/btf/demo_v3.btf $(BUILD)/btf/collide.btf \
	$(patsubst %,$(BUILD)/targets/%.debug,demo_v1 demo_v2 demo_v3) $(BUILD)/targets/demo_v3.dbg

test: $(TEST_DEPS)
	bash tests/run.sh

test-integration: $(TEST_DEPS)
	SECTIONS=integration bash tests/run.sh

test-vm: $(TEST_DEPS)
	bash tests/vm/run.sh

clean:
	rm -rf $(BUILD) coreprobe

distclean: clean
	rm -rf $(CACHE)

# ---- tests ----
$(BUILD)/unit: tests/unit/unit.c $(CORE_SRC) $(wildcard src/*.h src/*/*.h) $(DEPS)/.done
	$(CC) $(CFLAGS) -Wl,--build-id $(LDFLAGS) tests/unit/unit.c $(CORE_SRC) $(LDLIBS) -o $@

test-unit: $(BUILD)/unit
	$(BUILD)/unit

# ---- kernel tools: known loopback traffic for their tests (static musl: the test VMs have
# busybox only)
$(BUILD)/targets/nettraffic: tests/targets/nettraffic.c $(DEPS)/.done
	@mkdir -p $(@D)
	$(CC) -static -O2 -Wall $< -o $@

test test-integration test-vm: $(BUILD)/targets/nettraffic

include tests/hardening.mk

# ---- benchmarks: bench/run.sh prints a table and writes build/bench/results.json ----
include bench/bench.mk
bench: $(BENCH_DEPS)
	bash bench/run.sh
