/*
 * kheap_test.c - in-kernel tests of the kernel heap (kernel/mm/kheap.c) on real frames:
 * every size class, large runs, and a random stress with contents checked. Each test
 * frees what it took and calls kheap_release_empty(), so the runner's free-frame count
 * comes back (this assumes no empty slab was cached when the test began).
 */
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "lib/types.h"
#include "test/ktest.h"

#define KHEAP_TEST_SLOTS 256
#define KHEAP_TEST_ROUNDS 20000

static uint8_t *kheap_test_ptr[KHEAP_TEST_SLOTS];
static size_t kheap_test_len[KHEAP_TEST_SLOTS];

static uint64_t kheap_test_rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The byte kept at offset @k of slot @i. */
static uint8_t kheap_test_byte(unsigned i, size_t k)
{
	return (uint8_t)(i * 31u + k);
}

/* Index of the first damaged byte of slot @i, or -1. */
static long kheap_test_check(unsigned i)
{
	for (size_t k = 0; k < kheap_test_len[i]; k++) {
		if (kheap_test_ptr[i][k] != kheap_test_byte(i, k))
			return (long)k;
	}
	return -1;
}

KTEST(kheap_classes)
{
	struct kheap_stats before, st;
	KT_ASSERT(t, kheap_ready(), "heap not initialised");
	kheap_stats(&before);
	for (size_t n = 1; n <= KHEAP_MAX_SMALL; n = n * 2 + 1) {
		uint8_t *p = kmalloc(n);
		KT_ASSERT(t, p != NULL, "kmalloc(%lu) failed", n);
		KT_EXPECT(t, ((uintptr_t)p & (n <= 8 ? 7 : 15)) == 0, "kmalloc(%lu) = %p", n, p);
		memset(p, 0x5a, n);
		kheap_stats(&st);
		KT_EXPECT(t, st.objs_inuse == before.objs_inuse + 1, "objects %lu, were %lu",
			  st.objs_inuse, before.objs_inuse);
		kfree(p);
	}
	kheap_release_empty();
	kheap_stats(&st);
	KT_EXPECT(t, st.pages_held == before.pages_held, "heap pages %lu, were %lu", st.pages_held,
		  before.pages_held);
	KT_EXPECT(t, st.errors == before.errors, "%lu heap errors", st.errors - before.errors);
}

KTEST(kheap_large)
{
	struct kheap_stats before, st;
	KT_ASSERT(t, kheap_ready(), "heap not initialised");
	kheap_stats(&before);
	uint8_t *a = kmalloc(4097), *b = kzalloc(64 << 10);
	KT_ASSERT(t, a && b, "kmalloc 4097 = %p, kzalloc 64K = %p", a, b);
	KT_EXPECT(t, ((uintptr_t)a & PAGE_MASK) == 0, "large object at %p", a);
	size_t nonzero = 0;
	for (size_t k = 0; k < (64 << 10); k++)
		nonzero += b[k] != 0;
	KT_EXPECT(t, nonzero == 0, "kzalloc left %lu bytes non-zero", nonzero);
	memset(a, 1, 4097);
	kheap_stats(&st);
	KT_EXPECT(t, st.large_allocs == before.large_allocs + 2, "large %lu", st.large_allocs);
	kfree(a);
	kfree(b);
	kheap_release_empty();
	kheap_stats(&st);
	KT_EXPECT(t, st.pages_held == before.pages_held, "heap pages %lu, were %lu", st.pages_held,
		  before.pages_held);
}

/* One random step on slot @i: verify and free it, or fill it with a new allocation. */
static bool kheap_test_step(struct ktest_ctx *t, unsigned i, uint64_t r)
{
	if (kheap_test_ptr[i]) {
		long bad = kheap_test_check(i);
		if (bad >= 0) {
			ktest_fail(t, __FILE__, __LINE__, "slot %u (%p, %lu bytes): byte %ld damaged",
				   i, kheap_test_ptr[i], kheap_test_len[i], bad);
			return false;
		}
		kfree(kheap_test_ptr[i]);
		kheap_test_ptr[i] = NULL;
		return true;
	}
	size_t n = (r & 31) == 0 ? 4097 + (r >> 8) % (60u << 10) : 1 + (r >> 8) % 4096;
	uint8_t *p = kmalloc(n);
	if (!p) {
		ktest_fail(t, __FILE__, __LINE__, "kmalloc(%lu) failed", n);
		return false;
	}
	kheap_test_ptr[i] = p;
	kheap_test_len[i] = n;
	for (size_t k = 0; k < n; k++)
		p[k] = kheap_test_byte(i, k);
	return true;
}

KTEST(kheap_stress)
{
	struct kheap_stats before, st;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	KT_ASSERT(t, kheap_ready(), "heap not initialised");
	kheap_stats(&before);
	bool ok = true;
	for (unsigned r = 0; r < KHEAP_TEST_ROUNDS && ok; r++) {
		uint64_t x = kheap_test_rng(&seed);
		ok = kheap_test_step(t, (unsigned)(x % KHEAP_TEST_SLOTS), kheap_test_rng(&seed));
	}
	for (unsigned i = 0; i < KHEAP_TEST_SLOTS; i++) {
		if (kheap_test_ptr[i] && kheap_test_check(i) >= 0)
			ktest_fail(t, __FILE__, __LINE__, "slot %u damaged at the end", i);
		kfree(kheap_test_ptr[i]);
		kheap_test_ptr[i] = NULL;
	}
	kheap_release_empty();
	kheap_stats(&st);
	KT_EXPECT(t, st.objs_inuse == before.objs_inuse, "objects %lu, were %lu", st.objs_inuse,
		  before.objs_inuse);
	KT_EXPECT(t, st.large_allocs == before.large_allocs, "large %lu, were %lu",
		  st.large_allocs, before.large_allocs);
	KT_EXPECT(t, st.pages_held == before.pages_held, "heap pages %lu, were %lu", st.pages_held,
		  before.pages_held);
	KT_EXPECT(t, st.errors == before.errors, "%lu heap errors", st.errors - before.errors);
}
