/*
 * vm.h - the user half of memory management as the rest of the kernel sees it: page faults,
 * SYS_AREA, and what the loader needs to lay out a new process. The PTE is the record of each
 * page (pte.h); the region lists (region.h) say what each range is. Address-space objects
 * and their locks: vmspace.h, specs/address-space.md, specs/concurrency.md.
 */
#ifndef QUIRE_VM_VM_H
#define QUIRE_VM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/types.h"
#include "vm/vmspace.h"

/* vm_init - read vm's debug options (`debug.leak_frame`), install the kernel-mode fault hook
 * for checked user copies. Context: boot. */
void vm_init(const char *cmdline);

/* vm_set_oom_killer - who ends a process when RAM and swap are both full (the process layer);
 * @kill gets the space's proc pointer and a reason. */
void vm_set_oom_killer(void (*kill)(void *proc, const char *why));

/* vm_page_set_debug - `debug.leak_frame`: leak the first user frame released (for the
 * scenario runner's self-check). */
void vm_page_set_debug(bool leak_frame);

/* vm_fault - resolve a user page fault in thread space @ts (and its process space) at @va
 * (@err: the #PF error code); 0, or -1 with *@why naming the fatal reason. May sleep. */
int vm_fault(struct vm_tspace *ts, vaddr_t va, uint64_t err, const char **why);

/* The area operations (SYS_AREA's QA_* have the same values: proc/syscall.c checks). */
enum vm_area_op {
	VM_AREA_DEMAND = 1,  /* allocate-on-demand with prot; what was there goes */
	VM_AREA_LOCK = 2,    /* every page present and never evicted, contents kept */
	VM_AREA_FREE = 3,    /* nothing there any more */
	VM_AREA_PROTECT = 4, /* the pages and regions there get prot */
};

/* vm_area - SYS_AREA for the thread owning @ts: @op, page-aligned [addr, addr+len), @prot
 * (PTE_PROT_*); 0 or -QE_*. May sleep. */
int64_t vm_area(struct vm_tspace *ts, uint64_t op, uint64_t addr, uint64_t len, uint64_t prot);

/* vm_free_frames - free frames, the pool of zeroed ones included (what SYS_MEMINFO and
 * memtrace report: the pool is free memory that was zeroed ahead). */
uint64_t vm_free_frames(void);

/* vm_prezero_stats - frames in the pool of zeroed frames now, and demand-zero faults that
 * took one since boot (SYS_PERFINFO). */
void vm_prezero_stats(uint64_t *pool, uint64_t *used);

/* vm_reserve_frames - make at least @n frames free, evicting pages (and, with RAM and swap
 * full, ending the largest process) if needed: for sleepable kernel paths about to take
 * kernel memory, which cannot reclaim itself (kmalloc, kernel stacks, page tables). 0 or
 * -QE_NOMEM. May sleep. */
int vm_reserve_frames(unsigned n);

/* vm_map - [@start, @end) becomes a region of @kind (VM_ANON: demand pages; VM_GUARD; 0:
 * nothing) with @prot; @populate brings every page in now. 0, -QE_NOMEM, -QE_AGAIN (too many
 * regions), -QE_INVAL. May sleep. */
int vm_map(struct vm_tspace *ts, vaddr_t start, vaddr_t end, unsigned kind, unsigned prot, bool populate);

/* vm_map_marked - as vm_map without populating, for a range whose entries already hold what
 * a region of @kind and @prot puts there (a new thread space's demand marks): only the region
 * is recorded, no page-table work. The caller vouches for the entries. 0, -QE_NOMEM, -QE_AGAIN.
 * May sleep. */
int vm_map_marked(struct vm_tspace *ts, vaddr_t start, vaddr_t end, unsigned kind, unsigned prot);

/* vm_load_page - the page at @va (in an anonymous region, not yet present) gets a new frame:
 * zeros, with @n bytes of @src at offset @off. 0, -QE_EXIST (already present), -QE_NOMEM,
 * -QE_INVAL. May sleep. */
int vm_load_page(struct vm_tspace *ts, vaddr_t va, const void *src, size_t off, size_t n);

#endif
