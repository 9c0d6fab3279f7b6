/*
 * sim.h - the page-usage harness: page-reference traces, a simulated machine that runs a
 * policy through the real pum interface the way the kernel does (faults, sampled A/D bits,
 * a timer tick tied to simulated time, a page-out thread between watermarks, direct
 * reclaim), and the reference simulators (Belady's OPT, exact LRU, FIFO) that see every
 * reference. Trace format, time model and how traces are made: tests/pum/README.md.
 */
#ifndef QUIRE_PUM_SIM_H
#define QUIRE_PUM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pum/pum.h"

#define TRACE_WRITE 0x80000000u /* record bit 31: the page was written */
#define TRACE_PAGE(r) ((r) & ~TRACE_WRITE)
#define TRACE_MAGIC "QPT2"
#define TRACE_OWNER_SHIFT 35 /* page key = owner << 35 | vpn, as the kernel passes it */
#define TRACE_KEY(owner, vpn) (((uint64_t)(owner) << TRACE_OWNER_SHIFT) | (uint64_t)(vpn))

/*
 * A trace: dense page numbers 0..npages-1, one uint32 record per reference; key[p] is page
 * p's page key (owner << 35 | virtual page number); events is how many memory events of
 * the program the records stand for (the time base: tests/pum/README.md).
 */
struct trace {
	uint32_t *ref;
	size_t n;
	uint32_t npages;
	uint64_t *key;   /* [npages] */
	uint64_t events;
	char name[64];
};

/*
 * The machine and its time model. All times in nanoseconds of simulated time; every
 * reference costs ns_per_ref, a fault on a page never seen before ns_minor, a fault on a
 * page that was evicted ns_major, a dirty victim taken by direct reclaim ns_major more.
 * tick_ns: pum_tick() and the page-out thread run every tick_ns (0: never).
 * wm_low/wm_high: the page-out thread evicts while fewer than wm_high frames are free,
 * starting when fewer than wm_low are (both 0: no page-out thread, direct reclaim only).
 */
struct sim_opts {
	uint32_t nframes;       /* M: frames of the simulated machine */
	uint64_t ns_per_ref;
	uint64_t ns_minor, ns_major;
	uint64_t tick_ns;
	uint32_t wm_low, wm_high;
	const uint8_t *pinned;  /* [npages] nonzero: locked, never evictable; NULL: none */
};

struct sim_result {
	uint64_t faults;
	uint64_t writebacks;  /* victims whose eviction cost a write */
	uint64_t clean_drops; /* victims dropped without a write */
	uint64_t ticks, direct; /* ticks run; evictions by direct reclaim */
	int error;            /* nonzero: the policy broke the contract; msg says how */
	char msg[160];
};

/* trace_load - read a trace file (gzip-compressed when it ends in .gz). Returns 0 or -1. */
int trace_load(const char *path, struct trace *t);

/* trace_save - write @t to @path (through gzip when it ends in .gz). Returns 0 or -1. */
int trace_save(const char *path, const struct trace *t);

/* trace_free - release @t's records and keys. */
void trace_free(struct trace *t);

/* trace_push - append one reference to dense page @page (grows the array); 0 or -1. */
int trace_push(struct trace *t, size_t *cap, uint32_t page, bool write);

/* trace_default_keys - give pages without keys the key (owner 1, vpn 0x400 + page); 0 or -1. */
int trace_default_keys(struct trace *t);

/*
 * sim_default_opts - the kernel-like machine of tests/pum/README.md for @t on @nframes
 * frames: 20 ms ticks, watermarks 64/128 frames per 8192 scaled to @nframes.
 */
void sim_default_opts(struct sim_opts *o, const struct trace *t, uint32_t nframes);

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
