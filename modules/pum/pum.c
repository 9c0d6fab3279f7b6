/*
 * pum.c - the page-usage manager's policy registry and the wrappers every caller goes
 * through: they check frame numbers and keep the resident count, then call the policy.
 * Invariants of the interface: pum.h and specs/pum.md.
 */
#include "pum/pum_priv.h"

/* The registered policies; the first is the default (specs/pum.md says why). */
static const struct pum_policy *const pum_policies[] = {
	&pum_refault_policy,
	&pum_hotcold_policy,
	&pum_clock_policy,
	&pum_aging_policy,
};

#define PUM_NPOLICIES (sizeof pum_policies / sizeof pum_policies[0])

static bool pum_streq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

const struct pum_policy *pum_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < PUM_NPOLICIES; i++)
		if (pum_streq(pum_policies[i]->name, name))
			return pum_policies[i];
	return NULL;
}

const struct pum_policy *pum_default(void)
{
	return pum_policies[0];
}

const struct pum_policy *pum_policy_at(size_t i)
{
	return i < PUM_NPOLICIES ? pum_policies[i] : NULL;
}

size_t pum_mem_bytes(const struct pum_policy *policy, pfn_t nframes)
{
	return policy->mem_bytes(nframes);
}

int pum_init(struct pum_state *s, const struct pum_policy *policy, pfn_t nframes,
	     const struct pum_env *env, void *mem, size_t mem_bytes)
{
	if (s == NULL || policy == NULL || env == NULL || env->test_and_clear_accessed == NULL ||
	    env->is_dirty == NULL || env->evictable == NULL || env->page_key == NULL)
		return -1;
	if (nframes == 0 || nframes > FRAME_MAX_PFN || mem == NULL || ((uintptr_t)mem & 7) != 0)
		return -1;
	if (mem_bytes < policy->mem_bytes(nframes))
		return -1;
	s->policy = policy;
	s->env = *env;
	s->nframes = nframes;
	s->mem = mem;
	s->nresident = 0;
	return policy->init(s);
}

void pum_mapped(struct pum_state *s, pfn_t pfn, uint64_t page_key)
{
	if (pfn >= s->nframes)
		return;
	s->nresident++;
	s->policy->mapped(s, pfn, page_key);
}

void pum_dirtied(struct pum_state *s, pfn_t pfn)
{
	if (pfn < s->nframes && s->policy->dirtied != NULL)
		s->policy->dirtied(s, pfn);
}

void pum_freed(struct pum_state *s, pfn_t pfn)
{
	if (pfn >= s->nframes)
		return;
	s->nresident--;
	s->policy->freed(s, pfn);
}

void pum_tick(struct pum_state *s)
{
	if (s->policy->tick != NULL)
		s->policy->tick(s);
}

pfn_t pum_pick_victim(struct pum_state *s)
{
	pfn_t pfn = s->policy->pick_victim(s);

	if (pfn != FRAME_NONE)
		s->nresident--;
	return pfn;
}
