/*
 * simenv.c - the simulated page table behind the harness's pum_env callbacks. A page's
 * eviction costs a write exactly when its D bit is set or it has been written and has no
 * clean swap copy; a page never written is re-creatable (demand-zero or file content) and
 * is dropped for free. Contract: specs/pum.md, "The environment"; interface: simenv.h.
 */
#include <stdlib.h>
#include <string.h>

#include "simenv.h"

int simenv_init(struct simenv *e, uint32_t nframes, uint32_t npages, const uint64_t *key,
		const uint8_t *pinned)
{
	memset(e, 0, sizeof *e);
	e->nframes = nframes;
	e->npages = npages;
	e->key = key;
	e->pinned = pinned;
	e->frame_page = malloc((nframes ? nframes : 1) * sizeof(uint32_t));
	e->free_stack = malloc((nframes ? nframes : 1) * sizeof(uint32_t));
	e->page_frame = malloc((npages ? npages : 1) * sizeof(uint32_t));
	e->pte = calloc(npages ? npages : 1, 1);
	if (!e->frame_page || !e->free_stack || !e->page_frame || !e->pte) {
		simenv_free(e);
		return -1;
	}
	memset(e->frame_page, 0xFF, nframes * sizeof(uint32_t));
	memset(e->page_frame, 0xFF, npages * sizeof(uint32_t));
	for (uint32_t i = 0; i < nframes; i++) /* frame 0 is handed out first */
		e->free_stack[i] = nframes - 1 - i;
	e->nfree = nframes;
	return 0;
}

void simenv_free(struct simenv *e)
{
	free(e->frame_page);
	free(e->free_stack);
	free(e->page_frame);
	free(e->pte);
	e->frame_page = e->free_stack = e->page_frame = NULL;
	e->pte = NULL;
}

struct pum_env simenv_env(struct simenv *e)
{
	return (struct pum_env){ simenv_accessed, simenv_is_dirty, simenv_evictable, simenv_page_key, e };
}

/* page_of - the page in @pfn, or SIMENV_NONE. */
static uint32_t page_of(const struct simenv *e, pfn_t pfn)
{
	return pfn < e->nframes ? e->frame_page[pfn] : SIMENV_NONE;
}

bool simenv_accessed(void *ctx, pfn_t pfn)
{
	struct simenv *e = ctx;
	uint32_t p = page_of(e, pfn);
	if (p == SIMENV_NONE)
		return false;
	bool a = e->pte[p] & SIMENV_A;
	e->pte[p] &= (uint8_t)~SIMENV_A;
	return a;
}

bool simenv_is_dirty(void *ctx, pfn_t pfn)
{
	struct simenv *e = ctx;
	uint32_t p = page_of(e, pfn);
	if (p == SIMENV_NONE)
		return false;
	return (e->pte[p] & SIMENV_D) || ((e->pte[p] & SIMENV_WRITTEN) && !(e->pte[p] & SIMENV_COPY));
}

bool simenv_evictable(void *ctx, pfn_t pfn)
{
	struct simenv *e = ctx;
	uint32_t p = page_of(e, pfn);
	return p != SIMENV_NONE && (e->pinned == NULL || !e->pinned[p]);
}

uint64_t simenv_page_key(void *ctx, pfn_t pfn)
{
	struct simenv *e = ctx;
	uint32_t p = page_of(e, pfn);
	return p == SIMENV_NONE ? 0 : e->key[p];
}

bool simenv_touch(struct simenv *e, uint32_t page, bool write)
{
	if (e->page_frame[page] == SIMENV_NONE)
		return false;
	e->pte[page] |= (uint8_t)(SIMENV_A | (write ? SIMENV_D | SIMENV_WRITTEN : 0));
	return true;
}

pfn_t simenv_take_free(struct simenv *e)
{
	return e->nfree ? e->free_stack[--e->nfree] : FRAME_NONE;
}

bool simenv_map(struct simenv *e, uint32_t page, pfn_t pfn, bool write)
{
	if (page >= e->npages || pfn >= e->nframes || e->frame_page[pfn] != SIMENV_NONE ||
	    e->page_frame[page] != SIMENV_NONE)
		return false;
	e->frame_page[pfn] = page;
	e->page_frame[page] = (uint32_t)pfn;
	e->pte[page] = (uint8_t)((e->pte[page] & (SIMENV_WRITTEN | SIMENV_COPY)) | SIMENV_A | SIMENV_SEEN |
				 (write ? SIMENV_D | SIMENV_WRITTEN : 0));
	e->nevictable += e->pinned == NULL || !e->pinned[page];
	return true;
}

int simenv_evict(struct simenv *e, pfn_t pfn)
{
	if (!simenv_evictable(e, pfn))
		return -1;
	uint32_t p = e->frame_page[pfn];
	int wrote = simenv_is_dirty(e, pfn) ? 1 : 0;
	if (e->pte[p] & SIMENV_WRITTEN)
		e->pte[p] |= SIMENV_COPY; /* written out now, or its clean copy kept */
	e->pte[p] &= (uint8_t)~(SIMENV_A | SIMENV_D);
	e->page_frame[p] = SIMENV_NONE;
	e->frame_page[pfn] = SIMENV_NONE;
	e->free_stack[e->nfree++] = (uint32_t)pfn;
	e->nevictable--;
	return wrote;
}
