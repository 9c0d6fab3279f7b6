/*
 * kstack.c - fixed-size slots in the kernel-stack area: slot i covers
 * [KSTACK_AREA_BASE + i * slot, + slot); its lowest page is the guard (a not-present
 * GUARD entry), the next KSTACK_PAGES pages are the stack. Freed slots are reused; the
 * last few freed stay mapped (a cache of ready stacks: a thread's stack costs no mapping
 * work), until kstack_settle gives their frames back; the page table of a run of slots
 * that are all free is given back.
 */
#include "mm/kstack.h"

#include "arch/x86_64/layout.h"
#include "arch/x86_64/pmap.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/spinlock.h"
#include "mm/frame.h"
#include "panic.h"

#define SLOT_BYTES ((vaddr_t)KSTACK_SLOT_PAGES * PAGE_SIZE)
#define MAX_SLOTS 4096
#define READY_MAX 8 /* freed stacks kept mapped for the next kstack_alloc */

/* The slots. Lock legend: every field under slot_lock (a spinlock; mapping never sleeps). */
static struct spinlock slot_lock = SPINLOCK_INIT("kstacks", RANK_KSTACK);
static uint32_t free_slots[MAX_SLOTS];
static uint32_t nfree, next_new;
static uint8_t in_use[MAX_SLOTS];
static uint32_t ready[READY_MAX], nready; /* slots still mapped, not in use */

static vaddr_t slot_base(uint32_t i)
{
	return KSTACK_AREA_BASE + (vaddr_t)i * SLOT_BYTES;
}

static void unmap_pages(vaddr_t first, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		uint64_t old = pmap_kremove(first + (vaddr_t)k * PAGE_SIZE);
		if (pte_is_present(old))
			frame_free(pte_pfn(old));
	}
}

/* slot_take - a free slot number, or -1. */
static int64_t slot_take(void)
{
	int64_t i = -1;
	spin_lock(&slot_lock);
	if (nfree)
		i = free_slots[--nfree];
	else if (next_new < MAX_SLOTS)
		i = next_new++;
	spin_unlock(&slot_lock);
	return i;
}

static void slot_put(uint32_t i)
{
	spin_lock(&slot_lock);
	in_use[i] = 0;
	free_slots[nfree++] = i;
	spin_unlock(&slot_lock);
}

/* ready_take - a slot whose stack is still mapped, or -1. */
static int64_t ready_take(void)
{
	int64_t i = -1;
	spin_lock(&slot_lock);
	if (nready) {
		i = ready[--nready];
		in_use[i] = 1;
	}
	spin_unlock(&slot_lock);
	return i;
}

vaddr_t kstack_alloc(void)
{
	int64_t got = ready_take();
	if (got >= 0)
		return slot_base((uint32_t)got) + (KSTACK_PAGES + 1) * PAGE_SIZE;
	int64_t slot = slot_take();
	if (slot < 0)
		return 0;
	uint32_t i = (uint32_t)slot;
	vaddr_t base = slot_base(i);
	if (pmap_kset_np(base, pte_make_guard()) < 0)
		goto fail;
	for (unsigned k = 1; k <= KSTACK_PAGES; k++) {
		pfn_t pfn = frame_alloc(FRAME_KERNEL);
		if (pfn == FRAME_NONE)
			goto undo;
		if (pmap_kenter(base + k * PAGE_SIZE, PFN_TO_PA(pfn), PTE_PROT_RW, PTE_TYPE_LOCKED) < 0) {
			frame_free(pfn);
			goto undo;
		}
	}
	spin_lock(&slot_lock);
	in_use[i] = 1;
	spin_unlock(&slot_lock);
	return base + (KSTACK_PAGES + 1) * PAGE_SIZE;
undo:
	unmap_pages(base + PAGE_SIZE, KSTACK_PAGES);
fail:
	slot_put(i);
	return 0;
}

#define SLOTS_PER_TABLE ((uint32_t)((2ull << 20) / SLOT_BYTES)) /* slots one page table maps */

/* chunk_unused - no slot mapped by the same page table as slot @i is in use. */
static bool chunk_unused(uint32_t i)
{
	uint32_t first = i - i % SLOTS_PER_TABLE;
	bool unused = true;
	spin_lock(&slot_lock);
	for (uint32_t k = first; k < first + SLOTS_PER_TABLE && k < next_new; k++)
		unused = unused && !in_use[k];
	spin_unlock(&slot_lock);
	return unused;
}

/* release_slot - unmap slot @i's stack and guard and free the slot; the page table of a
 * run of slots none of which is in use goes back (pmap checks it is empty), so a burst of
 * threads costs no frame once it is over (issue 16). */
static void release_slot(uint32_t i)
{
	vaddr_t base = slot_base(i);
	unmap_pages(base + PAGE_SIZE, KSTACK_PAGES);
	pmap_kremove(base); /* the guard mark: kstack_alloc sets it again */
	slot_put(i);
	if (chunk_unused(i))
		pmap_kfree_table(base);
}

void kstack_free(vaddr_t top)
{
	vaddr_t base = top - (KSTACK_PAGES + 1) * PAGE_SIZE;
	uint32_t i = (uint32_t)((base - KSTACK_AREA_BASE) / SLOT_BYTES);
	KASSERT(base >= KSTACK_AREA_BASE && i < next_new && slot_base(i) == base && in_use[i],
		"kstack_free: %lx is not a stack top", top);
	spin_lock(&slot_lock);
	bool keep = nready < READY_MAX;
	if (keep) {
		in_use[i] = 0;
		ready[nready++] = i;
	}
	spin_unlock(&slot_lock);
	if (!keep)
		release_slot(i);
}

void kstack_settle(void)
{
	for (int64_t i; (i = ready_take()) >= 0;)
		release_slot((uint32_t)i);
}

int kstack_is_guard(vaddr_t va)
{
	if (va < KSTACK_AREA_BASE || va >= KSTACK_AREA_BASE + (vaddr_t)next_new * SLOT_BYTES)
		return 0;
	uint32_t i = (uint32_t)((va - KSTACK_AREA_BASE) / SLOT_BYTES);
	return in_use[i] && va - slot_base(i) < PAGE_SIZE;
}

int kstack_contains(vaddr_t va)
{
	if (va < KSTACK_AREA_BASE || va >= KSTACK_AREA_BASE + (vaddr_t)next_new * SLOT_BYTES)
		return 0;
	uint32_t i = (uint32_t)((va - KSTACK_AREA_BASE) / SLOT_BYTES);
	vaddr_t off = va - slot_base(i);
	return in_use[i] && off >= PAGE_SIZE && off < (KSTACK_PAGES + 1) * PAGE_SIZE;
}
