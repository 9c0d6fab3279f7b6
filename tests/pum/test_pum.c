/*
 * test_pum.c - host unit tests of the page-usage policies (cmocka, ASan, UBSan): the
 * registry, the contract on small machines (victims are resident and evictable, never a
 * pinned page; M = 1..8), CLOCK's second chance, aging order, hotcold's scan resistance,
 * and a self-check that the harness catches a deliberately broken policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"

/* A tiny environment: frames 0..7 with A, D and evictable bits the test sets. */
struct fake {
	bool a[8], d[8], ok[8];
	uint64_t key[8];
	int samples;
};

static bool fake_accessed(void *ctx, pfn_t pfn)
{
	struct fake *f = ctx;
	bool a = f->a[pfn];
	f->a[pfn] = false;
	f->samples++;
	return a;
}

static bool fake_dirty(void *ctx, pfn_t pfn)
{
	return ((struct fake *)ctx)->d[pfn];
}

static bool fake_evictable(void *ctx, pfn_t pfn)
{
	return ((struct fake *)ctx)->ok[pfn];
}

static uint64_t fake_key(void *ctx, pfn_t pfn)
{
	return ((struct fake *)ctx)->key[pfn];
}

/* The machine of the tests: a tick every @tick references, no page-out thread. */
static struct sim_opts test_opts(uint32_t m, uint32_t tick, const uint8_t *pinned)
{
	return (struct sim_opts){ .nframes = m, .ns_per_ref = 1, .tick_ns = tick, .pinned = pinned };
}

static void *start(const char *name, struct pum_state *s, struct fake *f, pfn_t n)
{
	const struct pum_policy *p = pum_find(name);
	struct pum_env env = { fake_accessed, fake_dirty, fake_evictable, fake_key, f };
	size_t nbytes = pum_mem_bytes(p, n);
	void *mem = calloc(1, nbytes);

	assert_non_null(p);
	for (int i = 0; i < 8; i++)
		f->ok[i] = true;
	assert_int_equal(pum_init(s, p, n, &env, mem, nbytes), 0);
	return mem;
}

static void test_registry(void **state)
{
	(void)state;
	assert_non_null(pum_find("clock"));
	assert_non_null(pum_find("aging"));
	assert_non_null(pum_find("hotcold"));
	assert_null(pum_find("clocks"));
	assert_null(pum_find(""));
	assert_null(pum_find(NULL));
	assert_ptr_equal(pum_default(), pum_find("refault"));
	for (size_t i = 0; pum_policy_at(i); i++)
		assert_true(pum_mem_bytes(pum_policy_at(i), 1000) <= 1000 * 18 + 2048);
}

static void test_init_rejects(void **state)
{
	(void)state;
	struct pum_state s;
	struct fake f = { 0 };
	struct pum_env env = { fake_accessed, fake_dirty, fake_evictable, fake_key, &f };
	const struct pum_policy *p = pum_find("clock");
	uint64_t mem[64] = { 0 };
	assert_int_equal(pum_init(&s, p, 0, &env, mem, sizeof mem), -1);
	assert_int_equal(pum_init(&s, p, 8, &env, mem, 1), -1);
	assert_int_equal(pum_init(&s, NULL, 8, &env, mem, sizeof mem), -1);
	assert_int_equal(pum_init(&s, p, 8, &env, (char *)mem + 1, sizeof mem - 8), -1);
}

/* CLOCK: referenced frames are passed over once (bits cleared), the first clear one goes. */
static void test_clock_second_chance(void **state)
{
	(void)state;
	struct pum_state s;
	struct fake f = { 0 };
	void *mem = start("clock", &s, &f, 4);
	for (pfn_t i = 0; i < 4; i++)
		pum_mapped(&s, i, f.key[i] = i);
	f.a[0] = f.a[1] = f.a[3] = true;
	assert_int_equal(pum_pick_victim(&s), 2);
	assert_false(f.a[0] || f.a[1]);
	f.a[3] = true;
	assert_int_equal(pum_pick_victim(&s), 0); /* 3 re-referenced; 0 already had its chance */
	free(mem);
}

/* aging: the frame referenced longest ago goes first. */
static void test_aging_order(void **state)
{
	(void)state;
	struct pum_state s;
	struct fake f = { 0 };
	void *mem = start("aging", &s, &f, 4);
	for (pfn_t i = 0; i < 4; i++)
		pum_mapped(&s, i, f.key[i] = i);
	for (int t = 0; t < 4; t++) { /* frame i referenced in ticks >= i only */
		for (int i = 0; i < 4; i++)
			f.a[i] = i <= t;
		pum_tick(&s);
	}
	assert_int_equal(pum_pick_victim(&s), 3);
	assert_int_equal(pum_pick_victim(&s), 2);
	assert_int_equal(pum_pick_victim(&s), 1);
	assert_int_equal(pum_pick_victim(&s), 0);
	assert_int_equal(pum_pick_victim(&s), FRAME_NONE);
	free(mem);
}

/* Every policy: never a non-evictable frame; FRAME_NONE when nothing is; freed frames never return. */
static void test_never_unevictable(void **state)
{
	(void)state;
	for (size_t k = 0; pum_policy_at(k); k++) {
		struct pum_state s;
		struct fake f = { 0 };
		void *mem = start(pum_policy_at(k)->name, &s, &f, 8);
		for (pfn_t i = 0; i < 8; i++) {
			pum_mapped(&s, i, f.key[i] = 100 + i);
			f.ok[i] = i % 3 != 0;
			f.a[i] = true;
		}
		pum_freed(&s, 4);
		for (int n = 0; n < 4; n++) {
			pfn_t v = pum_pick_victim(&s);
			assert_true(v < 8 && v % 3 != 0 && v != 4);
		}
		assert_int_equal(pum_pick_victim(&s), FRAME_NONE);
		assert_int_equal(s.nresident, 3);
		free(mem);
	}
}

static void run_ok(const struct pum_policy *p, const struct trace *t, uint32_t m, const uint8_t *pinned,
		   uint32_t tick)
{
	struct sim_opts o = test_opts(m, tick, pinned);
	struct sim_result r, opt;
	sim_policy(p, t, &o, &r);
	if (r.error)
		fail_msg("%s M=%u: %s", p->name, m, r.msg);
	sim_opt(t, m, &opt);
	assert_true(r.faults >= opt.faults);
	assert_true(r.faults <= t->n);
}

static void make_trace(struct trace *t, uint32_t npages, size_t n)
{
	size_t cap = 0;
	uint64_t x = 12345;
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t p = (uint32_t)(x >> 33) % npages;
		assert_int_equal(trace_push(t, &cap, i % 5 ? p : (uint32_t)(i / 5) % npages, (x >> 20) & 1), 0);
	}
	t->npages = npages;
	assert_int_equal(trace_default_keys(t), 0);
}

/* Every policy on small machines, M = 1..8, with some pages pinned, ticks every 1 and 7. */
static void test_small_machines(void **state)
{
	(void)state;
	struct trace t;
	uint8_t pinned[40] = { 0 };
	make_trace(&t, 40, 20000);
	pinned[3] = pinned[17] = 1;
	for (size_t k = 0; pum_policy_at(k); k++)
		for (uint32_t m = 1; m <= 8; m++) {
			run_ok(pum_policy_at(k), &t, m, NULL, 7);
			if (m > 2)
				run_ok(pum_policy_at(k), &t, m, pinned, 1);
		}
	trace_free(&t);
}

/* hotcold keeps a hot set through a one-time scan that CLOCK lets through. */
static void test_hotcold_scan(void **state)
{
	(void)state;
	struct trace t;
	size_t cap = 0;
	struct sim_opts o = test_opts(60, 50, NULL);
	struct sim_result hc, ck;
	memset(&t, 0, sizeof t);
	for (int i = 0; i < 60000; i++)
		trace_push(&t, &cap, i % 2 ? (uint32_t)(i * 7) % 50 : 50 + (uint32_t)i / 2 % 5000, false);
	assert_int_equal(trace_default_keys(&t), 0);
	sim_policy(pum_find("hotcold"), &t, &o, &hc);
	sim_policy(pum_find("clock"), &t, &o, &ck);
	assert_false(hc.error || ck.error);
	assert_true(hc.faults < ck.faults * 3 / 4);
	trace_free(&t);
}

/* A cyclic trace: @loop pages in order, @passes times, every 4th written; default keys. */
static void make_loop(struct trace *t, uint32_t loop, int passes)
{
	size_t cap = 0;
	memset(t, 0, sizeof *t);
	for (int k = 0; k < passes; k++)
		for (uint32_t p = 0; p < loop; p++)
			assert_int_equal(trace_push(t, &cap, p, p % 4 == 0), 0);
	assert_int_equal(trace_default_keys(t), 0);
}

/* refault holds most of a loop 10% larger than memory, on which CLOCK faults every time. */
static void test_refault_loop(void **state)
{
	(void)state;
	struct trace t;
	struct sim_opts o = test_opts(100, 0, NULL);
	struct sim_result rf, ck;
	make_loop(&t, 110, 200);
	sim_policy(pum_find("refault"), &t, &o, &rf);
	sim_policy(pum_find("clock"), &t, &o, &ck);
	assert_false(rf.error || ck.error);
	assert_int_equal(ck.faults, t.n);
	assert_true(rf.faults < t.n / 3);
	trace_free(&t);
}

/* refault keeps a hot set through a one-time scan that CLOCK lets through. */
static void test_refault_scan(void **state)
{
	(void)state;
	struct trace t;
	size_t cap = 0;
	struct sim_opts o = test_opts(60, 0, NULL);
	struct sim_result rf, ck;
	memset(&t, 0, sizeof t);
	for (int i = 0; i < 60000; i++)
		trace_push(&t, &cap, i % 2 ? (uint32_t)(i * 7) % 50 : 50 + (uint32_t)i / 2 % 5000, false);
	assert_int_equal(trace_default_keys(&t), 0);
	sim_policy(pum_find("refault"), &t, &o, &rf);
	sim_policy(pum_find("clock"), &t, &o, &ck);
	assert_false(rf.error || ck.error);
	assert_true(rf.faults < ck.faults * 3 / 4);
	trace_free(&t);
}

/* refault's state: at most 8 bytes per frame (specs/pum.md), at 128 MiB and elsewhere. */
static void test_refault_memory(void **state)
{
	(void)state;
	const struct pum_policy *p = pum_find("refault");
	assert_true(pum_mem_bytes(p, 32768) <= 8 * 32768 + 256);
	assert_true(pum_mem_bytes(p, 1000) <= 8 * 1000 + 256);
}

/* A big fake machine whose every frame is referenced again as soon as it is sampled. */
struct busy {
	uint32_t samples, polls;
	uint64_t key[1000];
};

static bool busy_accessed(void *ctx, pfn_t pfn)
{
	(void)pfn;
	((struct busy *)ctx)->samples++;
	return true;
}

static bool busy_dirty(void *ctx, pfn_t pfn)
{
	(void)ctx;
	return pfn % 2 == 0;
}

static bool busy_evictable(void *ctx, pfn_t pfn)
{
	(void)pfn;
	((struct busy *)ctx)->polls++;
	return true;
}

static uint64_t busy_key(void *ctx, pfn_t pfn)
{
	return ((struct busy *)ctx)->key[pfn];
}

/* refault's hands are bounded: every frame referenced, a pick still looks at few frames. */
static void test_refault_bounded(void **state)
{
	(void)state;
	static struct busy b;
	struct pum_state s;
	struct pum_env env = { busy_accessed, busy_dirty, busy_evictable, busy_key, &b };
	const struct pum_policy *p = pum_find("refault");
	void *mem = calloc(1, pum_mem_bytes(p, 1000));
	assert_int_equal(pum_init(&s, p, 1000, &env, mem, pum_mem_bytes(p, 1000)), 0);
	for (pfn_t i = 0; i < 1000; i++)
		pum_mapped(&s, i, b.key[i] = pum_page_key(7, 0x400000 + i * 4096));
	for (int n = 0; n < 500; n++) {
		b.samples = b.polls = 0;
		pfn_t v = pum_pick_victim(&s);
		assert_true(v < 1000);
		if (b.samples + b.polls > 2 * 512) /* RF_PICK_BUDGET frames, 2 env calls each */
			fail_msg("pick %d looked at %u frames", n, b.samples + b.polls);
		pum_mapped(&s, v, b.key[v] += 1ull << 40); /* another page into the frame */
	}
	free(mem);
}

/* refault after frees: freed frames never come back; a frame re-used while still queued
 * keeps its place (victims in queue order); the resident count ends at 0. */
static void test_refault_tombstones(void **state)
{
	(void)state;
	struct pum_state s;
	struct fake f = { 0 };
	void *mem = start("refault", &s, &f, 8);
	for (pfn_t i = 8; i-- > 0;) /* queue order 7, 6, ..., 0 */
		pum_mapped(&s, i, f.key[i] = 10 + i);
	pum_freed(&s, 5);
	pum_freed(&s, 2);
	pum_mapped(&s, 5, f.key[5] = 99); /* 5 re-used while still queued as a tombstone */
	static const pfn_t want[] = { 7, 6, 5, 4, 3, 1, 0 };
	for (size_t n = 0; n < sizeof want / sizeof want[0]; n++)
		assert_int_equal(pum_pick_victim(&s), want[n]);
	assert_int_equal(pum_pick_victim(&s), FRAME_NONE);
	assert_int_equal(s.nresident, 0);
	free(mem);
}

/* refault promotes a cold frame whose A bit its hand finds set twice: it then outlives a
 * cold frame even once its A bit stays clear. */
static void test_refault_promotes(void **state)
{
	(void)state;
	struct pum_state s;
	struct fake f = { 0 };
	void *mem = start("refault", &s, &f, 2);
	pum_mapped(&s, 0, f.key[0] = 1);
	pum_mapped(&s, 1, f.key[1] = 2);
	for (uint64_t k = 3; k < 5; k++) {
		f.a[0] = true; /* 0 is referenced again before each pick */
		assert_int_equal(pum_pick_victim(&s), 1);
		pum_mapped(&s, 1, f.key[1] = k);
	}
	assert_int_equal(pum_pick_victim(&s), 1); /* 0 is hot now; its A bit is clear */
	free(mem);
}

/* aging without ticks: ages still advance with evictions, so a new working set displaces
 * an old one as under CLOCK (without that, every frame ends up passed over for good). */
static void test_aging_without_ticks(void **state)
{
	(void)state;
	struct trace t;
	size_t cap = 0;
	struct sim_opts o = test_opts(40, 0, NULL);
	struct sim_result ag, ck;
	memset(&t, 0, sizeof t);
	for (uint32_t i = 0; i < 40000; i++) /* 30 pages, then 30 others */
		assert_int_equal(trace_push(&t, &cap, (i / 20000) * 30 + (i * 7) % 30, i % 3 == 0), 0);
	assert_int_equal(trace_default_keys(&t), 0);
	sim_policy(pum_find("aging"), &t, &o, &ag);
	sim_policy(pum_find("clock"), &t, &o, &ck);
	assert_false(ag.error || ck.error);
	assert_true(ag.faults <= ck.faults * 2);
	trace_free(&t);
}

/* The self-check: a policy that returns a pinned frame, and one that gives up, are caught. */
static pfn_t bad_pick_first(struct pum_state *s)
{
	(void)s;
	return 0;
}

static pfn_t bad_pick_none(struct pum_state *s)
{
	(void)s;
	return FRAME_NONE;
}

static void test_harness_catches_broken(void **state)
{
	(void)state;
	struct pum_policy bad = *pum_find("clock");
	struct trace t;
	uint8_t pinned[40] = { 0 };
	struct sim_opts o = test_opts(4, 10, pinned);
	struct sim_result r;
	make_trace(&t, 40, 2000);
	pinned[TRACE_PAGE(t.ref[0])] = 1; /* the first page lands in frame 0 */
	bad.pick_victim = bad_pick_first;
	sim_policy(&bad, &t, &o, &r);
	assert_int_equal(r.error, 1);
	assert_non_null(strstr(r.msg, "not evictable"));
	bad.pick_victim = bad_pick_none;
	sim_policy(&bad, &t, &o, &r);
	assert_int_equal(r.error, 1);
	assert_non_null(strstr(r.msg, "no victim"));
	trace_free(&t);
}

/* The reference simulators on a known case: 3 frames, the textbook string. */
static void test_reference_sims(void **state)
{
	(void)state;
	static const uint32_t s[] = { 7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1 };
	struct trace t;
	size_t cap = 0;
	struct sim_result r;
	memset(&t, 0, sizeof t);
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		trace_push(&t, &cap, s[i], false);
	sim_opt(&t, 3, &r);
	assert_int_equal(r.faults, 9);
	sim_lru(&t, 3, &r);
	assert_int_equal(r.faults, 12);
	sim_fifo(&t, 3, &r);
	assert_int_equal(r.faults, 15);
	trace_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_clock_second_chance),
		cmocka_unit_test(test_aging_order),
		cmocka_unit_test(test_never_unevictable),
		cmocka_unit_test(test_small_machines),
		cmocka_unit_test(test_hotcold_scan),
		cmocka_unit_test(test_refault_loop),
		cmocka_unit_test(test_refault_scan),
		cmocka_unit_test(test_refault_memory),
		cmocka_unit_test(test_refault_bounded),
		cmocka_unit_test(test_refault_tombstones),
		cmocka_unit_test(test_refault_promotes),
		cmocka_unit_test(test_aging_without_ticks),
		cmocka_unit_test(test_harness_catches_broken),
		cmocka_unit_test(test_reference_sims),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
