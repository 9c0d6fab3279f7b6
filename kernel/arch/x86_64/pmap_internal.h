/*
 * pmap_internal.h - what pmap.c (the kernel's tables, activation), pmap_user.c (processes
 * and their roots) and pmap_range.c (range operations) share. Nothing outside
 * kernel/arch/x86_64/pmap*.c includes it.
 */
#ifndef QUIRE_ARCH_PMAP_INTERNAL_H
#define QUIRE_ARCH_PMAP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/types.h"
#include "pmap.h"
#include "pte.h"

#define IDX(va, level) (((va) >> (12 + 9 * ((level) - 1))) & 511)
#define LEVEL_SIZE(level) (1ull << (12 + 9 * ((level) - 1)))

/* pmap_table_va - the direct-map address of a page-table page. */
uint64_t *pmap_table_va(paddr_t pa);

/* pmap_new_table - a zeroed page-table frame from the allocator, or 0 when none is free. */
paddr_t pmap_new_table(void);

/* pmap_new_table_raw - a page-table frame whose 512 entries the caller writes at once (not
 * zeroed: saves a pass over a table that is filled anyway), or 0 when none is free. */
paddr_t pmap_new_table_raw(void);

/* pmap_free_table - give a page-table frame back. */
void pmap_free_table(paddr_t pa);

/* pmap_kernel_pml4 - physical address of the kernel PML4 (its upper half is in every root). */
paddr_t pmap_kernel_pml4(void);

/* pmap_pcid_alloc - a TLB tag for a new root (1..4095), or 0 (none left, or no PCID). */
uint16_t pmap_pcid_alloc(void);

/* pmap_pcid_free - give a tag back (its stale entries are flushed when it is next used). */
void pmap_pcid_free(uint16_t pcid);

/* pmap_invalidate - the leaf of @va (below B: process space; else @r's thread space) changed:
 * drop it from this CPU's TLB and mark the roots that may cache it stale. pmap lock held. */
void pmap_invalidate(struct pmap *pm, struct pmap_root *r, vaddr_t va);

/* pmap_flush_local - drop @va from this CPU's TLB (the loaded tag) and nothing else. */
void pmap_flush_local(vaddr_t va);

/* pmap_invalidate_range - as pmap_invalidate for a whole range (a full flush). */
void pmap_invalidate_range(struct pmap *pm, struct pmap_root *r, vaddr_t start);

/* pmap_user_top - the table and level a walk of @va starts at: the PDPT of a process-space
 * slot (made when @create and missing; *@err gets -QE_NOMEM when none is free) or @r's PML4;
 * *@sum gets the word holding that table's summary (pte.h). Returns 0 when there is no
 * table. pmap lock held. */
paddr_t pmap_user_top(struct pmap *pm, struct pmap_root *r, vaddr_t va, bool create,
		      unsigned *level, uint64_t **sum, int *err);

/* pmap_split - replace the upper-level mark at *@e by a table whose 512 entries all hold the
 * mark; counts the table in @va's half (pmap_count_tables) and notes the new table pointer in
 * @sum, the summary of the table holding @e. 0 or -QE_NOMEM. pmap lock held. */
int pmap_split(struct pmap *pm, struct pmap_root *r, vaddr_t va, uint64_t *e, uint64_t *sum);

/* pmap_pdpt - the address of process-space slot @s's PDPT (0: none); pm->pdpt[s] also
 * carries the PDPT's summary. */
static inline paddr_t pmap_pdpt(const struct pmap *pm, unsigned s)
{
	return __atomic_load_n(&pm->pdpt[s], __ATOMIC_RELAXED) & PTE_ADDR_MASK;
}

/* pmap_holds - a page-level entry that holds memory: a present page or a swap block (demand,
 * guard, file and transit entries hold none). */
static inline bool pmap_holds(uint64_t e)
{
	return pte_is_present(e) || pte_swap_block(e) != PTE_SWAP_NONE;
}

/* pmap_sum_note - entry @e (in a table whose summary is *@sum) now holds something. The
 * summary may be a live entry the CPU sets A in: an atomic or. */
static inline void pmap_sum_note(uint64_t *sum, const uint64_t *e)
{
	__atomic_fetch_or(sum, pte_sum_bit((unsigned)(((uintptr_t)e & PAGE_MASK) / sizeof *e)), __ATOMIC_RELAXED);
}

/* pmap_count_tables - @delta table pages in @va's half: the pmap's process space or the root's thread space. */
void pmap_count_tables(struct pmap *pm, struct pmap_root *r, vaddr_t va, int64_t delta);

/* pmap_scan_ne - the first index in [@i, @n) whose entry is not @v, or @n (n <= 512): one
 * string instruction over the run, so a table of one mark costs a step per entry. */
static inline unsigned pmap_scan_ne(const uint64_t *t, unsigned i, unsigned n, uint64_t v)
{
	if (i >= n)
		return n;
	const uint64_t *p = t + i;
	uint64_t left = n - i;
	bool ne;
	__asm__ volatile("repe scasq" : "+D"(p), "+c"(left), "=@ccnz"(ne) : "a"(v) : "memory");
	return ne ? (unsigned)(p - 1 - t) : n;
}

/* pmap_fill - entries [@i, @n) of @t become @v. */
static inline void pmap_fill(uint64_t *t, unsigned i, unsigned n, uint64_t v)
{
	if (i >= n)
		return;
	uint64_t *p = t + i;
	uint64_t left = n - i;
	__asm__ volatile("rep stosq" : "+D"(p), "+c"(left) : "a"(v) : "memory");
}

#endif
