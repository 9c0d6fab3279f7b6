/*
 * test_kheap.c - kernel/mm/kheap on a page provider built on aligned_alloc: size classes,
 * slab lists, large runs, out of memory, a random stress with contents checked, and every
 * error the debug heap must catch (double free, bad pointer, overrun, underrun, write
 * after free), plus the two the normal heap catches.
 */
#include "hosttest.h"

#include "mm/kheap.h"

#define PG 4096u
#define MAX_RUNS 4096

/* ---- the page provider: counts pages, checks that runs come back whole ---- */

static struct {
	void *va[MAX_RUNS];
	size_t npages[MAX_RUNS];
	size_t held;  /* pages out */
	size_t limit; /* refuse beyond this many pages out */
} prov;

static void *prov_alloc(size_t npages)
{
	if (prov.held + npages > prov.limit)
		return NULL;
	for (int i = 0; i < MAX_RUNS; i++) {
		if (!prov.va[i]) {
			prov.va[i] = aligned_alloc(PG, npages * PG);
			assert_non_null(prov.va[i]);
			memset(prov.va[i], 0xa5, npages * PG); /* dirty, like a reused frame */
			prov.npages[i] = npages;
			prov.held += npages;
			return prov.va[i];
		}
	}
	fail_msg("provider table full");
	return NULL;
}

static void prov_free(void *va, size_t npages)
{
	for (int i = 0; i < MAX_RUNS; i++) {
		if (prov.va[i] == va) {
			assert_int_equal(prov.npages[i], npages);
			free(va);
			prov.va[i] = NULL;
			prov.held -= npages;
			return;
		}
	}
	fail_msg("free_pages(%p, %zu): not a run the provider gave", va, npages);
}

static const struct kheap_page_ops prov_ops = { prov_alloc, prov_free, NULL, NULL };

/* ---- the error hook: records what was caught ---- */

static struct {
	int count;
	const char *what;
	const void *ptr;
} caught;

static void record_error(const char *what, const void *ptr)
{
	caught.count++;
	caught.what = what;
	caught.ptr = ptr;
}

static void start(bool debug)
{
	memset(&prov, 0, sizeof prov);
	prov.limit = SIZE_MAX;
	memset(&caught, 0, sizeof caught);
	kheap_init(&prov_ops, debug);
	kheap_set_error_hook(record_error);
}

static int setup_normal(void **state)
{
	(void)state;
	start(false);
	return 0;
}

static int setup_debug(void **state)
{
	(void)state;
	start(true);
	return 0;
}

/* Every test ends with nothing allocated: all pages go back once empty slabs are released. */
static int teardown(void **state)
{
	(void)state;
	struct kheap_stats st;
	kheap_release_empty();
	kheap_stats(&st);
	assert_int_equal(st.objs_inuse, 0);
	assert_int_equal(st.pages_held, 0);
	assert_int_equal(prov.held, 0);
	return 0;
}

static void assert_caught(const char *needle, const void *ptr)
{
	assert_int_equal(caught.count, 1);
	assert_non_null(caught.what);
	if (!strstr(caught.what, needle))
		fail_msg("caught '%s', wanted '%s'", caught.what, needle);
	assert_ptr_equal(caught.ptr, ptr);
	memset(&caught, 0, sizeof caught);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* ---- behaviour, run in both modes ---- */

static void test_zero_null_and_uninit(void **state)
{
	(void)state;
	assert_null(kmalloc(0));
	assert_null(kzalloc(0));
	kfree(NULL);
	assert_true(kheap_ready());
	assert_null(kmalloc(SIZE_MAX));
	assert_null(kmalloc(SIZE_MAX - 4000));
	assert_int_equal(caught.count, 0);
}

static void test_every_size_class(void **state)
{
	(void)state;
	static const size_t sizes[] = { 1, 7, 8, 9, 16, 17, 31, 32, 33, 64, 100, 128, 129,
					255, 256, 300, 512, 513, 1000, 1024, 1025, 2047,
					2048 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		struct kheap_stats st;
		uint8_t *p = kmalloc(n);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % (n <= 8 ? 8 : 16), 0);
		memset(p, 0x5a, n);
		kheap_stats(&st);
		size_t ci = 0;
		while (st.cls[ci].size < n)
			ci++;
		assert_int_equal(st.cls[ci].objs_inuse, 1);
		assert_int_equal(st.objs_inuse, 1);
		assert_int_equal(st.large_allocs, 0);
		kfree(p);
	}
	assert_int_equal(caught.count, 0);
}

/* Fill one class past a slab: the lists move partial -> full -> partial -> empty. */
static void test_slab_lists(void **state)
{
	(void)state;
	struct kheap_stats st;
	kheap_stats(&st);
	size_t per = st.cls[2].objs_per_slab; /* 32-byte class */
	assert_true(per >= (st.debug ? 60 : 120));
	void **p = calloc(per + 1, sizeof *p);
	for (size_t i = 0; i < per; i++)
		p[i] = kmalloc(32);
	kheap_stats(&st);
	assert_int_equal(st.cls[2].slabs_full, 1);
	assert_int_equal(st.cls[2].slabs, 1);
	p[per] = kmalloc(32);
	kheap_stats(&st);
	assert_int_equal(st.cls[2].slabs, 2);
	assert_int_equal(st.cls[2].slabs_partial, 1);
	assert_int_equal(st.pages_held, 2);
	for (size_t i = 0; i <= per; i++)
		kfree(p[i]);
	kheap_stats(&st);
	/* one empty slab stays cached, the other went back at once */
	assert_int_equal(st.cls[2].slabs_empty, 1);
	assert_int_equal(st.cls[2].slabs, 1);
	assert_int_equal(st.pages_held, 1);
	assert_int_equal(kheap_release_empty(), 1);
	assert_int_equal(kheap_release_empty(), 0);
	free(p);
	assert_int_equal(caught.count, 0);
}

/* The big classes: objects in every page of a slab are found again; a slab is at most two
 * pages (no long runs of frames), and past 2 KiB a request is whole pages. */
static void test_big_classes(void **state)
{
	(void)state;
	struct kheap_stats st;
	kheap_stats(&st);
	void *p[2][16];
	const size_t sz[2] = { 1024, 2048 };
	for (int c = 0; c < 2; c++) {
		size_t per = st.cls[7 + c].objs_per_slab;
		assert_true(st.cls[7 + c].slab_npages <= 2);
		assert_true(per >= 3 && per <= 16);
		for (size_t i = 0; i < per; i++) {
			p[c][i] = kmalloc(sz[c]);
			memset(p[c][i], (int)i, sz[c]);
		}
		for (size_t i = 0; i < per; i++) {
			assert_int_equal(((uint8_t *)p[c][i])[sz[c] - 1], (uint8_t)i);
			kfree(p[c][i]);
		}
	}
	kheap_stats(&st);
	assert_int_equal(st.objs_inuse, 0);
	assert_int_equal(st.pages_held, 1 + 2);
	uint8_t *q = kmalloc(2049), *r = kmalloc(4096 - (st.debug ? 16 : 0));
	kheap_stats(&st);
	assert_int_equal(st.large_allocs, 2);
	assert_int_equal(st.large_pages, 2); /* one page each */
	kfree(q);
	kfree(r);
	assert_int_equal(caught.count, 0);
}

static void test_large(void **state)
{
	(void)state;
	struct kheap_stats st;
	uint8_t *a = kmalloc(4097), *b = kmalloc(64 << 10), *c = kmalloc(1 << 20);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal((uintptr_t)a % PG, 0);
	assert_int_equal((uintptr_t)b % PG, 0);
	memset(a, 1, 4097);
	memset(b, 2, 64 << 10);
	memset(c, 3, 1 << 20);
	kheap_stats(&st);
	assert_int_equal(st.large_allocs, 3);
	size_t extra = st.debug ? 1 : 0; /* 64 KiB and 1 MiB need a page for the red zone */
	assert_int_equal(st.large_pages, 2 + 16 + 256 + 2 * extra);
	assert_int_equal(st.cls[3].objs_inuse, 3); /* the records */
	kfree(b);
	kfree(a);
	kfree(c);
	kheap_stats(&st);
	assert_int_equal(st.large_allocs, 0);
	assert_int_equal(st.large_pages, 0);
	assert_int_equal(caught.count, 0);
}

static void test_kzalloc_clears_reused_memory(void **state)
{
	(void)state;
	uint8_t *p = kmalloc(200);
	memset(p, 0xff, 200);
	kfree(p);
	uint8_t *q = kzalloc(200), *r = kzalloc(10000);
	assert_ptr_equal(p, q); /* LIFO reuse */
	for (int i = 0; i < 200; i++)
		assert_int_equal(q[i], 0);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(r[i], 0);
	kfree(q);
	kfree(r);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	prov.limit = 3;
	void *big = kmalloc(3 * PG); /* record slab (1) + 3 pages: too many */
	assert_null(big);
	static void *p[2000];
	size_t n = 0;
	while (n < 2000 && (p[n] = kmalloc(8)) != NULL)
		n++;
	struct kheap_stats st;
	kheap_stats(&st);
	assert_int_equal(n, 2 * st.cls[0].objs_per_slab);
	assert_int_equal(st.pages_held, 3); /* 8-byte slabs + the cached 64-byte slab */
	prov.limit = SIZE_MAX;
	while (n > 0)
		kfree(p[--n]);
	assert_int_equal(caught.count, 0);
}

/* Random mix of sizes, contents checked before every free. */
static void test_random_stress(void **state)
{
	(void)state;
	enum { SLOTS = 400, ROUNDS = 30000 };
	static uint8_t *p[SLOTS];
	static size_t len[SLOTS];
	for (int r = 0; r < ROUNDS; r++) {
		unsigned i = (unsigned)(xorshift() % SLOTS);
		if (p[i]) {
			for (size_t k = 0; k < len[i]; k++) {
				if (p[i][k] != (uint8_t)(i + k))
					fail_msg("slot %u byte %zu of %zu damaged", i, k, len[i]);
			}
			kfree(p[i]);
			p[i] = NULL;
			continue;
		}
		uint64_t x = xorshift();
		len[i] = (x & 15) == 0 ? 4097 + (x >> 8) % (60 << 10) : 1 + (x >> 8) % 4096;
		p[i] = kmalloc(len[i]);
		assert_non_null(p[i]);
		for (size_t k = 0; k < len[i]; k++)
			p[i][k] = (uint8_t)(i + k);
	}
	for (int i = 0; i < SLOTS; i++) {
		kfree(p[i]);
		p[i] = NULL;
	}
	assert_int_equal(caught.count, 0);
}

/* ---- errors: debug mode ---- */

static void test_debug_double_free(void **state)
{
	(void)state;
	void *a = kmalloc(24), *b = kmalloc(24), *big = kmalloc(2000);
	kfree(a);
	kfree(b);
	kfree(a); /* not the free-list head: only the tag tells */
	assert_caught("double free", a);
	kfree(big);
	kfree(big);
	assert_caught("double free", big);
	struct kheap_stats st;
	kheap_stats(&st);
	assert_int_equal(st.errors, 2);
	assert_int_equal(st.objs_inuse, 0);
}

static void test_debug_bad_pointer(void **state)
{
	(void)state;
	uint8_t *p = kmalloc(64), *l = kmalloc(8000);
	kfree(p + 8);
	assert_caught("not the start of an object", p + 8);
	kfree(l + 16);
	assert_caught("not the start of an object", l + 16);
	uint8_t *foreign = aligned_alloc(PG, PG);
	memset(foreign, 0, PG);
	kfree(foreign);
	assert_caught("not from the heap", foreign);
	kfree(foreign + 100);
	assert_caught("not from the heap", foreign + 100);
	free(foreign);
	kfree(l);
	kfree(l);
	assert_caught("not from the heap (or a large object freed twice)", l);
	kfree(p);
	assert_int_equal(caught.count, 0);
}

static void test_debug_overrun(void **state)
{
	(void)state;
	uint8_t *a = kmalloc(20), *b = kmalloc(32), *c = kmalloc(2048);
	a[20] = 0; /* in the class slack, past the request */
	kfree(a);
	assert_caught("overrun", a);
	b[32 + 15] = 'x'; /* last byte of the right red zone */
	kfree(b);
	assert_caught("overrun", b);
	memset(c, 1, 2049);
	kfree(c);
	assert_caught("overrun", c);
	/* the objects were freed after the report: the heap is whole again */
	struct kheap_stats st;
	kheap_stats(&st);
	assert_int_equal(st.objs_inuse, 0);
}

static void test_debug_underrun(void **state)
{
	(void)state;
	uint8_t *a = kmalloc(100), *b = kmalloc(100);
	a[-1] = 0;
	kfree(a);
	assert_caught("underrun", a);
	memset(b - 16, 0, 4); /* the tag: the object is left alone, not freed */
	kfree(b);
	assert_caught("underrun", b);
	struct kheap_stats st;
	kheap_stats(&st);
	assert_int_equal(st.objs_inuse, 1);
	memset(b - 16, 0, 16); /* mend it as an allocated slot, so teardown can free it */
	*(uint32_t *)(void *)(b - 16) = 0xa110ca7eu;
	*(uint32_t *)(void *)(b - 12) = 100;
	memset(b - 8, 0xbb, 8);
	kfree(b);
	assert_int_equal(caught.count, 0);
}

static void test_debug_large_overrun(void **state)
{
	(void)state;
	uint8_t *l = kmalloc(5000);
	l[5000] = 7;
	kfree(l);
	assert_caught("overrun", l);
}

static void test_debug_write_after_free(void **state)
{
	(void)state;
	uint8_t *a = kmalloc(128);
	kfree(a);
	a[77] = 1;
	uint8_t *b = kmalloc(128); /* the same slot comes back, poison checked */
	assert_ptr_equal(a, b);
	assert_caught("written after kfree", b);
	kfree(b);
	/* the link of a free slot overwritten: caught when the list is followed */
	uint8_t *c = kmalloc(256), *d = kmalloc(256);
	kfree(d);
	kfree(c);
	memset(c - 8, 0x41, 8);
	uint8_t *e = kmalloc(256);
	assert_ptr_equal(e, c);
	assert_caught("free list corrupted", c);
	kfree(e);
	assert_int_equal(caught.count, 0);
}

/* ---- errors: normal mode catches the cheap ones ---- */

static void test_normal_errors(void **state)
{
	(void)state;
	uint8_t *a = kmalloc(48);
	kfree(a);
	kfree(a);
	assert_caught("double free", a);
	uint8_t *b = kmalloc(48);
	kfree(b + 4);
	assert_caught("not the start", b + 4);
	kfree(b);
	/* a free list link overwritten after free */
	uint8_t *c = kmalloc(64), *d = kmalloc(64);
	kfree(d);
	kfree(c);
	memset(c, 0x41, 8);
	assert_ptr_equal(kmalloc(64), c);
	assert_caught("free list corrupted", c);
	kfree(c);
}

static void test_default_hook_counts(void **state)
{
	(void)state;
	kheap_set_error_hook(NULL);
	uint8_t *a = kmalloc(16);
	kfree(a);
	kfree(a);
	kfree(a);
	struct kheap_stats st;
	kheap_stats(&st);
	assert_int_equal(st.errors, 2);
	assert_int_equal(caught.count, 0);
	kheap_set_error_hook(record_error);
}

#define NORMAL(fn) { #fn "_normal", fn, setup_normal, teardown, NULL }
#define DEBUG(fn) { #fn "_debug", fn, setup_debug, teardown, NULL }
#define BOTH(fn) NORMAL(fn), DEBUG(fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_zero_null_and_uninit),
		BOTH(test_every_size_class),
		BOTH(test_slab_lists),
		BOTH(test_big_classes),
		BOTH(test_large),
		BOTH(test_kzalloc_clears_reused_memory),
		BOTH(test_out_of_memory),
		BOTH(test_random_stress),
		DEBUG(test_debug_double_free),
		DEBUG(test_debug_bad_pointer),
		DEBUG(test_debug_overrun),
		DEBUG(test_debug_underrun),
		DEBUG(test_debug_large_overrun),
		DEBUG(test_debug_write_after_free),
		NORMAL(test_normal_errors),
		BOTH(test_default_hook_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
