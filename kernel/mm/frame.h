/*
 * frame.h - the frame database and the physical frame allocator.
 *
 * One 16-byte record per physical frame, in an array indexed by frame number (the NT PFN
 * database idea; Linux's struct page is 64 bytes). Portable: the kernel feeds it the
 * Multiboot2 memory map (frame_boot.c), the host tests feed it made-up maps.
 * Layout and invariants: specs/frames.md.
 *
 *   struct frame (16 bytes)           FREE                 in use
 *   offset 0  u32 next_free/swap_copy   next free frame      swap block of a clean copy + 1 (0: none)
 *   offset 4  u32 prev_free/owner       previous free frame  owner address space id (0: kernel)
 *   offset 8  u64 info                  [3:0] state, [15:4] flags, [27:16] unused,
 *                                       [63:28] virtual page number of the one mapping
 * Lock legend: the free-list fields and the state under the frame lock (frame.c); an
 * allocated frame's other fields belong to whoever allocated it (the vm code that maps it,
 * under its rules: specs/concurrency.md).
 */
#ifndef QUIRE_MM_FRAME_H
#define QUIRE_MM_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/types.h"

struct frame {
	union {
		uint32_t next_free; /* FREE: the next frame on its free list (NIL: none) */
		uint32_t swap_copy; /* USER: swap block of a clean copy + 1 (0: none) */
	};
	union {
		uint32_t prev_free; /* FREE: the previous frame on its free list */
		uint32_t owner;     /* USER, mapped: owner id of the one mapping (a pid or a tid) */
	};
	uint64_t info;
};
_Static_assert(sizeof(struct frame) == 16, "a frame record is 16 bytes");

/* Frame states (info bits 3:0) */
enum frame_state {
	FRAME_ABSENT = 0,   /* not usable RAM: a hole, firmware, or a partial page */
	FRAME_FREE = 1,     /* on a free list */
	FRAME_RESERVED = 2, /* usable RAM kept out at boot: first MiB, kernel, boot data, this database */
	FRAME_KERNEL = 3,   /* kernel allocation: heap, stacks */
	FRAME_PAGETABLE = 4,/* a page-table page */
	FRAME_USER = 5,     /* a user page: owner and virtual page are valid */
	FRAME_STATE_COUNT = 6
};

#define FRAME_FLAG_DMA (1u << 0)    /* part of a DMA buffer: never evicted */
#define FRAME_FLAG_LOCKED (1u << 1) /* locked user page: never evicted */
#define FRAME_FLAG_MAPPED (1u << 2) /* the mapping fields are valid: freeing it is a bug */

#define FRAME_NONE ((pfn_t)-1)
#define FRAME_MAX_PFN 0xFFFFFFFEull /* 32-bit list links: up to 16 TiB of RAM */
#define FRAME_LOW_LIMIT_PA (16ull << 20) /* frames below 16 MiB are kept for DMA when possible */

struct frame_range {
	paddr_t start, end; /* [start, end) */
};

struct frame_stats {
	uint64_t nframes;               /* records in the database */
	uint64_t usable_bytes;          /* sum of the memory map's available ranges */
	uint64_t fragment_bytes;        /* usable bytes in partial pages at range edges */
	uint64_t by_state[FRAME_STATE_COUNT];
	uint64_t db_bytes;              /* size of the database itself */
};

/* frame_db_bytes - bytes the database needs for @nframes frames. */
size_t frame_db_bytes(pfn_t nframes);

/*
 * frame_db_init - set up the database in @db (frame_db_bytes(nframes) bytes) from the
 * @usable ranges (the memory map's available RAM) minus the @reserved ranges; every usable
 * whole page not reserved becomes FREE. Returns 0, or -1 if nframes is too large.
 */
int frame_db_init(struct frame *db, pfn_t nframes, const struct frame_range *usable, size_t nusable,
		  const struct frame_range *reserved, size_t nreserved);

/* frame_alloc - one free frame, given @state (KERNEL, PAGETABLE or USER); FRAME_NONE if none. O(1). */
pfn_t frame_alloc(enum frame_state state);

/* frame_alloc_contig - @n contiguous frames; 0 and *out = first, or -1. O(frames). */
int frame_alloc_contig(size_t n, enum frame_state state, pfn_t *out);

/* frame_alloc_dma - @n contiguous frames ending at or below @limit_pa, first one aligned to @align (power of two, bytes); flagged DMA. */
int frame_alloc_dma(size_t n, paddr_t limit_pa, paddr_t align, pfn_t *out);

/* frame_free - give back one allocated, unmapped frame. O(1). Panics on a double free or a mapped frame. */
void frame_free(pfn_t pfn);

/* frame_free_contig - give back @n frames from @pfn. */
void frame_free_contig(pfn_t pfn, size_t n);

/* frame_free_count - frames on the free lists. */
uint64_t frame_free_count(void);

/* frame_nframes - records in the database (frame numbers run from 0 to this - 1). O(1). */
pfn_t frame_nframes(void);

/* frame_get - the record of @pfn, or NULL if out of range. */
struct frame *frame_get(pfn_t pfn);

/* frame_state - the state of @pfn (FRAME_ABSENT when out of range). */
enum frame_state frame_state(pfn_t pfn);

/* frame_set_mapping - record the one mapping of a USER frame: owner address space and virtual address. */
void frame_set_mapping(pfn_t pfn, uint32_t owner, vaddr_t va);

/* frame_clear_mapping - the frame is mapped nowhere now. */
void frame_clear_mapping(pfn_t pfn);

/* frame_owner, frame_va - the recorded mapping of a USER frame. */
uint32_t frame_owner(pfn_t pfn);
vaddr_t frame_va(pfn_t pfn);

/* frame_stats - counts by state and the accounting of usable memory. O(1): the counts are
 * kept as frames change state. */
void frame_stats(struct frame_stats *out);

/* frame_state_name - "free", "kernel", ... */
const char *frame_state_name(enum frame_state s);

#endif
