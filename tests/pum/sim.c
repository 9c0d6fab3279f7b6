/*
 * sim.c - the simulated machine a policy runs on, driven the way the kernel drives it
 * (tests/pum/README.md, "The simulated machine"): every reference advances simulated time
 * and sets A (and D on a write) in simenv's page table; a miss is a fault that takes a free
 * frame, or one the policy picks by direct reclaim when none is free; every tick_ns the
 * timer calls pum_tick() and the page-out thread evicts from below wm_low up to wm_high
 * free frames. The policy sees nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "simenv.h"

#define SIM_NS_PER_EVENT 1      /* one memory event of a recorded program: 1 ns */
#define SIM_NS_MINOR 2000       /* first touch: a demand-zero fault */
#define SIM_NS_MAJOR 100000     /* swap-in (and a dirty direct-reclaim victim's write) */
#define SIM_TICK_NS 20000000    /* the kernel's tick: 20 ms */
#define SIM_WM_LOW 64           /* the kernel's watermarks at 32 MiB (8192 frames) */
#define SIM_WM_HIGH 128
#define SIM_WM_FRAMES 8192

struct machine {
	struct simenv env;
	struct pum_state pum;
	const struct sim_opts *o;
	struct sim_result *r;
	uint64_t now, next_tick;
};

static void fail(struct sim_result *r, const char *what, uint64_t v)
{
	if (r->error)
		return;
	r->error = 1;
	snprintf(r->msg, sizeof r->msg, "%s (%llu)", what, (unsigned long long)v);
}

void sim_default_opts(struct sim_opts *o, const struct trace *t, uint32_t nframes)
{
	memset(o, 0, sizeof *o);
	o->nframes = nframes;
	o->ns_per_ref = t->n && t->events ? t->events * SIM_NS_PER_EVENT / t->n : 1;
	if (o->ns_per_ref == 0)
		o->ns_per_ref = 1;
	o->ns_minor = SIM_NS_MINOR;
	o->ns_major = SIM_NS_MAJOR;
	o->tick_ns = SIM_TICK_NS;
	o->wm_low = (uint32_t)((uint64_t)nframes * SIM_WM_LOW / SIM_WM_FRAMES);
	o->wm_high = (uint32_t)((uint64_t)nframes * SIM_WM_HIGH / SIM_WM_FRAMES);
}

/* reclaim - ask the policy for a victim, check it, evict it; false on a contract violation. */
static bool reclaim(struct machine *m, bool direct)
{
	pfn_t v = pum_pick_victim(&m->pum);

	if (v == FRAME_NONE) {
		if (m->env.nevictable > 0)
			fail(m->r, "no victim while evictable pages are resident", m->env.nevictable);
		else if (direct)
			fail(m->r, "no victim: every resident page is pinned", m->env.nframes - m->env.nfree);
		return false;
	}
	if (v >= m->env.nframes || m->env.frame_page[v] == SIMENV_NONE) {
		fail(m->r, "victim is not a resident frame", v);
		return false;
	}
	int wrote = simenv_evict(&m->env, v);
	if (wrote < 0) {
		fail(m->r, "victim is not evictable", v);
		return false;
	}
	m->r->writebacks += (uint64_t)wrote;
	m->r->clean_drops += (uint64_t)!wrote;
	if (direct) {
		m->r->direct++;
		m->now += wrote ? m->o->ns_major : 0; /* the faulting thread waits for the write */
	}
	return true;
}

/* tick - the timer's pum_tick(), then the page-out thread's batch between the watermarks. */
static void tick(struct machine *m)
{
	m->r->ticks++;
	pum_tick(&m->pum);
	if (m->env.nfree < m->o->wm_low)
		while (m->env.nfree < m->o->wm_high && reclaim(m, false))
			;
}

/* fault - a free frame for @p (direct reclaim if none), map it, tell the policy. */
static bool fault(struct machine *m, uint32_t p, bool w, uint64_t key)
{
	bool seen = m->env.pte[p] & SIMENV_SEEN;

	m->r->faults++;
	if (m->env.nfree == 0 && !reclaim(m, true))
		return false;
	pfn_t f = simenv_take_free(&m->env);
	if (f == FRAME_NONE || !simenv_map(&m->env, p, f, w)) {
		fail(m->r, "no free frame after reclaim", m->env.nfree);
		return false;
	}
	pum_mapped(&m->pum, f, key);
	if (w)
		pum_dirtied(&m->pum, f);
	m->now += seen ? m->o->ns_major : m->o->ns_minor;
	return true;
}

static void run(struct machine *m, const struct trace *t)
{
	for (size_t i = 0; i < t->n && !m->r->error; i++) {
		uint32_t p = TRACE_PAGE(t->ref[i]);
		bool w = t->ref[i] & TRACE_WRITE;

		m->now += m->o->ns_per_ref;
		while (m->o->tick_ns && m->now >= m->next_tick && !m->r->error) {
			tick(m);
			m->next_tick += m->o->tick_ns;
		}
		if (!m->r->error && !simenv_touch(&m->env, p, w))
			fault(m, p, w, t->key[p]);
	}
	if (!m->r->error && m->pum.nresident != m->env.nframes - m->env.nfree)
		fail(m->r, "pum resident count disagrees with the machine", m->pum.nresident);
}

void sim_policy(const struct pum_policy *policy, const struct trace *t, const struct sim_opts *o,
		struct sim_result *r)
{
	struct machine m = { .o = o, .r = r };
	size_t nbytes = pum_mem_bytes(policy, o->nframes);
	void *mem = calloc(1, nbytes + 8);

	memset(r, 0, sizeof *r);
	m.next_tick = o->tick_ns;
	if (o->nframes == 0 || mem == NULL || t->key == NULL ||
	    simenv_init(&m.env, o->nframes, t->npages, t->key, o->pinned) != 0) {
		fail(r, "setup failed", o->nframes);
		free(mem);
		return;
	}
	struct pum_env env = simenv_env(&m.env);
	if (pum_init(&m.pum, policy, o->nframes, &env, mem, nbytes) != 0)
		fail(r, "pum_init failed", o->nframes);
	else
		run(&m, t);
	simenv_free(&m.env);
	free(mem);
}
