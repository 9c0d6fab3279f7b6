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

# make scale: the swap scenario at 512 MiB and 4 GiB of RAM and 2 GiB of demand pages
# (tests/scenarios/scenarios.py SCALE; 4-6 minutes; not part of make test). Writes
# $(RESULTS)/scale.res and prints, per run, the frame database's and the page-usage
# manager's memory per frame, as each boot reported them; the swap disks (sparse, up to
# 6 GiB, about 5 GB written) are removed afterwards.
.PHONY: scale
scale: $(KERNEL) apps | $(DEPS_STAMP)
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/scale.res
	@$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/scale.res \
		--prefix scale --timeout 1800 --only scale_swap_512m,scale_swap_4g,scale_demand_2g; st=$$?; \
	for r in scale_swap_512m scale_swap_4g scale_demand_2g; do \
		grep -h -E '^(frames|page-usage|swap):|^# (touched|reads after)|^quire: init exited' \
			$(BUILD)/logs/scale-$$r.log 2>/dev/null | sed "s/^/  $$r: /"; done; \
	rm -f $(BUILD)/scale-scale_*/swap.img; \
	bash tests/lib/summary.sh $(RESULTS) scale; exit $$st
