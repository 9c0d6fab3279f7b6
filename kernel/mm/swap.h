/*
 * swap.h - swap space on a block device (cmdline `swap=hdb`) and the page-out path that
 * uses the page-usage manager (modules/pum) to pick victims from any process.
 * A page swapped in keeps its block while it stays clean: evicting it again unmodified
 * writes nothing (a "clean drop"). specs/swap.md.
 */
#ifndef QUIRE_MM_SWAP_H
#define QUIRE_MM_SWAP_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/types.h"

struct process;

struct swap_counters {
	uint64_t page_faults; /* user page faults, all processes */
	uint64_t swap_ins, swap_outs, clean_drops, write_backs, io_errors;
	uint64_t copies_dropped; /* clean copies released because swap ran short */
};

/* swap_init - open the swap device named on the command line and start the page-usage manager; no swap without `swap=`. */
void swap_init(const char *cmdline);

/* swap_enabled - true when a swap device is in use. */
bool swap_enabled(void);

/* swap_page_mapped - a user frame was just mapped (tell the page-usage manager). */
void swap_page_mapped(pfn_t pfn, vaddr_t va);

/* swap_page_freed - a user frame of @p is being unmapped for good: forget it, release its clean copy. */
void swap_page_freed(struct process *p, pfn_t pfn);

/* swap_entry_freed - a swap entry of @p leaves a page table (exit, area free): release its block. */
void swap_entry_freed(struct process *p, uint64_t entry);

/*
 * swap_alloc_frame - a USER frame, evicting pages when none is free. When RAM and swap are
 * both full, the process holding the most memory (frames + swap blocks) is killed; if that
 * is the caller's own process, FRAME_NONE comes back and the caller's fault kills it.
 */
pfn_t swap_alloc_frame(void);

/*
 * swap_in - read the page of @p at @va (under @root), whose PTE held swap @entry, into a
 * new frame; the PTE says "in transit" during the read and holds the entry again
 * afterwards, for the caller to map over. 0 and *pfn_out, or -QE_NOMEM, -QE_FAULT (disk
 * error), -QE_AGAIN (the entry changed meanwhile: take the fault again).
 */
int swap_in(struct process *p, paddr_t root, vaddr_t va, uint64_t entry, pfn_t *pfn_out);

/* swap_wait_transit - sleep until some swap I/O completes (a fault hit a page in transit). */
void swap_wait_transit(void);

/* swap_wait_idle - sleep until no swap I/O on @p's pages is under way (before it frees page tables). */
void swap_wait_idle(struct process *p);

/* swap_count_fault - one more user page fault (global counter). */
void swap_count_fault(void);

/* swap_counters_get - global counters. */
void swap_counters_get(struct swap_counters *out);

/* swap_free_blocks, swap_total_blocks - swap space accounting. */
uint64_t swap_free_blocks(void);
uint64_t swap_total_blocks(void);

#endif
