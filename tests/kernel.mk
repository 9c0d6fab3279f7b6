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

# ---- benchmarks (make bench) ----
BENCH_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Ikernel -DQUIRE_HOST

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

$(BUILD)/iso/bench-swap.iso: $(KERNEL) apps tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "init=swapper:2064 swap=hdb loglevel=1" \
		$(foreach p,$(APPS_PROGS),$(BUILD)/apps/$(p).elf=$(p))

bench-run: $(BUILD)/iso/bench.iso $(BUILD)/iso/bench-user.iso $(BUILD)/iso/bench-swap.iso \
		$(BUILD)/bench/frame_bench $(BUILD)/bench/kheap_bench
	@bash tests/bench/run.sh $(BUILD) $< $(BUILD)/iso/bench-user.iso $(BUILD)/iso/bench-swap.iso $(QEMU_BASE)
