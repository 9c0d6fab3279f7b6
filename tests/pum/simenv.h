/*
 * simenv.h - the harness's side of the pum_env contract (specs/pum.md, "The environment"):
 * a simulated page table with one mapping per frame, A and D bits, and each page's swap
 * state, and the four env callbacks that answer a policy from it. Kept apart from the
 * machine (sim.c) so that a host test can drive it and the kernel's callbacks through the
 * same recorded sequence of map / touch / evict / free steps and compare the answers.
 */
#ifndef QUIRE_PUM_SIMENV_H
#define QUIRE_PUM_SIMENV_H

#include <stdbool.h>
#include <stdint.h>

#include "pum/pum.h"

/* Per-page state bits (simenv.pte[page]). */
#define SIMENV_A 0x01       /* accessed bit of the resident mapping */
#define SIMENV_D 0x02       /* dirty bit of the resident mapping */
#define SIMENV_WRITTEN 0x04 /* written at least once in its life: not re-creatable */
#define SIMENV_COPY 0x08    /* a clean copy is in swap (valid while D is clear) */
#define SIMENV_SEEN 0x10    /* was resident before: a fault on it is a swap-in */
#define SIMENV_NONE 0xFFFFFFFFu

struct simenv {
	uint32_t nframes, npages;
	uint32_t *frame_page;  /* [nframes] page in the frame, SIMENV_NONE if free */
	uint32_t *page_frame;  /* [npages] frame of the page, SIMENV_NONE if not resident */
	uint8_t *pte;          /* [npages] SIMENV_* */
	uint32_t *free_stack;  /* [nframes] free frames; the top is handed out next */
	uint32_t nfree;
	const uint64_t *key;   /* [npages] page keys (owner << 35 | vpn) */
	const uint8_t *pinned; /* [npages] nonzero: never evictable; NULL: none */
	uint32_t nevictable;   /* resident pages not pinned */
};

/* simenv_init - @nframes free frames, @npages pages not resident; 0, or -1 (out of memory). */
int simenv_init(struct simenv *e, uint32_t nframes, uint32_t npages, const uint64_t *key,
		const uint8_t *pinned);

/* simenv_free - release @e's arrays. */
void simenv_free(struct simenv *e);

/* simenv_env - the pum_env whose callbacks answer from @e. */
struct pum_env simenv_env(struct simenv *e);

/* simenv_touch - a reference to @page: true (and A, D on @write set) if it is resident. */
bool simenv_touch(struct simenv *e, uint32_t page, bool write);

/*
 * simenv_map - @page (not resident) into free frame @pfn after a fault: A set (the retried
 * access), D set on @write. Returns false if either is out of range or busy.
 */
bool simenv_map(struct simenv *e, uint32_t page, pfn_t pfn, bool write);

/* simenv_take_free - a free frame (removed from the free set), or FRAME_NONE. */
pfn_t simenv_take_free(struct simenv *e);

/*
 * simenv_evict - page out the page in @pfn and free the frame: returns 1 when that cost a
 * write (what is_dirty said), 0 for a clean drop, -1 if @pfn holds no evictable page.
 */
int simenv_evict(struct simenv *e, pfn_t pfn);

/* The callbacks (specs/pum.md): exactly what simenv_env installs. */
bool simenv_accessed(void *ctx, pfn_t pfn);
bool simenv_is_dirty(void *ctx, pfn_t pfn);
bool simenv_evictable(void *ctx, pfn_t pfn);
uint64_t simenv_page_key(void *ctx, pfn_t pfn);

#endif
