/*
 * shrink.c - the list of shrinkers (shrink.h). Registered at boot, read afterwards: no lock.
 */
#include "mm/shrink.h"

#include "panic.h"

#define SHRINKERS_MAX 4

static mm_shrinker_fn shrinkers[SHRINKERS_MAX];
static unsigned nshrinkers;

void mm_shrinker_register(mm_shrinker_fn fn)
{
	KASSERT(nshrinkers < SHRINKERS_MAX, "more than %d shrinkers", SHRINKERS_MAX);
	shrinkers[nshrinkers++] = fn;
}

unsigned mm_shrink(unsigned nframes)
{
	unsigned got = 0;
	for (unsigned i = 0; i < nshrinkers && got < nframes; i++)
		got += shrinkers[i](nframes - got, false);
	return got;
}

void mm_shrink_all(void)
{
	for (unsigned i = 0; i < nshrinkers; i++)
		shrinkers[i](~0u, true);
}
