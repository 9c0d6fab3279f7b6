/*
 * page.c - single user pages: getting a frame (evicting, and as a last resort killing the
 * largest process), installing it as some page's one mapping, bringing a page in (demand
 * zero or swap), and giving a page's frame, clean copy or swap block back when it leaves.
 * The PTE is the record of each page; the frame record holds its one mapping (owner, va)
 * and its clean swap copy. Locks: specs/concurrency.md (the space's mutex is held by the
 * callers of vm_page_in; nothing here holds a spinlock across a sleep).
 */
#include "arch/x86_64/layout.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/spinlock.h"
#include "console.h"
#include "lib/kfmt.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "panic.h"
#include "vm/swap.h"
#include "vm/vm.h"
#include "vm/vm_internal.h"

/*
 * The pool of zeroed frames: while some process exists and memory is plentiful, the idle
 * loop takes free frames, zeroes them and keeps up to PREZERO_MAX here (FRAME_USER, mapped
 * nowhere); a demand-zero fault takes one instead of zeroing on its own path. The pool is
 * given back when memory is wanted (vm_reclaim) and when the last address space goes.
 * Lock legend: prezero[] and nprezero under prezero_lock; prezero_used is atomic.
 */
#define PREZERO_MAX 256
#define PREZERO_FREE_MIN (4 * PREZERO_MAX + 256) /* fill only while more frames are free */
static struct spinlock prezero_lock = SPINLOCK_INIT("prezero", RANK_PREZERO);
static pfn_t prezero[PREZERO_MAX];
static unsigned nprezero;
static uint64_t prezero_used;

/* `debug.leak_frame` on the command line: the first user frame released is never given
 * back, so the scenario runner's leak check can be shown to catch a leak. */
static bool leak_one;
static void (*oom_kill)(void *proc, const char *why);

void vm_page_set_debug(bool leak_frame)
{
	leak_one = leak_frame;
}

/* prezero_take - a zeroed frame from the pool, or FRAME_NONE. Never sleeps. */
static pfn_t prezero_take(void)
{
	pfn_t pfn = FRAME_NONE;
	if (!__atomic_load_n(&nprezero, __ATOMIC_RELAXED))
		return FRAME_NONE; /* (a peek: the lock decides) */
	spin_lock(&prezero_lock);
	if (nprezero)
		pfn = prezero[--nprezero];
	spin_unlock(&prezero_lock);
	return pfn;
}

bool vm_prezero_fill(void)
{
	if (nprezero >= PREZERO_MAX || !vm_space_count() || frame_free_count() < PREZERO_FREE_MIN)
		return false;
	pfn_t pfn = frame_alloc(FRAME_USER);
	if (pfn == FRAME_NONE)
		return false;
	memset(phys_to_virt(PFN_TO_PA(pfn)), 0, PAGE_SIZE);
	spin_lock(&prezero_lock);
	if (nprezero < PREZERO_MAX) {
		prezero[nprezero++] = pfn;
		pfn = FRAME_NONE;
	}
	spin_unlock(&prezero_lock);
	if (pfn != FRAME_NONE)
		frame_free(pfn);
	return true;
}

unsigned vm_prezero_drain(void)
{
	unsigned n = 0;
	for (pfn_t pfn; (pfn = prezero_take()) != FRAME_NONE; n++)
		frame_free(pfn);
	return n;
}

void vm_prezero_stats(uint64_t *pool, uint64_t *used)
{
	*pool = nprezero;
	*used = __atomic_load_n(&prezero_used, __ATOMIC_RELAXED);
}

uint64_t vm_free_frames(void)
{
	return frame_free_count() + nprezero;
}

void vm_set_oom_killer(void (*kill)(void *proc, const char *why))
{
	oom_kill = kill;
}

void vm_page_release(uint64_t entry, vaddr_t va, void *ctx)
{
	struct vm_space *vs = ctx;
	if (!pte_is_present(entry)) {
		uint64_t b = pte_swap_block(entry);
		if (b != PTE_SWAP_NONE) { /* a page in swap: its block goes back */
			swap_block_release(b);
			vm_count(&vs->cnt.swap_blocks, -1);
		}
		return; /* demand, guard, file and transit entries hold nothing here */
	}
	pfn_t pfn = pte_pfn(entry);
	if (frame_state(pfn) != FRAME_USER)
		panic("vm: user page at %lx maps frame %lx in state %s", va, pfn, frame_state_name(frame_state(pfn)));
	pageusage_freed(pfn);
	struct frame *f = frame_get(pfn);
	if (f->swap_copy) {
		swap_block_release(f->swap_copy - 1);
		f->swap_copy = 0;
		vm_count(&vs->cnt.swap_blocks, -1);
	}
	frame_clear_mapping(pfn);
	vm_count(&vs->cnt.frames, -1);
	if (leak_one) {
		leak_one = false;
		kprintf("vm: debug.leak_frame: leaking frame %lx on purpose\n", pfn);
		return;
	}
	frame_free(pfn);
}

/* oom_make_room - RAM (and swap) are full: true when waiting may help (a process is ending,
 * or the largest other one was just killed); false when @me should fail its allocation. */
static bool oom_make_room(struct vm_space *me)
{
	if (!swap_enabled() || !oom_kill)
		return false;
	if (vm_space_any_exiting())
		return true; /* memory is on its way back */
	struct vm_space *big = vm_space_largest();
	if (!big)
		return false;
	if (big == me) {
		vm_owner_unpin(big);
		return false;
	}
	char why[112];
	kfmt_snprintf(why, sizeof why,
		      "out of memory and swap: the largest process (%lu frames, %lu swap blocks, %lu page tables)",
		      big->cnt.frames, big->cnt.swap_blocks, pmap_table_pages(&big->pmap));
	oom_kill(big->proc, why);
	vm_owner_unpin(big);
	return true;
}

/* tables_hog - @vs holds page tables for more than half of the usable frames. Page tables
 * cannot be evicted: evicting pages for such a process only makes room for more tables, and
 * once its own code and stack are the only pages left to evict it thrashes on them without
 * end (issue 17: the page-table hog). Such a process gets the out-of-memory choice instead.
 * No ordinary program comes near: a fully touched 1 GiB area needs 0.2 % of it in tables. */
static bool tables_hog(struct vm_space *vs)
{
	static uint64_t usable; /* constant after boot */
	if (!vs)
		return false;
	if (!usable) {
		struct frame_stats fs;
		frame_stats(&fs);
		usable = fs.nframes - fs.by_state[FRAME_ABSENT] - fs.by_state[FRAME_RESERVED];
	}
	return pmap_table_pages(&vs->pmap) * 2 > usable;
}

int vm_reclaim(struct vm_space *vs)
{
	might_sleep("vm_reclaim");
	if (vs && vs->exiting)
		return -QE_NOMEM; /* it is ending: its memory is about to come back anyway */
	if (vm_prezero_drain())
		return 0; /* zeroed frames are free memory too */
	if (!tables_hog(vs) && swap_evict_one() == 0)
		return 0;
	if (!oom_make_room(vs))
		return -QE_NOMEM;
	sched_sleep_ticks(1); /* let the dying process run its exit and free its memory */
	return 0;
}

int vm_reserve_frames(struct vm_space *vs, unsigned n)
{
	/* The frames are taken as they come free and held until there are @n, then all given
	 * back at once: a process faulting at the same time cannot take them one by one
	 * (the free count would never reach @n), and on one CPU nobody runs between the
	 * return and the caller's allocations, which do not sleep. */
	if (frame_free_count() >= n)
		return 0; /* already there: no frame needs to move (most calls) */
	pfn_t stash = FRAME_NONE;
	unsigned held = 0, tries = 0;
	int err = 0;
	while (held < n) {
		pfn_t pfn = frame_alloc(FRAME_KERNEL);
		if (pfn != FRAME_NONE) {
			*(pfn_t *)phys_to_virt(PFN_TO_PA(pfn)) = stash;
			stash = pfn;
			held++;
		} else if (tries++ == 256 + n || vm_reclaim(vs) < 0) {
			err = -QE_NOMEM;
			break;
		}
	}
	while (stash != FRAME_NONE) {
		pfn_t next = *(pfn_t *)phys_to_virt(PFN_TO_PA(stash));
		frame_free(stash);
		stash = next;
	}
	return err;
}

int vm_reserve_tables(struct vm_space *vs, unsigned n)
{
	for (int i = 0; i < 256 + (int)n; i++) {
		if (frame_free_count() < n) {
			if (vm_reclaim(vs) < 0)
				return -QE_NOMEM;
		} else if (vm_space_io_busy(vs)) {
			vm_space_wait_io(vs); /* an eviction that started while we slept */
		} else {
			return 0; /* both hold, and nothing slept since they were checked */
		}
	}
	return -QE_NOMEM;
}

pfn_t vm_frame_alloc(struct vm_space *vs)
{
	for (int i = 0; i < 400; i++) {
		pfn_t pfn = frame_alloc(FRAME_USER);
		if (pfn != FRAME_NONE)
			return pfn; /* (the sleeping path below checks might_sleep in vm_reclaim) */
		if (vm_reclaim(vs) < 0)
			return FRAME_NONE;
	}
	return FRAME_NONE;
}

int vm_page_map(struct vm_tspace *ts, vaddr_t va, pfn_t pfn, unsigned prot, unsigned type, bool dirty,
		uint64_t expect, const struct pmap_leaf *leaf, uint64_t *installed)
{
	struct vm_space *vs = ts->vs;
	uint32_t owner = vm_page_owner(ts, va);
	uint64_t flags, e;
	if (pte_prot_flags(prot, true, &flags) < 0 ||
	    pte_make_present(PFN_TO_PA(pfn), flags | (dirty ? PTE_D : 0), type, &e) < 0)
		return -QE_INVAL;
	frame_set_mapping(pfn, owner, va); /* before the PTE makes it reachable */
	int err = leaf && leaf->table ? pmap_leaf_install(leaf, expect, e) : -QE_NOMEM;
	while (err == -QE_NOMEM) { /* no slot yet: a walk that makes tables, reclaiming for them */
		err = pmap_enter(&vs->pmap, &ts->root, va, PFN_TO_PA(pfn), prot, type, dirty, expect);
		if (err == -QE_NOMEM && vm_reclaim(vs) < 0)
			break;
	}
	if (err) {
		frame_clear_mapping(pfn);
		return err;
	}
	if (installed)
		*installed = e;
	vm_count(&vs->cnt.frames, 1);
	if (type == PTE_TYPE_NORMAL || type == PTE_TYPE_FILE)
		pageusage_mapped(pfn, owner, va);
	return 0;
}

int vm_fault_entry(struct vm_tspace *ts, vaddr_t va, uint64_t *entry, struct pmap_leaf *leaf)
{
	for (;;) {
		int err = pmap_fault_entry(&ts->vs->pmap, &ts->root, va, entry, leaf);
		if (err != -QE_NOMEM)
			return err;
		if (vm_reclaim(ts->vs) < 0)
			return -QE_NOMEM;
	}
}

/* is_demand - @e is a page-level demand entry (pte.h's encoding, compared whole). */
static inline bool is_demand(uint64_t e)
{
	uint64_t m;
	return pte_make_demand(pte_np_prot(e), &m) == 0 && m == e;
}

/* page_in_zero - a zeroed frame for the demand entry *@e at @va (its slot: @leaf). */
static int page_in_zero(struct vm_tspace *ts, vaddr_t va, unsigned type, uint64_t *e,
			const struct pmap_leaf *leaf)
{
	pfn_t pfn = prezero_take(); /* zeroed in idle time, if there was some */
	if (pfn != FRAME_NONE) {
		__atomic_fetch_add(&prezero_used, 1, __ATOMIC_RELAXED);
	} else {
		pfn = vm_frame_alloc(ts->vs);
		if (pfn == FRAME_NONE)
			return -QE_NOMEM;
		memset(phys_to_virt(PFN_TO_PA(pfn)), 0, PAGE_SIZE);
	}
	int err = vm_page_map(ts, va, pfn, pte_np_prot(*e), type, false, *e, leaf, e);
	if (err) {
		frame_free(pfn);
		return err;
	}
	vm_count(&ts->vs->cnt.demand_zero, 1);
	return 0;
}

/* readahead_run - how many pages from @va on (@va's included, at most SWAP_CLUSTER) hold the
 * swap entries of the blocks that follow @e's, in @va's page table and region (pages written
 * out together, in one cluster, sit in adjacent blocks); @ents gets their entries. */
static unsigned readahead_run(struct vm_tspace *ts, vaddr_t va, uint64_t e, const struct pmap_leaf *leaf,
			      uint64_t *ents)
{
	struct vm_region *r = region_find(vm_regions_of(ts, va), va);
	uint64_t b = pte_swap_block(e);
	unsigned n = 1;
	ents[0] = e;
	for (; n < swap_readahead_max && r; n++) {
		struct pmap_leaf next = { leaf->table, va + n * PAGE_SIZE, leaf->sum };
		if (next.va >= r->end || (next.va >> 21) != (va >> 21)) /* another region, another table */
			break;
		ents[n] = pmap_leaf_entry(&next);
		if (pte_swap_block(ents[n]) != b + n)
			break;
	}
	return n;
}

/* map_ahead - map a page read ahead (@pfn holds the block of swap entry @ent at @va), as an
 * ordinary clean page the manager has not seen used; if its entry changed, the frame goes
 * (the block still belongs to the entry). */
static void map_ahead(struct vm_tspace *ts, vaddr_t va, uint64_t ent, const struct pmap_leaf *leaf, pfn_t pfn)
{
	struct pmap_leaf at = { leaf->table, va, leaf->sum };
	if (vm_page_map(ts, va, pfn, pte_np_prot(ent), PTE_TYPE_NORMAL, false, ent, &at, 0) < 0) {
		frame_get(pfn)->swap_copy = 0;
		frame_free(pfn);
		return;
	}
	vm_count(&ts->vs->cnt.swap_ins, 1);
	swap_count_in();
	swap_count_readahead();
}

/* page_in_swap - read the swap entry *@e at @va back, with the pages after it whose blocks
 * follow (NORMAL pages only); a NORMAL page keeps the block as its clean copy, a LOCKED one
 * (never evicted) gives it back. */
static int page_in_swap(struct vm_tspace *ts, vaddr_t va, unsigned type, uint64_t *e,
			const struct pmap_leaf *leaf)
{
	struct vm_space *vs = ts->vs;
	uint64_t ents[SWAP_CLUSTER];
	pfn_t pfns[SWAP_CLUSTER];
	unsigned want = 1;
	if (type == PTE_TYPE_NORMAL && leaf && leaf->table)
		want = readahead_run(ts, va, *e, leaf, ents);
	/* a fault right after the pages read ahead last time: the reads are sequential, and
	 * pages may be evicted to make room for the next run */
	int got = swap_in_frames(vs, pte_swap_block(*e), want, va == ts->ra_next, pfns);
	if (got < 0)
		return got;
	ts->ra_next = va + (vaddr_t)got * PAGE_SIZE;
	struct frame *f = frame_get(pfns[0]);
	/* a locked page gives its copy up: it is marked dirty, as its bytes exist nowhere else */
	int err = vm_page_map(ts, va, pfns[0], pte_np_prot(*e), type, type != PTE_TYPE_NORMAL, *e, leaf, e);
	for (int i = 1; i < got; i++) {
		if (err) {
			frame_get(pfns[i])->swap_copy = 0;
			frame_free(pfns[i]);
		} else {
			map_ahead(ts, va + (vaddr_t)i * PAGE_SIZE, ents[i], leaf, pfns[i]);
		}
	}
	if (err) {
		f->swap_copy = 0; /* the block still belongs to the PTE */
		frame_free(pfns[0]);
		return err;
	}
	if (type != PTE_TYPE_NORMAL) {
		swap_block_release(f->swap_copy - 1);
		f->swap_copy = 0;
		vm_count(&vs->cnt.swap_blocks, -1);
	}
	vm_count(&vs->cnt.swap_ins, 1);
	swap_count_in();
	return 0;
}

/* lookup - the page-level entry of @va and its slot: from the page table the thread's last
 * fault used when @va is in the same 2 MiB and no table can have gone since (saves a walk
 * of the tables on a run of faults), else from a walk. The space's mutex is held. */
static int lookup(struct vm_tspace *ts, vaddr_t va, uint64_t *e, struct pmap_leaf *leaf)
{
	struct pmap_leaf *last = &ts->last_leaf;
	if (last->table && ts->last_leaf_gen == ts->vs->tables_gen && (last->va >> 21) == (va >> 21)) {
		*leaf = *last;
		leaf->va = va;
		*e = pmap_leaf_entry(leaf);
		return 0;
	}
	int err = vm_fault_entry(ts, va, e, leaf);
	if (!err && leaf->table) {
		*last = *leaf;
		ts->last_leaf_gen = ts->vs->tables_gen;
	}
	return err;
}

int vm_page_in(struct vm_tspace *ts, vaddr_t va, unsigned type, uint64_t *e)
{
	va = PAGE_ALIGN_DOWN(va);
	for (;;) {
		struct pmap_leaf leaf;
		int err = lookup(ts, va, e, &leaf);
		if (err || pte_is_present(*e))
			return err;
		if (is_demand(*e)) { /* the common case, told apart before the full decode */
			err = page_in_zero(ts, va, type, e, &leaf);
			if (err != -QE_AGAIN)
				return err;
			continue;
		}
		switch (pte_np_kind(*e, PTE_LEVEL_PT)) {
		case PTE_NP_DEMAND: err = page_in_zero(ts, va, type, e, &leaf); break;
		case PTE_NP_SWAP: err = page_in_swap(ts, va, type, e, &leaf); break;
		case PTE_NP_TRANSIT: swap_wait_transit(); continue; /* then look again */
		default: return -QE_FAULT; /* none, guard, file: not a page vm can make here */
		}
		if (err != -QE_AGAIN)
			return err; /* mapped (*e is the new entry), or failed */
	}
}
