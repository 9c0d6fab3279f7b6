/*
 * mm.c - memory bring-up order: frames (from the memory map), page tables (pmap), IST
 * stacks with guard pages, the kernel heap. The in-kernel test runner then checks the
 * free-frame count around every test.
 */
#include "mm/mm.h"

#include "arch/x86_64/backtrace.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/pmap.h"
#include "console.h"
#include "lib/cmdline.h"
#include "mm/frame.h"
#include "mm/frame_boot.h"
#include "mm/kheap_glue.h"
#include "mm/kstack.h"
#include "mm/shrink.h"
#include "panic.h"
#include "test/ktest.h"

static int stack_ok(uint64_t va)
{
	return kstack_contains(va);
}

/* While pmap_init_kernel builds the kernel's tables the boot tables are still loaded, and
 * their direct map covers only the first GiB (specs/address-space.md, "Boot page tables"):
 * the kernel's first table pages come from there (frame_alloc takes the highest frames). */
#define EARLY_DIRECT_MAP_TOP (1ull << 30)
static bool early_tables = true;

/* Page-table pages for pmap: never sleeps (pmap fails with -QE_NOMEM and vm reclaims). */
static paddr_t table_alloc(void)
{
	pfn_t pfn = FRAME_NONE;
	if (early_tables) {
		if (frame_alloc_dma(1, EARLY_DIRECT_MAP_TOP - 1, PAGE_SIZE, &pfn) < 0)
			pfn = FRAME_NONE;
	} else {
		pfn = frame_alloc(FRAME_PAGETABLE);
	}
	return pfn == FRAME_NONE ? 0 : PFN_TO_PA(pfn);
}

static void table_free(paddr_t pa)
{
	frame_free(PA_TO_PFN(pa));
}

static const struct pmap_table_ops table_ops = { table_alloc, table_free };

unsigned long mm_free_frames_settled(void)
{
	kstack_settle();
	mm_shrink_all(); /* caches (the block cache) hold frames by chance: not a leak */
	kheap_glue_settle();
	return frame_free_count();
}

void mm_init(const struct boot_info *bi)
{
	frame_boot_init(bi);
	pmap_init_kernel(frame_boot_top(), !cmdline_has(bi->cmdline, "nopcid"), &table_ops);
	early_tables = false; /* the kernel's direct map covers all RAM now */
	static const int ists[] = { IST_DOUBLE_FAULT, IST_NMI, IST_MACHINE_CHECK };
	for (unsigned i = 0; i < 3; i++) {
		vaddr_t top = kstack_alloc();
		if (!top)
			panic("mm: no memory for IST stack %d", ists[i]);
		gdt_set_ist(ists[i], top);
	}
	backtrace_set_stack_check(stack_ok);
	kheap_glue_init(bi->cmdline);
	ktest_set_leak_counter(mm_free_frames_settled, "free frames");
}
