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

/* vm_reserve_frames - make @n frames free at once, evicting pages (and, with RAM and swap
 * full, ending the largest process other than @vs's, which may be NULL): for sleepable
 * kernel paths about to take kernel memory, which cannot reclaim itself (kmalloc, kernel
 * stacks, page tables, the file system's buffers). The caller allocates before it next
 * sleeps. 0 or -QE_NOMEM. May sleep. */
int vm_reserve_frames(struct vm_space *vs, unsigned n);

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

/* vm_pageusage_info - frames the page-usage manager tracks now and its policy's name ("none"
 * without swap), for the console's figures. */
void vm_pageusage_info(uint64_t *tracked, const char **policy);

/* ---- grants (grant.c): pages that move between address spaces (specs/messages.md) ---- */

struct vm_grant;

#define VM_GRANT_MAX_BYTES (16ull << 20) /* one grant: at most 4,096 pages */

/*
 * vm_grant_take - the pages of [@va, @va + @len) in the process space of @ts's process
 * leave it: the range becomes a hole (a later touch is a fault that kills, "no memory is
 * mapped there"), and *@out holds the pages, each as it was (present frames with their
 * page type and D bit, swap entries, untouched demand pages), counted in no space. The
 * range must lie wholly in anonymous, locked or granted regions. Takes the space's mutex;
 * never holds it across a user copy. May sleep. 0; -QE_INVAL (unaligned, empty, over
 * VM_GRANT_MAX_BYTES, not in process space, or a guard or file region in it); -QE_FAULT
 * (outside user space, or a page of it not mapped); -QE_NOMEM / -QE_AGAIN (region records):
 * on failure nothing changed.
 */
int vm_grant_take(struct vm_tspace *ts, vaddr_t va, uint64_t len, struct vm_grant **out);

/*
 * vm_grant_install - @g's pages appear at [@va, @va + size) in the process space of @ts's
 * process as one VM_GRANT region (RW): each frame's record gets its new owner and address,
 * normal pages are tracked by the page-usage manager again, locked pages stay locked, swap
 * entries move as they are, and the counters of the space grow. @g is freed on success.
 * Takes the space's mutex. May sleep. 0; -QE_EXIST (a region already there); -QE_INVAL /
 * -QE_FAULT (the range, as for take); -QE_NOMEM / -QE_AGAIN: on failure @g is still whole
 * and the space unchanged.
 */
int vm_grant_install(struct vm_tspace *ts, vaddr_t va, struct vm_grant *g);

/* vm_grant_release - give back every frame, clean copy and swap block @g holds, and @g.
 * Never sleeps. */
void vm_grant_release(struct vm_grant *g);

/* vm_kpage_alloc - one zeroed kernel frame (its direct-map address), evicting user pages when
 * none is free: for kernel buffers that must not depend on the heap finding a contiguous
 * run of frames (message data, grants). NULL when RAM and swap are full. May sleep. */
void *vm_kpage_alloc(void);

/* vm_kpage_free - give back a frame from vm_kpage_alloc. Never sleeps. */
void vm_kpage_free(void *p);

/* vm_grant_bytes - the size of the range @g came from. */
uint64_t vm_grant_bytes(const struct vm_grant *g);

/* Grants taken since boot, and their pages by what they were when they left (atomic). */
struct vm_grant_counters {
	uint64_t grants, pages, resident, swapped, locked;
};

/* vm_grant_counters_get - a snapshot of the counters. */
void vm_grant_counters_get(struct vm_grant_counters *out);

#endif
