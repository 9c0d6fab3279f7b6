/*
 * malloc.c - the process heap: a bump pointer over [heap_start, heap_end) plus free lists.
 * Blocks of up to 4 KiB come in power-of-two size classes (32 .. 4096 bytes, header
 * included); bigger ones are rounded to whole pages and kept on one best-fit list when
 * freed; once the untouched part is gone, small classes cut pages off freed big blocks. Nothing is given back to the kernel. One lock (spin, then yield) covers it all.
 *
 *   block:  +---------------------+------------------------------+
 *           | size (8) | magic (8)| user bytes (next ptr if free)|
 *           +---------------------+------------------------------+
 *           ^ 16-aligned          ^ returned pointer, 16-aligned
 */
#include "crt.h"

#define HDR_SIZE 16
#define MIN_SHIFT 5 /* 32 bytes */
#define MAX_SHIFT 12 /* 4096 bytes */
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define MAGIC_USED 0x51554952454d414cUL /* "QUIREMAL" */
#define MAGIC_FREE 0x51554952454652eeUL

struct block {
	uint64_t size;  /* whole block, header included */
	uint64_t magic; /* MAGIC_USED or MAGIC_FREE */
	struct block *next; /* free lists only (first user word) */
};
_Static_assert(HDR_SIZE == 2 * sizeof(uint64_t), "header is size + magic");

static uint64_t heap_cur, heap_end;
static struct block *class_free[NCLASSES];
static struct block *big_free;
static int heap_lock;

void malloc_init(uint64_t start, uint64_t end)
{
	heap_cur = start;
	heap_end = end > start ? end : start;
}

static void lock(void)
{
	while (__atomic_exchange_n(&heap_lock, 1, __ATOMIC_ACQUIRE))
		sys_yield();
}

static void unlock(void)
{
	__atomic_store_n(&heap_lock, 0, __ATOMIC_RELEASE);
}

/* carve - take @size bytes from the untouched part of the heap, or NULL. Lock held. */
static struct block *carve(uint64_t size)
{
	if (heap_end - heap_cur < size)
		return NULL;
	struct block *b = (struct block *)heap_cur;
	heap_cur += size;
	b->size = size;
	return b;
}

/* class_of - size-class index for a block of @size bytes (header included). */
static int class_of(uint64_t size)
{
	int c = 0;
	while ((1UL << (MIN_SHIFT + c)) < size)
		c++;
	return c;
}

/* take_big - the smallest freed big block of at least @size bytes, else a new one. */
static struct block *take_big(uint64_t size)
{
	struct block **best = NULL;
	for (struct block **pp = &big_free; *pp; pp = &(*pp)->next) {
		if ((*pp)->size >= size && (!best || (*pp)->size < (*best)->size))
			best = pp;
	}
	if (!best)
		return carve(size);
	struct block *b = *best;
	*best = b->next;
	return b;
}

/*
 * refill_from_big - the heap's untouched part is used up: cut the last page off the
 * smallest freed big block and split it into blocks of class @c. Returns one, or NULL.
 */
static struct block *refill_from_big(int c)
{
	struct block **best = NULL;
	for (struct block **pp = &big_free; *pp; pp = &(*pp)->next) {
		if (!best || (*pp)->size < (*best)->size)
			best = pp;
	}
	if (!best)
		return NULL;
	struct block *big = *best;
	*best = big->next;
	char *page = (char *)big;
	if (big->size > PAGE_SIZE) { /* keep the rest as a (smaller) big block */
		big->size -= PAGE_SIZE;
		page += big->size;
		big->next = big_free;
		big_free = big;
	}
	uint64_t bsz = 1UL << (MIN_SHIFT + c);
	for (uint64_t off = bsz; off + bsz <= PAGE_SIZE; off += bsz) {
		struct block *x = (struct block *)(page + off);
		x->size = bsz;
		x->magic = MAGIC_FREE;
		x->next = class_free[c];
		class_free[c] = x;
	}
	struct block *b = (struct block *)page;
	b->size = bsz;
	return b;
}

void *malloc(size_t nbytes)
{
	if (nbytes == 0 || nbytes > (1UL << 46))
		return NULL;
	uint64_t size = nbytes + HDR_SIZE;
	struct block *b;
	lock();
	if (size <= (1UL << MAX_SHIFT)) {
		int c = class_of(size);
		b = class_free[c];
		if (b)
			class_free[c] = b->next;
		else if (!(b = carve(1UL << (MIN_SHIFT + c))))
			b = refill_from_big(c);
	} else {
		b = take_big((size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	}
	if (b)
		b->magic = MAGIC_USED;
	unlock();
	return b ? (char *)b + HDR_SIZE : NULL;
}

static struct block *block_of(void *p)
{
	struct block *b = (struct block *)((char *)p - HDR_SIZE);
	if (((uint64_t)p & 15) || b->magic != MAGIC_USED) {
		printf("malloc: free/realloc of a bad pointer %p\n", p);
		sys_exit(125);
	}
	return b;
}

void free(void *p)
{
	if (!p)
		return;
	struct block *b = block_of(p);
	lock();
	b->magic = MAGIC_FREE;
	if (b->size <= (1UL << MAX_SHIFT)) {
		int c = class_of(b->size);
		b->next = class_free[c];
		class_free[c] = b;
	} else {
		b->next = big_free;
		big_free = b;
	}
	unlock();
}

void *calloc(size_t n, size_t size)
{
	if (size && n > ~(size_t)0 / size)
		return NULL;
	void *p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *p, size_t nbytes)
{
	if (!p)
		return malloc(nbytes);
	if (nbytes == 0) {
		free(p);
		return NULL;
	}
	struct block *b = block_of(p);
	uint64_t have = b->size - HDR_SIZE;
	if (nbytes <= have)
		return p;
	void *q = malloc(nbytes);
	if (q) {
		memcpy(q, p, have);
		free(p);
	}
	return q;
}
