/*
 * fault.c - user page faults. A fault takes its address space's mutex, looks up the region
 * (what the range is), then acts on the PTE (what the page is): a demand entry gets a zeroed
 * frame, a swap entry is read back, a page of a mapped file is read from the file
 * (filemap.c), a page in transit is waited for; no region, a guard, or
 * an access the region or the page does not allow kills the process (the caller does it,
 * with the reason named here). Checked user copies reach here through the kernel-mode fault
 * hook, in the copying thread's own context (its pcb says a copy runs).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/trap.h"
#include "lib/cmdline.h"
#include "vm/swap.h"
#include "vm/vm.h"
#include "vm/vm_internal.h"

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

static const char *page_in_reason(int err, bool file)
{
	if (file && err == -QE_IO)
		return "disk error while reading a page of the mapped file";
	switch (err) {
	case -QE_CORRUPT: return "the mapped file's block is damaged (checksum mismatch)";
	case -QE_NOMEM: return swap_enabled() ? "out of memory and swap: the largest process" : "out of memory";
	case -QE_IO: return "disk error while reading the page from swap";
	default: return "unexpected page-table entry";
	}
}

/* fault_locked - the body of vm_fault; the space's mutex is held. */
static int fault_locked(struct vm_tspace *ts, vaddr_t va, uint64_t err, const char **why)
{
	bool write = err & PF_WRITE, fetch = err & PF_FETCH;
	struct vm_region *r = region_find(vm_regions_of(ts, va), va);
	if (!r) {
		*why = "no memory is mapped there";
		return -1;
	}
	if (r->kind == VM_GUARD) {
		*why = "stack overflow (guard page)";
		return -1;
	}
	if (write && r->prot != PTE_PROT_RW) {
		*why = "write to a read-only area";
		return -1;
	}
	if (fetch && r->prot != PTE_PROT_RX) {
		*why = "execution of a no-execute area";
		return -1;
	}
	uint64_t e;
	int rc = r->kind == VM_FILE ? filemap_fault(ts, r, va, &e)
				    : vm_page_in(ts, va, r->kind == VM_LOCKED ? PTE_TYPE_LOCKED : PTE_TYPE_NORMAL, &e);
	if (rc < 0) {
		*why = page_in_reason(rc, r->kind == VM_FILE);
		return -1;
	}
	/* present now: brought in here, or by another thread while this one waited for the
	 * mutex; a present page that still refuses the access is a protection fault */
	if ((err & PF_USER) && pte_allows(e, write, fetch))
		return 0;
	*why = protection_reason(e, err);
	return -1;
}

int vm_fault(struct vm_tspace *ts, vaddr_t va, uint64_t err, const char **why)
{
	struct vm_space *vs = ts->vs;
	vm_count(&vs->cnt.page_faults, 1);
	vm_count(&swap_fault_count, 1);
	if (va >= USER_SPACE_END) {
		*why = "access to kernel space";
		return -1;
	}
	mutex_lock(&vs->lock);
	int rc = fault_locked(ts, va, err, why);
	mutex_unlock(&vs->lock);
	return rc;
}

/*
 * kernel_pf - a kernel-mode page fault: resolved only inside a checked user copy of a user
 * thread, on a user address. The catch point is disarmed while the fault is handled, so a
 * fault inside the handling itself is a kernel bug that panics rather than a copy error.
 */
static int kernel_pf(struct trap_frame *tf)
{
	uint64_t va = cpu_read_cr2(); /* first: a sleep below lets other faults overwrite CR2 */
	struct pcb *pcb = pcb_current();
	struct thread *t = sched_current();
	if (!pcb || !pcb->uaccess || !t || !t->vm || va >= USER_SPACE_END)
		return 0;
	struct ktrap_catch *c = pcb->onfault;
	const char *why;
	pcb->onfault = 0;
	pcb->uaccess = false;
	int ok = vm_fault(t->vm, va, tf->error | PF_USER, &why) == 0;
	pcb->uaccess = true;
	pcb->onfault = c;
	return ok;
}

void vm_init(const char *cmdline)
{
	vm_page_set_debug(cmdline_has(cmdline, "debug.leak_frame"));
	trap_set_kernel_pf_hook(kernel_pf);
	if (!cmdline_has(cmdline, "vm.noprezero"))
		sched_set_idle_work(vm_prezero_fill);
}
