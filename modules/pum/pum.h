/*
 * pum.h - the page-usage manager: interchangeable eviction policies behind one small ops
 * table. The kernel (or the host harness) tells a policy when a frame is mapped, dirtied
 * and freed, calls tick() periodically so it can sample accessed bits, and asks it which
 * frame goes next. Portable C11: built into the freestanding kernel and the host harness.
 * Interface, per-frame costs and invariants: specs/pum.md.
 *
 * What a policy may see (exactly what a kernel sees):
 *   events      mapped (a fault installed a page), dirtied (a write fault), freed (unmap)
 *   sampling    env->test_and_clear_accessed / is_dirty / evictable, at tick and when
 *               choosing a victim; never every reference
 *   memory      one zeroed block of pum_mem_bytes(policy, nframes) bytes, owned by it
 */
#ifndef QUIRE_PUM_H
#define QUIRE_PUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/frame.h" /* FRAME_NONE */
#include "lib/types.h"

/*
 * The environment: callbacks into whoever owns the page tables (the kernel's pmap through
 * the frame database's one mapping, or the harness's simulated page table, tests/pum/simenv.c).
 * Every callback is about the one mapping of a frame the policy tracks; exact meaning:
 * specs/pum.md, "The environment".
 * test_and_clear_accessed: the A bit of @pfn's mapping; clears it (the TLB entry is the
 *     callee's business). is_dirty: evicting @pfn now would cost a write (D bit set, or no
 *     clean swap copy and not re-creatable). evictable: false for locked pages, DMA
 *     buffers, special mappings; a policy never returns such a frame. page_key: the key
 *     pum_mapped was given for @pfn's page (owner << 35 | virtual page number).
 * Context: called with the page-usage lock held; must not sleep. All four are required.
 */
struct pum_env {
	bool (*test_and_clear_accessed)(void *ctx, pfn_t pfn);
	bool (*is_dirty)(void *ctx, pfn_t pfn);
	bool (*evictable)(void *ctx, pfn_t pfn);
	uint64_t (*page_key)(void *ctx, pfn_t pfn);
	void *ctx;
};

/* pum_page_key - the page key the kernel passes: address space @owner, virtual address @va. */
static inline uint64_t pum_page_key(uint32_t owner, uint64_t va)
{
	return ((uint64_t)owner << 35) | (va >> 12);
}

struct pum_policy;

/* One instance of a policy. The policy's own state lives in mem (per-frame arrays and globals). */
struct pum_state {
	const struct pum_policy *policy;
	struct pum_env env;
	pfn_t nframes;  /* frames 0..nframes-1 may be reported */
	void *mem;      /* pum_mem_bytes(policy, nframes) bytes, zeroed by the caller */
	pfn_t nresident;/* frames mapped and not freed or picked: kept by pum.c */
};

/*
 * The ops table. Every hook is called through the pum_* wrappers below, which validate the
 * pfn and keep nresident. A page key names a page's content across evictions (owner
 * address space and virtual page; the harness uses the trace's page number): policies with
 * non-resident history remember evicted keys.
 */
struct pum_policy {
	const char *name;
	const char *summary;
	size_t (*mem_bytes)(pfn_t nframes);
	int (*init)(struct pum_state *s);
	void (*mapped)(struct pum_state *s, pfn_t pfn, uint64_t page_key);
	void (*dirtied)(struct pum_state *s, pfn_t pfn);
	void (*freed)(struct pum_state *s, pfn_t pfn);
	void (*tick)(struct pum_state *s);
	pfn_t (*pick_victim)(struct pum_state *s);
};

/* pum_find - the policy called @name ("clock", "aging", "hotcold", ...), or NULL. */
const struct pum_policy *pum_find(const char *name);

/* pum_default - the documented default policy (specs/pum.md says why). */
const struct pum_policy *pum_default(void);

/* pum_policy_at - the @i-th registered policy, NULL past the end (for listing them). */
const struct pum_policy *pum_policy_at(size_t i);

/* pum_mem_bytes - bytes of zeroed memory @policy needs to manage @nframes frames. */
size_t pum_mem_bytes(const struct pum_policy *policy, pfn_t nframes);

/*
 * pum_init - start @policy in @s over frames 0..@nframes-1 with @env, in @mem (@mem_bytes
 * bytes, zeroed, at least pum_mem_bytes(); 8-byte aligned). Returns 0, or -1 if an argument
 * is invalid (nothing changed).
 */
int pum_init(struct pum_state *s, const struct pum_policy *policy, pfn_t nframes,
	     const struct pum_env *env, void *mem, size_t mem_bytes);

/* pum_mapped - @pfn now holds page @page_key, mapped once (after a fault or swap-in). */
void pum_mapped(struct pum_state *s, pfn_t pfn, uint64_t page_key);

/* pum_dirtied - the kernel learned that @pfn was written (a write fault); a hint. */
void pum_dirtied(struct pum_state *s, pfn_t pfn);

/* pum_freed - @pfn is unmapped for good (munmap, exit): forget it, keep no history. */
void pum_freed(struct pum_state *s, pfn_t pfn);

/* pum_tick - periodic sampling hook (a timer tick or the page-out thread's wake-up). */
void pum_tick(struct pum_state *s);

/*
 * pum_pick_victim - the frame to evict next; it stops being tracked (call pum_mapped again
 * if the eviction is abandoned). FRAME_NONE when no tracked frame is evictable.
 * Keeps: the result is tracked and env->evictable() was true for it.
 */
pfn_t pum_pick_victim(struct pum_state *s);

#endif
