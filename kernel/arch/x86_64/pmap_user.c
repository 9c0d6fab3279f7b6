/*
 * pmap_user.c - processes' page tables: the pmap (process space, shared by every thread
 * through its PDPTs) and the roots (one PML4 per thread), walks from either, and the
 * single-page operations of pmap.h. Marks in upper-level entries are split one level at a
 * time on the way down (pmap_split). Every function takes the pmap lock itself and never
 * sleeps; the lockless two (A-bit clearing and peeking) rely on the page-usage guarantee
 * written in pmap.h.
 */
#include "pmap.h"

#include "layout.h"
#include "lib/kstring.h"
#include "panic.h"
#include "pmap_internal.h"
#include "pte.h"

/* first_table - the first entry in [@from, @to) of the upper-level table @t (summary @sum)
 * that points at a table, looking only at the groups the summary marks; -1 when none does. */
static int first_table(const uint64_t *t, uint64_t sum, unsigned from, unsigned to)
{
	for (uint64_t bits = (sum & PTE_SUM_MASK) >> PTE_SUM_SHIFT; bits; bits &= bits - 1) {
		unsigned g = (unsigned)__builtin_ctzll(bits), i = g * PTE_SUM_GROUP, n = i + PTE_SUM_GROUP;
		for (i = i < from ? from : i; i < n && i < to; i++)
			if (pte_is_present(t[i]))
				return (int)i;
	}
	return -1;
}

int pmap_create(struct pmap *pm, vaddr_t boundary)
{
	if (boundary % PMAP_SLOT_BYTES || boundary == 0 || boundary > USER_SPACE_END)
		return -QE_INVAL;
	spin_init(&pm->lock, "pmap", RANK_PMAP);
	pm->boundary = boundary;
	pm->nslots = (unsigned)(boundary / PMAP_SLOT_BYTES);
	memset(pm->pdpt, 0, sizeof pm->pdpt);
	pm->roots = 0;
	pm->ntables = 0;
	pm->all_tables = 0;
	return 0;
}

void pmap_destroy(struct pmap *pm)
{
	spin_lock(&pm->lock);
	KASSERT(!pm->roots, "pmap_destroy: root %lx still alive", pm->roots->pml4);
	for (unsigned s = 0; s < pm->nslots; s++) {
		paddr_t pa = pmap_pdpt(pm, s);
		if (!pa)
			continue;
		int i = first_table(pmap_table_va(pa), pm->pdpt[s], 0, 512);
		if (i >= 0)
			panic("pmap_destroy: slot %u entry %d still holds table %lx", s, i, pmap_table_va(pa)[i]);
		pmap_free_table(pa);
		pm->pdpt[s] = 0;
		pmap_count_tables(pm, 0, 0, -1);
	}
	KASSERT(pm->ntables == 0, "pmap_destroy: %lu table pages unaccounted for", pm->ntables);
	spin_unlock(&pm->lock);
}

int pmap_root_create(struct pmap *pm, struct pmap_root *r, uint64_t thread_mark)
{
	if (pte_is_present(thread_mark) || pte_check(thread_mark, PTE_LEVEL_PML4) < 0)
		return -QE_INVAL;
	paddr_t pml4 = pmap_new_table_raw(); /* every entry is written below */
	if (!pml4)
		return -QE_NOMEM;
	uint64_t *t = pmap_table_va(pml4), *k = pmap_table_va(pmap_kernel_pml4());
	memcpy(t + PMAP_USER_SLOTS, k + PMAP_USER_SLOTS, (512 - PMAP_USER_SLOTS) * sizeof *t);
	r->pml4 = pml4;
	r->pcid = pmap_pcid_alloc();
	r->tlb_stale = true; /* the tag may still hold translations of its last owner */
	r->ntables = 1;
	r->tsum = 0;
	r->pmap = pm;
	spin_lock(&pm->lock);
	for (unsigned s = 0; s < pm->nslots; s++) {
		t[s] = 0;
		if (pmap_pdpt(pm, s) && pte_make_table(pmap_pdpt(pm, s), true, &t[s]) < 0)
			panic("pmap: PDPT %lx out of range", pmap_pdpt(pm, s));
	}
	pmap_fill(t, pm->nslots, PMAP_USER_SLOTS, thread_mark); /* 512 GiB per entry, O(1) each */
	r->next = pm->roots;
	pm->roots = r;
	pm->all_tables++;
	spin_unlock(&pm->lock);
	return 0;
}

void pmap_root_destroy(struct pmap_root *r)
{
	struct pmap *pm = r->pmap;
	spin_lock(&pm->lock);
	int s = first_table(pmap_table_va(r->pml4), r->tsum, pm->nslots, PMAP_USER_SLOTS);
	if (s >= 0)
		panic("pmap_root_destroy: thread slot %d still holds table %lx", s, pmap_table_va(r->pml4)[s]);
	for (struct pmap_root **pp = &pm->roots; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	pm->all_tables -= r->ntables;
	spin_unlock(&pm->lock);
	KASSERT(r->ntables == 1, "pmap_root_destroy: %lu thread-space tables left", r->ntables - 1);
	pmap_free_table(r->pml4);
	pmap_pcid_free(r->pcid);
	r->pml4 = 0;
	r->ntables = 0;
}

uint64_t pmap_table_pages(struct pmap *pm)
{
	return __atomic_load_n(&pm->all_tables, __ATOMIC_RELAXED);
}

void pmap_count_tables(struct pmap *pm, struct pmap_root *r, vaddr_t va, int64_t delta)
{
	if (va < pm->boundary)
		pm->ntables += (uint64_t)delta;
	else
		r->ntables += (uint64_t)delta;
	__atomic_store_n(&pm->all_tables, pm->all_tables + (uint64_t)delta, __ATOMIC_RELAXED);
}

/* add_pdpt - a new process-space PDPT for slot @s, put into every root. */
static int add_pdpt(struct pmap *pm, unsigned s)
{
	paddr_t pa = pmap_new_table();
	if (!pa)
		return -QE_NOMEM;
	pm->pdpt[s] = pa;
	pmap_count_tables(pm, 0, 0, 1);
	for (struct pmap_root *q = pm->roots; q; q = q->next)
		if (pte_make_table(pa, true, &pmap_table_va(q->pml4)[s]) < 0)
			panic("pmap: PDPT %lx out of range", pa);
	return 0;
}

paddr_t pmap_user_top(struct pmap *pm, struct pmap_root *r, vaddr_t va, bool create, unsigned *level,
		      uint64_t **sum, int *err)
{
	if (va >= pm->boundary) {
		*level = PTE_LEVEL_PML4;
		*sum = r ? &r->tsum : 0;
		return r ? r->pml4 : 0;
	}
	unsigned s = (unsigned)(va / PMAP_SLOT_BYTES);
	*level = PTE_LEVEL_PDPT;
	*sum = &pm->pdpt[s];
	if (!pm->pdpt[s] && create && (*err = add_pdpt(pm, s)) < 0)
		return 0;
	return pmap_pdpt(pm, s);
}

int pmap_split(struct pmap *pm, struct pmap_root *r, vaddr_t va, uint64_t *e, uint64_t *sum)
{
	paddr_t pa = pmap_new_table_raw();
	if (!pa)
		return -QE_NOMEM;
	pmap_fill(pmap_table_va(pa), 0, 512, *e);
	if (pte_make_table(pa, true, e) < 0) /* (its summary: nothing held yet) */
		panic("pmap: table %lx out of range", pa);
	pmap_sum_note(sum, e);
	pmap_count_tables(pm, r, va, 1);
	return 0;
}

/*
 * leaf_slot - the page-level slot of @va. @split: replace marks by tables on the way (else
 * stop at a mark, returning NULL and the mark in *@upper); @make: make tables where there
 * is nothing (0 entries). *@sum gets the summary word of the slot's table (the PDE).
 * *@err: -QE_NOMEM when a table was needed and none was free.
 */
static uint64_t *leaf_slot(struct pmap *pm, struct pmap_root *r, vaddr_t va, bool split, bool make,
			   uint64_t *upper, uint64_t **sum, int *err)
{
	unsigned level;
	*upper = 0;
	paddr_t top = pmap_user_top(pm, r, va, split || make, &level, sum, err);
	if (!top)
		return 0;
	uint64_t *t = pmap_table_va(top);
	for (; level > PTE_LEVEL_PT; level--) {
		uint64_t *e = &t[IDX(va, level)];
		if (pte_is_present(*e) && pte_is_huge(*e))
			panic("pmap: huge user page at %lx (entry %lx)", va, *e);
		if (!pte_is_present(*e)) {
			bool mark = *e != 0;
			if ((mark && !split) || (!mark && !make)) {
				*upper = *e;
				return 0;
			}
			if ((*err = pmap_split(pm, r, va, e, *sum)) < 0)
				return 0;
		}
		*sum = e;
		t = pmap_table_va(pte_pa(*e));
	}
	return &t[IDX(va, PTE_LEVEL_PT)];
}

uint64_t pmap_entry(struct pmap *pm, struct pmap_root *r, vaddr_t va, unsigned *level)
{
	unsigned lv;
	int err = 0;
	uint64_t *sum;
	spin_lock(&pm->lock);
	paddr_t top = pmap_user_top(pm, r, va, false, &lv, &sum, &err);
	uint64_t e = 0;
	for (uint64_t *t = top ? pmap_table_va(top) : 0; t; lv--) {
		e = t[IDX(va, lv)];
		if (lv == PTE_LEVEL_PT || !pte_is_present(e))
			break;
		t = pmap_table_va(pte_pa(e));
	}
	spin_unlock(&pm->lock);
	if (level)
		*level = lv;
	return e;
}

int pmap_fault_entry(struct pmap *pm, struct pmap_root *r, vaddr_t va, uint64_t *entry,
		     struct pmap_leaf *leaf)
{
	int err = 0;
	uint64_t upper, *sum = 0;
	spin_lock(&pm->lock);
	uint64_t *slot = leaf_slot(pm, r, va, true, false, &upper, &sum, &err);
	*entry = slot ? *slot : upper;
	spin_unlock(&pm->lock);
	if (leaf) {
		leaf->table = slot ? virt_to_phys_direct(slot) & ~PAGE_MASK : 0;
		leaf->va = va;
		leaf->sum = slot ? sum : 0;
	}
	return err;
}

uint64_t pmap_leaf_entry(const struct pmap_leaf *leaf)
{
	const uint64_t *t = phys_to_virt(leaf->table);
	return __atomic_load_n(&t[IDX(leaf->va, PTE_LEVEL_PT)], __ATOMIC_ACQUIRE);
}

int pmap_leaf_install(const struct pmap_leaf *leaf, uint64_t expect, uint64_t entry)
{
	if (!leaf->table || pte_is_present(expect) || !pte_is_user(entry)) /* (present and US) */
		return -QE_INVAL;
	/* The other writers of a slot the caller holds a leaf for are evictions (which also
	 * swap) and range operations (which the caller's address-space mutex excludes). It was
	 * not present: nothing to invalidate. */
	uint64_t *slot = &((uint64_t *)phys_to_virt(leaf->table))[IDX(leaf->va, PTE_LEVEL_PT)];
	if (!__atomic_compare_exchange_n(slot, &expect, entry, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -QE_AGAIN;
	pmap_sum_note(leaf->sum, slot);
	return 0;
}

int pmap_enter(struct pmap *pm, struct pmap_root *r, vaddr_t va, paddr_t pa, unsigned prot,
	       unsigned type, bool dirty, uint64_t expect)
{
	uint64_t flags, e, upper, *sum;
	int err = 0;
	if ((va & PAGE_MASK) || va >= USER_SPACE_END || (va >= pm->boundary && !r) ||
	    pte_prot_flags(prot, true, &flags) < 0 ||
	    pte_make_present(pa, flags | (dirty ? PTE_D : 0), type, &e) < 0 || pte_is_present(expect))
		return -QE_INVAL;
	spin_lock(&pm->lock);
	uint64_t *slot = leaf_slot(pm, r, va, true, true, &upper, &sum, &err);
	if (slot && *slot != expect) {
		err = -QE_AGAIN;
	} else if (slot) {
		*slot = e; /* it was not present: no translation to invalidate */
		pmap_sum_note(sum, slot);
	}
	spin_unlock(&pm->lock);
	return err;
}

bool pmap_replace(struct pmap *pm, struct pmap_root *r, vaddr_t va, uint64_t old, uint64_t new)
{
	uint64_t upper, *sum;
	int err = 0;
	if (pte_check(new, PTE_LEVEL_PT) < 0)
		return false;
	spin_lock(&pm->lock);
	uint64_t *slot = leaf_slot(pm, r, va, false, false, &upper, &sum, &err);
	bool ok = slot && __atomic_compare_exchange_n(slot, &old, new, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	if (ok && pmap_holds(new))
		pmap_sum_note(sum, slot);
	if (ok && pte_is_present(old))
		pmap_invalidate(pm, r, va);
	spin_unlock(&pm->lock);
	return ok;
}

/* peek_slot - the page-level slot of @va under existing tables, read without the lock. */
static uint64_t *peek_slot(struct pmap *pm, struct pmap_root *r, vaddr_t va)
{
	paddr_t top = va < pm->boundary ? pmap_pdpt(pm, (unsigned)(va / PMAP_SLOT_BYTES)) : (r ? r->pml4 : 0);
	unsigned level = va < pm->boundary ? PTE_LEVEL_PDPT : PTE_LEVEL_PML4;
	if (!top)
		return 0;
	uint64_t *t = pmap_table_va(top);
	for (; level > PTE_LEVEL_PT; level--) {
		uint64_t e = __atomic_load_n(&t[IDX(va, level)], __ATOMIC_ACQUIRE);
		if (!pte_is_present(e) || pte_is_huge(e))
			return 0;
		t = pmap_table_va(pte_pa(e));
	}
	return &t[IDX(va, PTE_LEVEL_PT)];
}

bool pmap_test_clear_accessed(struct pmap *pm, struct pmap_root *r, vaddr_t va, pfn_t pfn)
{
	uint64_t *slot = peek_slot(pm, r, va);
	uint64_t e = slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : 0;
	if (!pte_is_present(e) || pte_pfn(e) != pfn || !pte_is_accessed(e))
		return false;
	__atomic_fetch_and(slot, ~PTE_A, __ATOMIC_ACQ_REL);
	/* no shootdown: a translation still cached only hides one access from the policy */
	pmap_flush_local(va);
	return true;
}

uint64_t pmap_leaf_peek(struct pmap *pm, struct pmap_root *r, vaddr_t va)
{
	uint64_t *slot = peek_slot(pm, r, va);
	return slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : 0;
}
