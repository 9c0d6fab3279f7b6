/*
 * vm_internal.h - what the files of kernel/vm share and nothing outside vm includes: the
 * page helpers (page.c), swap's internals (swap.c) and the page-usage glue (pageusage.c).
 * Context notes per function; the locks are those of specs/concurrency.md.
 */
#ifndef QUIRE_VM_INTERNAL_H
#define QUIRE_VM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/types.h"
#include "vm/vmspace.h"

/* ---- page.c ---- */

/* vm_page_release - pmap release callback (ctx: the vm_space): a leaf leaves a range; its
 * frame, clean copy or swap block goes back. Runs under the pmap lock; never sleeps. */
void vm_page_release(uint64_t entry, vaddr_t va, void *ctx);

/* vm_region_dropped - a region (part) left a list: close what it holds (ctx: the vm_space). */
void vm_region_dropped(const struct vm_region *part, void *ctx);

/* vm_frame_alloc - a USER frame for @vs, evicting pages when none is free; when RAM and swap
 * are both full the largest process is killed (if that is @vs, FRAME_NONE comes back).
 * FRAME_NONE at once while @vs is exiting. May sleep. */
pfn_t vm_frame_alloc(struct vm_space *vs);

/* vm_prezero_fill - the idle loop's work (sched_set_idle_work): while some address space
 * exists, the pool of zeroed frames is short and plenty of frames are free, zero one frame
 * into the pool; true when it did. Never sleeps. */
bool vm_prezero_fill(void);

/* vm_prezero_drain - give every frame of the pool back; how many. Never sleeps. */
unsigned vm_prezero_drain(void);

/* vm_space_count - address spaces alive. */
unsigned vm_space_count(void);

/* vm_reclaim - make a frame free: give the pool of zeroed frames back, evict a page, or (RAM and swap full) kill the largest other
 * process and wait a tick for it; 0, or -QE_NOMEM when neither helps (no swap, @vs exiting,
 * or @vs is the largest). May sleep. */
int vm_reclaim(struct vm_space *vs);

/* vm_page_map - install @pfn at @va of @ts's process (thread space: @ts's own) with @prot and
 * @type (@dirty: D set, for contents that are neither a zero fill nor in swap: see
 * specs/swap.md "Zero pages"), if the page-level entry still equals @expect: the frame record gets its one mapping,
 * the counters and the page-usage manager are told. @leaf (may be NULL): the slot
 * vm_fault_entry found, saving a walk; *@installed (may be NULL, used with a leaf) gets the
 * new entry. Reclaims (sleeps) for page tables. 0, -QE_AGAIN (the entry changed: the caller
 * still owns @pfn), -QE_NOMEM (the same). */
int vm_page_map(struct vm_tspace *ts, vaddr_t va, pfn_t pfn, unsigned prot, unsigned type, bool dirty,
		uint64_t expect, const struct pmap_leaf *leaf, uint64_t *installed);

/* vm_fault_entry - the page-level entry of @va, splitting marks (reclaiming for tables);
 * *@leaf (may be NULL) gets its slot. 0 or -QE_NOMEM. May sleep. */
int vm_fault_entry(struct vm_tspace *ts, vaddr_t va, uint64_t *entry, struct pmap_leaf *leaf);

/* vm_page_in - make the page at @va present (demand: a zero frame; swap: read back; present:
 * nothing) with page @type for a new frame; *@e gets the resulting entry. The space's mutex
 * is held. 0, -QE_NOMEM, -QE_IO (swap read error), -QE_FAULT (no memory there: NONE/guard). */
int vm_page_in(struct vm_tspace *ts, vaddr_t va, unsigned type, uint64_t *e);

/* vm_reserve_tables - make sure @n frames are free and no eviction of @vs's pages is under
 * way, both at once: a range operation that follows without sleeping can neither run out
 * of page-table pages nor change a page that is being written out (on one CPU nothing
 * allocates or starts an eviction in between). 0 or -QE_NOMEM. May sleep. */
int vm_reserve_tables(struct vm_space *vs, unsigned n);

#define VM_TABLE_RESERVE 8 /* page-table pages a range operation may need: splits at both ends */

/* ---- filemap.c ---- */

/* filemap_fault - make the page at @va of file region @r present (read from the file into a
 * new frame of page type FILE); *@e gets the entry. Mutex held. 0, -QE_NOMEM, -QE_IO,
 * -QE_CORRUPT (the file system found the block damaged), -QE_FAULT. May sleep. */
int filemap_fault(struct vm_tspace *ts, struct vm_region *r, vaddr_t va, uint64_t *e);

/* filemap_evict - evict the FILE page @pfn at @va (entry @old) of the pinned space: clean,
 * it is dropped; dirty, it is written into its read/write mapping's copy first. 0 or -1
 * (not evicted: it stays as it was). May sleep. */
int filemap_evict(struct vm_space *vs, struct vm_tspace *ts, pfn_t pfn, vaddr_t va, uint64_t old);

/* filemap_unmap_locked - unmap the file region @r of list @l (@root: NULL for process
 * space): commit (or, @discard, drop) and remove it. The version, 0, or -QE_* with nothing
 * changed. Mutex held. May sleep. */
int64_t filemap_unmap_locked(struct vm_space *vs, struct pmap_root *root, struct region_list *l, struct vm_region *r,
			     bool discard);

/* filemap_dropped - a file region leaves with its space (teardown): its copy is dropped. */
void filemap_dropped(const struct vm_region *part);

/* ---- grant.c ---- */

/*
 * struct vm_grant - pages on their way from one address space to another (a message grant):
 * held by the kernel, mapped nowhere, untracked by the page-usage manager, counted in no
 * space. Entry i (vm_grant_entry) is what page i's PTE held when it left: a present entry
 * (its frame, page type, D bit; the frame record keeps its clean swap copy), a swap entry
 * (the block), or 0 (a page never touched: it arrives as a zero page). The entries sit in
 * whole kernel frames, 512 to a frame, so a grant never needs a contiguous run of frames.
 */
#define VM_GRANT_PER_PAGE 512 /* entries in one frame: 2 MiB of grant */
#define VM_GRANT_DIR 8        /* frames of entries: VM_GRANT_MAX_BYTES (16 MiB) */
struct vm_grant {
	uint64_t npages;
	uint64_t resident, swapped, locked; /* pages of each kind (locked ones are resident too) */
	uint64_t *dir[VM_GRANT_DIR];
};

/* vm_grant_entry - the slot of page @i of @g. */
static inline uint64_t *vm_grant_entry(struct vm_grant *g, uint64_t i)
{
	return &g->dir[i / VM_GRANT_PER_PAGE][i % VM_GRANT_PER_PAGE];
}

/* ---- swap.c, swap_evict.c ---- */

#define SWAP_CLUSTER 16 /* most pages in one swap request, written or read ahead (64 KiB) */

/* swap_wake_transit - an eviction finished with a page (wakes faults waiting on transit). */
void swap_wake_transit(void);


/* swap_in_frame - read the swap block of entry @e into a new frame for @vs; the block stays
 * as the frame's clean copy. 0 and *@pfn, -QE_NOMEM, -QE_IO. May sleep. */
int swap_in_frame(struct vm_space *vs, uint64_t e, pfn_t *pfn);

/* swap_readahead_max - pages one swap-in reads at most, the faulting one included
 * (`swap.readahead=N`, 1..16; 1: no readahead). Constant after swap_init. */
extern unsigned swap_readahead_max;

/* swap_in_frames - read swap blocks @b .. @b + @n - 1 (1 <= @n <= 16) into new frames for
 * @vs: @pfns[0] always (evicting if needed), the others (readahead) evicting for them only
 * when @evict (the caller saw sequential reads), else only while frames are free anyway.
 * Each frame keeps its block as its clean copy. How many were read (>= 1, into @pfns[0..]),
 * or -QE_NOMEM, -QE_IO. May sleep. */
int swap_in_frames(struct vm_space *vs, uint64_t b, unsigned n, bool evict, pfn_t *pfns);

/* swap_evict_one - page out a cluster of victims chosen by the page-usage manager (up to 16,
 * those needing a write in one request to adjacent blocks): 0 when at least one frame came
 * free, -1 when no page can be evicted. May sleep. */
int swap_evict_one(void);

/* swap_block_release - give swap block @b back (a swap entry or a clean copy left). Never sleeps. */
void swap_block_release(uint64_t b);

/* swap_wait_transit - sleep until some eviction finishes (a fault found a page in transit). */
void swap_wait_transit(void);

/* swap_count_in, swap_count_readahead - add to the global counters (SYS_SWAPINFO, `swap`). */
void swap_count_in(void);
void swap_count_readahead(void);

/* ---- pageusage.c ---- */

/* pageusage_start - start the page-usage manager with @policy_name (NULL: the default) over every frame. */
int pageusage_start(const char *policy_name);

/* pageusage_mapped - frame @pfn now holds the NORMAL page @va of owner @owner: track it. */
void pageusage_mapped(pfn_t pfn, uint32_t owner, vaddr_t va);

/* pageusage_freed - frame @pfn leaves its mapping (released, locked): untrack it if tracked. */
void pageusage_freed(pfn_t pfn);

/* pageusage_pick - the next victim frame (untracked from now on), or FRAME_NONE. */
pfn_t pageusage_pick(void);

/* pageusage_tick - let the policy sample accessed bits. */
void pageusage_tick(void);

/* pageusage_tracked - frames the manager tracks now; pageusage_policy - its policy's name. */
uint64_t pageusage_tracked(void);
const char *pageusage_policy(void);

#endif
