# Quire - top-level build. `make run` boots it in QEMU, `make test` runs every test.
# Both install missing Debian packages first (tests/deps.sh). Outputs go to build/.
# `make help` lists every target with one line each.

SHELL   := /bin/bash
BUILD   ?= build
RESULTS ?= $(BUILD)/results
CROSS   ?=
KCC     ?= $(CROSS)gcc
KLD     ?= $(CROSS)ld
NM      ?= $(CROSS)nm
NASM    ?= nasm
HOSTCC  ?= gcc
PYTHON  ?= python3
CMDLINE ?= loglevel=1 swap=hdb root=hdd init=sh
QEMU    ?= qemu-system-x86_64
QEMU_MEM ?= 128
# One CPU model for every QEMU run, Quire's and Linux's benchmarks alike (tests/bench/README.md)
QEMU_CPU ?= max,-erms,-fsrm

# The kernel: C11, freestanding, no SSE (no FPU state to save on traps), kernel code model,
# frame pointers kept for backtraces. specs/toolchain.md says why.
KCFLAGS := -std=c11 -ffreestanding -fno-pic -fno-pie -mno-red-zone -mcmodel=kernel \
	-mno-sse -mno-sse2 -mno-mmx -mno-80387 -mgeneral-regs-only -fno-stack-protector \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -fno-optimize-sibling-calls -fno-strict-aliasing -O2 -g \
	-Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
	-Ikernel -Imodules -Ifs-versioned -MMD -MP
KLDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T boot/linker.ld
NASMFLAGS := -f elf64 -g -F dwarf

KERNEL_C   := $(shell find kernel modules -name '*.c' | sort) $(sort $(wildcard fs-versioned/core/*.c))
KERNEL_ASM := $(wildcard boot/*.asm) $(shell find kernel -name '*.asm' | sort)
KOBJ := $(KERNEL_C:%.c=$(BUILD)/k/%.o) $(KERNEL_ASM:%.asm=$(BUILD)/k/%.o)
KERNEL := $(BUILD)/kernel.elf

DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all kernel iso disk run run-bochs debug test test-host test-kernel test-bochs test-shell soak bench tools \
	deps clean compile_commands.json help
all: kernel iso

deps: $(DEPS_STAMP)
$(DEPS_STAMP): tests/deps.sh
	@bash tests/deps.sh
	@mkdir -p $(@D) && touch $@

kernel: $(KERNEL)

# V=1 shows the full commands
Q := $(if $(V),,@)

$(BUILD)/k/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(KCC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.o: %.asm | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) $(NASMFLAGS) -I$(dir $<) $< -o $@

# Two links: the first gives the function addresses, boot/mksyms.sh turns them into the
# .ksyms table, the second link adds it. .ksyms is last, so nothing before it moves
# (checked below).
$(KERNEL): $(KOBJ) boot/linker.ld boot/mksyms.sh
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(KLD) $(KLDFLAGS) -o $(BUILD)/kernel.pass1.elf $(KOBJ)
	$(Q)bash boot/mksyms.sh $(BUILD)/kernel.pass1.elf > $(BUILD)/ksyms.S
	$(Q)$(KCC) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	$(Q)$(KLD) $(KLDFLAGS) -o $@ $(KOBJ) $(BUILD)/ksyms.o
	@cmp -s <($(NM) -n $(BUILD)/kernel.pass1.elf | grep -i ' t ') <($(NM) -n $@ | grep -i ' t ') \
		|| { echo "ksyms: function addresses moved between the two links"; rm -f $@; exit 1; }
-include $(KOBJ:.o=.d)

# ---- ISO images: one per command line (tests boot with their own options) ----
ISO := $(BUILD)/quire.iso
iso: $(ISO)
$(ISO): $(KERNEL) apps tests/lib/mkiso.sh FORCE
	@bash tests/lib/mkiso.sh $@ $(KERNEL) "$(CMDLINE)" \
		$(foreach p,$(APPS_PROGS),$(BUILD)/apps/$(p).elf=$(p))
FORCE:

QEMU_BASE = $(QEMU) -M pc -cpu $(QEMU_CPU) -m $(QEMU_MEM) -nic none -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04

SWAP_IMG := $(BUILD)/swap.img
$(SWAP_IMG):
	@mkdir -p $(@D) && truncate -s 128M $@

# The file-system disk (root=hdd): every program in bin/. Kept between runs with what a person
# stored on it; a program that changed since becomes the next version of its file.
DISK_IMG := $(BUILD)/disk.img
disk: $(DISK_IMG)
$(DISK_IMG): apps $(BUILD)/tools/qfs tests/lib/mkdisk.sh FORCE
	@bash tests/lib/mkdisk.sh --keep $(BUILD)/tools/qfs $@ 64M $(APPS_ELF)

# The console: Ctrl-C and Ctrl-A go to the guest's shell; Ctrl-T X quits QEMU (-echr).
run: $(ISO) $(SWAP_IMG) $(DISK_IMG)
	@echo "Quire in QEMU: the shell is on this terminal (Ctrl-] the kernel monitor); Ctrl-T X quits QEMU."
	$(QEMU_BASE) -cdrom $(ISO) -boot d -chardev stdio,id=con,mux=on,signal=off -serial chardev:con \
		-echr 0x14 -monitor none \
		-drive file=$(SWAP_IMG),format=raw,if=ide,index=1 \
		-drive file=$(DISK_IMG),format=raw,if=ide,index=3; \
		s=$$?; [ $$s -eq 0 ] || [ $$s -eq 33 ]

run-bochs: $(ISO) $(DISK_IMG)
	ROOT_DISK=$(DISK_IMG) bash tests/bochs/run-bochs.sh $(ISO) $(BUILD)/bochs-run

debug: $(ISO)
	@echo "QEMU waits for GDB on :1234. In another terminal: gdb -x tests/gdbinit"
	$(QEMU_BASE) -cdrom $(ISO) -boot d -chardev stdio,id=con,mux=on,signal=off -serial chardev:con \
		-echr 0x14 -monitor none -s -S

# ---- tests ----
.SECONDEXPANSION:
include apps/apps.mk
include tests/host.mk
include tests/kernel.mk
include tests/scenarios.mk
include tests/shell/shell.mk
-include tests/fuzz.mk tests/pum.mk
include tests/plot/plot.mk
ifneq ($(wildcard fs-versioned/fs.mk),)
include fs-versioned/fs.mk
FS_TEST_PART := fs
FS_TEST_TARGET := fs-test
FS_BENCH_TARGET := fs-bench
FS_TOOLS_TARGET := fs-tools
endif
ifneq ($(wildcard fs-versioned/fuse/fuse.mk),)
include fs-versioned/fuse/fuse.mk
FS_TEST_PART += fuse
FS_TEST_TARGET += fuse-test
FS_TOOLS_TARGET += fuse-tools
FS_BENCH_TARGET += fuse-bench
endif

EXTRA_PARTS := $(if $(wildcard tests/fuzz.mk),fuzz) $(if $(wildcard tests/pum.mk),pum)
EXTRA_RUNS := $(if $(wildcard tests/fuzz.mk),fuzz-run) $(if $(wildcard tests/pum.mk),pum-test)
TEST_PARTS := host kernel harness scenario shell bochs $(FS_TEST_PART) $(EXTRA_PARTS) bench plot

test: | $(DEPS_STAMP)
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	@$(MAKE) --no-print-directory -k test-host-run test-kernel-run scenario-run shell-test-run test-bochs-run \
		$(FS_TEST_TARGET) $(EXTRA_RUNS) bench-smoke-run plot-test || true
	@bash tests/lib/summary.sh $(RESULTS) $(TEST_PARTS)

test-host: | $(DEPS_STAMP)
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/host.res
	@$(MAKE) --no-print-directory test-host-run || true
	@bash tests/lib/summary.sh $(RESULTS) host

test-kernel: | $(DEPS_STAMP)
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/kernel.res $(RESULTS)/harness.res $(RESULTS)/scenario.res
	@$(MAKE) --no-print-directory -k test-kernel-run scenario-run || true
	@bash tests/lib/summary.sh $(RESULTS) kernel harness scenario

test-bochs: | $(DEPS_STAMP)
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/bochs.res
	@$(MAKE) --no-print-directory test-bochs-run || true
	@bash tests/lib/summary.sh $(RESULTS) bochs

# the long system-call storm, not part of make test (tests/scenarios.mk soak-run)
soak: | $(DEPS_STAMP)
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/soak.res $(RESULTS)/fs-soak.res
	@$(MAKE) --no-print-directory soak-run || true
	@$(MAKE) --no-print-directory fs-soak || true
	@bash tests/lib/summary.sh $(RESULTS) soak fs-soak

# every part runs; make bench fails when one does (tests/bench/README.md)
BENCH_PARTS := bench-run bench-files bench-pum $(FS_BENCH_TARGET) $(if $(wildcard tests/pum.mk),pum-bench)
bench: | $(DEPS_STAMP)
	@bash tests/bench/parts.sh "$(MAKE) --no-print-directory" $(BENCH_OUT) $(BUILD) $(BENCH_PARTS)

tools: | $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(FS_TOOLS_TARGET)

compile_commands.json: | $(DEPS_STAMP)
	rm -rf $(BUILD)/k
	bear -- $(MAKE) --no-print-directory kernel host-tests-build

clean:
	rm -rf $(BUILD)

help:
	@bash tests/lib/help.sh $(MAKEFILE_LIST)
