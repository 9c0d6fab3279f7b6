/*
 * pmap.h - the contract of the only code that writes page tables, CR3 and the TLB (Mach's
 * pmap; FreeBSD's sys/vm/pmap.h). Entries are built and read with pte.h, the one place that
 * knows their bits; everything else in the kernel changes an entry only through a function
 * declared here. specs/address-space.md draws the tables; specs/concurrency.md the locks.
 *
 * Objects
 *   struct pmap       one process's page tables for its process space [0, B): the PDPTs of
 *                     PML4 slots 0 .. B/512 GiB - 1, shared by all its threads, and the list
 *                     of its threads' roots.
 *   struct pmap_root  one thread's PML4: process-space slots point at the pmap's PDPTs,
 *                     thread-space slots [B, USER_SPACE_END) are its own, kernel slots are the
 *                     kernel's.
 * A user-space function takes (pmap, root, va): below B it acts on the process's shared
 * tables and the root may be NULL; at or above B it acts on that root's thread space.
 *
 * Rules every function keeps
 *   - Never sleeps. It takes the pmap's spinlock (RANK_PMAP) itself: callers hold no pmap lock.
 *   - A page-table page comes from the allocator given to pmap_init_kernel, which must not
 *     sleep; when there is none the function fails with -QE_NOMEM having changed nothing a
 *     caller can see (a split may have happened: it keeps the same meaning). The caller,
 *     which may sleep, reclaims memory and tries again.
 *   - Every change of a leaf that the CPU may have cached is followed by pmap's own TLB
 *     invalidation: the running CPU drops the entry at once; the process's other roots are
 *     marked stale and flush their tag when next loaded (an SMP shootdown goes here).
 *   - Release callbacks run with the pmap lock held: they must not sleep or take a lock of
 *     rank <= RANK_PMAP.
 * Errors: 0 or a negative QE_* code (lib/qerror.h).
 */
#ifndef QUIRE_ARCH_PMAP_H
#define QUIRE_ARCH_PMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/spinlock.h"
#include "lib/types.h"

#define PMAP_NPCID 4096
#define PMAP_USER_SLOTS 256 /* PML4 slots of the user half */
#define PMAP_SLOT_BYTES (1ull << 39) /* 512 GiB per PML4 slot */

/* Where page-table pages come from (mm's frame allocator). Neither may sleep. */
struct pmap_table_ops {
	paddr_t (*alloc)(void);    /* a frame for a table (contents need not be zero), or 0 */
	void (*free)(paddr_t pa);  /* give a table frame back */
};

struct pmap_root;

/* One process's page tables. Lock legend: (l) the pmap lock, (c) constant after create. */
struct pmap {
	struct spinlock lock;
	vaddr_t boundary;                   /* (c) B */
	unsigned nslots;                    /* (c) B / 512 GiB */
	uint64_t pdpt[PMAP_USER_SLOTS];     /* (l) process-space PDPTs (0: none yet): the table's
	                                     * address (bits 12-51) and its summary (pte.h, bits 52-62) */
	struct pmap_root *roots;            /* (l) every live root, linked by next */
	uint64_t ntables;                   /* (l) table pages under process space, PDPTs included */
	uint64_t all_tables;                /* (l, read lockless) tables of process space and every root */
};

/* One thread's PML4. Lock legend as above; (s) the scheduler's (interrupts off). */
struct pmap_root {
	paddr_t pml4;                       /* (c) */
	uint16_t pcid;                      /* (c) TLB tag, 0: none (flushed at every load) */
	bool tlb_stale;                     /* (l) tables changed while it was not loaded */
	uint64_t ntables;                   /* (l) table pages of its thread space, PML4 included */
	uint64_t tsum;                      /* (l) summary of its thread slots (pte.h format) */
	struct pmap *pmap;                  /* (c) */
	struct pmap_root *next;             /* (l) */
};

/* A page-level slot found by pmap_fault_entry, for pmap_leaf_install to use without walking
 * the tables again. Valid while its page table stays: tables go only when pmap_range_np
 * releases a range, which the caller's address-space mutex keeps apart from its faults. */
struct pmap_leaf {
	paddr_t table;  /* the page table holding the slot (0: none) */
	vaddr_t va;
	uint64_t *sum;  /* the entry pointing at that table (its summary: pte.h) */
};

/* A present or swap leaf leaving a range: free what it holds. Runs under the pmap lock.
 * Only those two kinds are handed over: demand, guard, file and transit leaves hold nothing. */
typedef void (*pmap_release_fn)(uint64_t entry, vaddr_t va, void *ctx);

/* ---- the kernel's own address space (pmap.c) ---- */

/* pmap_init_kernel - build the kernel's tables (direct map of [0, @ram_top), W^X image),
 * switch CR3, turn on PGE/SMEP/SMAP (and PCID when the CPU has it and @allow_pcid); table
 * pages come from @ops from now on. Context: boot, once. */
void pmap_init_kernel(paddr_t ram_top, bool allow_pcid, const struct pmap_table_ops *ops);

/* pmap_kenter - map the kernel page @va to @pa (global, supervisor) with protection @prot
 * (PTE_PROT_*) and page @type; -QE_NOMEM, -QE_INVAL (bad argument, not kernel space). */
int pmap_kenter(vaddr_t va, paddr_t pa, unsigned prot, unsigned type);

/* pmap_kset_np - store the not-present value @np (a guard mark) at kernel page @va. */
int pmap_kset_np(vaddr_t va, uint64_t np);

/* pmap_kremove - unmap kernel page @va; returns the old entry (0 when nothing was there). */
uint64_t pmap_kremove(vaddr_t va);

/* pmap_kfree_table - give back the kernel page table that maps the 2 MiB holding @va when
 * every entry in it is empty (no page, no mark); flushes every TLB and paging-structure
 * cache. Returns 1 when a table was freed, else 0. Never sleeps. */
int pmap_kfree_table(vaddr_t va);

/* pmap_klookup - the kernel's leaf entry for @va (a huge page counts) or 0; *@level gets its level. */
uint64_t pmap_klookup(vaddr_t va, unsigned *level);

/* pmap_activate - load @r's PML4 (NULL: the kernel's), with its tag; a stale root's tag is flushed. Context: the scheduler, interrupts off. */
void pmap_activate(struct pmap_root *r);

/* pmap_has_pcid, pmap_has_smep, pmap_has_smap - what the CPU offered and the kernel turned on. */
bool pmap_has_pcid(void);
bool pmap_has_smep(void);
bool pmap_has_smap(void);

/* pmap_direct_map_bytes - how much of the physical address space the direct map covers. */
uint64_t pmap_direct_map_bytes(void);

/* ---- user address spaces (pmap_user.c, pmap_range.c) ---- */

/* pmap_create - an empty pmap for process space [0, @boundary) (a multiple of 512 GiB). */
int pmap_create(struct pmap *pm, vaddr_t boundary);

/* pmap_space_release - the process is gone: as pmap_root_release for process space [0, B)
 * (its PDPTs stay, holding marks at most, for pmap_destroy). Never fails. */
void pmap_space_release(struct pmap *pm, pmap_release_fn release, void *ctx);

/* pmap_destroy - free the process-space PDPTs. Process space was released before
 * (pmap_space_release) and every root destroyed. */
void pmap_destroy(struct pmap *pm);

/* pmap_root_create - a PML4 for a new thread of @pm: kernel slots, the process's PDPTs, and
 * every thread-space slot set to @thread_mark (0, or a demand mark covering 512 GiB each). */
int pmap_root_create(struct pmap *pm, struct pmap_root *r, uint64_t thread_mark);

/* pmap_root_release - the thread is gone: every present and swap leaf of @r's thread space
 * goes to @release and every table under its PML4 is freed, visiting only the groups of
 * entries the summaries say may hold something (no pass over tables of marks). The root
 * must not be used for anything but pmap_root_destroy afterwards. Never fails. */
void pmap_root_release(struct pmap *pm, struct pmap_root *r, pmap_release_fn release, void *ctx);

/* pmap_root_reset - the thread is gone but its tables are kept for the process's next thread:
 * every present and swap leaf of @r's thread space goes to @release and every table goes,
 * except the tables on the walk to @keep, and each becomes the not-present @mark (valid at
 * every level). For a thread space whose every entry, but the walk to @keep and one page
 * there, is @mark, a leaf holding memory or a table (the caller checks that its regions say
 * so): afterwards it is as new. Visits only the groups the summaries mark. Never fails. */
void pmap_root_reset(struct pmap *pm, struct pmap_root *r, vaddr_t keep, uint64_t mark,
		     pmap_release_fn release, void *ctx);

/* pmap_root_destroy - free the PML4 and its tag. Its thread space was released before
 * (pmap_root_release), and it is not loaded on any CPU. */
void pmap_root_destroy(struct pmap_root *r);

/* pmap_table_pages - page-table pages the process holds (process space and every root); a
 * snapshot read without the lock. */
uint64_t pmap_table_pages(struct pmap *pm);

/* pmap_entry - the leaf entry for @va without changing anything: the page-level entry, or
 * the upper-level entry (a mark, or 0) where no table goes further; *@level (may be NULL)
 * gets the level it came from. */
uint64_t pmap_entry(struct pmap *pm, struct pmap_root *r, vaddr_t va, unsigned *level);

/* pmap_fault_entry - the page-level entry for @va, splitting upper-level marks on the way
 * (each split table holds the mark it replaced); *@leaf (may be NULL) gets its slot, or
 * table 0 when the walk stopped above the page level (an empty upper entry). 0 and
 * *@entry, or -QE_NOMEM. */
int pmap_fault_entry(struct pmap *pm, struct pmap_root *r, vaddr_t va, uint64_t *entry,
		     struct pmap_leaf *leaf);

/* pmap_leaf_entry - the entry in the slot @leaf names, read once without the lock (the
 * same guarantee as for pmap_leaf_install keeps the table there). */
uint64_t pmap_leaf_entry(const struct pmap_leaf *leaf);

/* pmap_leaf_install - install the present user leaf @entry (built with pte.h) in the slot
 * pmap_fault_entry found, if the slot still holds @expect (not present): a compare-and-swap
 * with no walk and no lock (the caller's address-space mutex keeps range operations away;
 * the only other writer of such a slot is eviction, which swaps too). 0, -QE_AGAIN (the
 * slot changed), -QE_INVAL (no slot, @expect present, @entry not a present user leaf). */
int pmap_leaf_install(const struct pmap_leaf *leaf, uint64_t expect, uint64_t entry);

/* pmap_enter - make @va present: @pa with protection @prot (PTE_PROT_*, user) and page
 * @type, its D bit set when @dirty (the frame holds what no zero fill or swap copy can make
 * again), if its page-level entry still equals @expect (a not-present value the caller
 * read). Makes missing tables. 0, -QE_AGAIN (the entry changed), -QE_NOMEM, -QE_INVAL. */
int pmap_enter(struct pmap *pm, struct pmap_root *r, vaddr_t va, paddr_t pa, unsigned prot,
	       unsigned type, bool dirty, uint64_t expect);

/* pmap_replace - set the page-level entry of @va to @new if it equals @old (compare and
 * swap; @new is any valid leaf: present, swap, transit, ...); invalidates the TLB. false,
 * changing nothing, when the entry is not @old or no table holds it. */
bool pmap_replace(struct pmap *pm, struct pmap_root *r, vaddr_t va, uint64_t old, uint64_t new);

/* pmap_test_clear_accessed - atomically clear the A bit of @va's leaf if it maps @pfn;
 * returns whether it was set. Lockless (it may run under the page-usage lock, which ranks
 * after the pmap lock): the caller guarantees the leaf's table stays allocated, which holds
 * while @pfn is tracked by the page-usage manager (tables are freed only after their pages
 * were released, and a release untracks the frame under that lock first). */
bool pmap_test_clear_accessed(struct pmap *pm, struct pmap_root *r, vaddr_t va, pfn_t pfn);

/* pmap_leaf_peek - the leaf entry of @va read once, lockless, under the same guarantee as
 * pmap_test_clear_accessed; 0 when no table holds it. */
uint64_t pmap_leaf_peek(struct pmap *pm, struct pmap_root *r, vaddr_t va);

/* pmap_range_np - store the not-present value @np (0, a demand or a guard mark) over
 * [@start, @end) (page-aligned, wholly below B or wholly at/above B): whole aligned 2 MiB /
 * 1 GiB areas (and 512 GiB ones in thread space) get one upper-level mark; every present or
 * swap leaf leaving the range goes to @release first. Runs of entries that already hold @np,
 * or one value that holds nothing, are stepped over at a string instruction's cost per entry
 * (no per-entry callback): a table of marks is cheap to pass. 0, -QE_NOMEM
 * (tables needed to split an area that is only partly covered), -QE_INVAL. */
int pmap_range_np(struct pmap *pm, struct pmap_root *r, vaddr_t start, vaddr_t end, uint64_t np,
		  pmap_release_fn release, void *ctx);

/* pmap_range_protect - give every present page and every mark in the range protection
 * @prot. 0, -QE_NOMEM (splitting a mark), -QE_INVAL. */
int pmap_range_protect(struct pmap *pm, struct pmap_root *r, vaddr_t start, vaddr_t end,
		       unsigned prot);

/* pmap_range_count - leaves of [@start, @end) by kind: present (*@present), swap entries
 * (*@swapped), and marks/none are not counted. For the console's process view. */
void pmap_range_count(struct pmap *pm, struct pmap_root *r, vaddr_t start, vaddr_t end,
		      uint64_t *present, uint64_t *swapped);

#endif
