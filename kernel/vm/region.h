/*
 * region.h - what each range of an address space *is*: a sorted list of regions, one list
 * for a process space and one per thread space. The PTE stays the record of each page
 * (present, demand, swap block: arch/x86_64/pte.h); a region says what the PTE cannot:
 * anonymous or locked memory, a guard, a mapped file with its handle and offset, pages
 * received by a grant. Portable (host-tested in tests/host/test_region.c); the caller holds
 * the address space's lock. Invariants: specs/address-space.md "Regions".
 */
#ifndef QUIRE_VM_REGION_H
#define QUIRE_VM_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/types.h"

enum vm_kind {
	VM_ANON = 1,   /* anonymous memory: each page's PTE says demand, present or swapped */
	VM_LOCKED = 2, /* every page present with page type LOCKED: never evicted */
	VM_GUARD = 3,  /* a stack guard: a fault here is a stack overflow */
	VM_FILE = 4,   /* a mapped file: object = the file handle, offset = file offset of start */
	VM_GRANT = 5,  /* pages that arrived in a message grant (anonymous from then on) */
};

struct vm_region {
	vaddr_t start, end;      /* [start, end), page-aligned, start < end */
	uint8_t kind;            /* enum vm_kind */
	uint8_t prot;            /* PTE_PROT_*: what a page may do once present */
	uint16_t flags;          /* VM_RF_* */
	uint64_t offset;         /* VM_FILE: byte offset in the file of start */
	void *object;            /* VM_FILE: the open file; NULL otherwise */
	struct vm_region *next;  /* the next region up; the list is sorted and never overlaps */
};

#define VM_RF_WRITABLE_FILE 0x1 /* VM_FILE: a read/write mapping (commits a version when unmapped) */

/* Where region records come from (kmalloc in the kernel, malloc on the host). */
struct region_alloc {
	void *(*alloc)(size_t nbytes);
	void (*free)(void *p);
};

/* A region list. The hint is the last region found (faults tend to hit the same one). */
struct region_list {
	struct vm_region *head;
	struct vm_region *hint;
	unsigned count;
};

#define REGION_MAX 1024 /* regions per list: SYS_AREA past it gets -QE_AGAIN */

/* region_find - the region holding @va, or NULL. */
struct vm_region *region_find(struct region_list *l, vaddr_t va);

/* region_peek - region_find without touching the hint: for a reader that does not hold the
 * space's mutex (eviction, which pins the space so that the list cannot change under it). */
struct vm_region *region_peek(const struct region_list *l, vaddr_t va);

#define REGION_GAP_ALIGN 0x200000ull /* region_find_gap places a range 2 MiB aligned when it can */

/* region_find_gap - the highest start s (2 MiB aligned when that fits) such that [s, s+@len)
 * lies in [@lo, @hi) with no region in it nor within @hole bytes of either end (a range
 * placed there is fenced off by unmapped holes). 0 when there is no such place (@lo > 0). */
vaddr_t region_find_gap(const struct region_list *l, vaddr_t lo, vaddr_t hi, uint64_t len, uint64_t hole);

/* region_first_in - the first region that overlaps [@start, @end), or NULL. */
struct vm_region *region_first_in(struct region_list *l, vaddr_t start, vaddr_t end);

/* region_covered - true when [@start, @end) lies wholly inside regions, without a gap. */
bool region_covered(struct region_list *l, vaddr_t start, vaddr_t end);

/*
 * region_replace - make [@start, @end) exactly the region @tmpl describes (its start/end/next
 * are ignored; NULL: no region, a hole). Regions overlapping the range are cut at its ends;
 * the parts inside are passed to @drop (may be NULL) before they go; a region on either side
 * with the same kind, prot, flags and no object merges with the new one. Validates first:
 * 0, or -QE_NOMEM / -QE_AGAIN (too many regions) with the list unchanged.
 */
int region_replace(struct region_list *l, const struct region_alloc *ra, vaddr_t start, vaddr_t end,
		   const struct vm_region *tmpl, void (*drop)(const struct vm_region *part, void *ctx),
		   void *ctx);

/* region_set_prot - give every region part inside [@start, @end) protection @prot, cutting
 * regions at the ends; gaps stay gaps. 0, -QE_NOMEM / -QE_AGAIN with the list unchanged. */
int region_set_prot(struct region_list *l, const struct region_alloc *ra, vaddr_t start, vaddr_t end,
		    unsigned prot);

/* region_clear - free every region (passing each to @drop first). */
void region_clear(struct region_list *l, const struct region_alloc *ra,
		  void (*drop)(const struct vm_region *part, void *ctx), void *ctx);

/* region_kind_name - "anon", "locked", "guard", "file", "grant". */
const char *region_kind_name(unsigned kind);

#endif
