# pum.mk - the page-usage manager's host harness (tests/pum/README.md).
#   pum-test   cmocka unit tests of every policy under ASan/UBSan, and a run of the whole
#              bench pipeline on one small trace; writes $(RESULTS)/pum.res
#   pum-bench  the table: policies x traces x memory sizes beside OPT, LRU and FIFO,
#              geometric means over the cells (PUM_TICK_MS=N: another tick period)
# Uses BUILD, RESULTS, Q, HOSTCC and PYTHON from the top Makefile.

PUM_SRCS := $(wildcard modules/pum/*.c)
PUM_HDRS := $(wildcard modules/pum/*.h) tests/pum/sim.h tests/pum/simenv.h kernel/lib/types.h kernel/mm/frame.h
PUM_HARNESS := tests/pum/sim.c tests/pum/simenv.c tests/pum/ref.c tests/pum/trace.c
PUM_INC := -Ikernel -Imodules -Itests/pum
PUM_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes $(PUM_INC)
PUM_SAN := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
PUM_OUT := $(BUILD)/pum
PUM_SIZES ?= 5,10,25,50
PUM_EXTRA ?= 75
PUM_SYNTH := loop,scanhot,random,phase
# The tuning half of the traces; the rest is the held-out half (tests/pum/README.md).
PUM_TUNE := loop,scanhot,cc1,sort,gzip,git

$(PUM_OUT)/test_pum: tests/pum/test_pum.c $(PUM_HARNESS) $(PUM_SRCS) $(PUM_HDRS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(PUM_CFLAGS) $(PUM_SAN) -o $@ $< $(PUM_HARNESS) $(PUM_SRCS) -lcmocka

$(PUM_OUT)/bench: tests/pum/bench.c $(PUM_HARNESS) $(PUM_SRCS) $(PUM_HDRS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(PUM_CFLAGS) -O2 -o $@ $< $(PUM_HARNESS) $(PUM_SRCS) -lm

$(PUM_OUT)/pumtrace: tests/pum/pumtrace.c tests/pum/trace.c $(PUM_HDRS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(PUM_CFLAGS) -O2 -o $@ $< tests/pum/trace.c

.PHONY: pum-test pum-bench pum-traces
pum-test:
	@mkdir -p $(RESULTS); rm -f $(RESULTS)/pum.res; fail=0; \
	if $(MAKE) --no-print-directory -s $(PUM_OUT)/test_pum; then \
		$(PYTHON) tests/lib/tap2res.py --prefix pum --results $(RESULTS)/pum.res \
			-- $(PUM_OUT)/test_pum || fail=1; \
	else echo "not ok pum/build" >> $(RESULTS)/pum.res; fail=1; fi; \
	if $(MAKE) --no-print-directory -s $(PUM_OUT)/bench $(PUM_OUT)/pumtrace && \
	   $(PUM_OUT)/pumtrace gen loop $(PUM_OUT)/smoke-loop.qpt.gz && \
	   $(PUM_OUT)/bench -f 90 $(PUM_OUT)/smoke-loop.qpt.gz > $(PUM_OUT)/smoke.out && \
	   ! grep -q ERROR $(PUM_OUT)/smoke.out && grep -q '^smoke-loop .*faults' $(PUM_OUT)/smoke.out; \
	then echo "ok pum/bench-smoke"; else echo "not ok pum/bench-smoke"; fail=1; fi \
		>> $(RESULTS)/pum.res; \
	echo "pum: $$(grep -c '^ok' $(RESULTS)/pum.res) passed, $$(grep -c '^not ok' $(RESULTS)/pum.res) failed"; \
	exit $$fail

pum-traces: $(PUM_OUT)/pumtrace
	@bash tests/pum/mktraces.sh $(PUM_OUT)/pumtrace $(PUM_OUT)/traces > $(PUM_OUT)/traces.list

pum-bench: $(PUM_OUT)/bench pum-traces
	@echo "== page-usage policies (tests/pum/README.md) =="
	@$(PUM_OUT)/bench -f $(PUM_SIZES) -x $(PUM_EXTRA) -s $(PUM_SYNTH) -t $(PUM_TUNE) \
		$(if $(PUM_TICK_MS),-k $(PUM_TICK_MS)) $$(cat $(PUM_OUT)/traces.list)
