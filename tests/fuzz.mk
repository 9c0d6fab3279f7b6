# fuzz.mk - libFuzzer targets for the kernel's portable parsers (clang, ASan + UBSan).
# Included by the top Makefile. `fuzz-run` builds into $(BUILD)/fuzz/, generates the seed
# corpus, runs each fuzzer for FUZZ_SECONDS with a fixed seed, and writes $(RESULTS)/fuzz.res:
# "ok fuzz/elf", or "not ok fuzz/elf" when it does not build, crashes, or runs no input.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_SEED ?= 1
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -Wshadow \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Ikernel -DQUIRE_HOST
FUZZ_ELF_DEPS := tests/fuzz/elf_fuzz.c kernel/proc/elf.c kernel/proc/elf.h kernel/proc/abi.h \
	kernel/arch/x86_64/pte.h kernel/lib/types.h

$(FUZZ_DIR)/elf_fuzz: $(FUZZ_ELF_DEPS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/elf_fuzz.c kernel/proc/elf.c

$(FUZZ_DIR)/elf_seeds: tests/fuzz/elf_seeds.c apps/include/quire_note.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) -std=c11 -O1 -Wall -Wextra -Werror -o $@ tests/fuzz/elf_seeds.c

# One fuzzer run: fresh corpus from the seeds, bounded time and memory, crash files
# (artifacts) kept in $(FUZZ_DIR) for reproduction: `$(FUZZ_DIR)/elf_fuzz <file>`.
.PHONY: fuzz-run
fuzz-run: | $(DEPS_STAMP)
	@mkdir -p $(RESULTS) $(FUZZ_DIR); rm -f $(RESULTS)/fuzz.res; \
	log=$(FUZZ_DIR)/elf.log; corpus=$(FUZZ_DIR)/corpus-elf; \
	if ! $(MAKE) --no-print-directory -s -f $(firstword $(MAKEFILE_LIST)) $(FUZZ_DIR)/elf_fuzz $(FUZZ_DIR)/elf_seeds > $$log 2>&1; then \
		echo "not ok fuzz/elf (build failed, see $$log)" >> $(RESULTS)/fuzz.res; \
		echo "fuzz: elf did not build"; cat $$log; exit 1; fi; \
	rm -rf $$corpus && mkdir -p $$corpus && $(FUZZ_DIR)/elf_seeds $$corpus >> $$log 2>&1; \
	$(FUZZ_DIR)/elf_fuzz -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 \
		-seed=$(FUZZ_SEED) -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/elf- \
		$$corpus >> $$log 2>&1; rc=$$?; \
	runs=$$(awk '/stat::number_of_executed_units/ {print $$2}' $$log); \
	if [ $$rc -eq 0 ] && [ "$${runs:-0}" -gt 0 ]; then \
		echo "ok fuzz/elf" >> $(RESULTS)/fuzz.res; \
		echo "fuzz: elf ran $$runs inputs in $(FUZZ_SECONDS) s, no crash"; \
	else \
		echo "not ok fuzz/elf (exit $$rc, $${runs:-0} inputs, see $$log)" >> $(RESULTS)/fuzz.res; \
		echo "fuzz: elf FAILED (exit $$rc, $${runs:-0} inputs)"; tail -40 $$log; exit 1; fi
