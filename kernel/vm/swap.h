/*
 * swap.h - swap space on a block device (cmdline `swap=hdb`) and the page-out path that
 * uses the page-usage manager (modules/pum) to pick victims from any process.
 * A page swapped in keeps its block while it stays clean: evicting it again unmodified
 * writes nothing (a "clean drop"). specs/swap.md. The paths that evict and swap in are
 * vm-internal (vm_internal.h); this is what the rest of the kernel sees.
 */
#ifndef QUIRE_VM_SWAP_H
#define QUIRE_VM_SWAP_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/types.h"

struct swap_counters {
	uint64_t page_faults; /* user page faults, all processes */
	uint64_t swap_ins, swap_outs, clean_drops, write_backs, io_errors;
	uint64_t copies_dropped; /* clean copies released because swap ran short */
	uint64_t zero_drops;     /* never-written pages dropped back to demand (no block, no write) */
	uint64_t write_requests; /* disk writes: each carries one page or a cluster of adjacent ones */
	uint64_t read_requests;  /* disk reads: a faulting page, with its readahead when there is some */
	uint64_t readahead;      /* pages brought in beside a faulting one (counted in swap_ins too) */
};

/* swap_init - open the swap device named on the command line (`swap=`), start the page-usage
 * manager (`pum=`) and the page-out thread; no swap without `swap=`. Context: boot, threads running. */
void swap_init(const char *cmdline);

/* swap_enabled - true when a swap device is in use. */
bool swap_enabled(void);

/* swap_fault_count - user page faults of all processes (vm_fault counts them here). */
extern uint64_t swap_fault_count;

/* swap_counters_get - a snapshot of the global counters. */
void swap_counters_get(struct swap_counters *out);

/* swap_free_blocks, swap_total_blocks - swap space accounting. */
uint64_t swap_free_blocks(void);
uint64_t swap_total_blocks(void);

#endif
