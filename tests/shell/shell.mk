# shell.mk - the shell test: sh driven over the serial line through a pty, the screen checked
# (tests/shell/shell_test.py). Included by the top Makefile; shell-test-run writes
# $(RESULTS)/shell.res. About 25 s.
.PHONY: test-shell shell-test-run
shell-test-run: $(KERNEL) apps $(BUILD)/tools/qfs
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@$(PYTHON) tests/shell/screen.py >/dev/null || { echo "not ok shell/screen-selfcheck" >> $(RESULTS)/shell.res; exit 1; }
	@$(PYTHON) tests/shell/shell_test.py --build $(BUILD) --results $(RESULTS)/shell.res --cmdline "$(CMDLINE)"

test-shell: | $(DEPS_STAMP)
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/shell.res
	@$(MAKE) --no-print-directory shell-test-run || true
	@bash tests/lib/summary.sh $(RESULTS) shell
