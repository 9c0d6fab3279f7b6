# fs.mk - build and test fragment for the versioned file system (fs-versioned/, tests/fs/).
# Included by the top Makefile; also usable alone: make -f fs-versioned/fs.mk fs-test
# Targets: fs-tools (build/tools/qfs), fs-test (writes $(RESULTS)/fs.res), fs-bench.
BUILD ?= build
RESULTS ?= $(BUILD)/results
FS_OUT := $(BUILD)/fs
FS_CC ?= gcc
FS_CLANG ?= clang
FS_WARN := -std=c11 -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow
FS_INC := -Ifs-versioned/core -Ifs-versioned/host -Itests/fs/lib
FS_CFLAGS := $(FS_WARN) -g -O2 $(FS_INC)
FS_SAN := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FS_CORE := $(wildcard fs-versioned/core/*.c) fs-versioned/host/qfs_host.c
FS_HDRS := $(wildcard fs-versioned/core/*.h) fs-versioned/host/qfs_host.h $(wildcard tests/fs/lib/*.h)
FS_TESTLIB := $(wildcard tests/fs/lib/*.c)
FS_UNIT := $(patsubst tests/fs/unit/%.c,%,$(wildcard tests/fs/unit/test_*.c))
FS_FUZZ_SECONDS ?= 20

FS_CAMPAIGN_IMAGES ?= 2600
FS_SOAK_SEEDS ?= 1 2 3 4 5 6 7 8
FS_SOAK_IMAGES ?= 26000

.PHONY: fs-tools fs-test fs-bench fs-soak fs-clean

fs-tools: $(BUILD)/tools/qfs

FS_TOOL_SRC := $(wildcard fs-versioned/tool/*.c)
$(BUILD)/tools/qfs: $(FS_CORE) $(FS_TOOL_SRC) $(wildcard fs-versioned/tool/*.h) $(FS_HDRS)
	@mkdir -p $(@D)
	$(FS_CC) $(FS_CFLAGS) -Ifs-versioned/tool -o $@ $(FS_CORE) $(FS_TOOL_SRC)

# Unit tests (cmocka) under ASan+UBSan.
$(FS_OUT)/unit/%: tests/fs/unit/%.c $(FS_CORE) $(FS_TESTLIB) $(FS_HDRS)
	@mkdir -p $(@D)
	$(FS_CC) $(FS_WARN) -g $(FS_SAN) $(FS_INC) -o $@ $< $(FS_CORE) $(FS_TESTLIB) -lcmocka

# Crash-consistency harness, plus fault-injected builds that it must catch.
$(FS_OUT)/crash: tests/fs/crash/crash.c $(FS_CORE) $(FS_TESTLIB) $(FS_HDRS)
	@mkdir -p $(@D)
	$(FS_CC) $(FS_WARN) -g $(FS_SAN) $(FS_INC) -o $@ $< $(FS_CORE) $(FS_TESTLIB)

$(FS_OUT)/crash-fault-%: tests/fs/crash/crash.c $(FS_CORE) $(FS_TESTLIB) $(FS_HDRS)
	@mkdir -p $(@D)
	$(FS_CC) $(FS_WARN) -g -O1 -DQFS_FAULT_$* $(FS_INC) -o $@ $< $(FS_CORE) $(FS_TESTLIB)

# fsx-style differential tester (and a fault-injected build).
$(FS_OUT)/fsx: tests/fs/fsx/fsx.c $(FS_CORE) $(FS_TESTLIB) $(FS_HDRS)
	@mkdir -p $(@D)
	$(FS_CC) $(FS_WARN) -g $(FS_SAN) $(FS_INC) -o $@ $< $(FS_CORE) $(FS_TESTLIB)

$(FS_OUT)/fsx-fault-%: tests/fs/fsx/fsx.c $(FS_CORE) $(FS_TESTLIB) $(FS_HDRS)
	@mkdir -p $(@D)
	$(FS_CC) $(FS_WARN) -g -O1 -DQFS_FAULT_$* $(FS_INC) -o $@ $< $(FS_CORE) $(FS_TESTLIB)

# libFuzzer harness (clang); built only if clang can link -fsanitize=fuzzer.
$(FS_OUT)/fuzz_mount: tests/fs/fuzz/fuzz_mount.c $(FS_CORE) $(FS_TESTLIB) $(FS_HDRS)
	@mkdir -p $(@D)
	$(FS_CLANG) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -fsanitize-coverage-ignorelist=tests/fs/fuzz/coverage-ignore.txt \
	  $(FS_INC) -o $@ $< $(FS_CORE) $(FS_TESTLIB)

# Corruption campaign with its fsck oracle (ASan+UBSan), and a build with a fault
# injected into fsck that the campaign must catch. CRC32C (three quarters of the
# campaign's time under ASan) is linked uninstrumented; the unit tests cover it.
FS_CAMP_SRC := $(wildcard tests/fs/corrupt/*.c)
FS_CAMP_HDRS := $(wildcard tests/fs/corrupt/*.h)
FS_CORE_NOCRC := $(filter-out fs-versioned/core/crc32c.c,$(FS_CORE))
$(FS_OUT)/crc32c-plain.o: fs-versioned/core/crc32c.c $(FS_HDRS)
	@mkdir -p $(@D)
	$(FS_CC) $(FS_CFLAGS) -c -o $@ $<

$(FS_OUT)/campaign: $(FS_CAMP_SRC) $(FS_CAMP_HDRS) $(FS_CORE) $(FS_TESTLIB) $(FS_HDRS) $(FS_OUT)/crc32c-plain.o
	@mkdir -p $(@D)
	$(FS_CC) $(FS_WARN) -g $(FS_SAN) $(FS_INC) -o $@ $(FS_CAMP_SRC) $(FS_CORE_NOCRC) \
	  $(FS_OUT)/crc32c-plain.o $(FS_TESTLIB)

$(FS_OUT)/campaign-fault-%: $(FS_CAMP_SRC) $(FS_CAMP_HDRS) $(FS_CORE) $(FS_TESTLIB) $(FS_HDRS)
	@mkdir -p $(@D)
	$(FS_CC) $(FS_WARN) -g -O2 -DQFS_FAULT_$* $(FS_INC) -o $@ $(FS_CAMP_SRC) $(FS_CORE) $(FS_TESTLIB)

$(FS_OUT)/bench: tests/fs/bench/bench.c $(FS_CORE) $(FS_TESTLIB) $(FS_HDRS)
	@mkdir -p $(@D)
	$(FS_CC) $(FS_CFLAGS) -O2 -o $@ $< $(FS_CORE) $(FS_TESTLIB)

FS_TEST_BINS := $(addprefix $(FS_OUT)/unit/,$(FS_UNIT)) $(FS_OUT)/crash \
  $(FS_OUT)/crash-fault-NO_FLUSH $(FS_OUT)/crash-fault-ROOT_FIRST \
  $(FS_OUT)/crash-fault-SKIP_DATA $(FS_OUT)/fsx $(FS_OUT)/fsx-fault-SHARED_WRITE \
  $(FS_OUT)/campaign $(FS_OUT)/campaign-fault-FSCK_KINDS $(FS_OUT)/campaign-fault-FSCK_FREEMAP \
  $(BUILD)/tools/qfs

# Build failures of single binaries are recorded by the runner (missing binary =
# not ok), so the build step itself never stops the run: -k and || true.
fs-test:
	@mkdir -p $(RESULTS) $(FS_OUT)
	-@$(MAKE) --no-print-directory -k -f fs-versioned/fs.mk BUILD=$(BUILD) $(FS_TEST_BINS) $(FS_OUT)/fuzz_mount > $(FS_OUT)/build.log 2>&1 || \
	  echo "fs-test: some test binaries failed to build (see $(FS_OUT)/build.log)"
	@BUILD=$(BUILD) RESULTS=$(RESULTS) FS_OUT=$(FS_OUT) FS_FUZZ_SECONDS=$(FS_FUZZ_SECONDS) \
	  FS_UNIT="$(FS_UNIT)" FS_CAMPAIGN_IMAGES=$(FS_CAMPAIGN_IMAGES) bash tests/fs/run-tests.sh || true

# The long corruption campaign (FS_SOAK_IMAGES per seed, ASan+UBSan) and longer fsx
# runs; writes $(RESULTS)/fs-soak.res. Minutes, not seconds: for `make soak`.
fs-soak: $(FS_OUT)/campaign $(FS_OUT)/fsx
	@mkdir -p $(RESULTS) $(FS_OUT)/logs
	@FS_OUT=$(FS_OUT) RESULTS=$(RESULTS) FS_SOAK_SEEDS="$(FS_SOAK_SEEDS)" \
	  FS_SOAK_IMAGES=$(FS_SOAK_IMAGES) bash tests/fs/soak.sh || true

fs-bench: $(FS_OUT)/bench
	@$(FS_OUT)/bench $(FS_OUT)

fs-clean:
	rm -rf $(FS_OUT) $(BUILD)/tools/qfs
