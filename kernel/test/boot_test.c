/*
 * boot_test.c - in-kernel tests of the boot foundation: command line, memory map, GDT/TSS,
 * timer interrupts, exception catching, symbols, formatting. Plus the two self-check tests
 * that prove the runner reports a failing test and a kernel exception (tests/kernel/).
 */
#include "arch/x86_64/backtrace.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/trap.h"
#include "bootinfo.h"
#include "lib/cmdline.h"
#include "lib/kfmt.h"
#include "lib/kstring.h"
#include "test/ktest.h"

void kmain(uint32_t magic, uint64_t mbi_pa);

/* An address no boot or kernel page table maps: PML4 slot 224 of the user half. */
#define UNMAPPED_VA 0x0000700000000000ull

KTEST(boot_cmdline)
{
	KT_EXPECT(t, cmdline_has(boot_info.cmdline, "test"), "cmdline '%s'", boot_info.cmdline);
	KT_EXPECT(t, boot_info.loader[0] != '\0', "no boot loader name");
}

KTEST(boot_memory_map)
{
	uint64_t above_1m = 0;
	KT_ASSERT(t, boot_info.nmmap > 0, "empty memory map");
	for (uint32_t i = 0; i < boot_info.nmmap; i++) {
		const struct boot_mmap_entry *e = &boot_info.mmap[i];
		KT_EXPECT(t, e->len > 0, "entry %u has length 0", i);
		if (e->type == MB2_MEM_AVAILABLE && e->base >= 0x100000)
			above_1m += e->len;
	}
	KT_EXPECT(t, above_1m >= 16ull << 20, "only %lu KiB usable above 1 MiB", above_1m >> 10);
}

KTEST(boot_segments)
{
	uint16_t cs, tr;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	__asm__ volatile("str %0" : "=r"(tr));
	KT_EXPECT(t, cs == SEL_KCODE, "cs %x", cs);
	KT_EXPECT(t, tr == SEL_TSS, "task register %x", tr);
}

KTEST(boot_timer_ticks)
{
	uint64_t t0 = timer_ticks();
	for (int i = 0; i < 1000 && timer_ticks() < t0 + 3; i++)
		cpu_halt();
	KT_EXPECT(t, timer_ticks() >= t0 + 3, "ticks went from %lu to %lu", t0, timer_ticks());
}

static void do_int3(void *arg)
{
	(void)arg;
	__asm__ volatile("int3");
}

static void do_ud2(void *arg)
{
	(void)arg;
	__asm__ volatile("ud2");
}

static void do_read_unmapped(void *arg)
{
	(void)arg;
	(void)*(volatile uint64_t *)UNMAPPED_VA;
}

static void do_noncanonical(void *arg)
{
	(void)arg;
	(void)*(volatile uint64_t *)0x0000900000000000ull;
}

KTEST(boot_exceptions_caught)
{
	struct ktrap_catch c;
	KT_EXPECT(t, ktrap_call_catching(do_int3, 0, &c) == VEC_BP + 1, "int3 gave vector %lu", c.vector);
	KT_EXPECT(t, ktrap_call_catching(do_ud2, 0, &c) == VEC_UD + 1, "ud2 gave vector %lu", c.vector);
	KT_EXPECT(t, ktrap_call_catching(do_read_unmapped, 0, &c) == VEC_PF + 1, "vector %lu", c.vector);
	KT_EXPECT(t, c.cr2 == UNMAPPED_VA, "cr2 %lx", c.cr2);
	KT_EXPECT(t, (c.error & (PF_PRESENT | PF_WRITE | PF_USER)) == 0, "pf error %lx", c.error);
	KT_EXPECT(t, ktrap_call_catching(do_noncanonical, 0, &c) == VEC_GP + 1, "vector %lu", c.vector);
}

KTEST(boot_symbols)
{
	uint64_t off = 99;
	KT_EXPECT(t, ksym_addr("kmain") == (uint64_t)kmain, "ksym_addr(kmain) %lx vs %p", ksym_addr("kmain"), (void *)kmain);
	const char *n = ksym_name((uint64_t)kmain + 5, &off);
	KT_EXPECT(t, n && strcmp(n, "kmain") == 0 && off == 5, "name %s off %lu", n ? n : "(none)", off);
	KT_EXPECT(t, ksym_name(8, &off) == 0, "address 8 has a name");
}

KTEST(boot_kfmt)
{
	char buf[64];
	kfmt_snprintf(buf, sizeof buf, "%d|%5s|%-4x|%08lx|%p", -42, "ab", 0xbeu, 0xdeadbeeful, (void *)0x1000);
	KT_EXPECT(t, strcmp(buf, "-42|   ab|be  |deadbeef|0x1000") == 0, "got '%s'", buf);
}

KTEST_FLAGS(selfcheck_fail, KTEST_SELFCHECK_FAIL)
{
	KT_EXPECT(t, 1 + 1 == 3, "this test fails on purpose (harness self-check)");
}

__attribute__((noinline)) static void selfcheck_fault_here(void)
{
	*(volatile uint64_t *)UNMAPPED_VA = 0x5e1fc4ec;
}

KTEST_FLAGS(selfcheck_fault, KTEST_SELFCHECK_FAULT)
{
	(void)t;
	selfcheck_fault_here();
}
