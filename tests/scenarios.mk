# scenarios.mk - user-program scenarios booted in QEMU (and a few in Bochs), and the crash tests.
# Included by the top Makefile; scenario-run writes $(RESULTS)/scenario.res.
.PHONY: scenario-run bochs-scenario-run
scenario-run: $(KERNEL) apps $(BUILD)/tools/qfs
	@mkdir -p $(RESULTS)
	@$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/scenario.res \
		--only basic,demand,syscall_bad,memhog,isolation,swap,swap_reread,swap_ioerr,swap_full,vmrace_copy,vmrace_fault,vmrace_lock,files,vmap,vmap_big,rollback,messages,messages_touch,grant_swap,msgrace --selfcheck; \
	st=$$?; $(PYTHON) tests/scenarios/crashtest.py --build $(BUILD) --results $(RESULTS)/scenario.res \
		--kills 30 || st=1; \
	$(PYTHON) tests/scenarios/crashtest.py --build $(BUILD) --results $(RESULTS)/scenario.res \
		--kills 20 --mode vmap || st=1; exit $$st

bochs-scenario-run: $(KERNEL) apps $(BUILD)/tools/qfs
	@mkdir -p $(RESULTS)
	@$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/bochs.res \
		--emulator bochs --prefix bochs-scenario --only isolation,swap_small,files,vmap_small,messages
