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

struct range_op;
static void release_tree(paddr_t pa, uint64_t sum, unsigned level, vaddr_t base, struct range_op *op);

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

/*
 * release_group - hand every leaf holding memory among entries [@i, @n) of @t (a table at
 * @level mapping from @base) to the callback, release the tables among them (their summary is
 * in their entry) and zero those entries. Runs of one value that holds nothing are stepped
 * over by pmap_scan_ne.
 */
static void release_group(uint64_t *t, unsigned level, vaddr_t base, unsigned i, unsigned n,
			  struct range_op *op)
{
	while (i < n) {
		uint64_t e = t[i];
		vaddr_t va = base + i * LEVEL_SIZE(level);
		if (level == PTE_LEVEL_PT && pmap_holds(e)) {
			if (op->release)
				op->release(e, va, op->ctx);
			t[i++] = 0;
		} else if (level != PTE_LEVEL_PT && pte_is_present(e)) {
			release_tree(pte_pa(e), e, level - 1, va, op);
			t[i++] = 0;
		} else {
			i = pmap_scan_ne(t, i + 1, n, e);
		}
	}
}

/* release_groups - release_group over the entries in [@from, @to) whose group summary
 * word @sum says may hold something: a group that holds nothing is not looked at. */
static void release_groups(uint64_t *t, uint64_t sum, unsigned level, vaddr_t base, unsigned from,
			   unsigned to, struct range_op *op)
{
	for (uint64_t bits = (sum & PTE_SUM_MASK) >> PTE_SUM_SHIFT; bits; bits &= bits - 1) {
		unsigned g = (unsigned)__builtin_ctzll(bits);
		unsigned lo = g * PTE_SUM_GROUP, hi = lo + PTE_SUM_GROUP;
		lo = lo < from ? from : lo;
		hi = hi > to ? to : hi;
		if (lo < hi)
			release_group(t, level, base, lo, hi, op);
	}
}

/* release_tree - everything under the table at @pa (summary @sum): leaves to the callback,
 * tables freed. */
static void release_tree(paddr_t pa, uint64_t sum, unsigned level, vaddr_t base, struct range_op *op)
{
	release_groups(pmap_table_va(pa), sum, level, base, 0, 512, op);
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
static int set_range(paddr_t table, uint64_t *sum, unsigned level, vaddr_t base, vaddr_t start,
		     vaddr_t end, struct range_op *op)
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
		} else if (level == PTE_LEVEL_PT && pmap_holds(v)) {
			if (op->release)
				op->release(v, sp.ebase, op->ctx);
			t[sp.i] = op->np;
		} else if (!pte_is_present(v) && sp.full && np_here) {
			next = pmap_scan_ne(t, next, full, v);
			pmap_fill(t, sp.i, next, op->np);
		} else if (pte_is_present(v) && sp.full && np_here) {
			release_tree(pte_pa(v), v, level - 1, sp.ebase, op);
			t[sp.i] = op->np;
		} else {
			if (!pte_is_present(v) && pmap_split(op->pm, op->r, sp.ebase, &t[sp.i], sum) < 0)
				return -QE_NOMEM;
			int err = set_range(pte_pa(t[sp.i]), &t[sp.i], level - 1, sp.ebase, a, sp.e, op);
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
		       paddr_t *top, uint64_t **sum, unsigned *level, vaddr_t *base)
{
	int err = 0;
	if ((start | end) & PAGE_MASK || start >= end || end > USER_SPACE_END ||
	    (start < pm->boundary && end > pm->boundary) || (start >= pm->boundary && !r))
		return -QE_INVAL;
	if (start < pm->boundary && (start / PMAP_SLOT_BYTES) != ((end - 1) / PMAP_SLOT_BYTES))
		return -QE_RANGE; /* the caller splits process-space ranges at slot boundaries */
	*top = pmap_user_top(pm, r, start, create, level, sum, &err);
	*base = *level == PTE_LEVEL_PDPT ? start & ~(PMAP_SLOT_BYTES - 1) : 0;
	if (!*top && !err && !create)
		return 1; /* no table: nothing in the range */
	return *top ? 0 : (err ? err : -QE_INVAL);
}

/* for_slots - run @fn over [start, end) one process-space slot at a time (thread space: once). */
static int for_slots(struct pmap *pm, struct pmap_root *r, vaddr_t start, vaddr_t end, struct range_op *op,
		     int (*fn)(paddr_t, uint64_t *, unsigned, vaddr_t, vaddr_t, vaddr_t, struct range_op *))
{
	for (vaddr_t a = start; a < end;) {
		vaddr_t e = end;
		if (a < pm->boundary && (a / PMAP_SLOT_BYTES + 1) * PMAP_SLOT_BYTES < end)
			e = (a / PMAP_SLOT_BYTES + 1) * PMAP_SLOT_BYTES;
		paddr_t top;
		uint64_t *sum;
		unsigned level;
		vaddr_t base;
		int err = range_start(pm, r, a, e, op->create, &top, &sum, &level, &base);
		if (!err)
			err = fn(top, sum, level, base, a, e, op);
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

static int protect_range(paddr_t table, uint64_t *sum, unsigned level, vaddr_t base, vaddr_t start,
			 vaddr_t end, struct range_op *op)
{
	uint64_t *t = pmap_table_va(table);
	for (vaddr_t a = start; a < end;) {
		struct span sp = span_at(a, end, base, level);
		uint64_t *e = &t[sp.i];
		int err = 0;
		if (level == PTE_LEVEL_PT || (!pte_is_present(*e) && (sp.full || *e == 0)))
			err = reprot(e, level, op->prot);
		else if (!pte_is_present(*e) && (err = pmap_split(op->pm, op->r, sp.ebase, e, sum)) == 0)
			err = protect_range(pte_pa(*e), e, level - 1, sp.ebase, a, sp.e, op);
		else if (pte_is_present(*e))
			err = protect_range(pte_pa(*e), e, level - 1, sp.ebase, a, sp.e, op);
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

static int count_range(paddr_t table, uint64_t *sum, unsigned level, vaddr_t base, vaddr_t start,
		       vaddr_t end, struct range_op *op)
{
	(void)sum;
	uint64_t *t = pmap_table_va(table);
	for (vaddr_t a = start; a < end;) {
		struct span sp = span_at(a, end, base, level);
		uint64_t e = t[sp.i];
		if (level == PTE_LEVEL_PT) {
			op->present += pte_is_present(e);
			op->swapped += pte_swap_block(e) != PTE_SWAP_NONE;
		} else if (pte_is_present(e)) {
			count_range(pte_pa(e), 0, level - 1, sp.ebase, a, sp.e, op);
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

void pmap_root_release(struct pmap *pm, struct pmap_root *r, pmap_release_fn release, void *ctx)
{
	struct range_op op = { .pm = pm, .r = r, .release = release, .ctx = ctx };
	spin_lock(&pm->lock);
	/* only table pointers are looked at: the marks in the other slots go with the PML4 */
	release_groups(pmap_table_va(r->pml4), r->tsum, PTE_LEVEL_PML4, 0, pm->nslots, PMAP_USER_SLOTS, &op);
	r->tsum = 0;
	pmap_invalidate_range(pm, r, pm->boundary);
	spin_unlock(&pm->lock);
}

void pmap_space_release(struct pmap *pm, pmap_release_fn release, void *ctx)
{
	struct range_op op = { .pm = pm, .release = release, .ctx = ctx };
	spin_lock(&pm->lock);
	for (unsigned s = 0; s < pm->nslots; s++) {
		if (!pmap_pdpt(pm, s))
			continue;
		release_groups(pmap_table_va(pmap_pdpt(pm, s)), pm->pdpt[s], PTE_LEVEL_PDPT,
			       (vaddr_t)s * PMAP_SLOT_BYTES, 0, 512, &op);
		pm->pdpt[s] = pmap_pdpt(pm, s); /* summary cleared */
	}
	pmap_invalidate_range(pm, 0, 0);
	spin_unlock(&pm->lock);
}

/*
 * reset_table - entries [@from, @to) of @t (a table at @level mapping from @base, summary
 * word *@sum), visiting only the groups the summary marks: a leaf holding memory goes to the
 * callback, a table goes (released whole), and either becomes @mark; the table on the walk
 * to @keep stays and is reset the same way. Afterwards the summary marks only that table.
 */
static void reset_table(uint64_t *t, uint64_t *sum, unsigned level, vaddr_t base, unsigned from,
			unsigned to, vaddr_t keep, uint64_t mark, struct range_op *op)
{
	unsigned ki = (unsigned)IDX(keep, level);
	for (uint64_t bits = (*sum & PTE_SUM_MASK) >> PTE_SUM_SHIFT; bits; bits &= bits - 1) {
		unsigned g = (unsigned)__builtin_ctzll(bits);
		unsigned i = g * PTE_SUM_GROUP, n = i + PTE_SUM_GROUP;
		i = i < from ? from : i;
		n = n > to ? to : n;
		while (i < n) {
			uint64_t e = t[i];
			vaddr_t va = base + i * LEVEL_SIZE(level);
			bool table = level != PTE_LEVEL_PT && pte_is_present(e);
			if (table && i == ki) {
				reset_table(pmap_table_va(pte_pa(e)), &t[i], level - 1, va, 0, 512, keep, mark, op);
			} else if (table) {
				release_tree(pte_pa(e), e, level - 1, va, op);
				t[i] = mark;
			} else if (level == PTE_LEVEL_PT && pmap_holds(e)) {
				if (op->release)
					op->release(e, va, op->ctx);
				t[i] = mark;
			} else {
				i = pmap_scan_ne(t, i + 1, n, e);
				continue;
			}
			i++;
		}
	}
	uint64_t keep_bit = level != PTE_LEVEL_PT && pte_is_present(t[ki]) ? pte_sum_bit(ki) : 0;
	__atomic_store_n(sum, (*sum & ~PTE_SUM_MASK) | keep_bit, __ATOMIC_RELAXED);
}

void pmap_root_reset(struct pmap *pm, struct pmap_root *r, vaddr_t keep, uint64_t mark,
		     pmap_release_fn release, void *ctx)
{
	struct range_op op = { .pm = pm, .r = r, .release = release, .ctx = ctx };
	spin_lock(&pm->lock);
	reset_table(pmap_table_va(r->pml4), &r->tsum, PTE_LEVEL_PML4, 0, pm->nslots, PMAP_USER_SLOTS, keep,
		    mark, &op);
	pmap_invalidate_range(pm, r, pm->boundary);
	spin_unlock(&pm->lock);
}
