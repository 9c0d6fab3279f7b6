/*
 * test_region.c - region lists (kernel/vm/region.c): replacing a range cuts regions at its
 * ends and drops what was inside, neighbours of the same kind merge, protection changes cut
 * too, a failed allocation changes nothing, and the list stays sorted, non-overlapping and
 * counted after every operation.
 */
#include "hosttest.h"

#include <stdbool.h>

#include "lib/qerror.h"
#include "vm/region.h"

static int allocs_left = -1; /* -1: unlimited */
static int live;

static void *t_alloc(size_t n)
{
	if (allocs_left == 0)
		return NULL;
	if (allocs_left > 0)
		allocs_left--;
	live++;
	return malloc(n);
}

static void t_free(void *p)
{
	live--;
	free(p);
}

static const struct region_alloc ra = { t_alloc, t_free };

static vaddr_t dropped_bytes;
static void drop_count(const struct vm_region *r, void *ctx)
{
	(void)ctx;
	dropped_bytes += r->end - r->start;
}

/* check - sorted, no overlap, no empty region, count right. */
static void check(struct region_list *l)
{
	unsigned n = 0;
	vaddr_t last = 0;
	for (struct vm_region *r = l->head; r; r = r->next, n++) {
		assert_true(r->start < r->end);
		assert_true(r->start >= last);
		last = r->end;
	}
	assert_int_equal(n, l->count);
	assert_int_equal(n, (unsigned)live);
}

static struct vm_region anon(unsigned prot)
{
	struct vm_region t = { .kind = VM_ANON, .prot = (uint8_t)prot };
	return t;
}

static void test_replace_cuts_and_drops(void **state)
{
	(void)state;
	struct region_list l = { 0 };
	struct vm_region a = anon(1), lk = { .kind = VM_LOCKED, .prot = 1 };
	assert_int_equal(region_replace(&l, &ra, 0x10000, 0x20000, &a, NULL, NULL), 0);
	check(&l);
	dropped_bytes = 0;
	assert_int_equal(region_replace(&l, &ra, 0x14000, 0x18000, &lk, drop_count, NULL), 0);
	check(&l);
	assert_int_equal(l.count, 3);
	assert_int_equal(dropped_bytes, 0x4000);
	struct vm_region *m = region_find(&l, 0x15000);
	assert_non_null(m);
	assert_int_equal(m->kind, VM_LOCKED);
	assert_int_equal(m->start, 0x14000);
	assert_int_equal(m->end, 0x18000);
	assert_int_equal(region_find(&l, 0x13fff)->kind, VM_ANON);
	assert_int_equal(region_find(&l, 0x18000)->kind, VM_ANON);
	assert_null(region_find(&l, 0x20000));
	assert_null(region_find(&l, 0xffff));
	/* a hole in the middle, then filled again with anon: one region again (merged) */
	assert_int_equal(region_replace(&l, &ra, 0x14000, 0x18000, NULL, drop_count, NULL), 0);
	check(&l);
	assert_false(region_covered(&l, 0x10000, 0x20000));
	assert_true(region_covered(&l, 0x10000, 0x14000));
	assert_int_equal(region_replace(&l, &ra, 0x14000, 0x18000, &a, NULL, NULL), 0);
	check(&l);
	assert_int_equal(l.count, 1);
	assert_true(region_covered(&l, 0x10000, 0x20000));
	region_clear(&l, &ra, NULL, NULL);
	check(&l);
}

static void test_replace_spanning_several(void **state)
{
	(void)state;
	struct region_list l = { 0 };
	struct vm_region a = anon(1), r = anon(0);
	for (vaddr_t s = 0x10000; s < 0x20000; s += 0x2000)
		assert_int_equal(region_replace(&l, &ra, s, s + 0x1000, &a, NULL, NULL), 0);
	check(&l);
	assert_int_equal(l.count, 8);
	dropped_bytes = 0;
	assert_int_equal(region_replace(&l, &ra, 0x10800, 0x1e800, &r, drop_count, NULL), 0);
	check(&l);
	assert_int_equal(dropped_bytes, 0x800 + 6 * 0x1000 + 0x800);
	assert_int_equal(l.count, 3);
	assert_int_equal(region_find(&l, 0x10000)->end, 0x10800);
	assert_int_equal(region_find(&l, 0x1e800)->start, 0x1e800);
	region_clear(&l, &ra, NULL, NULL);
}

static void test_set_prot(void **state)
{
	(void)state;
	struct region_list l = { 0 };
	struct vm_region a = anon(1);
	assert_int_equal(region_replace(&l, &ra, 0x10000, 0x20000, &a, NULL, NULL), 0);
	assert_int_equal(region_replace(&l, &ra, 0x30000, 0x40000, &a, NULL, NULL), 0);
	assert_int_equal(region_set_prot(&l, &ra, 0x18000, 0x38000, 0), 0);
	check(&l);
	assert_int_equal(l.count, 4);
	assert_int_equal(region_find(&l, 0x17000)->prot, 1);
	assert_int_equal(region_find(&l, 0x18000)->prot, 0);
	assert_int_equal(region_find(&l, 0x37fff)->prot, 0);
	assert_int_equal(region_find(&l, 0x38000)->prot, 1);
	assert_null(region_find(&l, 0x28000)); /* the gap stays a gap */
	region_clear(&l, &ra, NULL, NULL);
}

static void test_failure_changes_nothing(void **state)
{
	(void)state;
	struct region_list l = { 0 };
	struct vm_region a = anon(1), lk = { .kind = VM_LOCKED, .prot = 1 };
	assert_int_equal(region_replace(&l, &ra, 0x10000, 0x20000, &a, NULL, NULL), 0);
	allocs_left = 1; /* a cut in the middle needs more than one record */
	assert_int_equal(region_replace(&l, &ra, 0x14000, 0x18000, &lk, NULL, NULL), -QE_NOMEM);
	allocs_left = -1;
	check(&l);
	assert_int_equal(l.count, 1);
	assert_int_equal(region_find(&l, 0x15000)->kind, VM_ANON);
	assert_int_equal(region_find(&l, 0x15000)->end, 0x20000);
	assert_int_equal(region_replace(&l, &ra, 0x18000, 0x14000, &lk, NULL, NULL), -QE_INVAL);
	region_clear(&l, &ra, NULL, NULL);
	check(&l);
}

static void test_region_limit(void **state)
{
	(void)state;
	struct region_list l = { 0 };
	struct vm_region a = anon(1), b = anon(0);
	int err = 0;
	vaddr_t s = 0x10000;
	for (unsigned i = 0; !err && i < REGION_MAX + 8; i++, s += 0x1000)
		err = region_replace(&l, &ra, s, s + 0x1000, (i & 1) ? &a : &b, NULL, NULL);
	assert_int_equal(err, -QE_AGAIN);
	check(&l);
	assert_true(l.count <= REGION_MAX);
	region_clear(&l, &ra, NULL, NULL);
}

static void test_file_offsets_follow_cuts(void **state)
{
	(void)state;
	struct region_list l = { 0 };
	int obj;
	struct vm_region f = { .kind = VM_FILE, .prot = 0, .offset = 0x100000, .object = &obj };
	assert_int_equal(region_replace(&l, &ra, 0x10000, 0x20000, &f, NULL, NULL), 0);
	assert_int_equal(region_set_prot(&l, &ra, 0x14000, 0x18000, 1), 0);
	check(&l);
	assert_int_equal(region_find(&l, 0x14000)->offset, 0x104000);
	assert_int_equal(region_find(&l, 0x18000)->offset, 0x108000);
	/* regions holding an object never merge */
	assert_int_equal(region_set_prot(&l, &ra, 0x14000, 0x18000, 0), 0);
	assert_int_equal(l.count, 3);
	region_clear(&l, &ra, NULL, NULL);
}

/* region_find_gap: the highest fitting place, holes kept on both sides, 2 MiB aligned
 * when that fits; region_peek finds without moving the hint. */
static void test_find_gap(void **state)
{
	(void)state;
	const vaddr_t M = 0x100000, lo = 4 * M, hi = 66 * M, hole = 2 * M;
	struct region_list l = { 0 };
	struct vm_region a = anon(1);
	assert_int_equal(region_find_gap(&l, lo, hi, 4 * M, hole), 60 * M); /* 66 - 2 - 4 */
	assert_int_equal(region_replace(&l, &ra, 50 * M, 60 * M, &a, NULL, NULL), 0);
	/* above the region: [60+2, 66-2) leaves 2 MiB: 1 MiB fits, at 63 aligned down to 62 */
	assert_int_equal(region_find_gap(&l, lo, hi, M, hole), 62 * M);
	/* 4 MiB does not fit above: below it, ending 2 MiB under its start */
	assert_int_equal(region_find_gap(&l, lo, hi, 4 * M, hole), 44 * M);
	/* a long range below: wherever it lands, its holes stay clear */
	vaddr_t got = region_find_gap(&l, lo, hi, 41 * M + 0x1000, hole);
	assert_true(got >= lo + hole && got + 41 * M + 0x1000 <= 48 * M);
	assert_int_equal(region_find_gap(&l, lo, hi, 60 * M, hole), 0); /* nowhere */
	assert_int_equal(region_find_gap(&l, lo, hi, 0, hole), 0);
	struct vm_region *h = l.hint;
	assert_non_null(region_peek(&l, 55 * M));
	assert_null(region_peek(&l, 49 * M));
	assert_ptr_equal(l.hint, h);
	region_clear(&l, &ra, NULL, NULL);
	check(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace_cuts_and_drops),
		cmocka_unit_test(test_replace_spanning_several),
		cmocka_unit_test(test_set_prot),
		cmocka_unit_test(test_failure_changes_nothing),
		cmocka_unit_test(test_region_limit),
		cmocka_unit_test(test_file_offsets_follow_cuts),
		cmocka_unit_test(test_find_gap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
