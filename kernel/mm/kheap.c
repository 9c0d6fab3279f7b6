/*
 * kheap.c - the kernel heap: slab caches for ten size classes (8 B .. 4 KiB), whole-page
 * runs above that, and a debug mode with red zones and poisoned free objects.
 * Portable (host-tested): pages come only from the provider given to kheap_init.
 * Layouts are drawn below; specs/kheap.md has the full story. Invariants:
 *  - a slab is on exactly one list of its class: EMPTY (inuse 0), FULL (no free slot),
 *    PARTIAL (otherwise);
 *  - a page is in the page map exactly when its first bytes are not its owner's header:
 *    pages 1.. of a multi-page slab, and the first page of a large run.
 */
#include "mm/kheap.h"

#include <stdint.h>

#include "lib/kstring.h"
#include "lib/types.h"

#define KHEAP_SLAB_MAGIC 0x51ab0c8du
#define KHEAP_TAG_ALLOC 0xa110ca7eu /* debug: slot holds a live object */
#define KHEAP_TAG_FREE 0xf4eef4eeu  /* debug: slot is on the free list */
#define KHEAP_RZ 16                 /* debug: red-zone bytes on each side of an object */
#define KHEAP_RZ_BYTE 0xbb          /* debug: red zones and the unused tail of an object */
#define KHEAP_POISON 0x6b           /* debug: every byte of a free object */
#define KHEAP_PM_BITS 10
#define KHEAP_PM_BUCKETS (1u << KHEAP_PM_BITS)

/*
 * A slab: a run of npages contiguous pages, header first, then nobjs slots of `stride`.
 *
 *   run start                                                              run end
 *   +--------------------------+--------+--------+-----+--------+---------------+
 *   | struct kheap_slab        | slot 0 | slot 1 | ... | slot n | unused (<     |
 *   | + map nodes of pages 1.. |        |        |     |        |  one stride)  |
 *   +--------------------------+--------+--------+-----+--------+---------------+
 *   0                first_off (multiple of 16)
 *
 * Normal mode: a slot is the object (stride = size); a free slot's first 8 bytes link the
 * free list. Debug mode (stride = size + 32):
 *
 *   +0        +4        +8                 +16                  +16+nbytes  +16+size  +32+size
 *   | tag u32 | nbytes  | pattern / link   | object: caller's   | 0xbb tail | 0xbb right |
 *   |         | u32     | (8 x 0xbb, or    | bytes (live), or   | (live)    | red zone   |
 *   |         |         |  free-list link)  | 0x6b poison (free) |           | 16 bytes   |
 *
 * A large allocation: npages whole pages, the object at the run start (page-aligned); its
 * record (struct kheap_large, a 64-byte-class object) is found through the page map. In
 * debug mode the run has at least 16 bytes after the object, filled with 0xbb.
 */

enum kheap_list { KHEAP_PARTIAL, KHEAP_FULL, KHEAP_EMPTY, KHEAP_NLISTS };
enum kheap_pm_kind { KHEAP_PM_SLAB = 1, KHEAP_PM_LARGE = 2 };

/* A page-map entry: a page whose owner cannot be found at the page's start. */
struct kheap_pmnode {
	struct kheap_pmnode *next; /* bucket chain */
	uintptr_t page;            /* page-aligned address */
	void *owner;               /* struct kheap_slab or struct kheap_large */
	uint32_t kind;             /* enum kheap_pm_kind */
	uint32_t unused;
};

struct kheap_slab {
	uint32_t magic; /* KHEAP_SLAB_MAGIC while the slab exists */
	uint16_t cls;
	uint16_t npages;
	uint16_t nobjs;
	uint16_t inuse;
	uint32_t list; /* enum kheap_list it is on */
	uint8_t *free; /* first free slot, or NULL */
	struct kheap_slab *prev, *next;
	uint8_t *slots;                 /* slot 0 */
	struct kheap_pmnode pages[];    /* map nodes of pages 1 .. npages-1 */
};

struct kheap_large {
	struct kheap_pmnode node; /* map entry of the run's first page */
	size_t npages;
	size_t nbytes;
};

struct kheap_class {
	size_t size, stride, first_off;
	unsigned npages, nobjs;
	unsigned shift; /* log2(stride) if stride is a power of two, else 0 */
	struct kheap_slab *lists[KHEAP_NLISTS];
	size_t nslabs[KHEAP_NLISTS];
	size_t inuse;
};

_Static_assert(sizeof(struct kheap_slab) % 16 == 0, "slab header keeps slots 16-aligned");
_Static_assert(sizeof(struct kheap_pmnode) % 16 == 0, "map nodes keep slots 16-aligned");
_Static_assert(sizeof(struct kheap_large) <= 64, "a large record is a 64-byte object");

/* Size classes: object size and pages per slab. Slabs are at most two pages: a run of
 * contiguous free frames longer than that is hard to find once memory is full and
 * fragmented (the heap never evicts), so a bigger class would fail exactly when memory is
 * short; the price is a quarter of a 1 KiB or 2 KiB slab unused. */
static const struct {
	uint16_t size, npages;
} kheap_class_def[KHEAP_NCLASSES] = {
	{ 8, 1 },   { 16, 1 },  { 32, 1 },   { 64, 1 },   { 128, 1 },
	{ 256, 1 }, { 512, 1 }, { 1024, 1 }, { 2048, 2 },
};

static struct {
	const struct kheap_page_ops *ops;
	bool debug;
	struct kheap_class cls[KHEAP_NCLASSES];
	struct kheap_pmnode *pm[KHEAP_PM_BUCKETS];
	size_t pages_held, large_allocs, large_pages, errors;
} kheap;

static void (*kheap_hook)(const char *what, const void *ptr);

__attribute__((weak)) void kheap_error_default(const char *what, const void *ptr)
{
	(void)what;
	(void)ptr;
}

/* Count an error and pass it to the hook. The caller then leaves the heap consistent. */
static void kheap_report(const char *what, const void *ptr)
{
	kheap.errors++;
	(kheap_hook ? kheap_hook : kheap_error_default)(what, ptr);
}

void kheap_set_error_hook(void (*fn)(const char *what, const void *ptr))
{
	kheap_hook = fn;
}

/* ---- page map: page address -> owner, for pages that do not start with a header ---- */

static unsigned kheap_pm_hash(uintptr_t page)
{
	return (unsigned)(((uint64_t)(page >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ull) >>
			  (64 - KHEAP_PM_BITS));
}

static void kheap_pm_insert(struct kheap_pmnode *n, uintptr_t page, void *owner, uint32_t kind)
{
	unsigned h = kheap_pm_hash(page);
	n->page = page;
	n->owner = owner;
	n->kind = kind;
	n->next = kheap.pm[h];
	kheap.pm[h] = n;
}

static void kheap_pm_remove(struct kheap_pmnode *n)
{
	struct kheap_pmnode **pp = &kheap.pm[kheap_pm_hash(n->page)];
	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (*pp)
		*pp = n->next;
}

static struct kheap_pmnode *kheap_pm_find(uintptr_t page)
{
	struct kheap_pmnode *n = kheap.pm[kheap_pm_hash(page)];
	while (n && n->page != page)
		n = n->next;
	return n;
}

/* ---- slab lists ---- */

static void kheap_list_del(struct kheap_class *c, struct kheap_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		c->lists[s->list] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	c->nslabs[s->list]--;
}

static void kheap_list_add(struct kheap_class *c, struct kheap_slab *s, unsigned list)
{
	s->list = list;
	s->prev = NULL;
	s->next = c->lists[list];
	if (s->next)
		s->next->prev = s;
	c->lists[list] = s;
	c->nslabs[list]++;
}

static unsigned kheap_slab_state(const struct kheap_slab *s)
{
	if (s->inuse == 0)
		return KHEAP_EMPTY;
	return s->free ? KHEAP_PARTIAL : KHEAP_FULL;
}

/* Put @s on the list its counts call for. */
static void kheap_relist(struct kheap_class *c, struct kheap_slab *s)
{
	unsigned want = kheap_slab_state(s);
	if (want != s->list) {
		kheap_list_del(c, s);
		kheap_list_add(c, s, want);
	}
}

/* ---- slots ---- */

static size_t kheap_body_off(void)
{
	return kheap.debug ? KHEAP_RZ : 0;
}

/* Where a free slot keeps its free-list link. */
static uint8_t **kheap_link(uint8_t *slot)
{
	return (uint8_t **)(void *)(slot + (kheap.debug ? 8 : 0));
}

static uint32_t *kheap_tag(uint8_t *slot)
{
	return (uint32_t *)(void *)slot;
}

/* Slot index of @addr (a slot start) in @s, or -1 if it is not one. */
static long kheap_slot_index(const struct kheap_class *c, const struct kheap_slab *s,
			     uintptr_t addr)
{
	uintptr_t base = (uintptr_t)s->slots;
	if (addr < base)
		return -1;
	size_t off = addr - base;
	size_t idx = c->shift ? off >> c->shift : off / c->stride;
	if (idx * c->stride != off || idx >= s->nobjs)
		return -1;
	return (long)idx;
}

static bool kheap_bytes_are(const uint8_t *p, int byte, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != (uint8_t)byte)
			return false;
	}
	return true;
}

/* Debug: make @slot a free slot: tag, poisoned body, intact right red zone. */
static void kheap_debug_mark_free(const struct kheap_class *c, uint8_t *slot)
{
	*kheap_tag(slot) = KHEAP_TAG_FREE;
	((uint32_t *)(void *)slot)[1] = 0;
	memset(slot + KHEAP_RZ, KHEAP_POISON, c->size);
	memset(slot + KHEAP_RZ + c->size, KHEAP_RZ_BYTE, KHEAP_RZ);
}

/* ---- slab creation and destruction ---- */

static struct kheap_slab *kheap_slab_new(unsigned ci)
{
	struct kheap_class *c = &kheap.cls[ci];
	uint8_t *base = kheap.ops->alloc_pages(c->npages);
	if (!base)
		return NULL;
	kheap.pages_held += c->npages;
	struct kheap_slab *s = (struct kheap_slab *)(void *)base;
	s->magic = KHEAP_SLAB_MAGIC;
	s->cls = (uint16_t)ci;
	s->npages = (uint16_t)c->npages;
	s->nobjs = (uint16_t)c->nobjs;
	s->inuse = 0;
	s->slots = base + c->first_off;
	s->free = NULL;
	for (size_t i = c->nobjs; i-- > 0;) {
		uint8_t *slot = s->slots + i * c->stride;
		if (kheap.debug)
			kheap_debug_mark_free(c, slot);
		*kheap_link(slot) = s->free;
		s->free = slot;
	}
	for (unsigned i = 1; i < c->npages; i++)
		kheap_pm_insert(&s->pages[i - 1], (uintptr_t)base + i * PAGE_SIZE, s, KHEAP_PM_SLAB);
	kheap_list_add(c, s, KHEAP_EMPTY);
	return s;
}

/* Give an empty slab's pages back. */
static void kheap_slab_destroy(struct kheap_class *c, struct kheap_slab *s)
{
	kheap_list_del(c, s);
	for (unsigned i = 1; i < s->npages; i++)
		kheap_pm_remove(&s->pages[i - 1]);
	s->magic = 0;
	kheap.pages_held -= c->npages;
	kheap.ops->free_pages(s, c->npages);
}

/* ---- small allocation ---- */

/* Is @next a valid free-list successor inside @s? */
static bool kheap_link_ok(const struct kheap_class *c, const struct kheap_slab *s,
			  const uint8_t *next)
{
	return next == NULL || kheap_slot_index(c, s, (uintptr_t)next) >= 0;
}

/* Debug: check a slot taken off the free list, then make it a live object of @nbytes. */
static void kheap_debug_take(const struct kheap_class *c, uint8_t *slot, size_t nbytes)
{
	uint8_t *obj = slot + KHEAP_RZ;
	if (*kheap_tag(slot) != KHEAP_TAG_FREE ||
	    !kheap_bytes_are(obj, KHEAP_POISON, c->size) ||
	    !kheap_bytes_are(obj + c->size, KHEAP_RZ_BYTE, KHEAP_RZ))
		kheap_report("kmalloc: free object was written after kfree (poison damaged)", obj);
	*kheap_tag(slot) = KHEAP_TAG_ALLOC;
	((uint32_t *)(void *)slot)[1] = (uint32_t)nbytes;
	memset(slot + 8, KHEAP_RZ_BYTE, 8);
	memset(obj + nbytes, KHEAP_RZ_BYTE, c->size - nbytes);
	memset(obj + c->size, KHEAP_RZ_BYTE, KHEAP_RZ);
}

/* Take a slot off @s's free list. */
static void *kheap_slab_pop(struct kheap_class *c, struct kheap_slab *s, size_t nbytes)
{
	uint8_t *slot = s->free;
	uint8_t *next = *kheap_link(slot);
	if (!kheap_link_ok(c, s, next)) {
		/* the rest of the free list is lost until the slab empties */
		kheap_report("kmalloc: free list corrupted (write after free)", slot + kheap_body_off());
		next = NULL;
	}
	s->free = next;
	s->inuse++;
	c->inuse++;
	if (kheap.debug)
		kheap_debug_take(c, slot, nbytes);
	kheap_relist(c, s);
	return slot + kheap_body_off();
}

static unsigned kheap_class_of(size_t nbytes)
{
	if (nbytes <= 8)
		return 0;
	return (unsigned)(64 - __builtin_clzll((unsigned long long)(nbytes - 1))) - 3;
}

static void *kheap_small_alloc(size_t nbytes)
{
	unsigned ci = kheap_class_of(nbytes);
	struct kheap_class *c = &kheap.cls[ci];
	struct kheap_slab *s = c->lists[KHEAP_PARTIAL];
	if (!s)
		s = c->lists[KHEAP_EMPTY];
	if (!s)
		s = kheap_slab_new(ci);
	if (!s)
		return NULL;
	return kheap_slab_pop(c, s, nbytes);
}

/* ---- small free ---- */

/* Debug: check a live object's tag and red zones before it is freed; false: do not free. */
static bool kheap_debug_give(const struct kheap_class *c, uint8_t *slot)
{
	uint8_t *obj = slot + KHEAP_RZ;
	uint32_t tag = *kheap_tag(slot);
	if (tag == KHEAP_TAG_FREE) {
		kheap_report("kfree: double free", obj);
		return false;
	}
	if (tag != KHEAP_TAG_ALLOC) {
		/* could be a free slot: leave it alone rather than risk the free list */
		kheap_report("kfree: red zone before the object overwritten (underrun)", obj);
		return false;
	}
	size_t nbytes = ((uint32_t *)(void *)slot)[1];
	if (nbytes > c->size || !kheap_bytes_are(slot + 8, KHEAP_RZ_BYTE, 8))
		kheap_report("kfree: red zone before the object overwritten (underrun)", obj);
	else if (!kheap_bytes_are(obj + nbytes, KHEAP_RZ_BYTE, c->size + KHEAP_RZ - nbytes))
		kheap_report("kfree: red zone after the object overwritten (overrun)", obj);
	kheap_debug_mark_free(c, slot);
	return true;
}

/* Put the object at @p back on @s's free list; empty slabs beyond one per class go back. */
static void kheap_slab_free(struct kheap_slab *s, void *p)
{
	struct kheap_class *c = &kheap.cls[s->cls];
	uint8_t *slot = (uint8_t *)p - kheap_body_off();
	if (kheap_slot_index(c, s, (uintptr_t)slot) < 0) {
		kheap_report("kfree: pointer is not the start of an object", p);
		return;
	}
	if (kheap.debug) {
		if (!kheap_debug_give(c, slot))
			return;
	} else if (slot == s->free || s->inuse == 0) {
		kheap_report("kfree: double free", p);
		return;
	}
	*kheap_link(slot) = s->free;
	s->free = slot;
	s->inuse--;
	c->inuse--;
	if (s->inuse == 0 && c->nslabs[KHEAP_EMPTY] > 0 && s->list != KHEAP_EMPTY)
		kheap_slab_destroy(c, s);
	else
		kheap_relist(c, s);
}

/* ---- large allocations ---- */

static void kheap_free_locked(void *p);

static void *kheap_large_alloc(size_t nbytes)
{
	size_t slack = kheap.debug ? KHEAP_RZ : 0;
	if (nbytes > SIZE_MAX - slack - PAGE_SIZE)
		return NULL;
	size_t npages = (nbytes + slack + PAGE_SIZE - 1) / PAGE_SIZE;
	struct kheap_large *rec = kheap_small_alloc(sizeof *rec);
	if (!rec)
		return NULL;
	uint8_t *va = kheap.ops->alloc_pages(npages);
	if (!va) {
		kheap_free_locked(rec);
		return NULL;
	}
	rec->npages = npages;
	rec->nbytes = nbytes;
	kheap_pm_insert(&rec->node, (uintptr_t)va, rec, KHEAP_PM_LARGE);
	kheap.pages_held += npages;
	kheap.large_allocs++;
	kheap.large_pages += npages;
	if (kheap.debug)
		memset(va + nbytes, KHEAP_RZ_BYTE, npages * PAGE_SIZE - nbytes);
	return va;
}

static void kheap_large_free(struct kheap_large *rec, void *p)
{
	uint8_t *va = (uint8_t *)rec->node.page;
	if ((uint8_t *)p != va) {
		kheap_report("kfree: pointer is not the start of an object", p);
		return;
	}
	size_t nbytes_run = rec->npages * PAGE_SIZE;
	if (kheap.debug) {
		if (!kheap_bytes_are(va + rec->nbytes, KHEAP_RZ_BYTE, nbytes_run - rec->nbytes))
			kheap_report("kfree: red zone after the object overwritten (overrun)", p);
		memset(va, KHEAP_POISON, nbytes_run);
	}
	kheap_pm_remove(&rec->node);
	kheap.pages_held -= rec->npages;
	kheap.large_allocs--;
	kheap.large_pages -= rec->npages;
	kheap.ops->free_pages(va, rec->npages);
	kheap_free_locked(rec);
}

/* ---- public interface ---- */

/* Slab geometry of class @ci for the current mode. */
static void kheap_class_setup(unsigned ci)
{
	struct kheap_class *c = &kheap.cls[ci];
	c->size = kheap_class_def[ci].size;
	c->npages = kheap_class_def[ci].npages;
	c->stride = c->size + (kheap.debug ? 2 * KHEAP_RZ : 0);
	c->shift = 0;
	if ((c->stride & (c->stride - 1)) == 0)
		c->shift = (unsigned)__builtin_ctzll((unsigned long long)c->stride);
	c->first_off = sizeof(struct kheap_slab) + (c->npages - 1) * sizeof(struct kheap_pmnode);
	c->nobjs = (unsigned)((c->npages * PAGE_SIZE - c->first_off) / c->stride);
}

void kheap_init(const struct kheap_page_ops *ops, bool debug)
{
	memset(&kheap, 0, sizeof kheap);
	kheap.debug = debug;
	for (unsigned ci = 0; ci < KHEAP_NCLASSES; ci++)
		kheap_class_setup(ci);
	kheap.ops = ops;
}

bool kheap_ready(void)
{
	return kheap.ops != NULL;
}

static void kheap_lock(void)
{
	if (kheap.ops && kheap.ops->lock)
		kheap.ops->lock();
}

static void kheap_unlock(void)
{
	if (kheap.ops && kheap.ops->unlock)
		kheap.ops->unlock();
}

void *kmalloc(size_t nbytes)
{
	if (nbytes == 0 || !kheap.ops)
		return NULL;
	kheap_lock();
	void *p = nbytes > KHEAP_MAX_SMALL ? kheap_large_alloc(nbytes) : kheap_small_alloc(nbytes);
	kheap_unlock();
	return p;
}

void *kzalloc(size_t nbytes)
{
	void *p = kmalloc(nbytes);
	if (p)
		memset(p, 0, nbytes);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	kheap_lock();
	kheap_free_locked(p);
	kheap_unlock();
}

static void kheap_free_locked(void *p)
{
	uintptr_t page = (uintptr_t)p & ~(uintptr_t)PAGE_MASK;
	struct kheap_pmnode *n = kheap.ops ? kheap_pm_find(page) : NULL;
	if (n && n->kind == KHEAP_PM_LARGE) {
		kheap_large_free(n->owner, p);
		return;
	}
	if (n) {
		kheap_slab_free(n->owner, p);
		return;
	}
	/* not in the map: only a slab's first page can hold it, and then not at offset 0 */
	struct kheap_slab *s = (struct kheap_slab *)page;
	if (!kheap.ops || (uintptr_t)p == page || s->magic != KHEAP_SLAB_MAGIC ||
	    s->cls >= KHEAP_NCLASSES || s->npages != kheap.cls[s->cls].npages) {
		kheap_report("kfree: pointer not from the heap (or a large object freed twice)", p);
		return;
	}
	kheap_slab_free(s, p);
}

void kheap_stats(struct kheap_stats *out)
{
	memset(out, 0, sizeof *out);
	kheap_lock();
	for (unsigned ci = 0; ci < KHEAP_NCLASSES; ci++) {
		const struct kheap_class *c = &kheap.cls[ci];
		struct kheap_class_stats *o = &out->cls[ci];
		o->size = c->size;
		o->slab_npages = c->npages;
		o->objs_per_slab = c->nobjs;
		o->slabs_partial = c->nslabs[KHEAP_PARTIAL];
		o->slabs_full = c->nslabs[KHEAP_FULL];
		o->slabs_empty = c->nslabs[KHEAP_EMPTY];
		o->slabs = o->slabs_partial + o->slabs_full + o->slabs_empty;
		o->objs_inuse = c->inuse;
		out->objs_inuse += c->inuse;
	}
	out->large_allocs = kheap.large_allocs;
	out->large_pages = kheap.large_pages;
	out->pages_held = kheap.pages_held;
	out->errors = kheap.errors;
	out->debug = kheap.debug;
	kheap_unlock();
}

size_t kheap_release_empty(void)
{
	size_t npages = 0;
	if (!kheap.ops)
		return 0;
	kheap_lock();
	for (unsigned ci = 0; ci < KHEAP_NCLASSES; ci++) {
		struct kheap_class *c = &kheap.cls[ci];
		while (c->lists[KHEAP_EMPTY]) {
			npages += c->npages;
			kheap_slab_destroy(c, c->lists[KHEAP_EMPTY]);
		}
	}
	kheap_unlock();
	return npages;
}
