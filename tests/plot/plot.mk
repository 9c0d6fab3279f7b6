# plot.mk - `make plot`: pictures of memory under pressure (build/plot/memory.png) and of
# the page-usage policy table (build/plot/policies.png); `plot-test` checks the parsers and
# scripts on the made-up inputs in tests/plot/ and writes $(RESULTS)/plot.res.
# Included by the top Makefile; uses BUILD, RESULTS, KERNEL, QEMU_BASE, PYTHON.
.PHONY: plot plot-test
plot: $(KERNEL) apps | $(DEPS_STAMP)
	@mkdir -p $(BUILD)/plot; fail=0; \
	bash tests/plot/memplot.sh --boot $(BUILD) $(BUILD)/plot $(QEMU_BASE) || fail=1; \
	if $(MAKE) --no-print-directory -s pum-bench > $(BUILD)/plot/pum-bench.txt; then \
		bash tests/plot/policyplot.sh $(BUILD)/plot/pum-bench.txt $(BUILD)/plot/policies.png || fail=1; \
	else echo "plot: make pum-bench failed (see $(BUILD)/plot/pum-bench.txt)"; fail=1; fi; \
	exit $$fail

plot-test: | $(DEPS_STAMP)
	@mkdir -p $(RESULTS)
	@$(PYTHON) tests/plot/test_plot.py --results $(RESULTS)/plot.res --work $(BUILD)/plot-test
