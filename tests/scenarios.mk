# scenarios.mk - user-program scenarios booted in QEMU (and the isolation one in Bochs).
# Included by the top Makefile; scenario-run writes $(RESULTS)/scenario.res.
.PHONY: scenario-run bochs-scenario-run
scenario-run: $(KERNEL) apps
	@mkdir -p $(RESULTS)
	@$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/scenario.res

bochs-scenario-run: $(KERNEL) apps
	@mkdir -p $(RESULTS)
	@$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/bochs.res \
		--emulator bochs --prefix bochs-scenario --only isolation
