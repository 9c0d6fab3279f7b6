/*
 * vmspace.h - address-space objects (HelenOS's as_t, FreeBSD's vmspace): a process's
 * address space (its process space [0, B), shared by its threads) and the thread spaces
 * [B, USER_SPACE_END) of its threads, each with its region list (region.h) and page tables
 * (arch/x86_64/pmap.h). The PTE is the record of each page; the regions say what each range
 * is. A registry maps the owner id kept in a frame record (the pid for process space, the
 * tid for a thread space) back to its space, so eviction finds a frame's one mapping.
 * specs/address-space.md describes regions; specs/concurrency.md the locks below.
 */
#ifndef QUIRE_VM_VMSPACE_H
#define QUIRE_VM_VMSPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/pmap.h"
#include "sched/mutex.h"
#include "sched/sched.h"
#include "vm/region.h"

/* Paging counters of one process. Updated with atomic adds (vm_count), read as a snapshot. */
struct vm_counters {
	uint64_t page_faults;  /* user page faults handled or fatal */
	uint64_t demand_zero;  /* frames given on first touch */
	uint64_t frames;       /* frames mapped now */
	uint64_t swap_ins, swap_outs, clean_drops, write_backs;
	uint64_t swap_blocks;  /* swap blocks held now: pages in swap and clean copies */
};

/* An owner id's entry in the registry (embedded in both kinds of space). (r) registry lock */
struct vm_owner {
	uint32_t id;                /* (c) pid or tid */
	struct vm_space *vs;        /* (c) the process's space */
	struct vm_tspace *ts;       /* (c) the thread space; NULL for process space */
	struct vm_owner *hash_next; /* (r) */
};

struct vm_tspace;

/*
 * struct vm_space - one process's address space. Lock legend:
 *   (m) lock, the space's mutex: regions of both halves, faults, area changes, teardown
 *   (r) the registry's spinlock (vmspace.c)     (c) constant after creation
 *   (a) atomic                                  (p) the pmap's own lock
 */
struct vm_space {
	struct mutex lock;
	struct vm_owner owner;         /* (c) id: the pid, frame owner of process-space pages */
	vaddr_t boundary;              /* (c) B */
	struct pmap pmap;              /* (p) */
	struct region_list regions;    /* (m) process space */
	struct vm_tspace *tspaces;     /* (m) its thread spaces */
	struct vm_tspace *spare;       /* (m) a thread space parked for the next thread (vm_tspace_reusable) */
	struct vm_counters cnt;        /* (a) */
	uint64_t tables_gen;           /* (m) bumped whenever page tables may have been freed */
	uint32_t io_inflight;          /* (r) evictions of its pages under way */
	bool exiting;                  /* (r) being torn down or killed: no new eviction starts */
	struct waitq io_wait;          /* exits and area changes waiting for io_inflight == 0 */
	void *proc;                    /* (c) the process (opaque here), for the OOM killer */
	struct vm_space *all_next;     /* (r) every live space */
};

/* struct vm_tspace - one thread's thread space. Legend as above. */
struct vm_tspace {
	struct vm_owner owner;         /* (c) id: the tid, frame owner of its pages */
	struct vm_space *vs;           /* (c) */
	struct pmap_root root;         /* (p) */
	struct region_list regions;    /* (m) */
	struct pmap_leaf last_leaf;    /* (m) the page table the thread's last fault used ... */
	uint64_t last_leaf_gen;        /* (m) ... valid while vs->tables_gen still equals this */
	vaddr_t reuse_guard, reuse_top;/* (m) vm_tspace_reusable's layout (0: none) */
	vaddr_t ra_next;               /* (m) the page after the last swap-in run (readahead) */
	bool laid_out;                 /* (c) it came parked: its layout's regions are in place */
	bool exiting;                  /* (r) */
	struct vm_tspace *next;        /* (m) */
};

/* vm_count - add @n to counter @c (atomic). */
static inline void vm_count(uint64_t *c, int64_t n)
{
	__atomic_fetch_add(c, (uint64_t)n, __ATOMIC_RELAXED);
}

/* vm_space_create - an empty address space for process @id with boundary @boundary; NULL when out of memory. */
struct vm_space *vm_space_create(uint32_t id, vaddr_t boundary, void *proc);

/* vm_tspace_create - a thread space for thread @id of @vs: its root (every slot a demand mark
 * when @demand), no regions yet; NULL when out of memory. Context: may sleep. */
struct vm_tspace *vm_tspace_create(struct vm_space *vs, uint32_t id, bool demand);

/* vm_tspace_destroy - release every page of @ts's thread space and free it. The thread does
 * not run on it any more. A reusable thread space (vm_tspace_reusable) that still holds
 * exactly its layout is parked instead, as the process's spare (one at most): its pages go,
 * its tables, regions and PML4 stay, and the next vm_tspace_create of the process takes it
 * (with laid_out set). May sleep (waits for evictions under way). */
void vm_tspace_destroy(struct vm_tspace *ts);

/* vm_tspace_reusable - @ts holds the standard layout: demand RW over [B, @guard), a guard
 * page at @guard, demand RW from there to @top, nothing above (made over the demand marks of
 * vm_tspace_create with demand): it may be parked when its thread ends. */
void vm_tspace_reusable(struct vm_tspace *ts, vaddr_t guard, vaddr_t top);

/* vm_space_destroy - release process space and free @vs; every thread space is gone already. May sleep. */
void vm_space_destroy(struct vm_space *vs);

/* vm_space_set_exiting - @vs is being killed or is exiting: its pages are not worth evicting,
 * and its threads' allocations fail at once instead of waiting for memory. */
void vm_space_set_exiting(struct vm_space *vs);

/* vm_space_size - pages @vs holds: frames, swap blocks and page tables (the OOM measure). */
uint64_t vm_space_size(struct vm_space *vs);

/* vm_owner_pin - find the space owning @id and hold it for an eviction: its teardown waits
 * until vm_owner_unpin. 0, or -QE_SRCH (no such owner, or it is exiting). */
int vm_owner_pin(uint32_t id, struct vm_space **vs, struct vm_tspace **ts);

/* vm_owner_unpin - end what vm_owner_pin began. */
void vm_owner_unpin(struct vm_space *vs);

/* vm_owner_peek - the space owning @id without pinning it (the page-usage callbacks, which
 * run while the frame keeps its tables alive); false when there is none. */
bool vm_owner_peek(uint32_t id, struct vm_space **vs, struct vm_tspace **ts);

/* vm_space_io_busy - an eviction of @vs's pages is under way now. */
bool vm_space_io_busy(struct vm_space *vs);

/* vm_space_wait_io - sleep until no eviction of @vs's pages is under way. */
void vm_space_wait_io(struct vm_space *vs);

/* vm_space_largest - the space holding the most pages that is not exiting, pinned (as by
 * vm_owner_pin: the caller unpins it), or NULL. */
struct vm_space *vm_space_largest(void);

/* vm_space_any_exiting - true while some space is being torn down (memory is coming back). */
bool vm_space_any_exiting(void);

/* vm_page_owner - the frame owner id for @va in @ts's process: the pid below B, else the tid. */
static inline uint32_t vm_page_owner(const struct vm_tspace *ts, vaddr_t va)
{
	return va < ts->vs->boundary ? ts->vs->owner.id : ts->owner.id;
}

/* vm_regions_of - the region list that holds @va: process space or @ts's thread space. */
static inline struct region_list *vm_regions_of(struct vm_tspace *ts, vaddr_t va)
{
	return va < ts->vs->boundary ? &ts->vs->regions : &ts->regions;
}

/* vm_region_alloc - the region allocator (kmalloc). */
extern const struct region_alloc vm_region_alloc;

#endif
