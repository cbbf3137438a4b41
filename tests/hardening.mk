# Included by the Makefile: glibc builds of the same sources for the hardening tests.
#   make fuzz        every libFuzzer harness to FUZZ_RUNS executions (tests/fuzz/run.sh --long)
#   make fuzz-bins   the harnesses only (build/fuzz/fuzz_*)
#   make asan-bins   build/asan/coreprobe and build/asan/unit (ASan + UBSan), build/glibc/unit
#                    (uninstrumented, for valgrind)
# libbpf, libelf and zlib are the pinned sources of libbpf/build.sh, built for glibc with clang:
# instrumented (ASan + coverage) for the fuzzers and the sanitizer builds, plain for valgrind.

DEPS_TAG := $(shell cksum < libbpf/build.sh | cut -d' ' -f1)
DEPS_SAN := $(CACHE)/deps-glibc-san-$(DEPS_TAG)
DEPS_GLIBC := $(CACHE)/deps-glibc-$(DEPS_TAG)
SAN_CC := clang
# -fno-sanitize-recover: undefined behaviour stops the program (a finding, a failed test)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
GLIBC_CFLAGS := -O1 -gdwarf-4 $(WARN) -Wno-unknown-warning-option -D_GNU_SOURCE -I. -I$(BUILD)
GLIBC_LIBS := -lbpf -ldw -lelf -ldeflate -lz -lmbedcrypto
FUZZERS := store btfmerge btfmerge_all elf notes osrelease text trace dwarf
FUZZ_RUNS ?= 1000000

$(DEPS_SAN)/.done: libbpf/build.sh | $(SETUP_STAMP)
	sh libbpf/build.sh $(DEPS_SAN) glibc-san
	@touch $@

$(DEPS_GLIBC)/.done: libbpf/build.sh | $(SETUP_STAMP)
	sh libbpf/build.sh $(DEPS_GLIBC) glibc
	@touch $@

HDRS := $(wildcard src/*.h src/*/*.h tools/*.h bpf/*.h)

$(BUILD)/fuzz/obj/%.o: %.c $(DEPS_SAN)/.done $(SKELS) $(HDRS)
	@mkdir -p $(@D)
	$(SAN_CC) $(GLIBC_CFLAGS) $(SAN) -fsanitize=fuzzer-no-link -I$(DEPS_SAN)/include -c $< -o $@

$(BUILD)/asan/obj/%.o: %.c $(DEPS_SAN)/.done $(SKELS) $(HDRS)
	@mkdir -p $(@D)
	$(SAN_CC) $(GLIBC_CFLAGS) $(SAN) -I$(DEPS_SAN)/include -c $< -o $@

$(BUILD)/glibc/obj/%.o: %.c $(DEPS_GLIBC)/.done $(SKELS) $(HDRS)
	@mkdir -p $(@D)
	$(SAN_CC) $(GLIBC_CFLAGS) -I$(DEPS_GLIBC)/include -c $< -o $@

FUZZ_CORE_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(CORE_SRC))
ASAN_CORE_OBJS := $(patsubst %.c,$(BUILD)/asan/obj/%.o,$(CORE_SRC))
ASAN_APP_OBJS := $(patsubst %.c,$(BUILD)/asan/obj/%.o,$(APP_SRC))
GLIBC_CORE_OBJS := $(patsubst %.c,$(BUILD)/glibc/obj/%.o,$(CORE_SRC))

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_CORE_OBJS)
	$(SAN_CC) $(GLIBC_CFLAGS) $(SAN) -fsanitize=fuzzer -I$(DEPS_SAN)/include $< $(FUZZ_CORE_OBJS) \
		-L$(DEPS_SAN)/lib $(GLIBC_LIBS) -o $@

# The same program as ./coreprobe, blob store included (build/store.o is libc-neutral).
$(BUILD)/asan/coreprobe: $(ASAN_CORE_OBJS) $(ASAN_APP_OBJS) $(BUILD)/store.o
	$(SAN_CC) $(SAN) $^ -L$(DEPS_SAN)/lib $(GLIBC_LIBS) -o $@

$(BUILD)/asan/unit: tests/unit/unit.c $(ASAN_CORE_OBJS)
	$(SAN_CC) $(GLIBC_CFLAGS) $(SAN) -Wl,--build-id -I$(DEPS_SAN)/include $^ -L$(DEPS_SAN)/lib $(GLIBC_LIBS) -o $@

$(BUILD)/glibc/unit: tests/unit/unit.c $(GLIBC_CORE_OBJS)
	$(SAN_CC) $(GLIBC_CFLAGS) -Wl,--build-id -I$(DEPS_GLIBC)/include $^ -L$(DEPS_GLIBC)/lib $(GLIBC_LIBS) -o $@

.PHONY: fuzz-bins asan-bins
fuzz-bins: $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZERS))
asan-bins: $(BUILD)/asan/coreprobe $(BUILD)/asan/unit $(BUILD)/glibc/unit

fuzz: fuzz-bins $(TEST_DEPS)
	FUZZ_RUNS=$(FUZZ_RUNS) bash tests/fuzz/run.sh --long

# reached only through pattern rules: keep them, or every make would rebuild them
.SECONDARY: $(FUZZ_CORE_OBJS) $(SKELS)

$(BUILD)/fuzz/seedgen: tests/fuzz/seedgen.c tests/fuzz/fuzz.h $(FUZZ_CORE_OBJS)
	$(SAN_CC) $(GLIBC_CFLAGS) $(SAN) -fsanitize=fuzzer-no-link -I$(DEPS_SAN)/include $< $(FUZZ_CORE_OBJS) \
		-L$(DEPS_SAN)/lib $(GLIBC_LIBS) -o $@
