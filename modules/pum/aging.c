/*
 * aging.c - an LRU approximation a kernel can run: each tick shifts every tracked frame's
 * 8-bit age right and puts the sampled accessed bit in bit 7; the victim is a frame of the
 * smallest age (ties: the next one after the hand); ages also shift every nframes/8
 * victims, so rare ticks do not stop the clock. 2 bytes per frame plus a 1 KiB age
 * histogram that finds the smallest age without a full sweep. specs/pum.md, "aging".
 */
#include "pum/pum_priv.h"

#define AGING_TRACKED 0x01
#define AGING_PENDING 0x02 /* accessed bit seen between ticks: goes into the next tick */
#define AGING_NEW 0x80     /* a fault is a reference: a new page starts as just used */
#define AGING_PICKS_DIV 8  /* ages shift every nframes/8 victims as well as every tick */

struct aging_state {
	pfn_t hand;
	pfn_t picks;       /* victims since the ages were last shifted */
	uint8_t *age;      /* [nframes] */
	uint8_t *flags;    /* [nframes] */
	uint32_t *count;   /* [256] tracked frames by age */
};

static size_t aging_mem_bytes(pfn_t nframes)
{
	return pum_round8(sizeof(struct aging_state)) + 2 * pum_round8(nframes) +
	       256 * sizeof(uint32_t);
}

static struct aging_state *aging_of(struct pum_state *s)
{
	return s->mem;
}

static int aging_init(struct pum_state *s)
{
	unsigned char *cur = s->mem;
	struct aging_state *a = pum_carve(&cur, sizeof *a);

	a->hand = 0;
	a->age = pum_carve(&cur, s->nframes);
	a->flags = pum_carve(&cur, s->nframes);
	a->count = pum_carve(&cur, 256 * sizeof(uint32_t));
	return 0;
}

static void aging_mapped(struct pum_state *s, pfn_t pfn, uint64_t page_key)
{
	struct aging_state *a = aging_of(s);

	(void)page_key;
	a->flags[pfn] = AGING_TRACKED;
	a->age[pfn] = AGING_NEW;
	a->count[AGING_NEW]++;
}

static void aging_forget(struct aging_state *a, pfn_t pfn)
{
	a->count[a->age[pfn]]--;
	a->flags[pfn] = 0;
	a->age[pfn] = 0;
}

static void aging_freed(struct pum_state *s, pfn_t pfn)
{
	struct aging_state *a = aging_of(s);

	if (a->flags[pfn] & AGING_TRACKED)
		aging_forget(a, pfn);
}

/* aging_tick - shift every tracked frame's age, sampling (and clearing) its accessed bit. */
static void aging_tick(struct pum_state *s)
{
	struct aging_state *a = aging_of(s);

	a->picks = 0;
	for (int i = 0; i < 256; i++)
		a->count[i] = 0;
	for (pfn_t pfn = 0; pfn < s->nframes; pfn++) {
		uint8_t f = a->flags[pfn];

		if (!(f & AGING_TRACKED))
			continue;
		bool ref = (f & AGING_PENDING) || pum_accessed(s, pfn);
		a->age[pfn] = (uint8_t)((a->age[pfn] >> 1) | (ref ? 0x80 : 0));
		a->flags[pfn] = AGING_TRACKED;
		a->count[a->age[pfn]]++;
	}
}

/* aging_skip - @pfn is not a candidate now: untracked, unevictable or referenced since the tick. */
static bool aging_skip(struct pum_state *s, struct aging_state *a, pfn_t pfn)
{
	if (!(a->flags[pfn] & AGING_TRACKED) || (a->flags[pfn] & AGING_PENDING))
		return true;
	if (!pum_usable(s, pfn))
		return true;
	if (pum_accessed(s, pfn)) {
		a->flags[pfn] |= AGING_PENDING;
		return true;
	}
	return false;
}

/* aging_min_age - the smallest age any tracked frame has (256 when none is tracked). */
static int aging_min_age(const struct aging_state *a)
{
	int m = 0;

	while (m < 256 && a->count[m] == 0)
		m++;
	return m;
}

/* aging_fallback - the evictable tracked frame of least age, pending ones last; a full sweep. */
static pfn_t aging_fallback(struct pum_state *s, struct aging_state *a)
{
	pfn_t best = FRAME_NONE;
	int best_age = 512;

	for (pfn_t pfn = 0; pfn < s->nframes; pfn++) {
		if (!(a->flags[pfn] & AGING_TRACKED) || !pum_usable(s, pfn))
			continue;
		int age = a->age[pfn] + ((a->flags[pfn] & AGING_PENDING) ? 256 : 0);
		if (age < best_age) {
			best_age = age;
			best = pfn;
		}
	}
	return best;
}

/*
 * aging_pick_victim - a frame of the least age after the hand. Ages are also shifted every
 * nframes/AGING_PICKS_DIV victims: when ticks are rare next to evictions (a thrashing
 * machine), ages would otherwise stop meaning anything and aging collapse to a sweep.
 */
static pfn_t aging_pick_victim(struct pum_state *s)
{
	struct aging_state *a = aging_of(s);

	if (++a->picks >= (s->nframes / AGING_PICKS_DIV ? s->nframes / AGING_PICKS_DIV : 1))
		aging_tick(s);
	int m = aging_min_age(a);
	pfn_t victim = FRAME_NONE;

	for (pfn_t step = 0; m < 256 && step < s->nframes; step++) {
		pfn_t pfn = a->hand;

		a->hand = pfn + 1 == s->nframes ? 0 : pfn + 1;
		if (a->age[pfn] == m && !aging_skip(s, a, pfn)) {
			victim = pfn;
			break;
		}
	}
	if (victim == FRAME_NONE)
		victim = aging_fallback(s, a);
	if (victim != FRAME_NONE)
		aging_forget(a, victim);
	return victim;
}

const struct pum_policy pum_aging_policy = {
	.name = "aging",
	.summary = "LRU approximation: 8-bit age shifted each tick; 2 bytes/frame",
	.mem_bytes = aging_mem_bytes,
	.init = aging_init,
	.mapped = aging_mapped,
	.dirtied = NULL,
	.freed = aging_freed,
	.tick = aging_tick,
	.pick_victim = aging_pick_victim,
};
