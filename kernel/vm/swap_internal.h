/*
 * swap_internal.h - what swap.c (blocks, the staging buffer, swap-in with readahead, the
 * page-out thread) and swap_evict.c (eviction in clusters) share; nothing else includes it.
 * specs/swap.md describes both; the lock legend is at the top of swap.c.
 */
#ifndef QUIRE_VM_SWAP_INTERNAL_H
#define QUIRE_VM_SWAP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/layout.h"
#include "dev/blockdev.h"
#include "sched/sched.h"
#include "vm/swap.h"
#include "vm/vm_internal.h"

#define SECTORS_PER_BLOCK (PAGE_SIZE / BLOCKDEV_SECTOR_SIZE)

extern struct blockdev *swap_dev;        /* (c) NULL: no swap */
extern struct swap_counters swap_cnt;    /* atomic adds (swap_count) */
extern struct waitq swap_transit_wait;   /* faults waiting for a page in transit */

/* swap_count - add one to counter @c (atomic). */
static inline void swap_count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* swap_blocks_alloc - up to @n adjacent free blocks, from the allocation hint on; the first
 * in *@first. Returns how many (at least one), or 0 when swap is full. Never sleeps. */
unsigned swap_blocks_alloc(unsigned n, uint64_t *first);

/* swap_drop_clean_copies - swap ran short: release some blocks that only hold copies of
 * pages still in RAM (a bounded pass from where the last one stopped). How many came back. */
uint64_t swap_drop_clean_copies(void);

/* swap_stage_get - the staging buffer (SWAP_CLUSTER pages, physically contiguous, usable
 * for DMA in place) for one request, or NULL when another request has it (the caller then
 * moves its pages one at a time). swap_stage_put gives it back. Never sleeps. */
uint8_t *swap_stage_get(void);
void swap_stage_put(void);

/* swap_evict_init - eviction's command-line options (`debug.swap_skip_write`). Boot. */
void swap_evict_init(const char *cmdline);

/* swap_io - move @n blocks from @block to or from @buf (@n pages). 0 or -QE_IO. May sleep. */
int swap_io(uint64_t block, unsigned n, void *buf, bool write);

#endif
