/*
 * refault.c - the default policy: a hot and a cold CLOCK kept as two FIFO queues, with
 * refault-distance admission (CLOCK-Pro's and LIRS's hot/cold split, Linux's workingset
 * shadow entries) and bounded hands. 8 bytes per frame: a 4-byte queue link, a flags byte
 * and 1.5 two-byte shadow entries. specs/pum.md, "refault".
 *   cold   new pages, c/8 of the resident frames (at least 1); the cold hand evicts a cold
 *          page whose A bit it finds clear (passing an unreferenced dirty one over once)
 *          and promotes one whose A bit it finds set a second time
 *   hot    the rest; the hot hand demotes frames it finds unreferenced, only to make room
 *   shadow an evicted page's key hash and coarse eviction time. A page that faults back
 *          within c evictions (it would have stayed with twice the memory) enters hot if
 *          there is room or the hot hand finds a stale hot frame within 2 steps: what holds
 *          a loop slightly larger than memory, on which CLOCK, LRU and FIFO fault every time
 * Queues are singly linked; a freed frame stays in its queue as a tombstone that the next
 * hand to reach it drops, and a frame whose status changed is moved by the hand that meets it.
 */
#include "pum/pum_priv.h"

#define RF_NIL 0xFFFFFFFFu
#define RF_COLD_DIV 8     /* the cold queue's share of the resident frames */
#define RF_PROBE_STEPS 2  /* hot frames a refault may look at to find room */
#define RF_PICK_BUDGET 512 /* frames the hands may look at per pick; choosy for the first half */
#define RF_PROMOTE_STEPS 8 /* hot frames a promotion may look at to make room */

/* flags: status bits, then the queue the frame is physically in (it may lag the status) */
#define RF_TRACKED 0x01
#define RF_HOT 0x02
#define RF_SEEN 0x04  /* A bit seen once while cold: once more promotes */
#define RF_REF 0x08   /* referenced since a hand last passed */
#define RF_DSKIP 0x10 /* dirty and passed over once by the cold hand */
#define RF_INQ 0xC0   /* the queue it is in: 0 none, RF_QCOLD, RF_QHOT */
#define RF_QCOLD 0x40
#define RF_QHOT 0x80

/* shadow entry (16 bits): [15:8] tag (1..255; 0 = empty), [7:0] coarse eviction time */
#define RF_SH_TIME 0x00FFu

enum { RF_COLD, RF_HOTQ };

struct rf_queue {
	uint32_t head, tail; /* RF_NIL when empty; the hand is the head */
	uint32_t len;        /* frames physically in it (tombstones and movers included) */
};

struct rf_state {
	struct rf_queue q[2];  /* [RF_COLD], [RF_HOTQ] */
	uint32_t ncold, nhot;  /* tracked frames by status */
	uint32_t evictions;    /* the shadow clock */
	uint32_t time_shift;   /* coarse time = evictions >> time_shift */
	uint32_t nshadow;
	uint32_t budget;       /* frames the hands may still look at in this call */
	uint32_t *next;        /* [nframes] queue links */
	uint8_t *flags;        /* [nframes] */
	uint16_t *shadow;      /* [nshadow] */
};

static size_t rf_nshadow(pfn_t nframes)
{
	return (size_t)nframes + nframes / 2;
}

static size_t rf_mem_bytes(pfn_t nframes)
{
	return pum_round8(sizeof(struct rf_state)) + pum_round8(nframes * 4) + pum_round8(nframes) +
	       pum_round8(rf_nshadow(nframes) * 2);
}

static struct rf_state *rf_of(struct pum_state *s)
{
	return s->mem;
}

static int rf_init(struct pum_state *s)
{
	unsigned char *cur = s->mem;
	struct rf_state *a = pum_carve(&cur, sizeof *a);

	for (int i = 0; i < 2; i++)
		a->q[i] = (struct rf_queue){ RF_NIL, RF_NIL, 0 };
	a->next = pum_carve(&cur, s->nframes * 4);
	a->flags = pum_carve(&cur, s->nframes);
	a->nshadow = (uint32_t)rf_nshadow(s->nframes);
	a->shadow = pum_carve(&cur, a->nshadow * 2);
	while (((uint64_t)256 << a->time_shift) < 4 * (uint64_t)s->nframes)
		a->time_shift++; /* 256 coarse ticks span at least 4 * nframes evictions */
	return 0;
}

/* rf_push - put @p at the tail of queue @qi: its hand reaches it last. */
static void rf_push(struct rf_state *a, int qi, uint32_t p)
{
	struct rf_queue *q = &a->q[qi];

	a->next[p] = RF_NIL;
	if (q->tail == RF_NIL)
		q->head = p;
	else
		a->next[q->tail] = p;
	q->tail = p;
	q->len++;
	a->flags[p] = (uint8_t)((a->flags[p] & ~RF_INQ) | (qi == RF_HOTQ ? RF_QHOT : RF_QCOLD));
}

/* rf_pop - take the frame under the hand of queue @qi; RF_NIL if it is empty. */
static uint32_t rf_pop(struct rf_state *a, int qi)
{
	struct rf_queue *q = &a->q[qi];
	uint32_t p = q->head;

	if (p == RF_NIL)
		return RF_NIL;
	q->head = a->next[p];
	if (q->head == RF_NIL)
		q->tail = RF_NIL;
	q->len--;
	a->flags[p] &= (uint8_t)~RF_INQ;
	return p;
}

/* rf_c - the resident frames (at least 1). */
static uint32_t rf_c(const struct pum_state *s)
{
	return (uint32_t)(s->nresident > 0 ? s->nresident : 1);
}

/* rf_hot_max - how many frames may be hot: c less the cold share (at least one cold frame). */
static uint32_t rf_hot_max(const struct pum_state *s)
{
	uint32_t c = rf_c(s), cold = c / RF_COLD_DIV;

	return c - (cold > 0 ? cold : 1);
}

/* rf_make_hot, rf_make_cold - change @p's status; counts follow, its queue lags until a hand moves it. */
static void rf_make_hot(struct rf_state *a, uint32_t p)
{
	a->ncold--;
	a->nhot++;
	a->flags[p] = (uint8_t)((a->flags[p] | RF_HOT | RF_REF) & ~(RF_SEEN | RF_DSKIP));
}

static void rf_make_cold(struct rf_state *a, uint32_t p)
{
	a->nhot--;
	a->ncold++;
	a->flags[p] = (uint8_t)((a->flags[p] & ~(RF_HOT | RF_REF)) | RF_SEEN);
}

/*
 * rf_hot_step - the hot hand looks at its frame: a tombstone is dropped, a cold frame goes to
 * the cold queue, a referenced or unusable one goes round again (A and REF cleared). Returns
 * the frame (out of every queue) if it is hot, usable and unreferenced, else RF_NIL.
 * @force: take it even if referenced (the hand has been patient long enough).
 */
static uint32_t rf_hot_step(struct pum_state *s, struct rf_state *a, bool force)
{
	uint32_t p = rf_pop(a, RF_HOTQ);

	a->budget -= a->budget > 0;
	if (p == RF_NIL || !(a->flags[p] & RF_TRACKED))
		return RF_NIL;
	if (!(a->flags[p] & RF_HOT)) {
		rf_push(a, RF_COLD, p);
		return RF_NIL;
	}
	bool usable = pum_usable(s, p);
	if (usable && pum_accessed(s, p))
		a->flags[p] |= RF_REF;
	if (!usable || ((a->flags[p] & RF_REF) && !force)) {
		a->flags[p] &= (uint8_t)~RF_REF;
		rf_push(a, RF_HOTQ, p);
		return RF_NIL;
	}
	return p;
}

/* rf_patient - the hands still pass referenced frames over (the first half of the budget). */
static bool rf_patient(const struct rf_state *a)
{
	return a->budget > RF_PICK_BUDGET / 2;
}

/*
 * rf_demote - the hot hand moves one hot frame to the cold queue: the first unreferenced one
 * within @steps (and the budget), or with @force once the hands are no longer patient, the
 * first usable one. False if none moved.
 */
static bool rf_demote(struct pum_state *s, struct rf_state *a, uint32_t steps, bool force)
{
	for (uint32_t i = 0; i < steps && a->q[RF_HOTQ].len > 0 && a->budget > 0; i++) {
		uint32_t p = rf_hot_step(s, a, force && !rf_patient(a));
		if (p == RF_NIL)
			continue;
		rf_make_cold(a, p);
		rf_push(a, RF_COLD, p);
		return true;
	}
	return false;
}

/* rf_demote_any - make room in hot within what is left of the budget. */
static bool rf_demote_any(struct pum_state *s, struct rf_state *a)
{
	return rf_demote(s, a, RF_PICK_BUDGET, true);
}

/* rf_observe - cold @p's A bit was seen set by the cold hand: a second sighting promotes it
 * if hot has room or the hot hand finds an unreferenced frame within RF_PROMOTE_STEPS. */
static void rf_observe(struct pum_state *s, struct rf_state *a, uint32_t p)
{
	a->flags[p] = (uint8_t)((a->flags[p] | RF_REF) & ~RF_DSKIP);
	if (!(a->flags[p] & RF_SEEN)) {
		a->flags[p] |= RF_SEEN;
		return;
	}
	if (a->nhot < rf_hot_max(s) || rf_demote(s, a, RF_PROMOTE_STEPS, false))
		rf_make_hot(a, p);
}

/* rf_tag - the 8-bit tag of a key hash kept in its shadow entry (1..255: 0 is empty). */
static uint16_t rf_tag(uint32_t h)
{
	return (uint16_t)((1u + (h >> 24) % 255u) << 8);
}

static uint16_t rf_now(const struct rf_state *a)
{
	return (uint16_t)((a->evictions >> a->time_shift) & RF_SH_TIME);
}

/* rf_refault - the page of key hash @h left memory at most @c evictions ago; forgets its entry. */
static bool rf_refault(struct rf_state *a, uint32_t h, uint32_t c)
{
	uint16_t *e = &a->shadow[h % a->nshadow];

	if (*e == 0 || (*e & ~RF_SH_TIME) != rf_tag(h))
		return false;
	uint32_t dist = (uint32_t)((rf_now(a) - *e) & RF_SH_TIME) << a->time_shift;
	*e = 0;
	return dist <= c;
}

/* rf_room_in_hot - room in hot for a refaulting page: free, or a stale hot frame within a few steps. */
static bool rf_room_in_hot(struct pum_state *s, struct rf_state *a)
{
	return a->nhot < rf_hot_max(s) || rf_demote(s, a, RF_PROBE_STEPS, false);
}

static void rf_mapped(struct pum_state *s, pfn_t pfn, uint64_t page_key)
{
	struct rf_state *a = rf_of(s);
	uint32_t p = (uint32_t)pfn;

	if (a->flags[p] & RF_TRACKED) /* mapped twice without a free or a pick: keep counts right */
		(a->flags[p] & RF_HOT) ? a->nhot-- : a->ncold--;
	a->flags[p] = (uint8_t)((a->flags[p] & RF_INQ) | RF_TRACKED);
	a->ncold++;
	a->budget = RF_PROBE_STEPS;
	if (rf_refault(a, pum_hash32(page_key), rf_c(s)) && rf_room_in_hot(s, a))
		rf_make_hot(a, p);
	if (!(a->flags[p] & RF_INQ))
		rf_push(a, (a->flags[p] & RF_HOT) ? RF_HOTQ : RF_COLD, p);
}

/* rf_freed - forget @pfn; it stays in its queue as a tombstone until a hand drops it. */
static void rf_freed(struct pum_state *s, pfn_t pfn)
{
	struct rf_state *a = rf_of(s);
	uint32_t p = (uint32_t)pfn;

	if (!(a->flags[p] & RF_TRACKED))
		return;
	(a->flags[p] & RF_HOT) ? a->nhot-- : a->ncold--;
	a->flags[p] &= RF_INQ;
}

/* rf_evict - @p leaves: its shadow entry records when. */
static pfn_t rf_evict(struct pum_state *s, struct rf_state *a, uint32_t p)
{
	uint32_t h = pum_hash32(pum_key(s, p));

	a->shadow[h % a->nshadow] = (uint16_t)(rf_tag(h) | rf_now(a));
	a->evictions++;
	(a->flags[p] & RF_HOT) ? a->nhot-- : a->ncold--;
	a->flags[p] &= RF_INQ; /* a tombstone if still in a queue (the last-resort path) */
	return p;
}

enum { RF_PASS, RF_VICTIM, RF_UNUSABLE, RF_EMPTY };

/*
 * rf_cold_step - the cold hand looks at its frame: a victim, or passed over (and why).
 * @force: take a usable cold frame even if referenced or dirty (the hand has been patient).
 */
static int rf_cold_step(struct pum_state *s, struct rf_state *a, bool force, uint32_t *victim)
{
	uint32_t p = rf_pop(a, RF_COLD);

	a->budget -= a->budget > 0;
	if (p == RF_NIL)
		return RF_EMPTY;
	if (!(a->flags[p] & RF_TRACKED))
		return RF_PASS; /* a tombstone leaves the queue */
	if (!pum_usable(s, p)) {
		rf_push(a, (a->flags[p] & RF_HOT) ? RF_HOTQ : RF_COLD, p);
		return RF_UNUSABLE;
	}
	if (!(a->flags[p] & RF_HOT) && !force && pum_accessed(s, p))
		rf_observe(s, a, p);
	if (a->flags[p] & RF_HOT) {
		rf_push(a, RF_HOTQ, p);
	} else if ((a->flags[p] & RF_REF) && !force) {
		a->flags[p] &= (uint8_t)~RF_REF;
		rf_push(a, RF_COLD, p);
	} else if (!(a->flags[p] & RF_DSKIP) && !force && pum_dirty(s, p)) {
		a->flags[p] |= RF_DSKIP;
		rf_push(a, RF_COLD, p);
	} else {
		*victim = p;
		return RF_VICTIM;
	}
	return RF_PASS;
}

/* rf_last_resort - nothing found within the hands' bounds: the first evictable tracked frame. */
static pfn_t rf_last_resort(struct pum_state *s, struct rf_state *a)
{
	for (uint32_t p = 0; p < s->nframes; p++)
		if ((a->flags[p] & RF_TRACKED) && pum_usable(s, p))
			return rf_evict(s, a, p);
	return FRAME_NONE;
}

/*
 * rf_pick_victim - demotions to bring hot back under its share (at most 2), then the cold
 * hand; a cold queue with nothing usable gets frames demoted into it. The hands look at no
 * more than RF_PICK_BUDGET frames: choosy for the first half, then they take the next
 * usable frame. Past the budget (every frame looked at unevictable) the last resort sweeps.
 */
static pfn_t rf_pick_victim(struct pum_state *s)
{
	struct rf_state *a = rf_of(s);
	uint32_t victim;

	a->budget = RF_PICK_BUDGET;
	for (int i = 0; i < 2 && a->nhot > rf_hot_max(s); i++)
		rf_demote_any(s, a);
	while (a->budget > 0) {
		if (a->ncold == 0 && !rf_demote_any(s, a))
			break;
		int r = rf_cold_step(s, a, !rf_patient(a), &victim);
		if (r == RF_VICTIM)
			return rf_evict(s, a, victim);
		if (r == RF_EMPTY && !rf_demote_any(s, a)) /* cold frames may sit in the hot queue */
			break;
	}
	return rf_last_resort(s, a);
}

const struct pum_policy pum_refault_policy = {
	.name = "refault",
	.summary = "hot/cold FIFO clocks, refault-distance admission, bounded hands; 8 bytes/frame",
	.mem_bytes = rf_mem_bytes,
	.init = rf_init,
	.mapped = rf_mapped,
	.dirtied = NULL,
	.freed = rf_freed,
	.tick = NULL,
	.pick_victim = rf_pick_victim,
};
