/*
 * mm_test.c - in-kernel tests of physical memory and the kernel address space: every
 * usable byte accounted for, frame allocation, W^X of the kernel image and heap, guard
 * pages under kernel stacks, SMEP/SMAP against a user page.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pmap.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/trap.h"
#include "console.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "mm/frame_boot.h"
#include "mm/kheap.h"
#include "mm/kstack.h"
#include "arch/x86_64/layout.h"
#include "test/ktest.h"

void kmain(uint32_t magic, uint64_t mbi_pa);
static const char mm_test_rodata[16] = "read only data";

KTEST(mm_accounting)
{
	struct frame_stats s;
	frame_stats(&s);
	uint64_t whole = 0;
	for (int st = FRAME_FREE; st < FRAME_STATE_COUNT; st++)
		whole += s.by_state[st];
	KT_EXPECT(t, whole * PAGE_SIZE + s.fragment_bytes == s.usable_bytes,
		  "%lu whole pages + %lu fragment bytes != %lu usable bytes", whole, s.fragment_bytes,
		  s.usable_bytes);
	KT_EXPECT(t, whole + s.by_state[FRAME_ABSENT] == s.nframes, "states do not add up");
	KT_EXPECT(t, s.by_state[FRAME_FREE] == frame_free_count(), "free %lu vs list %lu",
		  s.by_state[FRAME_FREE], frame_free_count());
	KT_EXPECT(t, s.by_state[FRAME_PAGETABLE] > 0 && s.by_state[FRAME_RESERVED] > 0, "no tables or reserved");
	KT_EXPECT(t, frame_state(0) == FRAME_RESERVED, "frame 0 is %s", frame_state_name(frame_state(0)));
	KT_EXPECT(t, frame_state(PA_TO_PFN(kimage_to_phys((void *)kmain))) == FRAME_RESERVED, "kernel text frame");
}

KTEST(mm_frame_alloc)
{
	uint64_t before = frame_free_count();
	pfn_t a = frame_alloc(FRAME_KERNEL), run, dma;
	KT_ASSERT(t, a != FRAME_NONE, "no frame");
	KT_EXPECT(t, frame_free_count() == before - 1, "count");
	uint64_t *p = phys_to_virt(PFN_TO_PA(a));
	p[0] = 0x1234;
	p[511] = 0x5678;
	KT_EXPECT(t, p[0] + p[511] == 0x68ac, "frame contents");
	frame_free(a);
	KT_ASSERT(t, frame_alloc_contig(64, FRAME_KERNEL, &run) == 0, "no 64-frame run");
	for (int k = 0; k < 64; k++)
		KT_EXPECT(t, frame_state(run + (pfn_t)k) == FRAME_KERNEL, "frame %d", k);
	frame_free_contig(run, 64);
	KT_ASSERT(t, frame_alloc_dma(16, (16u << 20) - 1, 64 << 10, &dma) == 0, "no DMA run");
	KT_EXPECT(t, PFN_TO_PA(dma) % (64 << 10) == 0 && PFN_TO_PA(dma + 16) <= (16u << 20), "dma %lx", dma);
	frame_free_contig(dma, 16);
	KT_EXPECT(t, frame_free_count() == before, "free %lu, was %lu", frame_free_count(), before);
}

KTEST(mm_direct_map_covers_ram)
{
	paddr_t top = frame_boot_top();
	unsigned level;
	uint64_t e = pmap_klookup(DIRECT_MAP_BASE + top - 1, &level);
	KT_EXPECT(t, pte_is_present(e) && pte_is_nx(e) && pte_is_writable(e), "entry %lx", e);
	KT_EXPECT(t, pmap_direct_map_bytes() >= top, "direct map %lu < %lu", pmap_direct_map_bytes(), top);
	KT_EXPECT(t, !pte_is_present(pmap_klookup(0x100000, 0)), "identity map left over");
}

static void write_text(void *arg)
{
	(void)arg;
	*(volatile uint8_t *)(void *)kmain = 0xCC;
}

static void write_rodata(void *arg)
{
	(void)arg;
	*(volatile char *)&mm_test_rodata[0] = 'X';
}

static void exec_at(void *code)
{
	((void (*)(void))code)();
}

KTEST(mm_kernel_wx)
{
	struct ktrap_catch c;
	KT_EXPECT(t, ktrap_call_catching(write_text, 0, &c) == VEC_PF + 1, "write to .text: vector %lu", c.vector);
	KT_EXPECT(t, (c.error & (PF_PRESENT | PF_WRITE)) == (PF_PRESENT | PF_WRITE), "error %lx", c.error);
	KT_EXPECT(t, c.cr2 == (uint64_t)kmain, "cr2 %lx", c.cr2);
	KT_EXPECT(t, ktrap_call_catching(write_rodata, 0, &c) == VEC_PF + 1, "write to .rodata: vector %lu", c.vector);
	KT_EXPECT(t, c.cr2 == (uint64_t)mm_test_rodata, "cr2 %lx", c.cr2);
	uint8_t *heap = kmalloc(64);
	KT_ASSERT(t, heap, "kmalloc");
	heap[0] = 0xC3; /* ret */
	KT_EXPECT(t, ktrap_call_catching(exec_at, heap, &c) == VEC_PF + 1, "exec from heap: vector %lu", c.vector);
	KT_EXPECT(t, (c.error & PF_FETCH) && c.cr2 == (uint64_t)heap, "error %lx cr2 %lx", c.error, c.cr2);
	kfree(heap);
	static uint8_t data_ret = 0xC3;
	KT_EXPECT(t, ktrap_call_catching(exec_at, &data_ret, &c) == VEC_PF + 1, "exec from .data: vector %lu", c.vector);
}

static void read_guard(void *arg)
{
	(void)*(volatile uint64_t *)arg;
}

KTEST(mm_kstack_guard)
{
	uint64_t rsp;
	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	KT_ASSERT(t, kstack_contains(rsp), "the test runs on a guarded stack (rsp %lx)", rsp);
	vaddr_t top = kstack_alloc();
	KT_ASSERT(t, top, "kstack_alloc");
	vaddr_t guard = top - (KSTACK_PAGES + 1) * PAGE_SIZE;
	KT_EXPECT(t, kstack_is_guard(guard) && !kstack_is_guard(guard + PAGE_SIZE), "guard %lx", guard);
	*(volatile uint64_t *)(top - 8) = 1; /* the stack itself is writable */
	*(volatile uint64_t *)(guard + PAGE_SIZE) = 2;
	struct ktrap_catch c;
	KT_EXPECT(t, ktrap_call_catching(read_guard, (void *)(guard + 64), &c) == VEC_PF + 1, "vector %lu", c.vector);
	KT_EXPECT(t, c.cr2 == guard + 64, "cr2 %lx", c.cr2);
	kstack_free(top);
}

#define TEST_USER_VA 0x0000000000400000ull

static void user_read(void *arg)
{
	(void)*(volatile uint64_t *)arg;
}

/* A user page in a throw-away pmap (process space 512 GiB, one root), loaded in CR3 while
 * the kernel tries to read and run it. */
KTEST(mm_smep_smap)
{
	if (!pmap_has_smap() || !pmap_has_smep()) {
		kprintf("# SKIP: the CPU has no SMEP/SMAP\n");
		return;
	}
	static struct pmap pm;
	static struct pmap_root root;
	KT_ASSERT(t, pmap_create(&pm, 1ull << 39) == 0, "pmap_create");
	KT_ASSERT(t, pmap_root_create(&pm, &root, 0) == 0, "pmap_root_create");
	pfn_t pfn = frame_alloc(FRAME_USER);
	KT_ASSERT(t, pfn != FRAME_NONE, "frame");
	*(uint8_t *)phys_to_virt(PFN_TO_PA(pfn)) = 0xC3;
	KT_ASSERT(t, pmap_enter(&pm, &root, TEST_USER_VA, PFN_TO_PA(pfn), PTE_PROT_RX, PTE_TYPE_NORMAL, false, 0) == 0,
		  "map");
	uint64_t f = cpu_irq_save();
	pmap_activate(&root);
	cpu_irq_restore(f);
	struct ktrap_catch c;
	KT_EXPECT(t, ktrap_call_catching(user_read, (void *)TEST_USER_VA, &c) == VEC_PF + 1, "SMAP: vector %lu", c.vector);
	cpu_stac();
	KT_EXPECT(t, ktrap_call_catching(user_read, (void *)TEST_USER_VA, &c) == 0, "read with stac faulted");
	cpu_clac();
	KT_EXPECT(t, ktrap_call_catching(exec_at, (void *)TEST_USER_VA, &c) == VEC_PF + 1, "SMEP: vector %lu", c.vector);
	KT_EXPECT(t, c.error & PF_FETCH, "error %lx", c.error);
	f = cpu_irq_save();
	pmap_activate(0);
	cpu_irq_restore(f);
	uint64_t old = pmap_entry(&pm, &root, TEST_USER_VA, 0);
	KT_EXPECT(t, pte_pfn(old) == pfn, "entry %lx", old);
	KT_EXPECT(t, pmap_range_np(&pm, 0, 0, 1ull << 39, 0, 0, 0) == 0, "unmap");
	pmap_root_destroy(&root);
	pmap_destroy(&pm);
	frame_free(pfn);
}
