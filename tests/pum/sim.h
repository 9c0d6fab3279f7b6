/*
 * sim.h - the page-usage harness: page-reference traces, a simulated machine that runs a
 * policy through the real pum interface (it sees only faults and sampled A/D bits), and
 * the reference simulators (Belady's OPT, exact LRU, FIFO) that see every reference.
 * Trace format and how traces are made: tests/pum/README.md.
 */
#ifndef QUIRE_PUM_SIM_H
#define QUIRE_PUM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pum/pum.h"

#define TRACE_WRITE 0x80000000u /* record bit 31: the page was written */
#define TRACE_PAGE(r) ((r) & ~TRACE_WRITE)
#define TRACE_MAGIC "QPT1"

/* A trace: dense page numbers 0..npages-1, one uint32 record per reference. */
struct trace {
	uint32_t *ref;
	size_t n;
	uint32_t npages;
	char name[64];
};

struct sim_opts {
	uint32_t nframes;       /* M: frames of the simulated machine */
	uint32_t tick_every;    /* K: the policy's tick() runs every K references (0: never) */
	const uint8_t *pinned;  /* [npages] nonzero: locked, never evictable; NULL: none */
};

struct sim_result {
	uint64_t faults;
	uint64_t writebacks;  /* dirty victims: a write to swap */
	uint64_t clean_drops; /* clean victims: no write (a clean swap copy, or re-creatable) */
	int error;            /* nonzero: the policy broke the contract; msg says how */
	char msg[160];
};

/* trace_load - read a trace file (gzip-compressed when it ends in .gz). Returns 0 or -1. */
int trace_load(const char *path, struct trace *t);

/* trace_save - write @t to @path (through gzip when it ends in .gz). Returns 0 or -1. */
int trace_save(const char *path, const struct trace *t);

/* trace_free - release @t's records. */
void trace_free(struct trace *t);

/* trace_push - append one reference (grows the array); returns 0 or -1. */
int trace_push(struct trace *t, size_t *cap, uint32_t page, bool write);

/* sim_policy - run @policy on @t with @o; a contract violation stops the run with error set. */
void sim_policy(const struct pum_policy *policy, const struct trace *t, const struct sim_opts *o,
		struct sim_result *r);

/* sim_opt - Belady's OPT (fewest faults; write-backs counted but not minimised). */
void sim_opt(const struct trace *t, uint32_t nframes, struct sim_result *r);

/* sim_lru - exact LRU, which sees every reference. */
void sim_lru(const struct trace *t, uint32_t nframes, struct sim_result *r);

/* sim_fifo - FIFO. */
void sim_fifo(const struct trace *t, uint32_t nframes, struct sim_result *r);

#endif
