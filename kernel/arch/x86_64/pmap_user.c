/*
 * pmap_user.c - operations on ranges of user address space, where the page-table entries
 * are the record (design brief §3): whole aligned 2 MiB / 1 GiB / 512 GiB areas are marked
 * in the upper-level entry in O(1); a fault inside such a mark splits it one level at a
 * time until it reaches the page. Present leaves leaving a range are handed to a release
 * callback (frames, swap blocks), so this file never decides what a page's memory is.
 */
#include "pmap.h"

#include "cpu.h"
#include "mm/frame.h"
#include "panic.h"
#include "pmap_internal.h"
#include "pte.h"

struct range_op {
	uint64_t np;            /* the value to store (set) */
	unsigned prot;          /* the protection to apply (protect) */
	bool user;
	bool allow_top;         /* may marks go into PML4 entries (thread space) */
	pmap_release_fn release;
	void *ctx;
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

static void flush_all(void)
{
	cpu_write_cr3(cpu_read_cr3()); /* user entries are never global */
}

/* split - replace the upper-level mark at *e by a table whose entries all hold that mark. */
static int split(uint64_t *e, unsigned level)
{
	paddr_t pa = pmap_new_table();
	if (!pa)
		return -ENOMEM;
	uint64_t *t = pmap_table_va(pa);
	for (int i = 0; i < 512; i++)
		t[i] = *e;
	(void)level;
	KASSERT(pte_make_table(pa, true, e) == 0, "table %lx", pa);
	return 0;
}

/* release_tree - hand every present leaf under the table at @pa to the callback, free the tables. */
static void release_tree(paddr_t pa, unsigned level, vaddr_t base, const struct range_op *op)
{
	uint64_t *t = pmap_table_va(pa);
	for (unsigned i = 0; i < 512; i++) {
		vaddr_t va = base + i * LEVEL_SIZE(level);
		uint64_t e = t[i];
		if (level == PTE_LEVEL_PT) {
			if (e && op->release)
				op->release(e, va, op->ctx);
		} else if (pte_is_present(e)) {
			release_tree(pte_pa(e), level - 1, va, op);
		}
	}
	frame_free(PA_TO_PFN(pa));
}

static int set_range(paddr_t table, unsigned level, vaddr_t base, vaddr_t start, vaddr_t end,
		     const struct range_op *op)
{
	uint64_t *t = pmap_table_va(table);
	for (vaddr_t a = start; a < end;) {
		struct span sp = span_at(a, end, base, level);
		unsigned i = sp.i;
		vaddr_t ebase = sp.ebase, e = sp.e;
		bool full = sp.full;
		if (level == PTE_LEVEL_PT) {
			if (t[i] && op->release)
				op->release(t[i], ebase, op->ctx);
			t[i] = op->np;
			cpu_invlpg(ebase);
		} else if (full && (level < PTE_LEVEL_PML4 || op->allow_top) && pte_check(op->np, level) == 0) {
			if (pte_is_present(t[i]))
				release_tree(pte_pa(t[i]), level - 1, ebase, op);
			t[i] = op->np;
		} else if (t[i] != op->np || pte_is_present(t[i])) {
			if (!pte_is_present(t[i]) && split(&t[i], level) < 0)
				return -ENOMEM;
			if (pte_is_huge(t[i]))
				return -EINVAL;
			int err = set_range(pte_pa(t[i]), level - 1, ebase, a, e, op);
			if (err)
				return err;
		}
		a = e;
	}
	return 0;
}

int pmap_range_np(paddr_t root, vaddr_t start, vaddr_t end, uint64_t np, bool allow_top,
		  pmap_release_fn release, void *ctx)
{
	if (pte_is_present(np) || pte_check(np, PTE_LEVEL_PT) < 0 || (start | end) & PAGE_MASK ||
	    start >= end || end > USER_SPACE_END)
		return -EINVAL;
	struct range_op op = { .np = np, .allow_top = allow_top, .release = release, .ctx = ctx };
	int err = set_range(root, PTE_LEVEL_PML4, 0, start, end, &op);
	flush_all();
	return err;
}

int pmap_fault_entry(paddr_t root, vaddr_t va, uint64_t *entry)
{
	uint64_t *t = pmap_table_va(root);
	for (unsigned level = PTE_LEVEL_PML4; level > PTE_LEVEL_PT; level--) {
		uint64_t *e = &t[IDX(va, level)];
		if (!pte_is_present(*e)) {
			if (pte_np_kind(*e, level) == PTE_NP_NONE) {
				*entry = *e;
				return 0;
			}
			if (split(e, level) < 0)
				return -ENOMEM;
		} else if (pte_is_huge(*e)) {
			*entry = *e;
			return 0;
		}
		t = pmap_table_va(pte_pa(*e));
	}
	*entry = t[IDX(va, PTE_LEVEL_PT)];
	return 0;
}

/* reprot - @e with protection @prot (present: flags rebuilt, A/D kept; not present: prot bits). */
static int reprot(uint64_t *e, unsigned level, unsigned prot, bool user)
{
	if (pte_is_present(*e)) {
		uint64_t flags;
		if (level != PTE_LEVEL_PT || pte_prot_flags(prot, user, &flags) < 0)
			return -EINVAL;
		flags |= *e & (PTE_A | PTE_D);
		return pte_make_present(pte_pa(*e), flags, pte_type(*e), e) < 0 ? -EINVAL : 0;
	}
	int kind = pte_np_kind(*e, level);
	if (kind == PTE_NP_NONE || kind == PTE_NP_GUARD)
		return 0; /* nothing to protect: a touch stays an error */
	if (kind == PTE_NP_INVALID)
		return -EINVAL;
	*e = (*e & ~((uint64_t)3 << 1)) | ((uint64_t)prot << 1);
	return 0;
}

static int protect_range(paddr_t table, unsigned level, vaddr_t base, vaddr_t start, vaddr_t end,
			 const struct range_op *op)
{
	uint64_t *t = pmap_table_va(table);
	for (vaddr_t a = start; a < end;) {
		struct span sp = span_at(a, end, base, level);
		unsigned i = sp.i;
		vaddr_t ebase = sp.ebase, e = sp.e;
		bool full = sp.full;
		int err = 0;
		if (level == PTE_LEVEL_PT || (!pte_is_present(t[i]) && (full || pte_np_kind(t[i], level) == PTE_NP_NONE)))
			err = reprot(&t[i], level, op->prot, op->user);
		else if (!pte_is_present(t[i]) && (err = split(&t[i], level)) == 0)
			err = protect_range(pte_pa(t[i]), level - 1, ebase, a, e, op);
		else if (pte_is_present(t[i]))
			err = pte_is_huge(t[i]) ? -EINVAL : protect_range(pte_pa(t[i]), level - 1, ebase, a, e, op);
		if (err)
			return err;
		a = e;
	}
	return 0;
}

int pmap_range_protect(paddr_t root, vaddr_t start, vaddr_t end, unsigned prot)
{
	if ((start | end) & PAGE_MASK || start >= end || end > USER_SPACE_END || prot > PTE_PROT_RX)
		return -EINVAL;
	struct range_op op = { .prot = prot, .user = true };
	int err = protect_range(root, PTE_LEVEL_PML4, 0, start, end, &op);
	flush_all();
	return err;
}

static void visit(paddr_t table, unsigned level, vaddr_t base, vaddr_t start, vaddr_t end,
		  pmap_visit_fn fn, void *ctx)
{
	uint64_t *t = pmap_table_va(table);
	for (vaddr_t a = start; a < end;) {
		struct span sp = span_at(a, end, base, level);
		if (level == PTE_LEVEL_PT)
			fn(&t[sp.i], sp.ebase, ctx);
		else if (pte_is_present(t[sp.i]) && !pte_is_huge(t[sp.i]))
			visit(pte_pa(t[sp.i]), level - 1, sp.ebase, a, sp.e, fn, ctx);
		a = sp.e;
	}
}

void pmap_range_visit(paddr_t root, vaddr_t start, vaddr_t end, pmap_visit_fn fn, void *ctx)
{
	if (start < end && end <= USER_SPACE_END)
		visit(root, PTE_LEVEL_PML4, 0, start, end, fn, ctx);
}

uint64_t *pmap_leaf_ptr(paddr_t root, vaddr_t va)
{
	uint64_t *t = pmap_table_va(root);
	for (unsigned level = PTE_LEVEL_PML4; level > PTE_LEVEL_PT; level--) {
		uint64_t e = t[IDX(va, level)];
		if (!pte_is_present(e) || pte_is_huge(e))
			return 0;
		t = pmap_table_va(pte_pa(e));
	}
	return &t[IDX(va, PTE_LEVEL_PT)];
}
