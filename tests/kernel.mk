# kernel.mk - in-kernel tests in QEMU and Bochs, and the harness self-check.
# Included by the top Makefile. Each *-run target writes $(RESULTS)/<part>.res.

QEMU_TEST = $(QEMU_BASE) -boot d -serial stdio -monitor none
KTAP = $(PYTHON) tests/lib/ktap.py

$(BUILD)/iso/test-all.iso: $(KERNEL) tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "test=all loglevel=1"

$(BUILD)/iso/test-boot.iso: $(KERNEL) tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "test=boot loglevel=1"

$(BUILD)/iso/selfcheck-fail.iso: $(KERNEL) tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "test=all ktest.selfcheck=fail"

$(BUILD)/iso/selfcheck-fault.iso: $(KERNEL) tests/lib/mkiso.sh
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "test=all ktest.selfcheck=fault"

.PHONY: test-kernel-run test-harness-run test-bochs-run bench-run
test-kernel-run: $(BUILD)/iso/test-all.iso test-harness-run
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@$(KTAP) --prefix kernel --results $(RESULTS)/kernel.res --log $(BUILD)/logs/kernel.log \
		--timeout 300 --qemu-status 33 -- $(QEMU_TEST) -cdrom $<

test-harness-run: $(BUILD)/iso/selfcheck-fail.iso $(BUILD)/iso/selfcheck-fault.iso
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@bash tests/kernel/harness_check.sh "$(QEMU_TEST)" $(BUILD) $(RESULTS)/harness.res

test-bochs-run: $(BUILD)/iso/test-boot.iso
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@bash tests/bochs/run-bochs.sh $< $(BUILD)/bochs-test $(RESULTS)/bochs.res
