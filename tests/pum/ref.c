/*
 * ref.c - the reference simulators, which see every reference (no kernel can):
 * Belady's OPT (evict the page used furthest in the future; fewest faults, write-backs
 * only counted), exact LRU and FIFO. An eviction costs a write by the rule the policies'
 * environment uses (simenv.c): written since it was brought in, or written once and no
 * clean swap copy yet.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define NONE 0xFFFFFFFFu
#define RS_D 0x01       /* written since brought in */
#define RS_WRITTEN 0x02 /* written at least once */
#define RS_COPY 0x04    /* a clean copy is in swap */

struct refsim {
	uint32_t *where;  /* [npages] NONE when not resident */
	uint8_t *dirty;   /* [npages] RS_D | RS_WRITTEN | RS_COPY */
	uint32_t nres;
};

static bool refsim_init(struct refsim *m, const struct trace *t, struct sim_result *r)
{
	memset(r, 0, sizeof *r);
	m->where = malloc((t->npages + 1) * sizeof(uint32_t));
	m->dirty = calloc(t->npages + 1, 1);
	m->nres = 0;
	if (!m->where || !m->dirty) {
		r->error = 1;
		return false;
	}
	memset(m->where, 0xFF, (t->npages + 1) * sizeof(uint32_t));
	return true;
}

static void refsim_evict(struct refsim *m, uint32_t p, struct sim_result *r)
{
	if ((m->dirty[p] & RS_D) || ((m->dirty[p] & RS_WRITTEN) && !(m->dirty[p] & RS_COPY)))
		r->writebacks++;
	else
		r->clean_drops++;
	if (m->dirty[p] & RS_WRITTEN)
		m->dirty[p] |= RS_COPY;
	m->dirty[p] &= (uint8_t)~RS_D;
	m->where[p] = NONE;
	m->nres--;
}

static void refsim_free(struct refsim *m)
{
	free(m->where);
	free(m->dirty);
}

/* OPT: a max-heap of (next use << 32 | page) with stale entries skipped when popped. */
static void heap_push(uint64_t *h, size_t *n, uint64_t v)
{
	size_t i = (*n)++;
	while (i > 0 && h[(i - 1) / 2] < v) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = v;
}

static uint64_t heap_pop(uint64_t *h, size_t *n)
{
	uint64_t top = h[0], v = h[--*n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] > h[c])
			c++;
		if (h[c] <= v)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = v;
	return top;
}

static uint32_t *next_uses(const struct trace *t)
{
	uint32_t *nxt = malloc((t->n + 1) * sizeof *nxt);
	uint32_t *last = malloc((t->npages + 1) * sizeof *last);
	if (nxt && last) {
		memset(last, 0xFF, (t->npages + 1) * sizeof *last);
		for (size_t i = t->n; i-- > 0;) {
			uint32_t p = TRACE_PAGE(t->ref[i]);
			nxt[i] = last[p];
			last[p] = (uint32_t)i;
		}
	}
	free(last);
	return nxt;
}

void sim_opt(const struct trace *t, uint32_t nframes, struct sim_result *r)
{
	struct refsim m;
	uint32_t *nxt = next_uses(t);
	uint64_t *heap = malloc((t->n + 1) * sizeof *heap);
	uint32_t *cur = malloc((t->npages + 1) * sizeof *cur); /* next use of a resident page */
	size_t hn = 0;

	if (!refsim_init(&m, t, r) || !nxt || !heap || !cur) {
		r->error = 1;
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		uint32_t p = TRACE_PAGE(t->ref[i]);
		if (m.where[p] == NONE) {
			r->faults++;
			while (m.nres >= nframes) {
				uint64_t e = heap_pop(heap, &hn);
				uint32_t q = (uint32_t)e;
				if (m.where[q] != NONE && cur[q] == (uint32_t)(e >> 32))
					refsim_evict(&m, q, r);
			}
			m.nres++;
			m.where[p] = 0;
		}
		cur[p] = nxt[i]; /* NONE: never used again, the first to go */
		m.dirty[p] |= (t->ref[i] & TRACE_WRITE) ? RS_D | RS_WRITTEN : 0;
		heap_push(heap, &hn, (uint64_t)nxt[i] << 32 | p);
	}
out:
	refsim_free(&m);
	free(nxt);
	free(heap);
	free(cur);
}

/* LRU: a doubly linked list of resident pages, most recent at the head. */
void sim_lru(const struct trace *t, uint32_t nframes, struct sim_result *r)
{
	struct refsim m;
	uint32_t *prev = malloc((t->npages + 1) * sizeof *prev);
	uint32_t *next = malloc((t->npages + 1) * sizeof *next);
	uint32_t head = NONE, tail = NONE;

	if (!refsim_init(&m, t, r) || !prev || !next) {
		r->error = 1;
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		uint32_t p = TRACE_PAGE(t->ref[i]);
		if (m.where[p] != NONE) { /* unlink */
			if (prev[p] != NONE) next[prev[p]] = next[p]; else head = next[p];
			if (next[p] != NONE) prev[next[p]] = prev[p]; else tail = prev[p];
		} else {
			r->faults++;
			if (m.nres >= nframes) {
				uint32_t q = tail;
				tail = prev[q];
				if (tail != NONE) next[tail] = NONE; else head = NONE;
				refsim_evict(&m, q, r);
			}
			m.nres++;
			m.where[p] = 0;
		}
		prev[p] = NONE;
		next[p] = head;
		if (head != NONE) prev[head] = p; else tail = p;
		head = p;
		m.dirty[p] |= (t->ref[i] & TRACE_WRITE) ? RS_D | RS_WRITTEN : 0;
	}
out:
	refsim_free(&m);
	free(prev);
	free(next);
}

void sim_fifo(const struct trace *t, uint32_t nframes, struct sim_result *r)
{
	struct refsim m;
	uint32_t *ring = malloc((nframes + 1) * sizeof *ring);
	uint32_t hand = 0;

	if (!refsim_init(&m, t, r) || !ring) {
		r->error = 1;
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		uint32_t p = TRACE_PAGE(t->ref[i]);
		if (m.where[p] == NONE) {
			r->faults++;
			if (m.nres >= nframes)
				refsim_evict(&m, ring[hand], r);
			ring[hand] = p;
			hand = (hand + 1) % nframes;
			m.nres++;
			m.where[p] = 0;
		}
		m.dirty[p] |= (t->ref[i] & TRACE_WRITE) ? RS_D | RS_WRITTEN : 0;
	}
out:
	refsim_free(&m);
	free(ring);
}
