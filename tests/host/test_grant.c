/*
 * test_grant.c - page grants (kernel/vm/grant.c) on the fake machine of test_vm.c: pages
 * leave the sender's process space (its range becomes a hole; a touch there is fatal) and
 * arrive in the receiver's as they were: contents, D bits, clean swap copies, swap entries,
 * locked pages (still locked), untouched pages (zero pages); frame records name the new
 * owner and address, the page-usage manager tracks them again, counters move between the
 * spaces. A refused install leaves the grant whole; a released grant gives every frame and
 * swap block back; bad ranges are refused and change nothing.
 */
#include "hosttest.h"

#include "arch/x86_64/layout.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/trap.h"
#include "fake_machine.h"
#include "fake_space.h"
#include "mm/frame.h"
#include "vm/swap.h"
#include "vm/vm.h"
#include "vm/vm_internal.h"

#define B (1ull << 39)
#define SRC 0x40000000ull /* the sender's range */
#define DST 0x80000000ull /* where the receiver takes it */
#define RW PTE_PROT_RW
#define N 16              /* pages granted */

static uint64_t free0, blocks0, tracked0;

static int setup_group(void **state)
{
	(void)state;
	fake_machine_init(16, 8);
	vm_init("");
	/* no readahead: the tests say which pages are in swap and which in RAM */
	swap_init("swap=hdb pum=clock swap.readahead=1");
	return swap_enabled() ? 0 : -1;
}

static int teardown_group(void **state)
{
	(void)state;
	return 0;
}

static struct space make_space(uint32_t id)
{
	struct space s = { vm_space_create(id, B, NULL), NULL };
	assert_non_null(s.vs);
	s.ts = vm_tspace_create(s.vs, id + 1, false);
	assert_non_null(s.ts);
	return s;
}

static void end_space(struct space *s)
{
	vm_tspace_destroy(s->ts);
	vm_space_destroy(s->vs);
}

/* start, finish - every frame, swap block and tracked frame is back at the end of a test. */
static void start(void)
{
	free0 = frame_free_count();
	blocks0 = swap_free_blocks();
	tracked0 = pageusage_tracked();
}

static void finish(void)
{
	assert_int_equal(frame_free_count(), free0);
	assert_int_equal(swap_free_blocks(), blocks0);
	assert_int_equal(pageusage_tracked(), tracked0);
}


/*
 * fill_sender - N pages at SRC: 0-7 written (4-5 then evicted: swap entries; 6 evicted and
 * read back: a clean page with its swap copy), 8-11 locked (written), 12-15 never touched.
 */
static void fill_sender(struct space *s)
{
	assert_int_equal(vm_map(s->ts, SRC, SRC + N * PAGE_SIZE, VM_ANON, RW, false), 0);
	for (int i = 0; i < 12; i++)
		touch(s, SRC + i * PAGE_SIZE, 0x1000 + (uint64_t)i);
	assert_int_equal(vm_area(s->ts, VM_AREA_LOCK, SRC + 8 * PAGE_SIZE, 4 * PAGE_SIZE, RW), 0);
	while (swap_evict_one() == 0) /* pages 0-7 go to swap (the locked ones stay) */
		;
	for (int i = 0; i < 4; i++)
		assert_int_equal(read_word(s, SRC + i * PAGE_SIZE), 0x1000 + (uint64_t)i);
	touch(s, SRC, 0x1000); /* page 0 dirty again; 1-3 clean with their copies */
	assert_int_equal(read_word(s, SRC + 6 * PAGE_SIZE), 0x1006);
}

static void test_take_and_install(void **state)
{
	(void)state;
	start();
	struct space a = make_space(100), b = make_space(200);
	const char *why = NULL;
	fill_sender(&a);
	uint64_t frames = a.vs->cnt.frames, blocks = a.vs->cnt.swap_blocks, tracked = pageusage_tracked();
	pfn_t locked_pfn = pte_pfn(entry(&a, SRC + 8 * PAGE_SIZE)), clean_pfn = pte_pfn(entry(&a, SRC + PAGE_SIZE));
	struct vm_grant *g = NULL;
	assert_int_equal(vm_grant_take(a.ts, SRC, N * PAGE_SIZE, &g), 0);
	/* 0-3, 6 resident, 8-11 locked (resident too), 4, 5, 7 in swap, 12-15 nothing */
	assert_int_equal(g->resident, 9);
	assert_int_equal(g->locked, 4);
	assert_int_equal(g->swapped, 3);
	assert_int_equal(a.vs->cnt.frames, frames - 9);
	/* 3 swap entries and 5 copies: 1-3 and 6 clean, 0's stale (rewritten at its next eviction) */
	assert_int_equal(a.vs->cnt.swap_blocks, blocks - 8);
	assert_int_equal(pageusage_tracked(), tracked - 5);  /* the locked ones were never tracked */
	assert_null(region_find(&a.vs->regions, SRC));
	assert_int_equal(entry(&a, SRC), 0);
	assert_int_equal(vm_fault(a.ts, SRC + 5 * PAGE_SIZE, PF_USER, &why), -1);
	assert_string_equal(why, "no memory is mapped there");
	assert_int_equal(frame_owner(clean_pfn), 0); /* held by the kernel: mapped nowhere */

	assert_int_equal(vm_grant_install(b.ts, DST, g), 0);
	assert_int_equal(b.vs->cnt.frames, 9);
	assert_int_equal(b.vs->cnt.swap_blocks, 8);
	assert_int_equal(pageusage_tracked(), tracked);
	struct vm_region *r = region_find(&b.vs->regions, DST);
	assert_true(r && r->kind == VM_GRANT && r->start == DST && r->end == DST + N * PAGE_SIZE);
	uint64_t e = entry(&b, DST + 8 * PAGE_SIZE);
	assert_true(pte_is_present(e) && pte_type(e) == PTE_TYPE_LOCKED && pte_pfn(e) == locked_pfn);
	assert_int_equal(frame_owner(locked_pfn), 200);
	assert_int_equal(frame_va(locked_pfn), DST + 8 * PAGE_SIZE);
	assert_true(pte_is_dirty(entry(&b, DST)) && !pte_is_dirty(entry(&b, DST + PAGE_SIZE)));
	assert_int_equal(frame_get(clean_pfn)->swap_copy != 0, 1); /* the copy moved with the frame */
	assert_true(pte_swap_block(entry(&b, DST + 4 * PAGE_SIZE)) != PTE_SWAP_NONE);
	for (int i = 0; i < 12; i++)
		assert_int_equal(read_word(&b, DST + i * PAGE_SIZE), 0x1000 + (uint64_t)i);
	for (int i = 12; i < N; i++)
		assert_int_equal(read_word(&b, DST + i * PAGE_SIZE), 0); /* zero pages */
	end_space(&a);
	end_space(&b);
	finish();
}

/* Evicting in the receiver finds each frame's one mapping through its updated record. */
static void test_evict_after_install(void **state)
{
	(void)state;
	start();
	struct space a = make_space(300), b = make_space(400);
	fill_sender(&a);
	struct vm_grant *g = NULL;
	assert_int_equal(vm_grant_take(a.ts, SRC, N * PAGE_SIZE, &g), 0);
	assert_int_equal(vm_grant_install(b.ts, DST, g), 0);
	uint64_t w0 = fm.disk_writes;
	while (swap_evict_one() == 0)
		;
	assert_int_equal(fm.disk_writes - w0, 1); /* only page 0 was dirty; 1-3, 6 clean drops */
	for (int i = 0; i < 8; i++)
		assert_true(pte_swap_block(entry(&b, DST + i * PAGE_SIZE)) != PTE_SWAP_NONE);
	for (int i = 0; i < 12; i++)
		assert_int_equal(read_word(&b, DST + i * PAGE_SIZE), 0x1000 + (uint64_t)i);
	end_space(&a);
	end_space(&b);
	finish();
}

/* A grant goes on: received pages granted again (a pipeline stage forwards them). */
static void test_grant_again(void **state)
{
	(void)state;
	start();
	struct space a = make_space(500), b = make_space(600), c = make_space(700);
	fill_sender(&a);
	struct vm_grant *g = NULL;
	assert_int_equal(vm_grant_take(a.ts, SRC, N * PAGE_SIZE, &g), 0);
	assert_int_equal(vm_grant_install(b.ts, DST, g), 0);
	assert_int_equal(vm_grant_take(b.ts, DST, N * PAGE_SIZE, &g), 0);
	assert_int_equal(b.vs->cnt.frames, 0);
	assert_int_equal(b.vs->cnt.swap_blocks, 0);
	assert_int_equal(vm_grant_install(c.ts, SRC + B / 2, g), 0);
	for (int i = 0; i < 12; i++)
		assert_int_equal(read_word(&c, SRC + B / 2 + i * PAGE_SIZE), 0x1000 + (uint64_t)i);
	end_space(&a);
	end_space(&b);
	end_space(&c);
	finish();
}

static void test_install_refused_keeps_grant(void **state)
{
	(void)state;
	start();
	struct space a = make_space(800), b = make_space(900);
	fill_sender(&a);
	struct vm_grant *g = NULL;
	assert_int_equal(vm_grant_take(a.ts, SRC, N * PAGE_SIZE, &g), 0);
	assert_int_equal(vm_map(b.ts, DST + 3 * PAGE_SIZE, DST + 4 * PAGE_SIZE, VM_ANON, RW, false), 0);
	assert_int_equal(vm_grant_install(b.ts, DST, g), -QE_EXIST);        /* something is there */
	assert_int_equal(vm_grant_install(b.ts, DST + 1, g), -QE_INVAL);    /* unaligned */
	assert_int_equal(vm_grant_install(b.ts, B - PAGE_SIZE, g), -QE_INVAL); /* crosses B */
	assert_int_equal(vm_grant_install(b.ts, 0x1000, g), -QE_FAULT);     /* the never-mapped low 4 MiB */
	assert_int_equal(b.vs->cnt.frames, 0);
	assert_int_equal(vm_grant_install(b.ts, DST + 0x100000, g), 0); /* still whole */
	for (int i = 0; i < 12; i++)
		assert_int_equal(read_word(&b, DST + 0x100000 + i * PAGE_SIZE), 0x1000 + (uint64_t)i);
	end_space(&a);
	end_space(&b);
	finish();
}

static void test_release_gives_all_back(void **state)
{
	(void)state;
	start();
	struct space a = make_space(1000);
	fill_sender(&a);
	struct vm_grant *g = NULL;
	assert_int_equal(vm_grant_take(a.ts, SRC, N * PAGE_SIZE, &g), 0);
	vm_grant_release(g); /* a message nobody will receive: its owner ended */
	end_space(&a);
	finish();
}

static void test_bad_ranges(void **state)
{
	(void)state;
	start();
	struct space a = make_space(1100);
	struct vm_grant *g = NULL;
	assert_int_equal(vm_map(a.ts, SRC, SRC + 4 * PAGE_SIZE, VM_ANON, RW, false), 0);
	assert_int_equal(vm_map(a.ts, SRC + 4 * PAGE_SIZE, SRC + 5 * PAGE_SIZE, VM_GUARD, 0, false), 0);
	touch(&a, SRC, 1);
	assert_int_equal(vm_grant_take(a.ts, SRC + 8, PAGE_SIZE, &g), -QE_INVAL);
	assert_int_equal(vm_grant_take(a.ts, SRC, 0, &g), -QE_INVAL);
	assert_int_equal(vm_grant_take(a.ts, SRC, VM_GRANT_MAX_BYTES + PAGE_SIZE, &g), -QE_INVAL);
	assert_int_equal(vm_grant_take(a.ts, SRC, 5 * PAGE_SIZE, &g), -QE_INVAL);  /* a guard in it */
	assert_int_equal(vm_grant_take(a.ts, SRC, 8 * PAGE_SIZE, &g), -QE_FAULT);  /* a gap in it */
	assert_int_equal(vm_grant_take(a.ts, B, PAGE_SIZE, &g), -QE_INVAL);        /* thread space */
	assert_int_equal(vm_grant_take(a.ts, 0, PAGE_SIZE, &g), -QE_FAULT);
	assert_int_equal(vm_grant_take(a.ts, USER_SPACE_END - PAGE_SIZE, 2 * PAGE_SIZE, &g), -QE_FAULT);
	assert_null(g);
	assert_int_equal(read_word(&a, SRC), 1); /* nothing changed */
	assert_int_equal(a.vs->cnt.frames, 1);
	end_space(&a);
	finish();
}

/* A grant of a whole 2 MiB area that was never touched: one upper-level mark, no tables. */
static void test_untouched_area(void **state)
{
	(void)state;
	start();
	struct space a = make_space(1200), b = make_space(1300);
	struct vm_grant *g = NULL;
	assert_int_equal(vm_map(a.ts, SRC, SRC + (2u << 20), VM_ANON, RW, false), 0);
	assert_int_equal(vm_grant_take(a.ts, SRC, 2u << 20, &g), 0);
	assert_int_equal(g->resident + g->swapped, 0);
	uint64_t t0 = pmap_table_pages(&b.vs->pmap);
	assert_int_equal(vm_grant_install(b.ts, DST, g), 0);
	assert_true(pmap_table_pages(&b.vs->pmap) <= t0 + 2); /* a PDPT and a PD at most */
	assert_int_equal(read_word(&b, DST + 0x1ff000), 0);
	end_space(&a);
	end_space(&b);
	finish();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_and_install),
		cmocka_unit_test(test_evict_after_install),
		cmocka_unit_test(test_grant_again),
		cmocka_unit_test(test_install_refused_keeps_grant),
		cmocka_unit_test(test_release_gives_all_back),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_untouched_area),
	};
	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
