/*
 * pte.h - the page-table entry as a record: the one module that knows its bit layout
 * (Mach's pmap lesson). Everyone else builds and reads entries only through these functions.
 * Pure bit manipulation on uint64_t, no asm: compiled on the host and tested there
 * (tests/host/test_pte.c). The layout and its invariants: specs/pte.md.
 */
#ifndef QUIRE_ARCH_PTE_H
#define QUIRE_ARCH_PTE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/qerror.h"
#include "lib/types.h"

#define PTE_EINVAL (-QE_INVAL) /* reserved type/prot/kind, misaligned address, bad flags/level */
#define PTE_ERANGE (-QE_RANGE) /* physical address or swap block too large */

/* Page-table levels: the entry at level L maps 4 KiB << (9 * (L - 1)). */
#define PTE_LEVEL_PT 1   /* PTE: 4 KiB page */
#define PTE_LEVEL_PD 2   /* PDE: 2 MiB area */
#define PTE_LEVEL_PDPT 3 /* PDPTE: 1 GiB area */
#define PTE_LEVEL_PML4 4 /* PML4E: 512 GiB area */
#define PTE_LEVEL_BYTES(level) (PAGE_SIZE << (9 * ((level) - 1)))

/*
 * Present entry (P = 1): Intel's bits, plus the page type in the available bits 9-11.
 *
 *   63  62       52 51                                   12 11  9 8 7 6 5 4 3 2 1 0
 *  +--+-----------+---------------------------------------+-----+-+-+-+-+-+-+-+-+-+
 *  |NX| 0 (rsvd)  | physical address bits 51:12           |type |G|S|D|A|C|T|U|W|1|
 *  +--+-----------+---------------------------------------+-----+-+-+-+-+-+-+-+-+-+
 *   S = PS in a PDE/PDPTE (a 2 MiB / 1 GiB leaf: pte_make_huge), PAT in a PTE
 *   C = PCD, T = PWT, U = US, W = RW.  type: enum pte_type below.
 */
#define PTE_P (1ull << 0)    /* present */
#define PTE_RW (1ull << 1)   /* writable */
#define PTE_US (1ull << 2)   /* user may access */
#define PTE_PWT (1ull << 3)  /* write-through */
#define PTE_PCD (1ull << 4)  /* cache disabled */
#define PTE_A (1ull << 5)    /* accessed (set by the CPU) */
#define PTE_D (1ull << 6)    /* dirty (set by the CPU; leaf only) */
#define PTE_PS (1ull << 7)   /* page size, in a PDE/PDPTE */
#define PTE_PAT (1ull << 7)  /* PAT index bit, in a PTE */
#define PTE_G (1ull << 8)    /* global (leaf only) */
#define PTE_NX (1ull << 63)  /* no execute (EFER.NXE is on) */
#define PTE_TYPE_SHIFT 9
#define PTE_TYPE_MASK (7ull << PTE_TYPE_SHIFT)            /* bits 9-11 */
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ull               /* bits 12-51 */
#define PTE_RSVD_MASK 0x7FF0000000000000ull               /* bits 52-62: kept zero */
#define PTE_HW_MASK (PTE_P | PTE_RW | PTE_US | PTE_PWT | PTE_PCD | PTE_A | PTE_D | PTE_PS | \
		     PTE_G | PTE_NX)
/* Flags a caller may pass to pte_make_present (P is added anyway). */
#define PTE_LEAF_FLAGS (PTE_P | PTE_RW | PTE_US | PTE_PWT | PTE_PCD | PTE_A | PTE_D | PTE_PAT | \
			PTE_G | PTE_NX)
#define PTE_PA_LIMIT (1ull << 52) /* first physical address an entry cannot hold */

_Static_assert(PTE_ADDR_MASK == (((1ull << 52) - 1) & ~PAGE_MASK), "address is bits 12-51");
_Static_assert(PTE_TYPE_MASK == 0xE00ull, "type is bits 9-11");
_Static_assert(PTE_RSVD_MASK == (((1ull << 63) - 1) & ~((1ull << 52) - 1)), "rsvd 52-62");
_Static_assert((PTE_HW_MASK & PTE_TYPE_MASK) == 0 && (PTE_HW_MASK & PTE_ADDR_MASK) == 0 &&
		       (PTE_HW_MASK & PTE_RSVD_MASK) == 0 && (PTE_TYPE_MASK & PTE_ADDR_MASK) == 0 &&
		       (PTE_TYPE_MASK & PTE_RSVD_MASK) == 0 && (PTE_ADDR_MASK & PTE_RSVD_MASK) == 0,
	       "present fields do not overlap");
_Static_assert((PTE_HW_MASK | PTE_TYPE_MASK | PTE_ADDR_MASK | PTE_RSVD_MASK) == ~0ull,
	       "present fields cover all 64 bits");

/* Page type of a present entry (bits 9-11). */
enum pte_type {
	PTE_TYPE_NORMAL = 0,  /* normal RAM: may be paged out */
	PTE_TYPE_LOCKED = 1,  /* locked RAM: never paged out */
	PTE_TYPE_DMA = 2,     /* locked RAM in a DMA buffer */
	PTE_TYPE_FILE = 3,    /* page of a mapped file */
	PTE_TYPE_SPECIAL = 4, /* MMIO, framebuffer, ROM: no frame record behind it */
	PTE_TYPE_COUNT = 5,   /* 5-7 reserved: refused by the constructors */
	PTE_TYPE_INVALID = 8, /* what pte_type returns for a not-present entry */
};

/* Protection class: what a page may do once present (W^X: there is no RWX). */
enum pte_prot {
	PTE_PROT_R = 0,       /* read-only, no execute */
	PTE_PROT_RW = 1,      /* read-write, no execute */
	PTE_PROT_RX = 2,      /* read and execute */
	PTE_PROT_INVALID = 3, /* reserved; also returned for entries that have no class */
};

/*
 * Not-present entry (P = 0): bits 63-1 are one 63-bit value v = pte >> 1.
 *
 *   63                                                                 3 2   1 0
 *  +--------------------------------------------------------------------+-----+-+
 *  | n: kind (61 bits)                                                   |prot |0|
 *  +--------------------------------------------------------------------+-----+-+
 *   n = 0 none (whole entry 0) | 1 demand (zero-fill) | 2 file page | 3 guard (prot 0)
 *   n = 4..15 reserved         | n >= 16: swap block n - 16 (largest 2^61 - 17)
 *   Upper levels (PDE, PDPTE, PML4E) may hold only none, demand and guard: the mark
 *   covers the whole 2 MiB / 1 GiB / 512 GiB area.
 */
#define PTE_NP_PROT_BITS 2
#define PTE_NP_PROT_MASK 3ull
#define PTE_NP_KIND_SHIFT (1 + PTE_NP_PROT_BITS) /* n starts at bit 3 of the entry */
#define PTE_NP_N_MAX ((1ull << 61) - 1)
#define PTE_SWAP_FIRST 16ull                              /* n of swap block 0 */
#define PTE_SWAP_BLOCK_MAX (PTE_NP_N_MAX - PTE_SWAP_FIRST) /* 2^61 - 17 */
#define PTE_SWAP_NONE UINT64_MAX /* what pte_swap_block returns for a non-swap entry */

_Static_assert(PTE_NP_KIND_SHIFT + 61 == 64, "n fills bits 3-63");
_Static_assert((PTE_NP_N_MAX << PTE_NP_KIND_SHIFT >> PTE_NP_KIND_SHIFT) == PTE_NP_N_MAX,
	       "the largest n survives the shift");
_Static_assert(PTE_SWAP_BLOCK_MAX == (1ull << 61) - 17, "largest swap block");

/* What a not-present entry means (the value n, classified). */
enum pte_np_kind {
	PTE_NP_NONE = 0,     /* a fault here is an error */
	PTE_NP_DEMAND = 1,   /* allocate a zeroed frame on the first touch */
	PTE_NP_FILE = 2,     /* page of a mapped file, not in memory */
	PTE_NP_GUARD = 3,    /* a fault here is a stack overflow */
	PTE_NP_TRANSIT = 4,  /* the page is being written to or read from swap: wait, retry */
	PTE_NP_SWAP = 16,    /* the page is in swap block pte_swap_block() */
	PTE_NP_INVALID = -1, /* present, reserved n or prot, or not allowed at this level */
};

static inline uint64_t pte_np_encode(uint64_t n, unsigned prot)
{
	return (n << PTE_NP_KIND_SHIFT) | ((uint64_t)prot << 1);
}

/* pte_is_present - true when the CPU uses this entry (P = 1). */
static inline bool pte_is_present(uint64_t e) { return (e & PTE_P) != 0; }

/* ---- present entries ---- */

/* pte_prot_flags - present-entry flags for protection class @prot, with US when @user. */
static inline int pte_prot_flags(unsigned prot, bool user, uint64_t *flags)
{
	uint64_t us = user ? PTE_US : 0;
	switch (prot) {
	case PTE_PROT_R: *flags = PTE_NX | us; return 0;
	case PTE_PROT_RW: *flags = PTE_RW | PTE_NX | us; return 0;
	case PTE_PROT_RX: *flags = us; return 0;
	default: return PTE_EINVAL;
	}
}

/*
 * pte_make_present - a 4 KiB leaf entry mapping @pa with @flags (PTE_LEAF_FLAGS only) and
 * page @type. Fails with PTE_EINVAL for a misaligned @pa, a reserved @type, unknown flags
 * or RW without NX (W^X), PTE_ERANGE for @pa >= 2^52; *@out is written only on success.
 */
static inline int pte_make_present(paddr_t pa, uint64_t flags, unsigned type, uint64_t *out)
{
	if (pa & PAGE_MASK)
		return PTE_EINVAL;
	if (pa >= PTE_PA_LIMIT)
		return PTE_ERANGE;
	if (type >= PTE_TYPE_COUNT || (flags & ~PTE_LEAF_FLAGS))
		return PTE_EINVAL;
	if ((flags & PTE_RW) && !(flags & PTE_NX))
		return PTE_EINVAL;
	*out = pa | ((uint64_t)type << PTE_TYPE_SHIFT) | flags | PTE_P;
	return 0;
}

/*
 * pte_make_table - an upper-level entry pointing at the table at @table_pa: RW, executable,
 * US when @user (the leaf decides the real rights). Fails like pte_make_present.
 */
static inline int pte_make_table(paddr_t table_pa, bool user, uint64_t *out)
{
	if (table_pa & PAGE_MASK)
		return PTE_EINVAL;
	if (table_pa >= PTE_PA_LIMIT)
		return PTE_ERANGE;
	*out = table_pa | PTE_P | PTE_RW | (user ? PTE_US : 0);
	return 0;
}

/*
 * pte_make_huge - a 2 MiB (@level PTE_LEVEL_PD) or 1 GiB (PTE_LEVEL_PDPT) leaf: PS set, else
 * as pte_make_present. PTE_EINVAL also for another @level or @pa not aligned to the area.
 */
static inline int pte_make_huge(paddr_t pa, uint64_t flags, unsigned type, unsigned level,
				uint64_t *out)
{
	uint64_t e;
	if (level != PTE_LEVEL_PD && level != PTE_LEVEL_PDPT)
		return PTE_EINVAL;
	if (pa & (PTE_LEVEL_BYTES(level) - 1))
		return PTE_EINVAL;
	int err = pte_make_present(pa, flags | PTE_PS, type, &e);
	if (err == 0)
		*out = e;
	return err;
}

/* pte_pa - the physical address in a present entry (0 when not present). */
static inline paddr_t pte_pa(uint64_t e) { return pte_is_present(e) ? e & PTE_ADDR_MASK : 0; }

/* pte_pfn - the frame number in a present entry (0 when not present). */
static inline pfn_t pte_pfn(uint64_t e) { return PA_TO_PFN(pte_pa(e)); }

/* pte_type - the page type of a present entry; PTE_TYPE_INVALID when not present. */
static inline unsigned pte_type(uint64_t e)
{
	if (!pte_is_present(e))
		return PTE_TYPE_INVALID;
	return (unsigned)((e & PTE_TYPE_MASK) >> PTE_TYPE_SHIFT);
}

static inline bool pte_hw_bit(uint64_t e, uint64_t bit) { return pte_is_present(e) && (e & bit); }

/* pte_is_writable - present and RW (false when not present, as for all pte_is_ below). */
static inline bool pte_is_writable(uint64_t e) { return pte_hw_bit(e, PTE_RW); }

/* pte_is_user - present and US. */
static inline bool pte_is_user(uint64_t e) { return pte_hw_bit(e, PTE_US); }

/* pte_is_nx - present and NX. */
static inline bool pte_is_nx(uint64_t e) { return pte_hw_bit(e, PTE_NX); }

/* pte_is_accessed - present and A (the CPU read or wrote through it). */
static inline bool pte_is_accessed(uint64_t e) { return pte_hw_bit(e, PTE_A); }

/* pte_is_dirty - present and D (the CPU wrote through it). */
static inline bool pte_is_dirty(uint64_t e) { return pte_hw_bit(e, PTE_D); }

/* pte_is_global - present and G. */
static inline bool pte_is_global(uint64_t e) { return pte_hw_bit(e, PTE_G); }

/* pte_is_huge - present upper-level entry with PS: a 2 MiB / 1 GiB leaf, not a table. */
static inline bool pte_is_huge(uint64_t e) { return pte_hw_bit(e, PTE_PS); }

static inline uint64_t pte_hw_change(uint64_t e, uint64_t set, uint64_t clear)
{
	return pte_is_present(e) ? (e | set) & ~clear : e;
}

/* pte_set_accessed - @e with A set; a not-present entry is returned unchanged. */
static inline uint64_t pte_set_accessed(uint64_t e) { return pte_hw_change(e, PTE_A, 0); }

/* pte_clear_accessed - @e with A clear; a not-present entry is returned unchanged. */
static inline uint64_t pte_clear_accessed(uint64_t e) { return pte_hw_change(e, 0, PTE_A); }

/* pte_set_dirty - @e with D set; a not-present entry is returned unchanged. */
static inline uint64_t pte_set_dirty(uint64_t e) { return pte_hw_change(e, PTE_D, 0); }

/* pte_clear_dirty - @e with D clear; a not-present entry is returned unchanged. */
static inline uint64_t pte_clear_dirty(uint64_t e) { return pte_hw_change(e, 0, PTE_D); }

/* pte_with_type - the present entry @e with page type @type (A, D and the rest kept); a
 * not-present entry or a reserved @type gives @e unchanged. */
static inline uint64_t pte_with_type(uint64_t e, unsigned type)
{
	if (!pte_is_present(e) || type >= PTE_TYPE_COUNT)
		return e;
	return (e & ~PTE_TYPE_MASK) | ((uint64_t)type << PTE_TYPE_SHIFT);
}

/* pte_allows - the present user entry @e lets an access with @write / @fetch through. */
static inline bool pte_allows(uint64_t e, bool write, bool fetch)
{
	return pte_is_present(e) && pte_is_user(e) && (!write || pte_is_writable(e)) && (!fetch || !pte_is_nx(e));
}

/* pte_present_prot - the protection class of a present leaf (what swap-out keeps). */
static inline unsigned pte_present_prot(uint64_t e)
{
	if (!pte_is_present(e) || ((e & PTE_RW) && !(e & PTE_NX)))
		return PTE_PROT_INVALID;
	if (e & PTE_RW)
		return PTE_PROT_RW;
	return (e & PTE_NX) ? PTE_PROT_R : PTE_PROT_RX;
}

/* ---- not-present entries ---- */

/* pte_make_none - the empty entry: a fault here is an error. Valid at every level. */
static inline uint64_t pte_make_none(void) { return 0; }

/* pte_make_guard - a guard page / area (prot 0): a fault names a stack overflow. Any level. */
static inline uint64_t pte_make_guard(void) { return pte_np_encode(PTE_NP_GUARD, 0); }

/* pte_make_transit - a page-level entry for a page whose swap I/O is under way (prot 0). */
static inline uint64_t pte_make_transit(void) { return pte_np_encode(PTE_NP_TRANSIT, 0); }

/* pte_make_demand - zero-fill on first touch, then @prot. Any level. PTE_EINVAL: bad prot. */
static inline int pte_make_demand(unsigned prot, uint64_t *out)
{
	if (prot >= PTE_PROT_INVALID)
		return PTE_EINVAL;
	*out = pte_np_encode(PTE_NP_DEMAND, prot);
	return 0;
}

/* pte_make_file_np - a mapped-file page not in memory, @prot once read. Page level only. */
static inline int pte_make_file_np(unsigned prot, uint64_t *out)
{
	if (prot >= PTE_PROT_INVALID)
		return PTE_EINVAL;
	*out = pte_np_encode(PTE_NP_FILE, prot);
	return 0;
}

/*
 * pte_make_swap - the page is in swap @block, @prot once read back. Page level only.
 * Fails with PTE_ERANGE for @block > PTE_SWAP_BLOCK_MAX, PTE_EINVAL for a bad @prot.
 */
static inline int pte_make_swap(uint64_t block, unsigned prot, uint64_t *out)
{
	if (block > PTE_SWAP_BLOCK_MAX)
		return PTE_ERANGE;
	if (prot >= PTE_PROT_INVALID)
		return PTE_EINVAL;
	*out = pte_np_encode(PTE_SWAP_FIRST + block, prot);
	return 0;
}

/*
 * pte_np_kind - what the not-present entry @e at @level means. PTE_NP_INVALID for a present
 * entry, a reserved n or prot, none/guard with prot != 0, or file/swap above PTE_LEVEL_PT.
 */
static inline int pte_np_kind(uint64_t e, unsigned level)
{
	uint64_t n = e >> PTE_NP_KIND_SHIFT;
	unsigned prot = (unsigned)((e >> 1) & PTE_NP_PROT_MASK);

	if (pte_is_present(e) || prot == PTE_PROT_INVALID || level < PTE_LEVEL_PT ||
	    level > PTE_LEVEL_PML4)
		return PTE_NP_INVALID;
	if ((n == PTE_NP_NONE || n == PTE_NP_GUARD || n == PTE_NP_TRANSIT) && prot != 0)
		return PTE_NP_INVALID;
	if (n == PTE_NP_NONE || n == PTE_NP_DEMAND || n == PTE_NP_GUARD)
		return (int)n;
	if (level != PTE_LEVEL_PT || (n > PTE_NP_TRANSIT && n < PTE_SWAP_FIRST))
		return PTE_NP_INVALID;
	if (n == PTE_NP_TRANSIT)
		return PTE_NP_TRANSIT;
	return n == PTE_NP_FILE ? PTE_NP_FILE : PTE_NP_SWAP;
}

/* pte_np_prot - the protection class kept in a not-present entry; INVALID when present. */
static inline unsigned pte_np_prot(uint64_t e)
{
	if (pte_is_present(e))
		return PTE_PROT_INVALID;
	return (unsigned)((e >> 1) & PTE_NP_PROT_MASK);
}

/* pte_np_set_prot - give the not-present entry *@e (demand, file or swap) protection @prot;
 * PTE_EINVAL for another kind or a bad @prot (*@e unchanged). */
static inline int pte_np_set_prot(uint64_t *e, unsigned prot)
{
	uint64_t n = *e >> PTE_NP_KIND_SHIFT;
	if (pte_is_present(*e) || prot >= PTE_PROT_INVALID || n == PTE_NP_NONE || n == PTE_NP_GUARD ||
	    n == PTE_NP_TRANSIT || (n > PTE_NP_TRANSIT && n < PTE_SWAP_FIRST))
		return PTE_EINVAL;
	*e = pte_np_encode(n, prot);
	return 0;
}

/* pte_swap_block - the swap block of a page-level swap entry; PTE_SWAP_NONE otherwise. */
static inline uint64_t pte_swap_block(uint64_t e)
{
	if (pte_np_kind(e, PTE_LEVEL_PT) != PTE_NP_SWAP)
		return PTE_SWAP_NONE;
	return (e >> PTE_NP_KIND_SHIFT) - PTE_SWAP_FIRST;
}

/* ---- table summaries (pmap's bookkeeping in bits the CPU ignores) ----
 *
 * A present upper-level entry that points at a table may carry, in its bits 52-62 (which
 * the CPU ignores in a non-leaf entry), a summary of that table: bit k (entry bit 52 + k)
 * set means entries [47k, 47k + 47) of the table may hold something (a present page, a swap
 * block or a table); clear means every one of them is a mark or empty. Bits are set when an
 * entry starts to hold something and only cleared with the table, so they may say "may"
 * where nothing is left. pmap keeps the same format, in a word of its own, for tables that
 * no entry of a table points at (a thread's PML4, a process space's PDPTs).
 */
#define PTE_SUM_SHIFT 52
#define PTE_SUM_BITS 11
#define PTE_SUM_GROUP 47 /* entries per bit: ceil(512 / 11) */
#define PTE_SUM_MASK (0x7FFull << PTE_SUM_SHIFT)
_Static_assert(PTE_SUM_MASK == PTE_RSVD_MASK, "the summary is the present entry's bits 52-62");
_Static_assert(PTE_SUM_GROUP * PTE_SUM_BITS >= 512 && PTE_SUM_GROUP * (PTE_SUM_BITS - 1) < 512,
	       "11 groups of 47 cover a table's 512 entries");

/* pte_sum_bit - the summary bit of the group holding entry @index (0..511) of a table. */
static inline uint64_t pte_sum_bit(unsigned index)
{
	return 1ull << (PTE_SUM_SHIFT + index / PTE_SUM_GROUP);
}

/* pte_sum_group_set - true when group @g (0..10) of summary word @sum may hold something. */
static inline bool pte_sum_group_set(uint64_t sum, unsigned g)
{
	return (sum >> (PTE_SUM_SHIFT + g)) & 1;
}

/* ---- any entry ---- */

/*
 * pte_check - 0 when @e may be stored at @level, else PTE_EINVAL. Present: bits 52-62 zero
 * (a table pointer's summary excepted), type not reserved, a leaf has no RWX; above
 * PTE_LEVEL_PT either a table pointer (type 0)
 * or, in a PDE/PDPTE, a huge leaf aligned to its area. Not present: pte_np_kind is valid.
 */
static inline int pte_check(uint64_t e, unsigned level)
{
	if (level < PTE_LEVEL_PT || level > PTE_LEVEL_PML4)
		return PTE_EINVAL;
	if (!pte_is_present(e))
		return pte_np_kind(e, level) == PTE_NP_INVALID ? PTE_EINVAL : 0;
	if (level != PTE_LEVEL_PT && !(e & PTE_PS)) /* table pointer: may carry a summary */
		return pte_type(e) == PTE_TYPE_NORMAL ? 0 : PTE_EINVAL;
	if ((e & PTE_RSVD_MASK) || pte_type(e) >= PTE_TYPE_COUNT)
		return PTE_EINVAL;
	if (level == PTE_LEVEL_PML4 || (level != PTE_LEVEL_PT &&
					(pte_pa(e) & (PTE_LEVEL_BYTES(level) - 1))))
		return PTE_EINVAL;
	return pte_present_prot(e) == PTE_PROT_INVALID ? PTE_EINVAL : 0;
}

#endif
