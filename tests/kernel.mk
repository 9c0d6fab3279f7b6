# kernel.mk - in-kernel tests in QEMU and Bochs, and the harness self-check.
# Included by the top Makefile. Each *-run target writes $(RESULTS)/<part>.res.

QEMU_TEST = $(QEMU_BASE) -boot d -serial stdio -monitor none
KTAP = $(PYTHON) tests/lib/ktap.py

$(BUILD)/iso/test-all.iso: $(KERNEL) tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "test=all loglevel=1"

$(BUILD)/iso/test-bochs.iso: $(KERNEL) tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "test=all loglevel=1 ata.mode=pio1"

$(BUILD)/iso/selfcheck-fail.iso: $(KERNEL) tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "test=all ktest.selfcheck=fail"

$(BUILD)/iso/selfcheck-fault.iso: $(KERNEL) tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "test=all ktest.selfcheck=fault"

# The ATA tests overwrite hdb: a fresh sparse scratch disk per run (one per emulator, so
# that parallel runs do not share it), 200 GiB so that its last sectors need 48-bit
# addresses (specs/ata.md, "Testing").
ktest_disk_new = rm -f $(1) && truncate -s 200G $(1)

.PHONY: test-kernel-run test-harness-run test-bochs-run bench-run
test-kernel-run: $(BUILD)/iso/test-all.iso test-harness-run
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@$(call ktest_disk_new,$(BUILD)/ktest-disk.img)
	@$(KTAP) --prefix kernel --results $(RESULTS)/kernel.res --log $(BUILD)/logs/kernel.log \
		--timeout 300 --qemu-status 33 -- $(QEMU_TEST) -cdrom $< \
		-drive file=$(BUILD)/ktest-disk.img,format=raw,if=ide,index=1

test-harness-run: $(BUILD)/iso/selfcheck-fail.iso $(BUILD)/iso/selfcheck-fault.iso
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@bash tests/kernel/harness_check.sh "$(QEMU_TEST)" $(BUILD) $(RESULTS)/harness.res

test-bochs-run: $(BUILD)/iso/test-bochs.iso
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@$(call ktest_disk_new,$(BUILD)/bochs-test-disk.img)
	@bash tests/bochs/run-bochs.sh $< $(BUILD)/bochs-test $(RESULTS)/bochs.res 300 \
		$(abspath $(BUILD)/bochs-test-disk.img); \
		$(MAKE) --no-print-directory bochs-scenario-run

# ---- benchmarks (make bench, make bench-linux; tests/bench/README.md) ----
# The swap benchmark's RAM, the same for Quire and Linux (Debian's kernel needs 90 MiB to
# boot), and the area each side's swapper fills: twice the RAM.
BENCH_SWAP_MEM ?= 96
BENCH_SWAP_AREA ?= 192
BENCH_OUT = $(BUILD)/bench$(if $(BENCH_SMOKE),-smoke)
BENCH_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Ikernel -DQUIRE_HOST
HOST_BENCHES := $(BUILD)/bench/frame_bench $(BUILD)/bench/kheap_bench

$(BUILD)/iso/bench.iso: $(KERNEL) tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "bench=all loglevel=1"

$(BUILD)/bench/frame_bench: tests/bench/frame_bench.c tests/bench/benchutil.h kernel/mm/frame.c kernel/mm/frame.h
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) -o $@ tests/bench/frame_bench.c kernel/mm/frame.c tests/host/stub_spinlock.c

$(BUILD)/bench/kheap_bench: tests/bench/kheap_bench.c tests/bench/benchutil.h kernel/mm/kheap.c kernel/mm/kheap.h
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) -o $@ tests/bench/kheap_bench.c kernel/mm/kheap.c

$(BUILD)/iso/bench-user.iso: $(KERNEL) apps tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "init=bench loglevel=1" \
		$(foreach p,$(APPS_PROGS),$(BUILD)/apps/$(p).elf=$(p))

# the user benchmarks in profile mode (tests/bench/insnprof.py)
$(BUILD)/iso/bench-prof.iso: $(KERNEL) apps tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "init=bench:2 loglevel=1" \
		$(foreach p,$(APPS_PROGS),$(BUILD)/apps/$(p).elf=$(p))

# swapper mode 2 (rates as BENCH lines): ARG = 2000 + MiB
$(BUILD)/iso/bench-swap.iso: $(KERNEL) apps tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) \
		"init=swapper:$(shell echo $$((2000 + $(BENCH_SWAP_AREA)))) swap=hdb loglevel=1" \
		$(foreach p,$(APPS_PROGS),$(BUILD)/apps/$(p).elf=$(p))

# file benchmarks (apps/fbench.c) on a fresh file-system disk
$(BUILD)/iso/bench-files.iso: $(KERNEL) apps tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "init=fbench root=hdd bcache=64 loglevel=1" \
		$(foreach p,$(APPS_PROGS),$(BUILD)/apps/$(p).elf=$(p))

.PHONY: bench-files
bench-files: $(BUILD)/iso/bench-files.iso $(BUILD)/tools/qfs
	@bash tests/bench/files.sh $(if $(BENCH_SMOKE),--smoke) $(BUILD) $(BENCH_OUT) $< $(BUILD)/tools/qfs \
		-- $(QEMU_BASE)

.PHONY: bench-pum
bench-pum: $(KERNEL) apps
	@bash tests/bench/pumcmp.sh $(if $(BENCH_SMOKE),--smoke) $(BUILD) $(BENCH_OUT) $(KERNEL) \
		$(foreach p,$(APPS_PROGS),$(BUILD)/apps/$(p).elf=$(p)) -- $(QEMU_BASE)

.PHONY: bench-linux bench-smoke-run
bench-run: $(BUILD)/iso/bench.iso $(BUILD)/iso/bench-user.iso $(BUILD)/iso/bench-prof.iso \
		$(BUILD)/iso/bench-swap.iso $(HOST_BENCHES)
	@bash tests/bench/run.sh $(if $(BENCH_SMOKE),--smoke) $(BUILD) $(BENCH_OUT) $< \
		$(BUILD)/iso/bench-user.iso $(BUILD)/iso/bench-prof.iso $(BUILD)/iso/bench-swap.iso $(BENCH_SWAP_MEM) \
		"$(HOST_BENCHES)" -- $(QEMU_BASE)

# Linux in the same QEMU; its figures go to $(BUILD)/bench/linux.txt for make bench's table
bench-linux: | $(DEPS_STAMP)
	@bash tests/bench/linux/run.sh $(BUILD) $(QEMU_MEM) $(BENCH_SWAP_MEM) $(BENCH_SWAP_AREA) $(QEMU_BASE)

# make test's part `bench`: every part of make bench once, reduced and not timed
bench-smoke-run: | $(DEPS_STAMP)
	@bash tests/bench/smoke.sh "$(MAKE) --no-print-directory" $(BUILD) $(RESULTS) $(BENCH_PARTS)
