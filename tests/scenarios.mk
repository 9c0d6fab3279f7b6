# scenarios.mk - user-program scenarios booted in QEMU (and the isolation one in Bochs).
# Included by the top Makefile; scenario-run writes $(RESULTS)/scenario.res.
.PHONY: scenario-run bochs-scenario-run
scenario-run: $(KERNEL) apps
	@mkdir -p $(RESULTS)
	@$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/scenario.res \
		--only basic,demand,syscall_bad,memhog,isolation,swap,swap_reread,swap_ioerr,swap_full,vmrace_copy,vmrace_fault,vmrace_lock,retpath,fpu,pthog,stack,stack_2m,robust,leaks_spawn,leaks_threads,forkbomb --selfcheck

bochs-scenario-run: $(KERNEL) apps
	@mkdir -p $(RESULTS)
	@$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/bochs.res \
		--emulator bochs --prefix bochs-scenario --only isolation,swap_small,retpath,fpu,pthog,stack,stack_2m,robust,leaks_spawn,leaks_threads,forkbomb
