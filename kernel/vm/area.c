/*
 * area.c - changing what a range of an address space is: SYS_AREA's operations (demand,
 * lock, free, protect) and the loader's (anonymous and guard regions, pages filled from an
 * image). Each takes the space's mutex, waits for evictions of its pages under way, changes
 * the region list first (the only step that allocates records: it fails cleanly), then the
 * PTEs (pmap). QA_LOCK keeps what the pages hold.
 */
#include "arch/x86_64/layout.h"
#include "arch/x86_64/pte.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "panic.h"
#include "vm/vm.h"
#include "vm/vm_internal.h"

static int reserve_tables(struct vm_space *vs)
{
	return vm_reserve_tables(vs, VM_TABLE_RESERVE);
}

/* begin - lock @ts's space and wait until no eviction of its pages is under way. */
static struct vm_space *begin(struct vm_tspace *ts)
{
	struct vm_space *vs = ts->vs;
	mutex_lock(&vs->lock);
	vm_space_wait_io(vs);
	return vs;
}

/* marks - the not-present value a range of @kind gets: demand (anonymous), guard, none. */
static int marks(unsigned kind, unsigned prot, uint64_t *np)
{
	*np = 0;
	if (kind == VM_ANON || kind == VM_GRANT)
		return pte_make_demand(prot, np) < 0 ? -QE_INVAL : 0;
	if (kind == VM_GUARD)
		*np = pte_make_guard();
	return 0;
}

/* set_range - region and PTEs of [start, end) become @kind (0: nothing). Mutex held. */
static int set_range(struct vm_tspace *ts, vaddr_t start, vaddr_t end, unsigned kind, unsigned prot)
{
	struct vm_space *vs = ts->vs;
	uint64_t np;
	int err = marks(kind, prot, &np);
	if (!err)
		err = reserve_tables(vs);
	struct vm_region tmpl = { .kind = (uint8_t)kind, .prot = (uint8_t)prot };
	if (!err)
		err = region_replace(vm_regions_of(ts, start), &vm_region_alloc, start, end, kind ? &tmpl : 0,
				     vm_region_dropped, vs);
	if (err)
		return err;
	vs->tables_gen++; /* tables under the range may go: cached leaves are stale */
	err = pmap_range_np(&vs->pmap, &ts->root, start, end, np, vm_page_release, vs);
	KASSERT(err == 0, "range %lx-%lx: pmap_range_np failed (%d) after the table reserve", start, end, err);
	return 0;
}

int vm_map(struct vm_tspace *ts, vaddr_t start, vaddr_t end, unsigned kind, unsigned prot, bool populate)
{
	struct vm_space *vs = begin(ts);
	int err = set_range(ts, start, end, kind, prot);
	for (vaddr_t va = start; !err && populate && va < end; va += PAGE_SIZE) {
		uint64_t e;
		err = vm_page_in(ts, va, PTE_TYPE_NORMAL, &e);
	}
	mutex_unlock(&vs->lock);
	return err;
}

int vm_map_marked(struct vm_tspace *ts, vaddr_t start, vaddr_t end, unsigned kind, unsigned prot)
{
	struct vm_space *vs = begin(ts);
	struct vm_region tmpl = { .kind = (uint8_t)kind, .prot = (uint8_t)prot };
	int err = region_replace(vm_regions_of(ts, start), &vm_region_alloc, start, end, &tmpl,
				 vm_region_dropped, vs);
	mutex_unlock(&vs->lock);
	return err;
}

int vm_load_page(struct vm_tspace *ts, vaddr_t va, const void *src, size_t off, size_t n)
{
	struct vm_space *vs = begin(ts);
	uint64_t e;
	struct pmap_leaf leaf;
	int err = -QE_INVAL;
	struct vm_region *r = region_find(vm_regions_of(ts, va), va);
	if (r && off + n <= PAGE_SIZE && !(va & PAGE_MASK))
		err = vm_fault_entry(ts, va, &e, &leaf);
	if (!err && pte_np_kind(e, PTE_LEVEL_PT) != PTE_NP_DEMAND)
		err = pte_is_present(e) ? -QE_EXIST : -QE_INVAL;
	pfn_t pfn = err ? FRAME_NONE : vm_frame_alloc(vs);
	if (!err && pfn == FRAME_NONE)
		err = -QE_NOMEM;
	if (!err) { /* the page is whole before anyone can see it */
		uint8_t *p = phys_to_virt(PFN_TO_PA(pfn));
		memset(p, 0, PAGE_SIZE);
		memcpy(p + off, src, n);
		err = vm_page_map(ts, va, pfn, r->prot, PTE_TYPE_NORMAL, true, e, &leaf, 0); /* image bytes: dirty */
		if (err)
			frame_free(pfn);
	}
	mutex_unlock(&vs->lock);
	return err;
}

/* lock_page - make the page at @va present, locked, with its contents. Mutex held. */
static int lock_page(struct vm_tspace *ts, vaddr_t va, const struct vm_region *r)
{
	struct vm_space *vs = ts->vs;
	uint64_t e;
	int err;
	if (!r) { /* no memory there: a zeroed locked page */
		if ((err = vm_fault_entry(ts, va, &e, 0)) < 0)
			return err;
		pfn_t pfn = vm_frame_alloc(vs);
		if (pfn == FRAME_NONE)
			return -QE_NOMEM;
		memset(phys_to_virt(PFN_TO_PA(pfn)), 0, PAGE_SIZE);
		if ((err = vm_page_map(ts, va, pfn, PTE_PROT_RW, PTE_TYPE_LOCKED, false, e, 0, 0)) < 0)
			frame_free(pfn);
		return err;
	}
	if ((err = vm_page_in(ts, va, PTE_TYPE_LOCKED, &e)) < 0)
		return err;
	if (pte_type(e) == PTE_TYPE_LOCKED)
		return 0;
	pfn_t pfn = pte_pfn(e); /* an ordinary page that was there: it keeps its bytes */
	struct frame *f = frame_get(pfn);
	pageusage_freed(pfn);
	/* a locked page is never evicted: its copy is of no use, so it goes and the page is
	 * marked dirty (its bytes exist nowhere else: specs/swap.md "Zero pages") */
	uint64_t locked = pte_with_type(f->swap_copy ? pte_set_dirty(e) : e, PTE_TYPE_LOCKED);
	if (!pmap_replace(&vs->pmap, &ts->root, va, e, locked))
		panic("vm: page %lx changed while the space's mutex was held", va);
	if (f->swap_copy) {
		swap_block_release(f->swap_copy - 1);
		f->swap_copy = 0;
		vm_count(&vs->cnt.swap_blocks, -1);
	}
	return 0;
}

/* unlock_page - undo lock_page after a later page failed (@r: the region before the call). */
static void unlock_page(struct vm_tspace *ts, vaddr_t va, const struct vm_region *r)
{
	struct vm_space *vs = ts->vs;
	if (!r) { /* there was nothing: there is nothing again */
		vs->tables_gen++;
		pmap_range_np(&vs->pmap, &ts->root, va, va + PAGE_SIZE, 0, vm_page_release, vs);
		return;
	}
	uint64_t e = pmap_entry(&vs->pmap, &ts->root, va, 0);
	if (!pte_is_present(e) || pte_type(e) != PTE_TYPE_LOCKED)
		return;
	if (pmap_replace(&vs->pmap, &ts->root, va, e, pte_with_type(e, PTE_TYPE_NORMAL)))
		pageusage_mapped(pte_pfn(e), vm_page_owner(ts, va), va);
}

/*
 * lock_range - QA_LOCK: every page of [start, end) present and locked, keeping what each
 * held (in RAM or in swap). On failure nothing is locked and nothing is lost: pages the call
 * brought in stay as ordinary pages, pages it made where there was no region go again.
 */
static int lock_range(struct vm_tspace *ts, vaddr_t start, vaddr_t end, unsigned prot)
{
	struct region_list *l = vm_regions_of(ts, start);
	for (struct vm_region *r = region_first_in(l, start, end); r && r->start < end; r = r->next)
		if (r->kind == VM_GUARD || r->kind == VM_FILE)
			return -QE_INVAL;
	int err = reserve_tables(ts->vs);
	vaddr_t va = start;
	for (; !err && va < end; va += PAGE_SIZE) {
		struct vm_region *r = region_find(l, va);
		if (!r || r->kind != VM_LOCKED)
			err = lock_page(ts, va, r);
	}
	struct vm_region tmpl = { .kind = VM_LOCKED, .prot = (uint8_t)prot };
	if (!err)
		err = region_replace(l, &vm_region_alloc, start, end, &tmpl, vm_region_dropped, ts->vs);
	if (!err)
		return pmap_range_protect(&ts->vs->pmap, &ts->root, start, end, prot);
	for (vaddr_t u = start; u < va; u += PAGE_SIZE) {
		struct vm_region *r = region_find(l, u);
		if (!r || r->kind != VM_LOCKED)
			unlock_page(ts, u, r);
	}
	return err;
}

/* protect_range - QA_PROTECT: regions and pages of the range get @prot (gaps stay gaps). */
static int protect_range(struct vm_tspace *ts, vaddr_t start, vaddr_t end, unsigned prot)
{
	struct region_list *l = vm_regions_of(ts, start);
	for (struct vm_region *r = region_first_in(l, start, end); r && r->start < end; r = r->next)
		if (r->kind == VM_FILE)
			return -QE_PERM; /* a mapped file keeps the rights it was mapped with */
	int err = reserve_tables(ts->vs);
	if (!err)
		err = region_set_prot(l, &vm_region_alloc, start, end, prot);
	if (!err)
		err = pmap_range_protect(&ts->vs->pmap, &ts->root, start, end, prot);
	return err;
}

/* files_in - 1 when [start, end) overlaps a file mapping, -QE_INVAL when it holds part of
 * one (half a mapping cannot be freed, replaced or changed), 0 when it touches none. */
static int files_in(struct region_list *l, vaddr_t start, vaddr_t end)
{
	int any = 0;
	for (struct vm_region *r = region_first_in(l, start, end); r && r->start < end; r = r->next) {
		if (r->kind != VM_FILE)
			continue;
		if (r->start < start || r->end > end)
			return -QE_INVAL;
		any = 1;
	}
	return any;
}

/* free_range - QA_FREE: every file mapping wholly inside is unmapped first (a read/write one
 * commits: the last new version is returned), then the range is emptied. A failed commit
 * stops there with its error: the mappings before it are gone, the rest is unchanged. */
static int64_t free_range(struct vm_tspace *ts, vaddr_t start, vaddr_t end)
{
	struct vm_space *vs = ts->vs;
	struct region_list *l = vm_regions_of(ts, start);
	int err = files_in(l, start, end);
	if (err < 0)
		return err;
	int64_t version = 0;
	for (;;) {
		struct vm_region *r = region_first_in(l, start, end);
		while (r && r->start < end && r->kind != VM_FILE)
			r = r->next;
		if (!r || r->start >= end)
			break;
		int64_t v = filemap_unmap_locked(vs, start < vs->boundary ? 0 : &ts->root, l, r, false);
		if (v < 0)
			return v;
		if (v > 0)
			version = v;
	}
	err = set_range(ts, start, end, 0, 0);
	return err ? err : version;
}

int64_t vm_area(struct vm_tspace *ts, uint64_t op, uint64_t addr, uint64_t len, uint64_t prot)
{
	if ((addr | len) & PAGE_MASK || len == 0 || prot > PTE_PROT_RX || op < VM_AREA_DEMAND || op > VM_AREA_PROTECT)
		return -QE_INVAL;
	if (addr < USER_SPACE_LOW || addr >= USER_SPACE_END || len > USER_SPACE_END - addr)
		return -QE_FAULT; /* the low 4 MiB, kernel, non-canonical, past the top, wrapping */
	vaddr_t end = addr + len, b = ts->vs->boundary;
	if (addr < b && end > b)
		return -QE_INVAL; /* one area is process space or thread space, not both */
	struct vm_space *vs = begin(ts);
	int64_t err;
	switch (op) {
	case VM_AREA_DEMAND:
		err = files_in(vm_regions_of(ts, addr), addr, end) ? -QE_INVAL /* unmap it first */
								  : set_range(ts, addr, end, VM_ANON, (unsigned)prot);
		break;
	case VM_AREA_LOCK: err = lock_range(ts, addr, end, (unsigned)prot); break;
	case VM_AREA_FREE: err = free_range(ts, addr, end); break;
	default: err = protect_range(ts, addr, end, (unsigned)prot); break;
	}
	mutex_unlock(&vs->lock);
	return err;
}
