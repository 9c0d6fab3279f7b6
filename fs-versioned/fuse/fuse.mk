# fuse.mk - build, test and bench fragment for qfs-fuse (fs-versioned/fuse/, tests/fuse/).
# Included by the top Makefile after fs.mk; also usable alone:
#   make -f fs-versioned/fuse/fuse.mk fuse-test
# Targets: fuse-tools (build/tools/qfs-fuse), fuse-test (writes $(RESULTS)/fuse.res),
#          fuse-bench (MiB/s through the mount, tmpfs and a FAT image).
ifndef FS_CORE
include fs-versioned/fs.mk
endif

FUSE_OUT := $(BUILD)/fuse
FUSE_PKG_CFLAGS := $(shell pkg-config --cflags fuse3 2>/dev/null)
FUSE_PKG_LIBS := $(shell pkg-config --libs fuse3 2>/dev/null)
FUSE_SRC := $(wildcard fs-versioned/fuse/*.c)
FUSE_HDRS := $(wildcard fs-versioned/fuse/*.h) $(FS_HDRS)
FUSE_CFLAGS := $(FS_WARN) -Ifs-versioned/fuse $(FS_INC) $(FUSE_PKG_CFLAGS)
FUSE_TEST_BINS := $(FUSE_OUT)/qfs-fuse-san $(FUSE_OUT)/fsx_posix $(BUILD)/tools/qfs

.PHONY: fuse-tools fuse-test fuse-bench

fuse-tools: $(BUILD)/tools/qfs-fuse

$(BUILD)/tools/qfs-fuse: $(FUSE_SRC) $(FS_CORE) $(FUSE_HDRS)
	@mkdir -p $(@D)
	$(FS_CC) $(FUSE_CFLAGS) -g -O2 -o $@ $(FUSE_SRC) $(FS_CORE) $(FUSE_PKG_LIBS)

# The tests run the tool under ASan+UBSan.
$(FUSE_OUT)/qfs-fuse-san: $(FUSE_SRC) $(FS_CORE) $(FUSE_HDRS)
	@mkdir -p $(@D)
	$(FS_CC) $(FUSE_CFLAGS) -g $(FS_SAN) -o $@ $(FUSE_SRC) $(FS_CORE) $(FUSE_PKG_LIBS) \
	  || { rm -f $@; exit 1; }

$(FUSE_OUT)/fsx_posix: tests/fuse/fsx_posix.c
	@mkdir -p $(@D)
	$(FS_CC) $(FS_WARN) -g $(FS_SAN) -o $@ $< || { rm -f $@; exit 1; }

# A binary that fails to build is removed (no stale binary is ever tested) and recorded
# as not ok by the runner, so the build never stops the run (-k and || true), as in fs.mk.
fuse-test:
	@mkdir -p $(RESULTS) $(FUSE_OUT)
	-@$(MAKE) --no-print-directory -k -f fs-versioned/fuse/fuse.mk BUILD=$(BUILD) \
	  $(FUSE_TEST_BINS) > $(FUSE_OUT)/build.log 2>&1 || \
	  echo "fuse-test: some test binaries failed to build (see $(FUSE_OUT)/build.log)"
	@BUILD=$(BUILD) RESULTS=$(RESULTS) FUSE_OUT=$(FUSE_OUT) bash tests/fuse/run-tests.sh || true

fuse-bench: $(BUILD)/tools/qfs-fuse $(BUILD)/tools/qfs
	@BUILD=$(BUILD) bash tests/fuse/bench.sh
