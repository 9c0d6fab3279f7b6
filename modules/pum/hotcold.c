/*
 * hotcold.c - the default policy: a hot and a cold CLOCK with refault-distance admission
 * and a dirty-aware cold hand (in the family of CLOCK-Pro, CAR and Linux's workingset).
 *   cold  new pages; a page whose accessed bit is seen twice while cold is promoted
 *   hot   at most c - c/HC_COLD_DIV frames; the hot hand demotes frames not referenced since
 *         it last passed, only to make room
 *   shadow one 32-bit entry per frame, keyed by a hash of the page key: the eviction count
 *         when the page left. A page that faults back within c evictions (it would have
 *         stayed with twice the memory) enters hot directly: this is what holds a loop
 *         slightly larger than memory, which defeats CLOCK and LRU.
 *   dirty an unreferenced dirty cold page is passed over once: clean pages go first.
 * 17 bytes per frame. specs/pum.md, "hotcold".
 */
#include "pum/pum_priv.h"

#define HC_NIL 0xFFFFFFFFu
#define HC_COLD_DIV 16 /* the cold clock's share of the resident frames: at least c/16 */
#define HC_PROBE_STEPS 2 /* hot frames a refault may look at to find room */

#define HC_TRACKED 0x01
#define HC_HOT 0x02
#define HC_SEEN 0x04  /* accessed bit seen once while cold: one more promotes */
#define HC_REF 0x08   /* referenced since the hand last passed */
#define HC_DSKIP 0x10 /* dirty and passed over once by the cold hand */

#define HC_STAMP_BITS 20
#define HC_STAMP_MASK ((1u << HC_STAMP_BITS) - 1)

struct hc_list {
	uint32_t head; /* the hand: the next frame it looks at; HC_NIL if empty */
	uint32_t n;
};

struct hc_state {
	struct hc_list cold, hot;
	uint32_t evictions; /* the shadow clock */
	uint32_t *next, *prev; /* [nframes] circular list links */
	uint32_t *keyh;        /* [nframes] hash of the resident page's key */
	uint32_t *shadow;      /* [nframes] tag (high 12 bits) | eviction stamp (low 20) */
	uint8_t *flags;        /* [nframes] */
};

static size_t hc_mem_bytes(pfn_t nframes)
{
	return pum_round8(sizeof(struct hc_state)) + 4 * pum_round8(nframes * 4) +
	       pum_round8(nframes);
}

static struct hc_state *hc_of(struct pum_state *s)
{
	return s->mem;
}

static int hc_init(struct pum_state *s)
{
	unsigned char *cur = s->mem;
	struct hc_state *h = pum_carve(&cur, sizeof *h);

	h->cold = (struct hc_list){ HC_NIL, 0 };
	h->hot = (struct hc_list){ HC_NIL, 0 };
	h->evictions = 0;
	h->next = pum_carve(&cur, s->nframes * 4);
	h->prev = pum_carve(&cur, s->nframes * 4);
	h->keyh = pum_carve(&cur, s->nframes * 4);
	h->shadow = pum_carve(&cur, s->nframes * 4);
	h->flags = pum_carve(&cur, s->nframes);
	return 0;
}

/* hc_add_tail - put @p just behind the hand of @l (it is looked at last). */
static void hc_add_tail(struct hc_state *h, struct hc_list *l, uint32_t p)
{
	if (l->head == HC_NIL) {
		h->next[p] = h->prev[p] = p;
		l->head = p;
	} else {
		uint32_t tail = h->prev[l->head];
		h->next[tail] = p;
		h->prev[p] = tail;
		h->next[p] = l->head;
		h->prev[l->head] = p;
	}
	l->n++;
}

static void hc_del(struct hc_state *h, struct hc_list *l, uint32_t p)
{
	if (h->next[p] == p) {
		l->head = HC_NIL;
	} else {
		h->next[h->prev[p]] = h->next[p];
		h->prev[h->next[p]] = h->prev[p];
		if (l->head == p)
			l->head = h->next[p];
	}
	l->n--;
}

static struct hc_list *hc_list_of(struct hc_state *h, uint32_t p)
{
	return (h->flags[p] & HC_HOT) ? &h->hot : &h->cold;
}

/* hc_hot_max - how many frames may be hot with @c resident. */
static uint32_t hc_hot_max(pfn_t c)
{
	pfn_t cold = c / HC_COLD_DIV;

	return (uint32_t)(c - (cold > 0 ? cold : 1));
}

/* hc_demote_one - the hot hand: move the first hot frame not referenced since it last passed to cold. */
static bool hc_demote_one(struct pum_state *s, struct hc_state *h)
{
	for (uint32_t step = 0; h->hot.n > 0 && step < 2 * h->hot.n + 1; step++) {
		uint32_t p = h->hot.head;

		if (pum_usable(s, p) && pum_accessed(s, p))
			h->flags[p] |= HC_REF;
		if ((h->flags[p] & HC_REF) || !pum_usable(s, p)) {
			h->flags[p] &= (uint8_t)~HC_REF;
			h->hot.head = h->next[p];
			continue;
		}
		hc_del(h, &h->hot, p);
		h->flags[p] = HC_TRACKED | HC_SEEN;
		hc_add_tail(h, &h->cold, p);
		return true;
	}
	return false;
}

/* hc_promote - cold @p was referenced again while cold: make it hot, demoting if full. */
static void hc_promote(struct pum_state *s, struct hc_state *h, uint32_t p)
{
	if (h->hot.n >= hc_hot_max(s->nresident) && !hc_demote_one(s, h))
		return;
	hc_del(h, &h->cold, p);
	h->flags[p] = HC_TRACKED | HC_HOT | HC_REF;
	hc_add_tail(h, &h->hot, p);
}

/* hc_observe - @p's accessed bit was seen set (by the tick or a hand). */
static void hc_observe(struct pum_state *s, struct hc_state *h, uint32_t p)
{
	h->flags[p] = (uint8_t)((h->flags[p] | HC_REF) & ~HC_DSKIP);
	if (h->flags[p] & HC_HOT)
		return;
	if (h->flags[p] & HC_SEEN)
		hc_promote(s, h, p);
	else
		h->flags[p] |= HC_SEEN;
}

/* hc_refault - @keyh left memory less than @c evictions ago (its shadow says so); forgets it. */
static bool hc_refault(struct hc_state *h, pfn_t nframes, uint32_t keyh, pfn_t c)
{
	uint32_t *e = &h->shadow[keyh % nframes];

	if (*e == 0 || (*e & ~HC_STAMP_MASK) != (keyh & ~HC_STAMP_MASK))
		return false;
	uint32_t dist = (h->evictions - *e) & HC_STAMP_MASK;
	*e = 0;
	return dist <= c;
}

/*
 * hc_stale_hot - the hot hand moves up to HC_PROBE_STEPS frames, passing over (and
 * clearing) referenced ones; returns the first frame not referenced since it last passed,
 * or HC_NIL. Hot frames still in use keep their place: a loop's hot part is not displaced.
 */
static uint32_t hc_stale_hot(struct pum_state *s, struct hc_state *h)
{
	for (int step = 0; step < HC_PROBE_STEPS && h->hot.n > 0; step++) {
		uint32_t p = h->hot.head;

		if (pum_usable(s, p) && pum_accessed(s, p))
			h->flags[p] |= HC_REF;
		if (!(h->flags[p] & HC_REF) && pum_usable(s, p))
			return p;
		h->flags[p] &= (uint8_t)~HC_REF;
		h->hot.head = h->next[p];
	}
	return HC_NIL;
}

/* hc_probe_hot - room in hot for a refaulting page: free, or by demoting a stale hot frame. */
static bool hc_probe_hot(struct pum_state *s, struct hc_state *h)
{
	if (h->hot.n < hc_hot_max(s->nresident))
		return true;
	uint32_t p = hc_stale_hot(s, h);
	if (p == HC_NIL)
		return false;
	hc_del(h, &h->hot, p);
	h->flags[p] = HC_TRACKED | HC_SEEN;
	hc_add_tail(h, &h->cold, p);
	return true;
}

static void hc_mapped(struct pum_state *s, pfn_t pfn, uint64_t page_key)
{
	struct hc_state *h = hc_of(s);
	uint32_t p = (uint32_t)pfn;

	h->keyh[p] = pum_hash32(page_key);
	if (hc_refault(h, s->nframes, h->keyh[p], s->nresident) && hc_probe_hot(s, h)) {
		h->flags[p] = HC_TRACKED | HC_HOT;
		hc_add_tail(h, &h->hot, p);
	} else {
		h->flags[p] = HC_TRACKED;
		hc_add_tail(h, &h->cold, p);
	}
}

static void hc_freed(struct pum_state *s, pfn_t pfn)
{
	struct hc_state *h = hc_of(s);
	uint32_t p = (uint32_t)pfn;

	if (!(h->flags[p] & HC_TRACKED))
		return;
	hc_del(h, hc_list_of(h, p), p);
	h->flags[p] = 0;
}

/* hc_tick - sample every tracked frame's accessed bit. */
static void hc_tick(struct pum_state *s)
{
	struct hc_state *h = hc_of(s);

	for (pfn_t pfn = 0; pfn < s->nframes; pfn++)
		if ((h->flags[pfn] & HC_TRACKED) && pum_accessed(s, pfn))
			hc_observe(s, h, (uint32_t)pfn);
}

/* hc_evict - @p leaves: remember when in its shadow entry. */
static pfn_t hc_evict(struct hc_state *h, pfn_t nframes, uint32_t p)
{
	hc_del(h, hc_list_of(h, p), p);
	h->flags[p] = 0;
	h->shadow[h->keyh[p] % nframes] = (h->keyh[p] & ~HC_STAMP_MASK) | (h->evictions & HC_STAMP_MASK);
	h->evictions++;
	return p;
}

/* hc_cold_step - the cold hand looks at its frame: evicts it, or passes it over. */
static bool hc_cold_step(struct pum_state *s, struct hc_state *h, uint32_t p)
{
	if (!pum_usable(s, p)) {
		h->cold.head = h->next[p];
		return false;
	}
	if (pum_accessed(s, p)) {
		hc_observe(s, h, p);
		if (h->flags[p] & HC_HOT)
			return false;
	}
	if (h->flags[p] & HC_REF) {
		h->flags[p] &= (uint8_t)~HC_REF;
	} else if (!(h->flags[p] & HC_DSKIP) && pum_dirty(s, p)) {
		h->flags[p] |= HC_DSKIP;
	} else {
		return true;
	}
	h->cold.head = h->next[p];
	return false;
}

/* hc_any_hot - last resort when no cold frame will do: the first evictable hot frame. */
static pfn_t hc_any_hot(struct pum_state *s, struct hc_state *h)
{
	uint32_t p = h->hot.head;

	for (uint32_t i = 0; i < h->hot.n; i++, p = h->next[p])
		if (pum_usable(s, p))
			return hc_evict(h, s->nframes, p);
	return FRAME_NONE;
}

static pfn_t hc_pick_victim(struct pum_state *s)
{
	struct hc_state *h = hc_of(s);
	uint32_t unusable = 0;

	while (h->hot.n > hc_hot_max(s->nresident) && hc_demote_one(s, h))
		;
	for (uint32_t step = 0; step < 4 * (h->cold.n + h->hot.n) + 4; step++) {
		if ((h->cold.n == 0 || unusable >= h->cold.n) && !hc_demote_one(s, h))
			break;
		uint32_t p = h->cold.head;
		if (hc_cold_step(s, h, p))
			return hc_evict(h, s->nframes, p);
		unusable = pum_usable(s, p) ? 0 : unusable + 1;
	}
	return hc_any_hot(s, h);
}

const struct pum_policy pum_hotcold_policy = {
	.name = "hotcold",
	.summary = "hot/cold clocks, refault-distance admission, clean-first cold hand; 17 bytes/frame",
	.mem_bytes = hc_mem_bytes,
	.init = hc_init,
	.mapped = hc_mapped,
	.dirtied = NULL,
	.freed = hc_freed,
	.tick = hc_tick,
	.pick_victim = hc_pick_victim,
};
