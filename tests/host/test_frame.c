/*
 * test_frame.c - kernel/mm/frame on made-up memory maps: accounting (free + reserved +
 * fragments = usable), O(1) single frames, contiguous and DMA runs, the mapping record,
 * and the panics for double free, freeing a mapped frame and freeing a reserved one.
 */
#include "hosttest.h"

#include <stdbool.h>

#include "mm/frame.h"

static jmp_buf panic_jmp;
static bool panic_armed;
static char panic_msg[256];

/* The kernel's panic, for the host: tests arm it and expect the jump. */
void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof panic_msg, fmt, ap);
	va_end(ap);
	if (!panic_armed) {
		fprintf(stderr, "unexpected panic: %s\n", panic_msg);
		abort();
	}
	panic_armed = false;
	longjmp(panic_jmp, 1);
}

#define EXPECT_PANIC(stmt, needle)                                                        \
	do {                                                                              \
		panic_armed = true;                                                       \
		if (setjmp(panic_jmp) == 0) {                                             \
			stmt;                                                             \
			fail_msg("no panic from %s", #stmt);                              \
		}                                                                         \
		assert_non_null(strstr(panic_msg, needle));                               \
	} while (0)

#define MIB (1ull << 20)
static struct frame *db;
static pfn_t nframes;

/* A PC-like map: 0..639 KiB, 1 MiB..64 MiB minus a kernel at 1-2 MiB, an odd-edged range. */
static void init_standard(void)
{
	static const struct frame_range usable[] = {
		{ 0, 0x9fc00 },
		{ 1 * MIB, 64 * MIB },
		{ 64 * MIB + 0x800, 66 * MIB + 0x100 }, /* partial pages at both ends */
	};
	static const struct frame_range reserved[] = { { 0, 1 * MIB }, { 1 * MIB, 2 * MIB + 1 } };
	assert_int_equal(frame_db_init(db, nframes, usable, 3, reserved, 2), 0);
}

static int setup(void **state)
{
	(void)state;
	nframes = PA_TO_PFN(66 * MIB + 0x100 + PAGE_SIZE - 1);
	db = malloc(frame_db_bytes(nframes));
	init_standard();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(db);
	return 0;
}

static void test_accounting(void **state)
{
	(void)state;
	struct frame_stats s;
	frame_stats(&s);
	uint64_t usable = 0x9fc00 + 63 * MIB + (2 * MIB + 0x100 - 0x800);
	assert_int_equal(s.usable_bytes, usable);
	uint64_t whole = s.by_state[FRAME_FREE] + s.by_state[FRAME_RESERVED];
	assert_int_equal(whole * PAGE_SIZE + s.fragment_bytes, usable);
	assert_int_equal(s.fragment_bytes, 0xc00 + (PAGE_SIZE - 0x800) + 0x100);
	/* reserved: 159 low frames + 1 MiB..2 MiB+1 byte = 257 frames */
	assert_int_equal(s.by_state[FRAME_RESERVED], 159 + 257);
	assert_int_equal(s.by_state[FRAME_FREE], frame_free_count());
	assert_int_equal(s.nframes, nframes);
	assert_int_equal(frame_state(0), FRAME_RESERVED);
	assert_int_equal(frame_state(PA_TO_PFN(0xA0000)), FRAME_ABSENT);
	assert_int_equal(frame_state(PA_TO_PFN(64 * MIB)), FRAME_ABSENT); /* partial page */
}

/* check_counts - frame_stats's counts (kept as frames change state) equal a walk of every frame. */
static void check_counts(void)
{
	struct frame_stats s;
	uint64_t walked[FRAME_STATE_COUNT] = { 0 };
	frame_stats(&s);
	for (pfn_t p = 0; p < nframes; p++)
		walked[frame_state(p)]++;
	for (int k = 0; k < FRAME_STATE_COUNT; k++)
		assert_int_equal(s.by_state[k], walked[k]);
}

/* The counts by state stay exact through every kind of allocation and free. */
static void test_counts_kept(void **state)
{
	(void)state;
	check_counts();
	pfn_t a = frame_alloc(FRAME_USER), b = frame_alloc(FRAME_PAGETABLE), c, d;
	assert_int_equal(frame_alloc_contig(5, FRAME_KERNEL, &c), 0);
	assert_int_equal(frame_alloc_dma(3, 16 * MIB - 1, 4 * PAGE_SIZE, &d), 0);
	check_counts();
	frame_free(a);
	frame_free_contig(c, 5);
	check_counts();
	frame_free(b);
	frame_free_contig(d, 3);
	check_counts();
}

static void test_single_alloc_free(void **state)
{
	(void)state;
	uint64_t before = frame_free_count();
	pfn_t a = frame_alloc(FRAME_KERNEL), b = frame_alloc(FRAME_USER);
	assert_true(a != FRAME_NONE && b != FRAME_NONE && a != b);
	assert_true(PFN_TO_PA(a) >= FRAME_LOW_LIMIT_PA); /* high frames first */
	assert_int_equal(frame_state(a), FRAME_KERNEL);
	assert_int_equal(frame_free_count(), before - 2);
	frame_free(a);
	frame_free(b);
	assert_int_equal(frame_free_count(), before);
	assert_int_equal(frame_alloc(FRAME_KERNEL), b); /* LIFO */
	frame_free(b);
}

static void test_exhaust_and_refill(void **state)
{
	(void)state;
	uint64_t n = frame_free_count();
	pfn_t *all = malloc(n * sizeof *all);
	for (uint64_t i = 0; i < n; i++) {
		all[i] = frame_alloc(FRAME_USER);
		assert_true(all[i] != FRAME_NONE);
		assert_int_not_equal(frame_state(all[i]), FRAME_RESERVED);
	}
	assert_int_equal(frame_alloc(FRAME_USER), FRAME_NONE);
	assert_int_equal(frame_free_count(), 0);
	for (uint64_t i = 0; i < n; i++)
		frame_free(all[i]);
	assert_int_equal(frame_free_count(), n);
	free(all);
}

static void test_contig_and_dma(void **state)
{
	(void)state;
	uint64_t before = frame_free_count();
	pfn_t p, d;
	assert_int_equal(frame_alloc_contig(100, FRAME_KERNEL, &p), 0);
	for (pfn_t k = 0; k < 100; k++)
		assert_int_equal(frame_state(p + k), FRAME_KERNEL);
	assert_int_equal(frame_alloc_dma(16, 16 * MIB - 1, 64 * 1024, &d), 0);
	assert_true(PFN_TO_PA(d + 16) <= 16 * MIB);
	assert_int_equal(PFN_TO_PA(d) % (64 * 1024), 0);
	assert_int_equal(frame_alloc_dma(16, 1 * MIB, PAGE_SIZE, &d) , -1); /* all low RAM reserved */
	assert_int_equal(frame_alloc_contig(0, FRAME_KERNEL, &d), -1);
	assert_int_equal(frame_alloc_contig(before, FRAME_KERNEL, &d), -1); /* not contiguous */
	frame_free_contig(p, 100);
	pfn_t d2;
	assert_int_equal(frame_alloc_dma(16, 16 * MIB - 1, 64 * 1024, &d2), 0);
	frame_free_contig(d2, 16);
	assert_int_equal(frame_free_count(), before - 16);
	frame_free_contig(d, 16);
	assert_int_equal(frame_free_count(), before);
}

static void test_mapping_record(void **state)
{
	(void)state;
	pfn_t p = frame_alloc(FRAME_USER);
	frame_set_mapping(p, 7, 0x00007fffffffe000ull);
	assert_int_equal(frame_owner(p), 7);
	assert_int_equal(frame_va(p), 0x00007fffffffe000ull);
	EXPECT_PANIC(frame_free(p), "still mapped");
	frame_clear_mapping(p);
	assert_int_equal(frame_owner(p), 0);
	frame_free(p);
}

static void test_bad_frees_panic(void **state)
{
	(void)state;
	pfn_t p = frame_alloc(FRAME_KERNEL);
	frame_free(p);
	EXPECT_PANIC(frame_free(p), "double free");
	EXPECT_PANIC(frame_free(0), "reserved");
	EXPECT_PANIC(frame_free(PA_TO_PFN(0xA0000)), "absent");
	EXPECT_PANIC(frame_free(nframes + 5), "beyond");
}

static void test_overlapping_map_panics(void **state)
{
	(void)state;
	struct frame_range u[] = { { 0, 4 * MIB }, { 2 * MIB, 3 * MIB } };
	struct frame *d = malloc(frame_db_bytes(1024));
	EXPECT_PANIC(frame_db_init(d, 1024, u, 2, NULL, 0), "overlap");
	assert_int_equal(frame_db_init(d, FRAME_MAX_PFN + 2, u, 1, NULL, 0), -1);
	free(d);
	init_standard(); /* teardown expects the standard database */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accounting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_alloc_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaust_and_refill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contig_and_dma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapping_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees_panic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlapping_map_panics, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
