/*
 * sim.c - the simulated machine a policy runs on, and the reference simulators.
 * The machine has M frames and a page table with A and D bits per resident page. Each
 * reference sets A (and D on a write); a miss is a fault: a free frame, or the policy's
 * victim (a write-back when it is dirty: a page swapped in and not written keeps its clean
 * swap copy and is dropped for free), then the page is mapped with A set (the retried
 * access) and the policy told. tick() runs every K references. The policy sees nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define PTE_A 0x01
#define PTE_D 0x02
#define NO_PAGE 0xFFFFFFFFu

struct machine {
	uint32_t nframes;
	uint32_t *frame_page; /* [M] page in the frame, NO_PAGE if free */
	uint32_t *page_frame; /* [npages] frame of the page, NO_PAGE if not resident */
	uint8_t *pte;         /* [npages] PTE_A | PTE_D of resident pages */
	const uint8_t *pinned;
	uint32_t nused;       /* frames 0..nused-1 have been handed out at least once */
	uint32_t nresident;
	uint32_t nevictable;  /* resident pages not pinned */
};

static bool env_accessed(void *ctx, pfn_t pfn)
{
	struct machine *m = ctx;
	if (pfn >= m->nframes || m->frame_page[pfn] == NO_PAGE)
		return false;
	uint8_t *e = &m->pte[m->frame_page[pfn]];
	bool a = *e & PTE_A;
	*e &= (uint8_t)~PTE_A;
	return a;
}

static bool env_dirty(void *ctx, pfn_t pfn)
{
	struct machine *m = ctx;
	return pfn < m->nframes && m->frame_page[pfn] != NO_PAGE && (m->pte[m->frame_page[pfn]] & PTE_D);
}

static bool env_evictable(void *ctx, pfn_t pfn)
{
	struct machine *m = ctx;
	if (pfn >= m->nframes || m->frame_page[pfn] == NO_PAGE)
		return false;
	return m->pinned == NULL || !m->pinned[m->frame_page[pfn]];
}

static void fail(struct sim_result *r, const char *what, uint64_t v)
{
	r->error = 1;
	snprintf(r->msg, sizeof r->msg, "%s (%llu)", what, (unsigned long long)v);
}

/* evict - check the policy's answer, then take the page out of its frame. */
static bool evict(struct machine *m, pfn_t v, struct sim_result *r)
{
	if (v == FRAME_NONE) {
		if (m->nevictable > 0)
			fail(r, "no victim while evictable pages are resident", m->nevictable);
		else
			fail(r, "no victim: every resident page is pinned", m->nresident);
		return false;
	}
	if (v >= m->nframes || m->frame_page[v] == NO_PAGE) {
		fail(r, "victim is not a resident frame", v);
		return false;
	}
	if (!env_evictable(m, v)) {
		fail(r, "victim is not evictable", v);
		return false;
	}
	uint32_t p = m->frame_page[v];
	if (m->pte[p] & PTE_D)
		r->writebacks++;
	else
		r->clean_drops++;
	m->pte[p] = 0;
	m->page_frame[p] = NO_PAGE;
	m->frame_page[v] = NO_PAGE;
	m->nresident--;
	m->nevictable--;
	return true;
}

/* fault - find a frame for @p (free, or the policy's victim) and map it; false on a violation. */
static bool fault(struct machine *m, struct pum_state *s, uint32_t p, bool w, struct sim_result *r)
{
	pfn_t f;

	r->faults++;
	if (m->nused < m->nframes) {
		f = m->nused++;
	} else {
		f = pum_pick_victim(s);
		if (!evict(m, f, r))
			return false;
	}
	m->frame_page[f] = p;
	m->page_frame[p] = (uint32_t)f;
	m->pte[p] = PTE_A | (w ? PTE_D : 0);
	m->nresident++;
	m->nevictable += m->pinned == NULL || !m->pinned[p];
	pum_mapped(s, f, p);
	if (w)
		pum_dirtied(s, f);
	return true;
}

static bool machine_alloc(struct machine *m, const struct trace *t, const struct sim_opts *o)
{
	memset(m, 0, sizeof *m);
	m->nframes = o->nframes;
	m->pinned = o->pinned;
	m->frame_page = malloc(o->nframes * sizeof(uint32_t));
	m->page_frame = malloc((t->npages + 1) * sizeof(uint32_t));
	m->pte = calloc(t->npages + 1, 1);
	if (!m->frame_page || !m->page_frame || !m->pte)
		return false;
	memset(m->frame_page, 0xFF, o->nframes * sizeof(uint32_t));
	memset(m->page_frame, 0xFF, (t->npages + 1) * sizeof(uint32_t));
	return true;
}

static void machine_free(struct machine *m)
{
	free(m->frame_page);
	free(m->page_frame);
	free(m->pte);
}

void sim_policy(const struct pum_policy *policy, const struct trace *t, const struct sim_opts *o,
		struct sim_result *r)
{
	struct machine m;
	struct pum_state s;
	struct pum_env env = { env_accessed, env_dirty, env_evictable, &m };
	size_t nbytes = pum_mem_bytes(policy, o->nframes);
	void *mem = calloc(1, nbytes + 8);

	memset(r, 0, sizeof *r);
	if (o->nframes == 0 || mem == NULL || !machine_alloc(&m, t, o) ||
	    pum_init(&s, policy, o->nframes, &env, mem, nbytes) != 0) {
		fail(r, "setup failed", o->nframes);
	} else {
		for (size_t i = 0; i < t->n; i++) {
			uint32_t p = TRACE_PAGE(t->ref[i]);
			bool w = t->ref[i] & TRACE_WRITE;
			if (o->tick_every && i % o->tick_every == 0 && i > 0)
				pum_tick(&s);
			if (m.page_frame[p] != NO_PAGE)
				m.pte[p] |= PTE_A | (w ? PTE_D : 0);
			else if (!fault(&m, &s, p, w, r))
				break;
		}
		if (!r->error && s.nresident != m.nresident)
			fail(r, "pum resident count disagrees with the machine", s.nresident);
	}
	machine_free(&m);
	free(mem);
}
