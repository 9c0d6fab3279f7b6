/*
 * vm.h - the user half of memory management: page faults (demand zero, guard pages,
 * errors that kill), and the area operations of SYS_AREA. The state of every page is its
 * page-table entry (pte.h); there are no side structures.
 */
#ifndef QUIRE_MM_VM_H
#define QUIRE_MM_VM_H

#include <stdint.h>

#include "mm/types.h"

struct thread;
struct process;

/* vm_init - read vm's debug options from the command line. Context: boot. */
void vm_init(const char *cmdline);

/* vm_fault - resolve a user page fault of @t at @va (@err: the #PF error code); 0, or -1 with *why naming the fatal reason. */
int vm_fault(struct thread *t, vaddr_t va, uint64_t err, const char **why);

/* vm_area - SYS_AREA for the current thread: op QA_*, page-aligned [addr, addr+len), prot QP_*; 0 or -QE_*. */
int64_t vm_area(struct thread *t, uint64_t op, uint64_t addr, uint64_t len, uint64_t prot);

/* vm_release - a page leaving a user range: give back its frame. (pmap release callback; ctx = process.) */
void vm_release(uint64_t entry, vaddr_t va, void *ctx);

/* vm_map_zero - map a fresh zeroed frame at @va in @root for @p (frame owner @owner: the pid in process space, the tid in thread space) with @prot and page @type; 0 or -QE_NOMEM. */
int vm_map_zero(struct process *p, uint32_t owner, paddr_t root, vaddr_t va, unsigned prot, unsigned type,
		paddr_t *pa_out);

#endif
