/*
 * kheap.h - the kernel heap: kmalloc/kfree of 1 byte to 2 KiB from slab caches of nine size
 * classes (slabs of one or two pages), larger sizes as whole-page runs. Pages come from a provider given to kheap_init,
 * so the same code runs in the kernel and on the host. Layouts, overheads and the errors a
 * debug heap catches are in specs/kheap.md.
 * Context: any but interrupt handlers; never sleeps. The provider's lock (a spinlock in the
 * kernel: mm/kheap_glue.c) is held inside every call.
 */
#ifndef QUIRE_MM_KHEAP_H
#define QUIRE_MM_KHEAP_H

#include <stdbool.h>
#include <stddef.h>

#define KHEAP_NCLASSES 9    /* object sizes 8, 16, 32 ... 2048 */
#define KHEAP_MAX_SMALL 2048 /* larger requests are served by whole pages */

/* Where the heap gets its memory: runs of contiguous, page-aligned, mapped pages; and the
 * lock that makes it safe to share (NULL lock/unlock: single-threaded use, the host tests). */
struct kheap_page_ops {
	void *(*alloc_pages)(size_t npages); /* page-aligned, contiguous, or NULL */
	void (*free_pages)(void *va, size_t npages);
	void (*lock)(void);                  /* may be NULL */
	void (*unlock)(void);                /* may be NULL */
};

/* One size class: its slab geometry and how its slabs are spread over the three lists. */
struct kheap_class_stats {
	size_t size;          /* object size in bytes */
	size_t slab_npages;   /* pages per slab */
	size_t objs_per_slab; /* objects one slab holds (fewer in debug mode) */
	size_t slabs;         /* slabs held: partial + full + empty */
	size_t slabs_partial;
	size_t slabs_full;
	size_t slabs_empty;
	size_t objs_inuse; /* allocated objects, including the heap's own large records */
};

/* A snapshot of the whole heap. */
struct kheap_stats {
	struct kheap_class_stats cls[KHEAP_NCLASSES];
	size_t objs_inuse;   /* small objects allocated, all classes */
	size_t large_allocs; /* live allocations above KHEAP_MAX_SMALL */
	size_t large_pages;  /* pages those hold */
	size_t pages_held;   /* every page taken from the provider and not given back */
	size_t errors;       /* errors detected since kheap_init */
	bool debug;          /* red zones and poisoning on */
};

/* kheap_init - (re)start an empty heap on @ops; @debug adds red zones and poisoning. Forgets any earlier state; keeps the error hook. */
void kheap_init(const struct kheap_page_ops *ops, bool debug);

/* kheap_ready - true once kheap_init has run. */
bool kheap_ready(void);

/* kmalloc - @nbytes of memory aligned to 16 (8 for requests of 8 or less, a page above 4 KiB); NULL if @nbytes is 0 or out of memory. */
void *kmalloc(size_t nbytes);

/* kzalloc - kmalloc, zero-filled. */
void *kzalloc(size_t nbytes);

/* kfree - give back @p from kmalloc/kzalloc; NULL is a no-op; a bad @p is reported, not freed. */
void kfree(void *p);

/* kheap_stats - fill @out with a snapshot of the heap. */
void kheap_stats(struct kheap_stats *out);

/* kheap_release_empty - give every empty slab's pages back to the provider; returns the pages freed. */
size_t kheap_release_empty(void);

/* kheap_set_error_hook - call @fn(what, ptr) on each detected error (NULL: kheap_error_default). Errors are counted either way. */
void kheap_set_error_hook(void (*fn)(const char *what, const void *ptr));

/* kheap_error_default - the hook used when none is set: does nothing; weak, so a build may replace it. */
void kheap_error_default(const char *what, const void *ptr);

#endif
