# coreprobe — see README.md.
#   make            build ./coreprobe (sets the machine up, fetches and builds what it needs)
#   make demo       build, then trace the demo targets on an embedded default
#   make test       every test: unit, integration (root), VM matrix, short fuzz, sanitizers
#   make bench      performance measurements (table + JSON)
#   make fuzz       every libFuzzer harness to 10^6 runs (tests/hardening.mk, tests/fuzz/)
#   make install    PREFIX (default /usr/local) and DESTDIR: sbin/coreprobe, the man page
#                   coreprobe(8) and the bash completion
#   make BTF_ARCHIVE=DIR   embed the kernels of a BTFhub-archive checkout instead of the
#                          default Debian set (the build host's own kernel is always added)
#   make coreprobe-aarch64 (= make ARCH=arm64) the same program cross-built for aarch64 hosts,
#                          with Debian's arm64 kernels and arm64 demo builds (docs/arm64.md);
#                          its objects live under build/arm64

SHELL := /bin/bash
CACHE ?= $(HOME)/.cache/coreprobe
export COREPROBE_CACHE := $(CACHE)

# Target architecture (BTFhub naming): x86_64 (the build host) or arm64 (cross-built).
ARCH ?= x86_64
override ARCH := $(patsubst amd64,x86_64,$(patsubst x86,x86_64,$(patsubst aarch64,arm64,$(ARCH))))

# Pinned third-party libraries, built by libbpf/build.sh; the directory name changes with it.
DEPS_KEY := $(shell cksum < libbpf/build.sh | cut -d' ' -f1)
DEPS_HOST := $(CACHE)/deps-$(DEPS_KEY)
# Default kernel BTF set, from Debian kernel packages (btfs/kernel/debian.list).
DEBIAN_ARCHIVE := $(CACHE)/btfarchive
BTF_ARCHIVE ?= $(DEBIAN_ARCHIVE)

CLANG ?= clang
BPFTOOL ?= bpftool
# The build host's blob-store tool (it also reads arm64 kernel images for fetch-debian.sh).
HOST_MKSTORE := build/mkstore

# Per architecture: the output, the toolchain, the deps' cache dir, the kernel vmlinux.h comes
# from (one fixed Debian kernel, not the build host) and what `file` must say of the result.
ifeq ($(ARCH),x86_64)
BUILD := build
PROGRAM := coreprobe
CC := musl-gcc
TARGET_GCC := gcc
OBJCOPY := objcopy
STRIP := strip
BPF_ARCH := x86
FILE_MACHINE := x86-64
RUN_TARGET :=
DEPS := $(DEPS_HOST)
DEPS_MODE :=
VMLINUX_BTF := $(DEBIAN_ARCHIVE)/debian/12/x86_64/6.1.0-50-amd64.btf
else ifeq ($(ARCH),arm64)
BUILD := build/arm64
PROGRAM := coreprobe-aarch64
# Debian's musl-dev:arm64 wrapper around gcc-aarch64-linux-gnu
CC := aarch64-linux-musl-gcc
TARGET_GCC := aarch64-linux-gnu-gcc
OBJCOPY := aarch64-linux-gnu-objcopy
STRIP := aarch64-linux-gnu-strip
BPF_ARCH := arm64
FILE_MACHINE := ARM aarch64
# build-time checks run the aarch64 binary with qemu's user-mode emulator
RUN_TARGET := qemu-aarch64-static
DEPS := $(CACHE)/deps-arm64-$(DEPS_KEY)
DEPS_MODE := musl arm64
VMLINUX_BTF := $(DEBIAN_ARCHIVE)/debian/12/arm64/6.1.0-50-arm64.btf
else
$(error ARCH=$(ARCH): x86_64 or arm64)
endif

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare -Wno-format-truncation
CFLAGS := -O2 -g $(WARN) -ffunction-sections -fdata-sections -D_GNU_SOURCE -DCOREPROBE_MIMALLOC \
	-I. -I$(BUILD) -I$(DEPS)/include
LDFLAGS := -static -Wl,--gc-sections -L$(DEPS)/lib
# Every allocation call goes through src/alloc.c, which hands it to musl's allocator or to
# mimalloc (why: src/alloc.c). -Wl,--wrap in LDLIBS, not LDFLAGS: programs without src/alloc.c
# (bench/loader) link with LDFLAGS only.
ALLOC_FUNCS := malloc calloc realloc free malloc_usable_size aligned_alloc posix_memalign memalign
LDLIBS := $(foreach f,$(ALLOC_FUNCS),-Wl,--wrap=$(f)) -lbpf -ldw -lelf -ldeflate -lz -lmbedcrypto -lmimalloc

# One row per tool: bpf/<tool>.bpf.c + bpf/<tool>.h + tools/<tool>.c
TOOLS := structs sslsniff tcprtt ipsetaudit flowlat trace
# The BTF engine (src/btf/: blob store, kernel/app pick, merge, ELF readers) is apart from the
# tracer runtime (src/runtime/: load, attach, events, output files, tool helpers).
BTF_SRC := $(addprefix src/btf/,elfinfo.c hostinfo.c blobstore.c btfmerge.c btfpick.c dwarf.c dwimage.c dwskim.c dwsame.c dwfunc.c)
RUNTIME_SRC := $(addprefix src/runtime/,tracer.c tlskeys.c outfile.c attach.c tchook.c netutil.c hist.c userdb.c uprobe.c)
# `coreprobe trace`'s expression parser, plan builder and value printer (pure: fuzzed alone)
TRACE_SRC := $(addprefix src/trace/,expr.c value.c)
CORE_SRC := src/common.c src/alloc.c src/linebuf.c $(BTF_SRC) $(RUNTIME_SRC) $(TRACE_SRC)
# Runtime components with a BPF object of their own (bpf/<name>.bpf.c + bpf/<name>.h, no
# tools/ file): loaded by the tools that use them. Their sources need the skeleton, so they
# link with the tools, not into CORE_SRC (mkstore and the unit tests build without skeletons).
COMPONENTS := procwatch
APP_SRC := main.c tools/btfcmd.c tools/objects.c $(addprefix tools/,$(addsuffix .c,$(TOOLS))) \
	$(addprefix src/runtime/,$(addsuffix .c,$(COMPONENTS)))
BPF_OBJS := $(patsubst %,$(BUILD)/bpf/%.bpf.o,$(TOOLS) $(COMPONENTS))
SKELS := $(patsubst %,$(BUILD)/%.skel.h,$(TOOLS) $(COMPONENTS))
CORE_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(CORE_SRC))
APP_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(APP_SRC))

# Demo targets: built with DWARF, BTF made by coreprobe's own encoder (`btf dwarf`), then stripped. demo_v3 has no embedded
# blob (the refusal case); demo_static is a static musl build for the empty-root test.
DEMOS := demo_v1 demo_v2 demo_v3 demo_static
EMBEDDED_DEMOS := demo_v1 demo_v2 demo_static

SETUP_STAMP := $(CACHE)/.setup-$(shell cksum < scripts/setup.sh | cut -d' ' -f1)

.PHONY: all setup demo test test-unit test-integration test-vm bench fuzz install clean distclean
.DELETE_ON_ERROR:
# keep generated skeletons and BTF (intermediate files of pattern rules)
.SECONDARY:

all: $(PROGRAM)

setup: $(SETUP_STAMP)
$(SETUP_STAMP): scripts/setup.sh
	sh scripts/setup.sh
	@mkdir -p $(CACHE) && touch $@

# Cached things are keyed by the content of their recipe, not by file times: a fresh clone or a
# second worktree must reuse them, never rebuild them under another build's feet.
$(DEPS)/.done: | $(SETUP_STAMP)
	sh libbpf/build.sh $(DEPS) $(DEPS_MODE)

ARCHIVE_STAMP := $(DEBIAN_ARCHIVE)/.done-$(shell cat btfs/kernel/debian.list btfs/kernel/modules.list btfs/kernel/fetch-debian.sh | cksum | cut -d' ' -f1)
$(ARCHIVE_STAMP): | $(SETUP_STAMP) $(HOST_MKSTORE)
	MKSTORE=$(abspath $(HOST_MKSTORE)) sh btfs/kernel/fetch-debian.sh $(DEBIAN_ARCHIVE)
	@touch $@

$(VMLINUX_BTF): $(ARCHIVE_STAMP)

$(BUILD)/vmlinux.h: $(ARCHIVE_STAMP)
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/%.h bpf/events.bpf.h $(BUILD)/vmlinux.h $(DEPS)/.done
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(BUILD) -I$(DEPS)/include -Ibpf \
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
	$(TARGET_GCC) -g -O2 -D$(shell echo $* | tr a-z A-Z) -Wl,--build-id -Wl,--export-dynamic-symbol=add_test $< -o $@

$(BUILD)/targets/demo_static.debug: tests/targets/demo.c $(DEPS)/.done
	@mkdir -p $(@D)
	$(CC) -static -g -O2 -DDEMO_V1 -Wl,--build-id $< -o $@

$(BUILD)/targets/%: $(BUILD)/targets/%.debug
	$(STRIP) -o $@ $<

# a static binary has no .dynsym: keep its symbol table, drop only the debug info
$(BUILD)/targets/demo_static: $(BUILD)/targets/demo_static.debug
	$(STRIP) --strip-debug -o $@ $<

# demo_v3's DWARF split out the way distributions ship it (the VM matrix traces through it)
$(BUILD)/targets/demo_v3.dbg: $(BUILD)/targets/demo_v3.debug
	$(OBJCOPY) --only-keep-debug --compress-debug-sections $< $@

$(BUILD)/btf/collide.btf: tests/targets/collide.c
	@mkdir -p $(@D)
	gcc -g -c $< -o $(BUILD)/btf/collide.o
	pahole --btf_encode_detached $@ $(BUILD)/btf/collide.o

# The demo targets' BTF (embedded, and --app-btf in the tests) comes from `coreprobe btf dwarf`,
# run by a build of coreprobe with an empty blob store: the real one embeds this BTF. For
# ARCH=arm64 that build is coreprobe-aarch64's, under qemu-user ($(RUN_TARGET)): coreprobe reads
# ELF files of its own machine only. (btfs/app/crosscheck.sh compares it with pahole's.)
$(BUILD)/store-empty.bin: $(HOST_MKSTORE)
	@mkdir -p $(@D)
	: >$@.list && $(HOST_MKSTORE) pack $@ $@.list >/dev/null
$(BUILD)/store-empty.o: embed/store.S $(BUILD)/store-empty.bin
	$(CC) -c -DSTORE_BIN='"$(BUILD)/store-empty.bin"' $< -o $@
$(BUILD)/coreprobe-noblobs: $(CORE_OBJS) $(APP_OBJS) $(BUILD)/store-empty.o
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/btf/%.btf: $(BUILD)/targets/%.debug $(BUILD)/coreprobe-noblobs
	@mkdir -p $(@D)
	$(RUN_TARGET) $(BUILD)/coreprobe-noblobs btf dwarf $< -o $@.tmp >/dev/null && mv $@.tmp $@

# Embedded demo blobs: btfs-like tree NAME/BUILD-ID.btf under build/appbtf.
$(BUILD)/appbtf/.done: $(patsubst %,$(BUILD)/btf/%.btf,$(EMBEDDED_DEMOS)) $(patsubst %,$(BUILD)/targets/%,$(DEMOS))
	rm -rf $(@D) && mkdir -p $(@D)
	for d in $(EMBEDDED_DEMOS); do \
		id=$$(readelf -n $(BUILD)/targets/$$d | awk '/Build ID:/ {print $$3}'); \
		mkdir -p $(@D)/$$d && cp $(BUILD)/btf/$$d.btf $(@D)/$$d/$$id.btf; \
	done
	@touch $@

# The build host's own kernel, from sysfs (skipped where there is none): ARCH/RELEASE.btf. No
# distro or version: the build host's os-release names its userland, not the kernel it runs.
$(BUILD)/hostbtf/.done: $(HOST_MKSTORE) btfs/kernel/modules.list
	rm -rf $(@D) && mkdir -p $(@D)
	if [ -r /sys/kernel/btf/vmlinux ]; then \
		rel=$$(uname -r); d=$(@D)/$$(uname -m); mkdir -p $$d/$$rel.modules; \
		cp /sys/kernel/btf/vmlinux $$d/$$rel.btf; \
		$(HOST_MKSTORE) notes-build-id /sys/kernel/notes > $$d/$$rel.buildid || rm -f $$d/$$rel.buildid; \
		for m in $$(grep -v '^#' btfs/kernel/modules.list); do \
			[ -r /sys/kernel/btf/$$m ] && cp /sys/kernel/btf/$$m $$d/$$rel.modules/$$m.btf || true; \
		done; \
	fi
	@touch $@

ifeq ($(ARCH),x86_64)
$(HOST_MKSTORE): embed/mkstore.c $(CORE_SRC) $(DEPS)/.done
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) embed/mkstore.c $(CORE_SRC) $(LDLIBS) -o $@
# what the blob store holds: the build host's kernel, the kernel archive, the app BTF
# (btfs/app: Debian's x86_64 OpenSSL builds)
STORE_KERNELS := $(BTF_ARCHIVE)
STORE_HOST := $(BUILD)/hostbtf
STORE_KERNEL_DEPS := $(BUILD)/hostbtf/.done
STORE_APPS := btfs/app $(BUILD)/appbtf
STORE_APP_DEPS := $(shell find btfs/app -type f 2>/dev/null)
else
# a build-host tool: made (with its own deps) by the host configuration
$(HOST_MKSTORE): embed/mkstore.c $(CORE_SRC) libbpf/build.sh
	$(MAKE) ARCH=x86_64 $@
# not the build host's kernel; app BTF: btfs/app-arm64 (Debian's arm64 OpenSSL and GnuTLS builds,
# made by btfs/app/openssl/build.sh --arch arm64 and btfs/app/gnutls/build.sh --arch arm64) and
# the aarch64 demo targets
STORE_KERNELS := $(BTF_ARCHIVE)
STORE_HOST :=
STORE_KERNEL_DEPS :=
STORE_APPS := btfs/app-arm64 $(BUILD)/appbtf
STORE_APP_DEPS := $(shell find btfs/app-arm64 -type f 2>/dev/null)
endif

$(BUILD)/store.bin: embed/mkblobs.sh $(HOST_MKSTORE) $(BPF_OBJS) $(ARCHIVE_STAMP) \
		$(STORE_KERNEL_DEPS) $(BUILD)/appbtf/.done $(STORE_APP_DEPS)
	KERNEL_ARCH=$(ARCH) BPFTOOL=$(BPFTOOL) sh embed/mkblobs.sh $@ $(BUILD)/blobwork $(HOST_MKSTORE) "$(BPF_OBJS)" \
		"$(STORE_KERNELS)" "$(STORE_APPS)" $(STORE_HOST)

$(BUILD)/store.o: embed/store.S $(BUILD)/store.bin
	$(CC) -c -DSTORE_BIN='"$(BUILD)/store.bin"' $< -o $@

# The shipped binary is stripped with GNU strip, which keeps the blob section (llvm-strip drops
# it); build/coreprobe.debug keeps the symbols for profiling.
$(PROGRAM): $(CORE_OBJS) $(APP_OBJS) $(BUILD)/store.o
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $(BUILD)/coreprobe.debug
	$(STRIP) -o $@ $(BUILD)/coreprobe.debug
	@file $@ | grep -q '$(FILE_MACHINE),.* statically linked' || { echo "$@ is not a statically linked $(FILE_MACHINE) ELF: $$(file -b $@)" >&2; rm -f $@; exit 1; }
	@$(RUN_TARGET) ./$@ -V | grep -qv ' 0 kernel' || { echo "$@ carries no kernel BTF blob" >&2; rm -f $@; exit 1; }

ifeq ($(ARCH),x86_64)
.PHONY: coreprobe-aarch64
coreprobe-aarch64:
	$(MAKE) ARCH=arm64 $@
endif

# For tests: the same program without the build host's kernel blob (its kernel-host lines),
# for the unknown-kernel and real-sysfs cases.
$(BUILD)/store-nohost.bin: $(BUILD)/store.bin
	grep -v '^kernel-host ' $(BUILD)/blobwork/list > $(BUILD)/blobwork/list-nohost
	$(HOST_MKSTORE) pack $@ $(BUILD)/blobwork/list-nohost

$(BUILD)/store-nohost.o: embed/store.S $(BUILD)/store-nohost.bin
	$(CC) -c -DSTORE_BIN='"$(BUILD)/store-nohost.bin"' $< -o $@

$(BUILD)/coreprobe-nohost: $(CORE_OBJS) $(APP_OBJS) $(BUILD)/store-nohost.o
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# ---- install: exactly three files. sbin: tracing needs root (or CAP_BPF + CAP_PERFMON). No
# `install -s`: the binary is stripped already, and only GNU strip keeps its blob section.
PREFIX ?= /usr/local
install: coreprobe
	install -D -m 0755 coreprobe $(DESTDIR)$(PREFIX)/sbin/coreprobe
	install -D -m 0644 docs/coreprobe.8 $(DESTDIR)$(PREFIX)/share/man/man8/coreprobe.8
	install -D -m 0644 scripts/coreprobe-completion.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/coreprobe

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
	rm -rf $(BUILD) $(PROGRAM)$(if $(filter x86_64,$(ARCH)), coreprobe-aarch64)

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

# arm64 tests: coreprobe-aarch64 and the aarch64 targets for the VM rows (tests/vm/run.sh), the
# aarch64 unit tests (tests/run.sh unit-arm64, under qemu-aarch64-static)
ifeq ($(ARCH),x86_64)
.PHONY: arm64-test-deps
arm64-test-deps:
	$(MAKE) ARCH=arm64 coreprobe-aarch64 build/arm64/unit $(patsubst %,build/arm64/targets/%,$(DEMOS) nettraffic demo_v3.dbg tracetarget_l1.btfsec)
test test-integration test-vm: arm64-test-deps
endif
# ---- trace: one source in two layouts (tests/targets/tracetarget.c), each built with DWARF,
# then: stripped (BTF from --app-btf or an embedded --full blob), and with its own .BTF section
# (debug info stripped, then the BTF added as .BTF, as pahole -J would). The BTF is coreprobe's
# own, `btf dwarf --funcs`: trace types a function's arguments from its FUNC record
# (src/btf/dwfunc.c; tests/integration/dwfunc.sh checks those equal pahole's).
TRACE_TARGETS := tracetarget_l1 tracetarget_l2
$(BUILD)/targets/tracetarget_l1.debug: tests/targets/tracetarget.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(TARGET_GCC) -g -O2 -Wl,--build-id -rdynamic $< -o $@
$(BUILD)/targets/tracetarget_l2.debug: tests/targets/tracetarget.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(TARGET_GCC) -g -O2 -DLAYOUT2 -Wl,--build-id -rdynamic $< -o $@
$(BUILD)/targets/tracetarget_%.btfsec: $(BUILD)/targets/tracetarget_%.debug $(BUILD)/btf/tracetarget_%.btf
	$(STRIP) --strip-debug -o $@.tmp $< && $(OBJCOPY) --add-section .BTF=$(BUILD)/btf/tracetarget_$*.btf $@.tmp && mv $@.tmp $@
$(BUILD)/btf/tracetarget_%.btf: $(BUILD)/targets/tracetarget_%.debug $(BUILD)/coreprobe-noblobs
	@mkdir -p $(@D)
	$(RUN_TARGET) $(BUILD)/coreprobe-noblobs btf dwarf --funcs $< -o $@.tmp >/dev/null && mv $@.tmp $@
TRACE_TEST_DEPS := $(foreach t,$(TRACE_TARGETS),$(BUILD)/targets/$(t) $(BUILD)/targets/$(t).btfsec $(BUILD)/btf/$(t).btf)
trace-targets: $(TRACE_TEST_DEPS)
test test-integration: $(TRACE_TEST_DEPS)
.PHONY: trace-targets

include tests/hardening.mk

# ---- benchmarks: bench/run.sh prints a table and writes build/bench/results.json ----
include bench/bench.mk
bench: $(BENCH_DEPS)
	bash bench/run.sh
