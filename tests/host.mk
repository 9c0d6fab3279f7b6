# host.mk - host unit tests (cmocka) of the kernel's portable code, built with ASan and
# UBSan. Each tests/host/test_X.c is one program; HOST_SRCS_X lists the kernel sources it
# tests. Included by the top Makefile; test-host-run writes $(RESULTS)/host.res.

HOST_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -Wshadow -Wno-missing-prototypes \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Ikernel -Imodules -Ifs-versioned -Itests/host -Iapps/include -DQUIRE_HOST
HOST_LDLIBS := -lcmocka

HOST_SRCS_kfmt := kernel/lib/kfmt.c
HOST_SRCS_cmdline := kernel/lib/cmdline.c
HOST_SRCS_ksyms := kernel/lib/ksyms.c
HOST_SRCS_multiboot2 := kernel/boot/multiboot2.c
HOST_SRCS_elf := kernel/proc/elf.c
HOST_SRCS_kheap := kernel/mm/kheap.c
HOST_SRCS_pte :=
HOST_SRCS_frame := kernel/mm/frame.c tests/host/stub_spinlock.c
HOST_SRCS_region := kernel/vm/region.c
HOST_SRCS_pagekey :=
# the file-system glue and the file system calls on a fake machine
HOST_SRCS_files := kernel/fs/fs.c kernel/fs/bcache.c kernel/proc/files.c kernel/mm/shrink.c \
	kernel/mm/frame.c kernel/lib/cmdline.c kernel/lib/kfmt.c kernel/lib/qerror.c \
	$(wildcard fs-versioned/core/*.c) tests/host/fake_machine.c tests/host/stub_spinlock.c
HOST_SRCS_grant = $(HOST_SRCS_vm)
HOST_SRCS_msgq := kernel/proc/msgq.c
HOST_SRCS_ledit := apps/lib/ledit.c
# vm and pmap on a fake machine (tests/host/fake_machine.c): the real page-usage policies too
HOST_SRCS_vm := $(filter-out kernel/vm/uaccess.c,$(wildcard kernel/vm/*.c)) kernel/arch/x86_64/pmap_user.c \
	kernel/arch/x86_64/pmap_range.c kernel/mm/frame.c kernel/lib/cmdline.c kernel/lib/kfmt.c \
	kernel/lib/qerror.c kernel/fs/fs.c kernel/fs/bcache.c kernel/mm/shrink.c $(wildcard fs-versioned/core/*.c) \
	$(wildcard modules/pum/*.c) tests/host/fake_machine.c tests/host/stub_spinlock.c

HOST_TESTS := $(patsubst tests/host/test_%.c,%,$(wildcard tests/host/test_*.c))
HOST_BINS := $(HOST_TESTS:%=$(BUILD)/host/test_%)

# Every kernel header is a prerequisite: coarse, but a header-only module (pte.h) or a
# changed struct can never leave a stale test binary behind.
HOST_HEADERS := $(shell find kernel modules -name '*.h') $(wildcard tests/host/*.h)

$(BUILD)/host/test_%: tests/host/test_%.c $$(HOST_SRCS_$$*) $(HOST_HEADERS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(HOST_SRCS_$*) $(HOST_LDLIBS)

$(BUILD)/host/selfcheck-fails: tests/host/selfcheck/fails.c tests/host/hosttest.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(HOST_LDLIBS)

# The harness checks itself: a failing test and a crashing program must both be reported.
.PHONY: host-harness-check
host-harness-check: $(BUILD)/host/selfcheck-fails
	@t=$$(mktemp); \
	$(PYTHON) tests/lib/tap2res.py --prefix sc --results $$t -- $< >/dev/null; st=$$?; \
	if [ $$st -ne 0 ] && grep -qx 'not ok sc/test_fails' $$t && grep -qx 'ok sc/test_passes' $$t; \
	then echo "ok host/harness/detects-failing-test"; else echo "not ok host/harness/detects-failing-test"; fi \
		>> $(RESULTS)/host.res; : > $$t; \
	$(PYTHON) tests/lib/tap2res.py --prefix sc --results $$t -- $< crash >/dev/null; st=$$?; \
	if [ $$st -ne 0 ] && grep -qx 'not ok sc/complete' $$t; \
	then echo "ok host/harness/detects-crash"; else echo "not ok host/harness/detects-crash"; fi \
		>> $(RESULTS)/host.res; rm -f $$t

.PHONY: host-tests-build test-host-run
host-tests-build: $(HOST_BINS)

test-host-run: | $(DEPS_STAMP)
	@mkdir -p $(RESULTS); rm -f $(RESULTS)/host.res; fail=0; \
	for t in $(HOST_TESTS); do \
		if $(MAKE) --no-print-directory -s $(BUILD)/host/test_$$t; then \
			$(PYTHON) tests/lib/tap2res.py --prefix host/$$t --results $(RESULTS)/host.res \
				-- $(BUILD)/host/test_$$t || fail=1; \
		else echo "not ok host/$$t/build" >> $(RESULTS)/host.res; fail=1; fi; \
	done; \
	$(MAKE) --no-print-directory -s host-harness-check \
		|| { echo "not ok host/harness/build" >> $(RESULTS)/host.res; fail=1; }; \
	echo "host: $$(grep -c '^ok' $(RESULTS)/host.res) passed, $$(grep -c '^not ok' $(RESULTS)/host.res) failed"; \
	exit $$fail
