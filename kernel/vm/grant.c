/*
 * grant.c - pages that move from one address space to another (a message grant, L4's
 * "grant"): taken out of the sender's process space under its mutex into a kernel-held
 * struct vm_grant, then installed under the receiver's mutex. The two mutexes are never
 * held at once (specs/concurrency.md). Frames move, they are never shared: each frame
 * record gets its new owner and address, swapped-out pages move as their swap entries,
 * locked pages stay locked. The format and limits: specs/messages.md.
 */
#include "arch/x86_64/layout.h"
#include "arch/x86_64/pte.h"
#include "mm/frame.h"
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "panic.h"
#include "vm/vm.h"
#include "vm/vm_internal.h"

_Static_assert(VM_GRANT_PER_PAGE * sizeof(uint64_t) == PAGE_SIZE, "a frame of entries");
_Static_assert(VM_GRANT_DIR * VM_GRANT_PER_PAGE * PAGE_SIZE == VM_GRANT_MAX_BYTES, "entries for the largest grant");

void *vm_kpage_alloc(void)
{
	for (int i = 0; i < 400; i++) {
		pfn_t pfn = frame_alloc(FRAME_KERNEL);
		if (pfn != FRAME_NONE) {
			void *p = phys_to_virt(PFN_TO_PA(pfn));
			memset(p, 0, PAGE_SIZE);
			return p;
		}
		if (vm_reclaim(0) < 0)
			return 0;
	}
	return 0;
}

void vm_kpage_free(void *p)
{
	if (p)
		frame_free(PA_TO_PFN(virt_to_phys_direct(p)));
}

static void grant_free(struct vm_grant *g)
{
	for (unsigned k = 0; k < VM_GRANT_DIR; k++)
		vm_kpage_free(g->dir[k]);
	kfree(g);
}

/* grant_alloc - an empty grant of @npages (entries all 0). NULL when memory is full. May sleep. */
static struct vm_grant *grant_alloc(uint64_t npages)
{
	struct vm_grant *g = vm_reserve_frames(0, 2) < 0 ? 0 : kzalloc(sizeof *g);
	if (!g)
		return 0;
	g->npages = npages;
	for (uint64_t k = 0; k * VM_GRANT_PER_PAGE < npages; k++) {
		if (!(g->dir[k] = vm_kpage_alloc())) {
			grant_free(g);
			return 0;
		}
	}
	return g;
}

/* check_range - a grant's range: user space (else -QE_FAULT), page-aligned, not empty, at
 * most VM_GRANT_MAX_BYTES, wholly in process space (else -QE_INVAL). */
static int check_range(const struct vm_space *vs, vaddr_t va, uint64_t len)
{
	if (va < USER_SPACE_LOW || va >= USER_SPACE_END || len > USER_SPACE_END - va)
		return -QE_FAULT;
	if ((va | len) & PAGE_MASK || len == 0 || len > VM_GRANT_MAX_BYTES || va + len > vs->boundary)
		return -QE_INVAL;
	return 0;
}

/* check_regions - [start, end) lies wholly in anonymous, locked or granted regions. */
static int check_regions(struct region_list *l, vaddr_t start, vaddr_t end)
{
	if (!region_covered(l, start, end))
		return -QE_FAULT;
	for (struct vm_region *r = region_first_in(l, start, end); r && r->start < end; r = r->next)
		if (r->kind != VM_ANON && r->kind != VM_LOCKED && r->kind != VM_GRANT)
			return -QE_INVAL;
	return 0;
}

static struct vm_grant_counters counters; /* atomic adds */

struct collect {
	struct vm_grant *g;
	struct vm_space *vs;
	vaddr_t start;
};

/*
 * collect_page - pmap release callback: the leaf @e at @va leaves its space into the grant.
 * A frame is untracked and unmapped (its record keeps the clean copy), a swap entry keeps
 * its block; both leave the space's counters. A demand mark (a zero page) holds nothing
 * and leaves its slot in the grant as it was. Runs under the pmap lock; never sleeps.
 */
static void collect_page(uint64_t e, vaddr_t va, void *ctx)
{
	struct collect *c = ctx;
	uint64_t i = (va - c->start) >> PAGE_SHIFT;
	if (pte_is_present(e)) {
		pfn_t pfn = pte_pfn(e);
		KASSERT(frame_state(pfn) == FRAME_USER && (pte_type(e) == PTE_TYPE_NORMAL || pte_type(e) == PTE_TYPE_LOCKED),
			"grant: page %lx maps frame %lx (state %d, type %u)", va, pfn, frame_state(pfn), pte_type(e));
		pageusage_freed(pfn);
		frame_clear_mapping(pfn);
		vm_count(&c->vs->cnt.frames, -1);
		if (frame_get(pfn)->swap_copy)
			vm_count(&c->vs->cnt.swap_blocks, -1);
	} else if (pte_swap_block(e) != PTE_SWAP_NONE) {
		vm_count(&c->vs->cnt.swap_blocks, -1);
	} else {
		KASSERT(pte_np_kind(e, PTE_LEVEL_PT) == PTE_NP_DEMAND, "grant: page %lx holds entry %lx", va, e);
		return;
	}
	*vm_grant_entry(c->g, i) = e;
}

/* move_out - the PTEs of [va, va + size of @g) go into @g; the range becomes empty. The
 * mutex is held and vm_reserve_tables succeeded: nothing sleeps, nothing fails. */
static void move_out(struct vm_tspace *ts, vaddr_t va, struct vm_grant *g, uint64_t np)
{
	struct vm_space *vs = ts->vs;
	struct collect c = { g, vs, va };
	vs->tables_gen++;
	int err = pmap_range_np(&vs->pmap, &ts->root, va, va + (g->npages << PAGE_SHIFT), np, collect_page, &c);
	KASSERT(err == 0, "grant: taking %lx (%lu pages) failed (%d) after the table reserve", va, g->npages, err);
}

static void count_pages(struct vm_grant *g)
{
	for (uint64_t i = 0; i < g->npages; i++) {
		uint64_t e = *vm_grant_entry(g, i);
		if (pte_is_present(e)) {
			g->resident++;
			g->locked += pte_type(e) == PTE_TYPE_LOCKED;
		} else if (e) {
			g->swapped++;
		}
	}
}

int vm_grant_take(struct vm_tspace *ts, vaddr_t va, uint64_t len, struct vm_grant **out)
{
	struct vm_space *vs = ts->vs;
	int err = check_range(vs, va, len);
	if (err)
		return err;
	struct vm_grant *g = grant_alloc(len >> PAGE_SHIFT);
	if (!g)
		return -QE_NOMEM;
	mutex_lock(&vs->lock);
	err = check_regions(&vs->regions, va, va + len);
	if (!err)
		err = vm_reserve_tables(vs, VM_TABLE_RESERVE);
	if (!err) /* the only step that allocates: a failure leaves everything as it was */
		err = region_replace(&vs->regions, &vm_region_alloc, va, va + len, 0, vm_region_dropped, vs);
	if (!err)
		move_out(ts, va, g, 0);
	mutex_unlock(&vs->lock);
	if (err) {
		grant_free(g);
		return err;
	}
	count_pages(g);
	vm_count(&counters.grants, 1);
	vm_count(&counters.pages, (int64_t)g->npages);
	vm_count(&counters.resident, (int64_t)g->resident);
	vm_count(&counters.swapped, (int64_t)g->swapped);
	vm_count(&counters.locked, (int64_t)g->locked);
	*out = g;
	return 0;
}

/* place_page - the grant's entry @e becomes the page at @va (a demand mark now) of @ts's
 * process: a frame is mapped there (its record names its new owner), a swap entry is
 * stored. The mutex is held. 0 or -QE_NOMEM (page tables). May sleep (reclaim). */
static int place_page(struct vm_tspace *ts, vaddr_t va, uint64_t e)
{
	struct vm_space *vs = ts->vs;
	uint64_t cur, swp;
	struct pmap_leaf leaf;
	int err = vm_fault_entry(ts, va, &cur, &leaf);
	if (err)
		return err;
	if (pte_is_present(e)) {
		pfn_t pfn = pte_pfn(e);
		err = vm_page_map(ts, va, pfn, PTE_PROT_RW, pte_type(e), pte_is_dirty(e), cur, &leaf, 0);
		if (!err && frame_get(pfn)->swap_copy)
			vm_count(&vs->cnt.swap_blocks, 1);
		return err;
	}
	if (pte_make_swap(pte_swap_block(e), PTE_PROT_RW, &swp) < 0 || !pmap_replace(&vs->pmap, &ts->root, va, cur, swp))
		panic("grant: page %lx: entry %lx changed while the space's mutex was held", va, cur);
	vm_count(&vs->cnt.swap_blocks, 1);
	return 0;
}

/*
 * undo_install - a page could not be placed (no memory for page tables): every page placed
 * so far goes back into @g (evictions of them are waited for first; they may be swap
 * entries by now), and the region goes. Should the region record not be cut (no memory
 * for it), the range stays granted and reads as zeros. The mutex is held.
 */
static void undo_install(struct vm_tspace *ts, vaddr_t va, struct vm_grant *g)
{
	struct vm_space *vs = ts->vs;
	vaddr_t end = va + (g->npages << PAGE_SHIFT);
	uint64_t np = 0;
	vm_space_wait_io(vs);
	if (region_replace(&vs->regions, &vm_region_alloc, va, end, 0, vm_region_dropped, vs) < 0)
		pte_make_demand(PTE_PROT_RW, &np);
	move_out(ts, va, g, np);
}

int vm_grant_install(struct vm_tspace *ts, vaddr_t va, struct vm_grant *g)
{
	struct vm_space *vs = ts->vs;
	uint64_t len = g->npages << PAGE_SHIFT, mark;
	int err = check_range(vs, va, len);
	if (err)
		return err;
	struct vm_region tmpl = { .kind = VM_GRANT, .prot = PTE_PROT_RW };
	pte_make_demand(PTE_PROT_RW, &mark);
	mutex_lock(&vs->lock);
	if (region_first_in(&vs->regions, va, va + len))
		err = -QE_EXIST;
	if (!err)
		err = vm_reserve_tables(vs, VM_TABLE_RESERVE);
	if (!err)
		err = region_replace(&vs->regions, &vm_region_alloc, va, va + len, &tmpl, vm_region_dropped, vs);
	if (!err) { /* zero pages everywhere first (whole 2 MiB areas in one mark), then the rest */
		vs->tables_gen++;
		err = pmap_range_np(&vs->pmap, &ts->root, va, va + len, mark, vm_page_release, vs);
		KASSERT(err == 0, "grant: marking %lx (%lu pages) failed (%d) after the table reserve", va, g->npages, err);
		for (uint64_t i = 0; !err && i < g->npages; i++) {
			uint64_t *e = vm_grant_entry(g, i);
			if (*e && (err = place_page(ts, va + (i << PAGE_SHIFT), *e)) == 0)
				*e = 0; /* it belongs to the space now */
		}
		if (err)
			undo_install(ts, va, g);
	}
	mutex_unlock(&vs->lock);
	if (!err)
		grant_free(g);
	return err;
}

void vm_grant_release(struct vm_grant *g)
{
	for (uint64_t i = 0; i < g->npages; i++) {
		uint64_t e = *vm_grant_entry(g, i);
		if (pte_is_present(e)) {
			pfn_t pfn = pte_pfn(e);
			struct frame *f = frame_get(pfn);
			if (f->swap_copy)
				swap_block_release(f->swap_copy - 1);
			f->swap_copy = 0;
			frame_free(pfn);
		} else if (e) {
			swap_block_release(pte_swap_block(e));
		}
	}
	grant_free(g);
}

uint64_t vm_grant_bytes(const struct vm_grant *g)
{
	return g->npages << PAGE_SHIFT;
}

void vm_grant_counters_get(struct vm_grant_counters *out)
{
	out->grants = __atomic_load_n(&counters.grants, __ATOMIC_RELAXED);
	out->pages = __atomic_load_n(&counters.pages, __ATOMIC_RELAXED);
	out->resident = __atomic_load_n(&counters.resident, __ATOMIC_RELAXED);
	out->swapped = __atomic_load_n(&counters.swapped, __ATOMIC_RELAXED);
	out->locked = __atomic_load_n(&counters.locked, __ATOMIC_RELAXED);
}
