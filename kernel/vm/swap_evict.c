/*
 * swap_evict.c - eviction in clusters. The page-usage manager picks victims from any
 * process; each one's mapping is found through its frame record (owner and virtual page: no
 * reverse map). A page nobody wrote since its zero fill goes back to a demand mark, a clean
 * page whose copy is still in swap is dropped, and the rest are written: the pages of one
 * cluster go to adjacent blocks in one request (through the staging buffer), so a cluster of
 * sixteen costs one disk command and one interrupt. While a page is written its PTE says "in
 * transit" (faults on it wait) and its space is pinned. specs/swap.md; locks:
 * specs/concurrency.md (nothing here holds a spinlock across the write).
 */
#include "arch/x86_64/pte.h"
#include "console.h"
#include "lib/cmdline.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "panic.h"
#include "vm/swap_internal.h"
#include "vm/vm_internal.h"

/* A victim that needs a write, from its PTE's switch to "in transit" to its swap entry. */
struct victim {
	struct vm_space *vs;     /* pinned */
	struct pmap_root *root;
	pfn_t pfn;
	vaddr_t va;
	uint64_t old;            /* the present entry it had */
	uint64_t block;
};

static bool skip_writes; /* `debug.swap_skip_write`: a broken swap, for the scenario self-check */

void swap_evict_init(const char *cmdline)
{
	if ((skip_writes = cmdline_has(cmdline, "debug.swap_skip_write")))
		kprintf("swap: debug.swap_skip_write: pages are NOT written on purpose\n");
}

/* gone - the frame of a page that left RAM: counters, the frame back. */
static void gone(struct vm_space *vs, pfn_t pfn)
{
	swap_count(&swap_cnt.swap_outs);
	vm_count(&vs->cnt.swap_outs, 1);
	vm_count(&vs->cnt.frames, -1);
	frame_clear_mapping(pfn);
	frame_free(pfn);
}

/* drop_zero - @pfn holds a page nobody wrote since its zero fill: its PTE becomes a demand
 * mark again (no block, no write; the next touch zero-fills it). */
static int drop_zero(struct vm_space *vs, struct pmap_root *root, pfn_t pfn, vaddr_t va, uint64_t old)
{
	uint64_t mark;
	if (pte_make_demand(pte_present_prot(old), &mark) < 0 || !pmap_replace(&vs->pmap, root, va, old, mark))
		return -1;
	swap_count(&swap_cnt.zero_drops);
	gone(vs, pfn);
	return 0;
}

/* drop_clean - the page is unchanged since it was read from its block: the PTE takes the
 * block back, nothing is written. */
static int drop_clean(struct vm_space *vs, struct pmap_root *root, pfn_t pfn, vaddr_t va, uint64_t old)
{
	struct frame *f = frame_get(pfn);
	uint64_t swp;
	if (pte_make_swap(f->swap_copy - 1, pte_present_prot(old), &swp) < 0 ||
	    !pmap_replace(&vs->pmap, root, va, old, swp))
		return -1;
	f->swap_copy = 0; /* the block belongs to the PTE now */
	swap_count(&swap_cnt.clean_drops);
	vm_count(&vs->cnt.clean_drops, 1);
	gone(vs, pfn);
	return 0;
}

/* prepare - look at victim @pfn of pinned space @vs: 0 when it went without I/O (a zero page
 * or a clean drop; unpinned), 1 when it needs a write (in transit, still pinned, *@v filled),
 * -1 when it is not mapped as the record says any more (unpinned). */
static int prepare(struct vm_space *vs, struct vm_tspace *ts, pfn_t pfn, struct victim *v)
{
	struct pmap_root *root = ts ? &ts->root : 0;
	struct frame *f = frame_get(pfn);
	vaddr_t va = frame_va(pfn);
	uint64_t old = pmap_entry(&vs->pmap, root, va, 0);
	int r = -1;
	if (!pte_is_present(old) || pte_pfn(old) != pfn)
		r = -1; /* the manager's view was stale */
	else if (pte_type(old) == PTE_TYPE_FILE) /* dropped, or written into its mapping's copy */
		r = filemap_evict(vs, ts, pfn, va, old) == 0 ? 0 : -1;
	else if (pte_type(old) != PTE_TYPE_NORMAL)
		r = -1;
	else if (!pte_is_dirty(old))
		r = f->swap_copy ? drop_clean(vs, root, pfn, va, old) : drop_zero(vs, root, pfn, va, old);
	else if (pmap_replace(&vs->pmap, root, va, old, pte_make_transit()))
		r = 1; /* nothing can change it under the write; a fault on it waits */
	if (r == 1) {
		if (f->swap_copy) { /* a stale copy: the page goes to a fresh block beside the others */
			swap_block_release(f->swap_copy - 1);
			f->swap_copy = 0;
			vm_count(&vs->cnt.swap_blocks, -1);
		}
		*v = (struct victim){ vs, root, pfn, va, old, 0 };
	} else {
		vm_owner_unpin(vs);
	}
	return r;
}

/* undo - the write failed: the page stays in RAM as it was, tracked again. */
static void undo(struct victim *v)
{
	pmap_replace(&v->vs->pmap, v->root, v->va, pte_make_transit(), v->old);
	pageusage_mapped(v->pfn, frame_owner(v->pfn), v->va);
	swap_block_release(v->block);
	vm_owner_unpin(v->vs);
}

/* commit - the page is in its block: the PTE gets the swap entry, the frame goes. */
static void commit(struct victim *v)
{
	uint64_t swp;
	vm_count(&v->vs->cnt.swap_blocks, 1);
	if (pte_make_swap(v->block, pte_present_prot(v->old), &swp) < 0 ||
	    !pmap_replace(&v->vs->pmap, v->root, v->va, pte_make_transit(), swp)) {
		/* released while it was written (vm waits for evictions before it changes a range,
		 * so only another CPU could): the block goes too */
		swap_block_release(v->block);
		vm_count(&v->vs->cnt.swap_blocks, -1);
	}
	swap_count(&swap_cnt.write_backs);
	vm_count(&v->vs->cnt.write_backs, 1);
	gone(v->vs, v->pfn);
	vm_owner_unpin(v->vs);
}

/* write_run - write victims @v[0..n) to blocks @b .. @b + n - 1 in one request (staged), or
 * one at a time from their frames when the staging buffer is in use. 0 or -QE_IO. */
static int write_run(struct victim *v, unsigned n, uint64_t b)
{
	if (skip_writes) /* the self-check's broken swap: the pages are lost */
		return 0;
	uint8_t *buf = n > 1 ? swap_stage_get() : 0;
	int err = 0;
	if (!buf) {
		for (unsigned i = 0; i < n && !err; i++)
			err = swap_io(b + i, 1, phys_to_virt(PFN_TO_PA(v[i].pfn)), true);
		return err;
	}
	for (unsigned i = 0; i < n; i++)
		memcpy(buf + i * PAGE_SIZE, phys_to_virt(PFN_TO_PA(v[i].pfn)), PAGE_SIZE);
	err = swap_io(b, n, buf, true);
	swap_stage_put();
	return err;
}

/* sort_victims - order @v[0..n) by owner and address, so that the pages of one region get
 * adjacent blocks in address order (what swap-in readahead looks for). */
static void sort_victims(struct victim *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct victim x = v[i];
		uint32_t ox = frame_owner(x.pfn);
		unsigned j = i;
		for (; j > 0; j--) {
			uint32_t oj = frame_owner(v[j - 1].pfn);
			if (oj < ox || (oj == ox && v[j - 1].va < x.va))
				break;
			v[j] = v[j - 1];
		}
		v[j] = x;
	}
}

/* write_victims - blocks for @v[0..n), in runs of adjacent ones, each run one request; then
 * every victim is committed or undone. Returns how many frames came free. */
static unsigned write_victims(struct victim *v, unsigned n)
{
	unsigned done = 0, freed = 0;
	sort_victims(v, n);
	while (done < n) {
		uint64_t b = 0;
		unsigned run = swap_blocks_alloc(n - done, &b);
		if (!run && swap_drop_clean_copies())
			run = swap_blocks_alloc(n - done, &b);
		if (!run)
			break;
		for (unsigned i = 0; i < run; i++)
			v[done + i].block = b + i;
		int err = write_run(v + done, run, b);
		for (unsigned i = 0; i < run; i++) {
			if (err) {
				undo(&v[done + i]);
			} else {
				commit(&v[done + i]);
				freed++;
			}
		}
		done += run;
		if (err)
			break;
	}
	for (; done < n; done++) { /* no block, or a write error: these stay in RAM */
		v[done].block = 0;
		pmap_replace(&v[done].vs->pmap, v[done].root, v[done].va, pte_make_transit(), v[done].old);
		pageusage_mapped(v[done].pfn, frame_owner(v[done].pfn), v[done].va);
		vm_owner_unpin(v[done].vs);
	}
	sched_wake_all(&swap_transit_wait);
	return freed;
}

int swap_evict_one(void)
{
	if (!swap_dev)
		return -1;
	might_sleep("swap_evict_one");
	struct victim v[SWAP_CLUSTER];
	unsigned n = 0, freed = 0;
	for (int tries = 0; n < SWAP_CLUSTER && tries < 2 * SWAP_CLUSTER; tries++) {
		pfn_t pfn = pageusage_pick();
		if (pfn == FRAME_NONE)
			break;
		struct vm_space *vs;
		struct vm_tspace *ts;
		if (vm_owner_pin(frame_owner(pfn), &vs, &ts) < 0)
			continue; /* its space is ending: the frame comes back with it */
		int r = prepare(vs, ts, pfn, &v[n]);
		if (r == 0)
			freed++;
		else if (r == 1)
			n++;
	}
	if (n)
		freed += write_victims(v, n);
	return freed ? 0 : -1;
}
