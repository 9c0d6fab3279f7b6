# scenarios.mk - user-program scenarios booted in QEMU (and the isolation one in Bochs).
# Included by the top Makefile; scenario-run writes $(RESULTS)/scenario.res.
.PHONY: scenario-run bochs-scenario-run
scenario-run: $(KERNEL) apps
	@mkdir -p $(RESULTS)
	@$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/scenario.res \
		--only basic,demand,syscall_bad,memhog,isolation,swap,swap_reread,swap_ioerr,swap_full,vmrace_copy,vmrace_fault,vmrace_lock --selfcheck

bochs-scenario-run: $(KERNEL) apps
	@mkdir -p $(RESULTS)
	@$(PYTHON) tests/scenarios/scenarios.py --build $(BUILD) --results $(RESULTS)/bochs.res \
		--emulator bochs --prefix bochs-scenario --only isolation,swap_small

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
