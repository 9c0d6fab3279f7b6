/*
 * pmap_range.c - operations on ranges of user address space, where the page-table entries
 * are the record (design brief §3): whole aligned 2 MiB / 1 GiB / 512 GiB areas are marked
 * in the upper-level entry in O(1); a partly covered area is split one level down. Leaves
 * leaving a range are handed to a release callback (frames, swap blocks), so this file
 * never decides what a page's memory is. Each function holds the pmap lock throughout.
 */
#include "pmap.h"

#include "layout.h"
#include "panic.h"
#include "pmap_internal.h"
#include "pte.h"

struct range_op {
	struct pmap *pm;
	struct pmap_root *r;
	uint64_t np;            /* the value to store (set) */
	unsigned prot;          /* the protection to apply (protect) */
	pmap_release_fn release;
	void *ctx;
	uint64_t present, swapped; /* (count) */
	uint8_t np_ok;          /* bit L: np may be stored at level L (pte_check, once per call) */
	bool create;            /* may the walk make a missing process-space PDPT */
};

/* One entry's share of a range walk: entry @i covers [ebase, ebase + size); the walk covers [a, e) of it. */
struct span {
	unsigned i;
	vaddr_t ebase, e;
	bool full;
};

/* span_at - the entry of the table at @level (mapping from @base) that holds @a, cut at @end. */
static struct span span_at(vaddr_t a, vaddr_t end, vaddr_t base, unsigned level)
{
	struct span sp;
	uint64_t size = LEVEL_SIZE(level);
	sp.i = (unsigned)IDX(a, level);
	sp.ebase = base + sp.i * size;
	vaddr_t eend = sp.ebase + size;
	sp.e = end < eend ? end : eend;
	sp.full = a == sp.ebase && sp.e == eend;
	return sp;
}

/* holds - a page-level entry that holds memory: a present page or a swap block (the only
 * leaves the release callback is given; demand, guard, file and transit entries hold none). */
static bool holds(uint64_t e)
{
	return pte_is_present(e) || pte_swap_block(e) != PTE_SWAP_NONE;
}

/* release_tree - hand every leaf holding memory under the table at @pa to the callback, free
 * the tables. Runs of one value that holds nothing are stepped over by pmap_scan_ne. */
static void release_tree(paddr_t pa, unsigned level, vaddr_t base, struct range_op *op)
{
	uint64_t *t = pmap_table_va(pa);
	for (unsigned i = 0; i < 512;) {
		uint64_t e = t[i];
		vaddr_t va = base + i * LEVEL_SIZE(level);
		if (level == PTE_LEVEL_PT && holds(e)) {
			if (op->release)
				op->release(e, va, op->ctx);
			i++;
		} else if (level != PTE_LEVEL_PT && pte_is_present(e)) {
			release_tree(pte_pa(e), level - 1, va, op);
			i++;
		} else {
			i = pmap_scan_ne(t, i + 1, 512, e);
		}
	}
	pmap_free_table(pa);
	pmap_count_tables(op->pm, op->r, base, -1);
}

/* entries_in - one past the last entry of the table at @level (mapping from @base) that
 * [.., @end) reaches into (*@any) and covers whole (*@full). */
static void entries_in(vaddr_t base, vaddr_t end, unsigned level, unsigned *any, unsigned *full)
{
	uint64_t size = LEVEL_SIZE(level), off = end - base;
	uint64_t na = (off + size - 1) / size, nf = off / size;
	*any = na > 512 ? 512 : (unsigned)na;
	*full = nf > 512 ? 512 : (unsigned)nf;
}

/*
 * set_range - store op->np over [start, end) under the table at @level. An entry already
 * holding np is left alone, and so is the run of equal entries after it; a run of one
 * not-present value covered whole becomes np at once (pmap_fill); a leaf holding memory
 * goes to the callback first; a table covered whole is released; anything else is split
 * (a mark) or walked into (a table).
 */
static int set_range(paddr_t table, unsigned level, vaddr_t base, vaddr_t start, vaddr_t end,
		     struct range_op *op)
{
	uint64_t *t = pmap_table_va(table);
	bool np_here = op->np_ok & (1u << level);
	unsigned any, full;
	entries_in(base, end, level, &any, &full);
	for (vaddr_t a = start; a < end;) {
		struct span sp = span_at(a, end, base, level);
		uint64_t v = t[sp.i];
		unsigned next = sp.i + 1;
		if (v == op->np) { /* np is never present: nothing to change here */
			next = pmap_scan_ne(t, next, any, v);
		} else if (level == PTE_LEVEL_PT && holds(v)) {
			if (op->release)
				op->release(v, sp.ebase, op->ctx);
			t[sp.i] = op->np;
		} else if (!pte_is_present(v) && sp.full && np_here) {
			next = pmap_scan_ne(t, next, full, v);
			pmap_fill(t, sp.i, next, op->np);
		} else if (pte_is_present(v) && sp.full && np_here) {
			release_tree(pte_pa(v), level - 1, sp.ebase, op);
			t[sp.i] = op->np;
		} else {
			if (!pte_is_present(v) && pmap_split(op->pm, op->r, sp.ebase, &t[sp.i]) < 0)
				return -QE_NOMEM;
			int err = set_range(pte_pa(t[sp.i]), level - 1, sp.ebase, a, sp.e, op);
			if (err)
				return err;
		}
		vaddr_t na = base + (vaddr_t)next * LEVEL_SIZE(level);
		a = na < end ? na : end;
	}
	return 0;
}

/* range_start - check a user range and find the table its walk starts at. */
static int range_start(struct pmap *pm, struct pmap_root *r, vaddr_t start, vaddr_t end, bool create,
		       paddr_t *top, unsigned *level, vaddr_t *base)
{
	int err = 0;
	if ((start | end) & PAGE_MASK || start >= end || end > USER_SPACE_END ||
	    (start < pm->boundary && end > pm->boundary) || (start >= pm->boundary && !r))
		return -QE_INVAL;
	if (start < pm->boundary && (start / PMAP_SLOT_BYTES) != ((end - 1) / PMAP_SLOT_BYTES))
		return -QE_RANGE; /* the caller splits process-space ranges at slot boundaries */
	*top = pmap_user_top(pm, r, start, create, level, &err);
	*base = *level == PTE_LEVEL_PDPT ? start & ~(PMAP_SLOT_BYTES - 1) : 0;
	if (!*top && !err && !create)
		return 1; /* no table: nothing in the range */
	return *top ? 0 : (err ? err : -QE_INVAL);
}

/* for_slots - run @fn over [start, end) one process-space slot at a time (thread space: once). */
static int for_slots(struct pmap *pm, struct pmap_root *r, vaddr_t start, vaddr_t end, struct range_op *op,
		     int (*fn)(paddr_t, unsigned, vaddr_t, vaddr_t, vaddr_t, struct range_op *))
{
	for (vaddr_t a = start; a < end;) {
		vaddr_t e = end;
		if (a < pm->boundary && (a / PMAP_SLOT_BYTES + 1) * PMAP_SLOT_BYTES < end)
			e = (a / PMAP_SLOT_BYTES + 1) * PMAP_SLOT_BYTES;
		paddr_t top;
		unsigned level;
		vaddr_t base;
		int err = range_start(pm, r, a, e, op->create, &top, &level, &base);
		if (!err)
			err = fn(top, level, base, a, e, op);
		if (err < 0)
			return err;
		a = e;
	}
	return 0;
}

int pmap_range_np(struct pmap *pm, struct pmap_root *r, vaddr_t start, vaddr_t end, uint64_t np,
		  pmap_release_fn release, void *ctx)
{
	if (pte_is_present(np) || pte_check(np, PTE_LEVEL_PT) < 0)
		return -QE_INVAL;
	struct range_op op = { .pm = pm, .r = r, .np = np, .release = release, .ctx = ctx, .create = true };
	for (unsigned level = PTE_LEVEL_PT; level <= PTE_LEVEL_PML4; level++)
		if (pte_check(np, level) == 0)
			op.np_ok |= (uint8_t)(1u << level);
	spin_lock(&pm->lock);
	int err = for_slots(pm, r, start, end, &op, set_range);
	pmap_invalidate_range(pm, r, start);
	spin_unlock(&pm->lock);
	return err;
}

/* reprot - @e with protection @prot (present: flags rebuilt, A/D kept; not present: prot bits). */
static int reprot(uint64_t *e, unsigned level, unsigned prot)
{
	if (pte_is_present(*e)) {
		uint64_t flags;
		if (level != PTE_LEVEL_PT || pte_prot_flags(prot, true, &flags) < 0)
			return -QE_INVAL;
		flags |= *e & (PTE_A | PTE_D);
		return pte_make_present(pte_pa(*e), flags, pte_type(*e), e) < 0 ? -QE_INVAL : 0;
	}
	int kind = pte_np_kind(*e, level);
	if (kind == PTE_NP_NONE || kind == PTE_NP_GUARD || kind == PTE_NP_TRANSIT)
		return 0; /* nothing to protect (a page in transit keeps its prot in the swap entry it becomes) */
	if (kind == PTE_NP_INVALID)
		return -QE_INVAL;
	return pte_np_set_prot(e, prot);
}

static int protect_range(paddr_t table, unsigned level, vaddr_t base, vaddr_t start, vaddr_t end,
			 struct range_op *op)
{
	uint64_t *t = pmap_table_va(table);
	for (vaddr_t a = start; a < end;) {
		struct span sp = span_at(a, end, base, level);
		uint64_t *e = &t[sp.i];
		int err = 0;
		if (level == PTE_LEVEL_PT || (!pte_is_present(*e) && (sp.full || *e == 0)))
			err = reprot(e, level, op->prot);
		else if (!pte_is_present(*e) && (err = pmap_split(op->pm, op->r, sp.ebase, e)) == 0)
			err = protect_range(pte_pa(*e), level - 1, sp.ebase, a, sp.e, op);
		else if (pte_is_present(*e))
			err = protect_range(pte_pa(*e), level - 1, sp.ebase, a, sp.e, op);
		if (err)
			return err;
		a = sp.e;
	}
	return 0;
}

int pmap_range_protect(struct pmap *pm, struct pmap_root *r, vaddr_t start, vaddr_t end, unsigned prot)
{
	if (prot > PTE_PROT_RX)
		return -QE_INVAL;
	struct range_op op = { .pm = pm, .r = r, .prot = prot, .create = true };
	spin_lock(&pm->lock);
	int err = for_slots(pm, r, start, end, &op, protect_range);
	pmap_invalidate_range(pm, r, start);
	spin_unlock(&pm->lock);
	return err;
}

static int count_range(paddr_t table, unsigned level, vaddr_t base, vaddr_t start, vaddr_t end,
		       struct range_op *op)
{
	uint64_t *t = pmap_table_va(table);
	for (vaddr_t a = start; a < end;) {
		struct span sp = span_at(a, end, base, level);
		uint64_t e = t[sp.i];
		if (level == PTE_LEVEL_PT) {
			op->present += pte_is_present(e);
			op->swapped += pte_swap_block(e) != PTE_SWAP_NONE;
		} else if (pte_is_present(e)) {
			count_range(pte_pa(e), level - 1, sp.ebase, a, sp.e, op);
		}
		a = sp.e;
	}
	return 0;
}

void pmap_range_count(struct pmap *pm, struct pmap_root *r, vaddr_t start, vaddr_t end,
		      uint64_t *present, uint64_t *swapped)
{
	struct range_op op = { .pm = pm, .r = r };
	spin_lock(&pm->lock);
	if (for_slots(pm, r, start, end, &op, count_range) < 0)
		op.present = op.swapped = 0;
	spin_unlock(&pm->lock);
	*present = op.present;
	*swapped = op.swapped;
}
