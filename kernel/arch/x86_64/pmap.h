/*
 * pmap.h - the only code that writes page tables, CR3 and the TLB (Mach's pmap contract;
 * FreeBSD's sys/vm/pmap.h). Entries are built with pte.h, the one place that knows the
 * bits. Context: thread context, not from interrupt handlers.
 */
#ifndef QUIRE_ARCH_PMAP_H
#define QUIRE_ARCH_PMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/types.h"

#define PMAP_NPCID 4096

/* pmap_init_kernel - build the kernel's own tables (direct map of [0, @ram_top), W^X image), switch CR3, turn on PGE/SMEP/SMAP (and PCID when the CPU has it and @allow_pcid). Context: boot, once. */
void pmap_init_kernel(paddr_t ram_top, bool allow_pcid);

/* pmap_pcid_alloc - a TLB tag for a new address space (1..4095), or 0 (none left, or no PCID: flush on every switch). */
uint16_t pmap_pcid_alloc(void);

/* pmap_pcid_free - give a tag back (its stale entries are flushed when it is next used). */
void pmap_pcid_free(uint16_t pcid);

/* pmap_switch - load @root as the address space, tagged @pcid; @flush drops the tag's cached translations first. */
void pmap_switch(paddr_t root, uint16_t pcid, bool flush);

/* pmap_has_pcid - true when address spaces keep their TLB entries across switches. */
bool pmap_has_pcid(void);

/* pmap_kernel_root - physical address of the kernel PML4 (its upper half is shared by every address space). */
paddr_t pmap_kernel_root(void);

/*
 * pmap_enter - map the 4 KiB page at @va to @pa in the tables rooted at @root_pa, with
 * protection class @prot (PTE_PROT_*), user access when @user, page type @type.
 * Makes missing page tables. Returns 0, -ENOMEM when no frame is left for a table,
 * -EINVAL for a bad argument or a huge page in the way.
 */
int pmap_enter(paddr_t root_pa, vaddr_t va, paddr_t pa, unsigned prot, bool user, unsigned type);

/* pmap_remove - unmap @va; returns its old entry (0 when nothing was there). Flushes the TLB entry. */
uint64_t pmap_remove(paddr_t root_pa, vaddr_t va);

/* pmap_set_np - put the not-present value @entry (pte.h) at @va (making tables); for guard and demand marks. */
int pmap_set_np(paddr_t root_pa, vaddr_t va, uint64_t entry);

/* pmap_lookup - the leaf entry for @va (a huge-page entry counts), or 0; *level gets PTE_LEVEL_*. */
uint64_t pmap_lookup(paddr_t root_pa, vaddr_t va, unsigned *level);

/* pmap_free_user_tables - free every page-table page of the user half (slots 0..255); no leaf may still be present. */
void pmap_free_user_tables(paddr_t root_pa);

/* ---- user ranges (pmap_user.c) ---- */
#define USER_SPACE_END 0x0000800000000000ull

/* A present or swap leaf leaving a range: free what it holds. */
typedef void (*pmap_release_fn)(uint64_t entry, vaddr_t va, void *ctx);
/* Called for every page-level slot a visit covers (present or not); it may rewrite *entry. */
typedef void (*pmap_visit_fn)(uint64_t *entry, vaddr_t va, void *ctx);

/*
 * pmap_range_np - store the not-present value @np (NONE, DEMAND or GUARD) over the user range
 * [start, end): whole aligned 2 MiB / 1 GiB areas (and 512 GiB ones when @allow_top) get one
 * upper-level mark; leaves leaving the range go to @release. Returns 0, -ENOMEM, -EINVAL.
 */
int pmap_range_np(paddr_t root, vaddr_t start, vaddr_t end, uint64_t np, bool allow_top,
		  pmap_release_fn release, void *ctx);

/* pmap_fault_entry - the page-level entry for @va, splitting upper-level marks on the way (0 or -ENOMEM). */
int pmap_fault_entry(paddr_t root, vaddr_t va, uint64_t *entry);

/* pmap_range_protect - give every present page and every mark in the range protection @prot. */
int pmap_range_protect(paddr_t root, vaddr_t start, vaddr_t end, unsigned prot);

/* pmap_range_visit - call @fn for every page-level slot under existing tables in the range. */
void pmap_range_visit(paddr_t root, vaddr_t start, vaddr_t end, pmap_visit_fn fn, void *ctx);

/* pmap_leaf_ptr - the page-level slot for @va under existing tables (no splitting), or NULL. For the page-out path: the caller keeps the TLB right. */
uint64_t *pmap_leaf_ptr(paddr_t root, vaddr_t va);

/* pmap_set_reclaim_hook - called to free a frame (0: one was freed) when a page table finds none. */
void pmap_set_reclaim_hook(int (*fn)(void));

/* pmap_has_smep, pmap_has_smap - what the CPU offered and the kernel turned on. */
bool pmap_has_smep(void);
bool pmap_has_smap(void);

/* pmap_direct_map_bytes - how much of the physical address space the direct map covers. */
uint64_t pmap_direct_map_bytes(void);

#endif
