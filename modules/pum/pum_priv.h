/*
 * pum_priv.h - what the policy files share and nothing else includes: the policy table
 * entries, carving a policy's memory block into arrays, and the page-key hash.
 * The public interface is pum.h; specs/pum.md describes each policy's layout.
 */
#ifndef QUIRE_PUM_PRIV_H
#define QUIRE_PUM_PRIV_H

#include "pum/pum.h"

extern const struct pum_policy pum_clock_policy;
extern const struct pum_policy pum_aging_policy;
extern const struct pum_policy pum_hotcold_policy;
extern const struct pum_policy pum_refault_policy;

/* pum_round8 - @n rounded up to a multiple of 8 (every array in a block starts aligned). */
static inline size_t pum_round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* pum_carve - the next @nbytes of the block at *@cursor (8-byte aligned); advances it. */
static inline void *pum_carve(unsigned char **cursor, size_t nbytes)
{
	void *p = *cursor;
	*cursor += pum_round8(nbytes);
	return p;
}

/* pum_hash32 - a 32-bit mix of a page key (murmur3's finaliser): spreads owner and vpn bits. */
static inline uint32_t pum_hash32(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ull;
	key ^= key >> 33;
	return (uint32_t)key;
}

/* pum_usable - @pfn may be returned as a victim: the environment says it is evictable. */
static inline bool pum_usable(const struct pum_state *s, pfn_t pfn)
{
	return s->env.evictable(s->env.ctx, pfn);
}

/* pum_accessed - test and clear @pfn's accessed bit through the environment. */
static inline bool pum_accessed(const struct pum_state *s, pfn_t pfn)
{
	return s->env.test_and_clear_accessed(s->env.ctx, pfn);
}

/* pum_dirty - evicting @pfn now would cost a write. */
static inline bool pum_dirty(const struct pum_state *s, pfn_t pfn)
{
	return s->env.is_dirty(s->env.ctx, pfn);
}

/* pum_key - the page key of @pfn's mapping (what pum_mapped was told). */
static inline uint64_t pum_key(const struct pum_state *s, pfn_t pfn)
{
	return s->env.page_key(s->env.ctx, pfn);
}

#endif
