/*
 * vm.c - user page faults and area operations. A fault reads the page-level entry (pmap
 * splits upper-level marks on the way): DEMAND gets a zeroed frame with the mark's
 * protection; GUARD is a stack overflow; NONE is an access outside every area; a present
 * page means a protection violation. Each of the last three kills the process (caller).
 */
#include "mm/vm.h"

#include "arch/x86_64/pmap.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/trap.h"
#include "console.h"
#include "lib/cmdline.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/swap.h"
#include "panic.h"
#include "proc/process.h"

#define VM_USER_LOW 0x400000ull /* [0, 4 MiB) is never user memory: NULL faults */

/* `debug.leak_frame` on the command line: the first user frame released is never given
 * back, so the scenario runner's leak check can be shown to catch a leak. */
static bool leak_one;

void vm_init(const char *cmdline)
{
	leak_one = cmdline_has(cmdline, "debug.leak_frame");
}

void vm_release(uint64_t entry, vaddr_t va, void *ctx)
{
	struct process *p = ctx;
	(void)va;
	if (!pte_is_present(entry)) {
		swap_entry_freed(p, entry); /* a page in swap: its block goes back */
		return;
	}
	pfn_t pfn = pte_pfn(entry);
	if (frame_state(pfn) != FRAME_USER)
		panic("vm_release: user page at %lx maps frame %lx in state %s", va, pfn,
		      frame_state_name(frame_state(pfn)));
	swap_page_freed(p, pfn);
	frame_clear_mapping(pfn);
	if (p)
		p->cnt.frames--;
	if (leak_one) {
		leak_one = false;
		kprintf("vm: debug.leak_frame: leaking frame %lx on purpose\n", pfn);
		return;
	}
	frame_free(pfn);
}

/* map_frame - map @pfn at @va for @p and record its one mapping. */
static int map_frame(struct process *p, uint32_t owner, paddr_t root, vaddr_t va, pfn_t pfn, unsigned prot,
		     unsigned type)
{
	if (pmap_enter(root, va, PFN_TO_PA(pfn), prot, true, type) < 0)
		return -QE_NOMEM;
	frame_set_mapping(pfn, owner, va);
	p->cnt.frames++;
	if (type == PTE_TYPE_NORMAL)
		swap_page_mapped(pfn, va);
	return 0;
}

int vm_map_zero(struct process *p, uint32_t owner, paddr_t root, vaddr_t va, unsigned prot, unsigned type,
		paddr_t *pa_out)
{
	pfn_t pfn = swap_alloc_frame(); /* may evict another page, from any process */
	if (pfn == FRAME_NONE)
		return -QE_NOMEM;
	memset(phys_to_virt(PFN_TO_PA(pfn)), 0, PAGE_SIZE);
	if (map_frame(p, owner, root, va, pfn, prot, type) < 0) {
		frame_free(pfn);
		return -QE_NOMEM;
	}
	if (pa_out)
		*pa_out = PFN_TO_PA(pfn);
	return 0;
}

static const char *protection_reason(uint64_t e, uint64_t err)
{
	if (!(err & PF_USER))
		return "kernel access to a user page it may not touch";
	if (!pte_is_user(e))
		return "access to a supervisor page";
	if ((err & PF_WRITE) && !pte_is_writable(e))
		return "write to a read-only page";
	if ((err & PF_FETCH) && pte_is_nx(e))
		return "execution of a no-execute page";
	return "protection violation";
}

static uint32_t owner_of(struct thread *t, vaddr_t va)
{
	return va < t->proc->boundary ? t->proc->pid : t->tid;
}

/* fault_swap_in - bring the page back from swap; its block stays as the clean copy. */
static int fault_swap_in(struct thread *t, vaddr_t va, uint64_t e, const char **why)
{
	pfn_t pfn;
	int err = swap_in(t->proc, t->pml4, PAGE_ALIGN_DOWN(va), e, &pfn);
	if (err == -QE_AGAIN)
		return 0; /* the fault is taken again and finds the page as it is now */
	if (err) {
		*why = err == -QE_NOMEM ? "out of memory and swap: the largest process"
					: "disk error while reading the page from swap";
		return -1;
	}
	if (map_frame(t->proc, owner_of(t, va), t->pml4, PAGE_ALIGN_DOWN(va), pfn, pte_np_prot(e),
		      PTE_TYPE_NORMAL) < 0) {
		frame_get(pfn)->a = 0; /* the PTE still holds the block */
		frame_free(pfn);
		*why = "out of memory (no frame for a page table)";
		return -1;
	}
	t->proc->cnt.swap_ins++;
	return 0;
}

int vm_fault(struct thread *t, vaddr_t va, uint64_t err, const char **why)
{
	struct process *p = t->proc;
	uint64_t e;
	p->cnt.page_faults++;
	swap_count_fault();
	if (va >= USER_SPACE_END) {
		*why = "access to kernel space";
		return -1;
	}
	if (pmap_fault_entry(t->pml4, va, &e) < 0) {
		*why = "out of memory (no frame for a page table)";
		return -1;
	}
	if (pte_is_present(e)) {
		*why = protection_reason(e, err);
		return -1;
	}
	switch (pte_np_kind(e, PTE_LEVEL_PT)) {
	case PTE_NP_DEMAND: {
		unsigned prot = pte_np_prot(e);
		if ((err & PF_WRITE) && prot != PTE_PROT_RW) {
			*why = "write to a read-only area";
			return -1;
		}
		if ((err & PF_FETCH) && prot != PTE_PROT_RX) {
			*why = "execution of a no-execute area";
			return -1;
		}
		if (vm_map_zero(p, owner_of(t, va), t->pml4, PAGE_ALIGN_DOWN(va), prot, PTE_TYPE_NORMAL, 0) < 0) {
			*why = swap_enabled() ? "out of memory and swap: the largest process" : "out of memory";
			return -1;
		}
		p->cnt.demand_zero++;
		return 0;
	}
	case PTE_NP_SWAP: return fault_swap_in(t, va, e, why);
	case PTE_NP_TRANSIT: swap_wait_transit(); return 0; /* then the fault is taken again */
	case PTE_NP_GUARD: *why = "stack overflow (guard page)"; return -1;
	case PTE_NP_NONE: *why = "no memory is mapped there"; return -1;
	default: *why = "unexpected page-table entry"; return -1;
	}
}

/* lock_range - allocate every page of [start, end) now, type LOCKED (never evicted). */
static int64_t lock_range(struct thread *t, vaddr_t start, vaddr_t end, unsigned prot)
{
	uint64_t mark;
	if (pte_make_demand(prot, &mark) < 0)
		return -QE_INVAL;
	if (pmap_range_np(t->pml4, start, end, 0, true, vm_release, t->proc) < 0)
		return -QE_NOMEM;
	for (vaddr_t va = start; va < end; va += PAGE_SIZE) {
		if (vm_map_zero(t->proc, owner_of(t, va), t->pml4, va, prot, PTE_TYPE_LOCKED, 0) < 0) {
			/* leave what was locked as demand memory: the caller gets the error */
			pmap_range_np(t->pml4, start, end, mark, true, vm_release, t->proc);
			return -QE_NOMEM;
		}
	}
	return 0;
}

int64_t vm_area(struct thread *t, uint64_t op, uint64_t addr, uint64_t len, uint64_t prot)
{
	struct process *p = t->proc;
	uint64_t mark;
	if ((addr | len) & PAGE_MASK || len == 0 || prot > QP_RX || op < QA_DEMAND || op > QA_PROTECT)
		return -QE_INVAL;
	if (addr < VM_USER_LOW || addr >= USER_SPACE_END || len > USER_SPACE_END - addr)
		return -QE_FAULT; /* the low 4 MiB, kernel, non-canonical, past the top, wrapping */
	vaddr_t end = addr + len;
	if (addr < p->boundary && end > p->boundary)
		return -QE_INVAL; /* one area is process space or thread space, not both */
	if (end <= p->boundary && proc_ensure_slots(p, addr, end) < 0)
		return -QE_NOMEM;
	bool top = addr >= p->boundary; /* thread space: PML4-level marks are the thread's own */
	swap_wait_idle(p); /* no page of the area may be in transit while its entries change */
	int64_t err;
	switch (op) {
	case QA_DEMAND:
		if (pte_make_demand((unsigned)prot, &mark) < 0)
			return -QE_INVAL;
		err = pmap_range_np(t->pml4, addr, end, mark, top, vm_release, p) < 0 ? -QE_NOMEM : 0;
		break;
	case QA_LOCK: err = lock_range(t, addr, end, (unsigned)prot); break;
	case QA_FREE: err = pmap_range_np(t->pml4, addr, end, 0, top, vm_release, p) < 0 ? -QE_NOMEM : 0; break;
	case QA_PROTECT: err = pmap_range_protect(t->pml4, addr, end, (unsigned)prot) < 0 ? -QE_NOMEM : 0; break;
	default: return -QE_INVAL;
	}
	if (!top) /* process space: the other threads' cached translations of it are stale */
		proc_tlb_stale(p, addr, 0);
	return err;
}
