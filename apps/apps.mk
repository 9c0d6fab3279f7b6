# apps.mk - the user runtime (apps/lib/) and the user programs (apps/<name>.c), included by
# the top Makefile. `make apps` builds $(BUILD)/apps/<name>.elf for each of APPS_PROGS.
# Uses $(BUILD), $(Q), $(DEPS_STAMP), $(NASM) from the top Makefile.

UCC ?= $(CROSS)gcc
ULD ?= $(CROSS)ld
UAR ?= $(CROSS)ar

# Freestanding C11, frame pointers for backtraces. -mgeneral-regs-only: C code never touches
# the x87/SSE/AVX registers (the kernel saves them per thread all the same, specs/isolation.md),
# so apps/fpu.c knows exactly what its own assembly put there. -fstack-clash-protection: a
# frame larger than a page is touched page by page as it is made, so it cannot step over
# the guard page below a thread's stack (specs/isolation.md, "Memory").
# -fno-tree-loop-distribute-patterns: loops are not turned into memset/memcpy calls.
# -malign-data=abi: the note keeps its 4-byte alignment (GCC would give a 68-byte object 32).
UCFLAGS := -std=c11 -ffreestanding -nostdlib -fno-pic -fno-pie -static -mgeneral-regs-only \
	-fstack-clash-protection -fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-tree-loop-distribute-patterns \
	-fno-strict-aliasing -malign-data=abi -O2 -g -Wall -Wextra -Werror -Wstrict-prototypes \
	-Wmissing-prototypes -Wshadow -Iapps/include -Iapps/lib -Ikernel -Ifs-versioned -MMD -MP
ULDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --build-id=none \
	-T apps/lib/user.ld

APPS_PROGS := init hello nop threads demand syscall_bad memhog worker bench \
	bad_read_kernel bad_write_kernel bad_null bad_exec_data bad_ud bad_gp bad_div \
	bad_stack bad_write_code bad_port bad_noncanonical bad_write_readonly swapper locker vmrace \
	sh echo loop msgtest msgrace files vmap fbench ls cat write diff purge pumload \
	retpath fpu pthog bad_stack_big robust leaks storm residue
APPS_ELF := $(APPS_PROGS:%=$(BUILD)/apps/%.elf)

APPS_LIB_C := $(wildcard apps/lib/*.c)
APPS_KLIB := kfmt string qerror cmdline
# The file system core's comparison (qfs_diff) and the block-sized vectors it uses, for diff
APPS_QFS := diff map
APPS_LIB_OBJ := $(APPS_LIB_C:%.c=$(BUILD)/%.o) $(APPS_KLIB:%=$(BUILD)/apps/lib/%.o) \
	$(APPS_QFS:%=$(BUILD)/apps/lib/qfs_%.o)
APPS_CRT0 := $(BUILD)/apps/lib/crt0.o
APPS_LIB := $(BUILD)/apps/lib/libquire.a

# Keep the objects (make would delete them as intermediates of a chain).
.SECONDARY: $(APPS_PROGS:%=$(BUILD)/apps/%.o)

.PHONY: apps
apps: $(APPS_ELF)

$(BUILD)/apps/%.o: apps/%.c apps/apps.mk | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  UCC     $<")
	$(Q)$(UCC) $(UCFLAGS) -c $< -o $@

# The kernel's formatter, string functions, error names and number parser, built again
# with the user flags.
$(APPS_KLIB:%=$(BUILD)/apps/lib/%.o): $(BUILD)/apps/lib/%.o: kernel/lib/%.c apps/apps.mk | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  UCC     $<")
	$(Q)$(UCC) $(UCFLAGS) -c $< -o $@

$(APPS_QFS:%=$(BUILD)/apps/lib/qfs_%.o): $(BUILD)/apps/lib/qfs_%.o: fs-versioned/core/%.c apps/apps.mk | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  UCC     $<")
	$(Q)$(UCC) $(UCFLAGS) -Ifs-versioned/core -c $< -o $@

$(APPS_CRT0): apps/lib/crt0.asm | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) -f elf64 -g -F dwarf $< -o $@

$(APPS_LIB): $(APPS_LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(UAR) rcs $@ $^

$(BUILD)/apps/%.elf: $(BUILD)/apps/%.o $(APPS_CRT0) $(APPS_LIB) apps/lib/user.ld
	@$(if $(Q),echo "  ULD     $@")
	$(Q)$(ULD) $(ULDFLAGS) -o $@ $(APPS_CRT0) $< $(APPS_LIB)

-include $(APPS_LIB_OBJ:.o=.d) $(APPS_PROGS:%=$(BUILD)/apps/%.d)
