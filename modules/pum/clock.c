/*
 * clock.c - CLOCK (second chance): one hand sweeps the frames in frame-number order; a
 * tracked, evictable frame whose accessed bit is set gets it cleared and is passed over,
 * the first one found clear is the victim. 1 byte per frame. specs/pum.md, "clock".
 */
#include "pum/pum_priv.h"

#define CLOCK_TRACKED 0x01

struct clock_state {
	pfn_t hand;       /* next frame to look at */
	uint8_t *flags;   /* [nframes] CLOCK_TRACKED */
};

static size_t clock_mem_bytes(pfn_t nframes)
{
	return pum_round8(sizeof(struct clock_state)) + pum_round8(nframes);
}

static struct clock_state *clock_of(struct pum_state *s)
{
	return s->mem;
}

static int clock_init(struct pum_state *s)
{
	unsigned char *cur = s->mem;
	struct clock_state *c = pum_carve(&cur, sizeof *c);

	c->hand = 0;
	c->flags = pum_carve(&cur, s->nframes);
	return 0;
}

static void clock_mapped(struct pum_state *s, pfn_t pfn, uint64_t page_key)
{
	(void)page_key;
	clock_of(s)->flags[pfn] = CLOCK_TRACKED;
}

static void clock_freed(struct pum_state *s, pfn_t pfn)
{
	clock_of(s)->flags[pfn] = 0;
}

/*
 * clock_pick_victim - sweep at most two rounds: the first clears every accessed bit it
 * passes, so the second finds a victim unless nothing tracked is evictable.
 */
static pfn_t clock_pick_victim(struct pum_state *s)
{
	struct clock_state *c = clock_of(s);

	for (pfn_t step = 0; step < 2 * s->nframes + 1; step++) {
		pfn_t pfn = c->hand;

		c->hand = pfn + 1 == s->nframes ? 0 : pfn + 1;
		if (!(c->flags[pfn] & CLOCK_TRACKED) || !pum_usable(s, pfn))
			continue;
		if (pum_accessed(s, pfn))
			continue;
		c->flags[pfn] = 0;
		return pfn;
	}
	return FRAME_NONE;
}

const struct pum_policy pum_clock_policy = {
	.name = "clock",
	.summary = "second chance on sampled accessed bits; 1 byte/frame",
	.mem_bytes = clock_mem_bytes,
	.init = clock_init,
	.mapped = clock_mapped,
	.dirtied = NULL,
	.freed = clock_freed,
	.tick = NULL,
	.pick_victim = clock_pick_victim,
};
