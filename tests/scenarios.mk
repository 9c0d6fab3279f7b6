# scenarios.mk - user-program scenarios booted in QEMU (and some in Bochs), the crash tests
# and the soak run. Included by the top Makefile; scenario-run writes
# $(RESULTS)/scenario.res, soak-run $(RESULTS)/soak.res.
.PHONY: scenario-run bochs-scenario-run soak-run
scenario-run: $(KERNEL) apps $(BUILD)/tools/qfs
	@mkdir -p $(RESULTS)
	@$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/scenario.res \
		--only basic,demand,syscall_bad,memhog,isolation,swap,swap_reread,swap_ioerr,swap_full,vmrace_copy,vmrace_fault,vmrace_lock,files,vmap,vmap_big,rollback,messages,messages_touch,grant_swap,msgrace,retpath,fpu,pthog,stack,stack_2m,robust,leaks_spawn,leaks_threads,forkbomb,storm,residue --selfcheck; \
	st=$$?; $(PYTHON) tests/scenarios/crashtest.py --build $(BUILD) --results $(RESULTS)/scenario.res \
		--kills 30 || st=1; \
	$(PYTHON) tests/scenarios/crashtest.py --build $(BUILD) --results $(RESULTS)/scenario.res \
		--kills 20 --mode vmap || st=1; exit $$st

bochs-scenario-run: $(KERNEL) apps $(BUILD)/tools/qfs
	@mkdir -p $(RESULTS)
	@$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/bochs.res \
		--emulator bochs --prefix bochs-scenario --only isolation,swap_small,files,vmap_small,messages,retpath,fpu,pthog,stack,stack_2m,robust,leaks_spawn,leaks_threads,forkbomb,residue

# The long storm (apps/storm.c, specs/isolation.md): 1,000,000 calls for each of three seeds
# in QEMU, one more beside two swappers on a 32 MiB machine with swap, one seed in Bochs;
# every boot checks the free-frame and swap-block counts around init. About 11 minutes.
soak-run: $(KERNEL) apps
	@mkdir -p $(RESULTS)
	@$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/soak.res --prefix soak \
		--only soak_storm_11,soak_storm_12,soak_storm_13,soak_storm_swap; \
	$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/soak.res --prefix soak-bochs \
		--emulator bochs --only soak_storm_bochs
