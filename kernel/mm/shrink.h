/*
 * shrink.h - caches that can give memory back when it runs short (the kernel's block cache
 * today). vm's reclaim asks them before it evicts user pages, but only for what each holds
 * above its own floor, so a cache keeps a working minimum under steady pressure.
 */
#ifndef QUIRE_MM_SHRINK_H
#define QUIRE_MM_SHRINK_H

#include <stdbool.h>

/* A shrinker frees up to @nframes frames it holds above its floor (all of them, floor or
 * not, when @all); returns how many it freed. Context: may sleep (it takes its cache's
 * mutex); called with no spinlock held and never with that cache's own locks held
 * (specs/concurrency.md). */
typedef unsigned (*mm_shrinker_fn)(unsigned nframes, bool all);

/* mm_shrinker_register - add @fn (at most 4 shrinkers). Context: boot. */
void mm_shrinker_register(mm_shrinker_fn fn);

/* mm_shrink - ask every shrinker in turn until @nframes frames came back; returns how many. May sleep. */
unsigned mm_shrink(unsigned nframes);

/* mm_shrink_all - empty every cache (to count free frames in a settled state). May sleep. */
void mm_shrink_all(void);

#endif
