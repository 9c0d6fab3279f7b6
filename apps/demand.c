/*
 * demand - allocate-on-demand areas and the area operations, seen through SYS_MEMINFO:
 * a demand area costs nothing until touched and reads as zero; a 1 GiB area is O(1);
 * area_lock makes pages present at once (no faults afterwards); area_free gives frames
 * back; area_protect changes rights (the write-after-protect kill is bad_write_readonly).
 * Per-process counters are exact; the free-frame figures are system-wide, so those
 * checks assume nothing else allocates meanwhile (run it alone). With ARG > 0 it also touches
 * every page of an ARG MiB demand area (the scale run touches 2 GiB), checks each page's
 * word and that the frames come back. Exit 0 when all pass.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define MIB (1UL << 20)
#define GIB (1UL << 30)
#define SLACK 16 /* frames for page tables the kernel may add on the way */

static struct quire_meminfo mi(void)
{
	struct quire_meminfo m = { 0 };
	int64_t r = sys_meminfo(&m);
	if (r < 0)
		printf("# meminfo failed: error %ld\n", -r);
	return m;
}

static void show(const char *when, const struct quire_meminfo *m)
{
	printf("# %-14s free %lu/%lu, process %lu frames, %lu faults (%lu demand-zero)\n", when,
	       m->free_frames, m->total_frames, m->process_frames, m->page_faults, m->demand_zero);
}

/* test_lazy - 16 MiB demand area, 64 pages touched: 64 frames taken, all zero at first. */
static void test_lazy(void)
{
	const size_t nbytes = 16 * MIB, npages = 64, stride = nbytes / PAGE_SIZE / npages;
	unsigned char *p = va_reserve(nbytes, 2 * MIB);
	struct quire_meminfo m0 = mi();
	int64_t r = area_demand(p, nbytes, QP_RW);
	test_check(p && r == 0, "demand_area", "va_reserve %p, area_demand error %ld", p, -r);
	if (!p || r)
		return;
	struct quire_meminfo m1 = mi();
	test_check(m1.process_frames - m0.process_frames <= SLACK, "demand_costs_nothing",
		   "process frames %lu -> %lu after area_demand", m0.process_frames,
		   m1.process_frames);
	int nonzero = 0;
	for (size_t i = 0; i < npages; i++) {
		uint64_t *w = (uint64_t *)(p + i * stride * PAGE_SIZE);
		nonzero += w[0] != 0 || w[PAGE_SIZE / 8 - 1] != 0;
		w[0] = 0xD00D0000 + i;
	}
	struct quire_meminfo m2 = mi();
	show("touched 64", &m2);
	test_check(nonzero == 0, "demand_reads_zero", "%d of 64 fresh pages not zero", nonzero);
	uint64_t got = m2.demand_zero - m1.demand_zero, used = m2.process_frames - m1.process_frames;
	test_check(got >= npages && got <= npages + SLACK, "demand_zero_count",
		   "%lu demand-zero faults for %lu pages", got, npages);
	test_check(used >= npages && used <= npages + SLACK, "frames_only_when_touched",
		   "process frames +%lu for %lu touched pages of %lu", used, npages, nbytes / PAGE_SIZE);
	int wrong = 0;
	for (size_t i = 0; i < npages; i++)
		wrong += *(uint64_t *)(p + i * stride * PAGE_SIZE) != 0xD00D0000 + i;
	test_check(wrong == 0, "demand_keeps_data", "%d pages lost their marker", wrong);
	r = area_free(p, nbytes);
	struct quire_meminfo m3 = mi();
	test_check(r == 0 && m3.process_frames + npages <= m2.process_frames, "free_returns_frames",
		   "area_free error %ld, process frames %lu -> %lu", -r, m2.process_frames,
		   m3.process_frames);
	test_check(m3.free_frames + SLACK >= m0.free_frames, "free_frames_back",
		   "free frames %lu before, %lu after (run alone?)", m0.free_frames, m3.free_frames);
	r = area_demand(p, PAGE_SIZE, QP_RW);
	test_check(r == 0 && *(volatile uint64_t *)p == 0, "redemand_reads_zero",
		   "area_demand %ld, first word %#lx", r, r ? 0 : *(volatile uint64_t *)p);
	area_free(p, PAGE_SIZE);
}

/* test_huge - a 1 GiB demand area is marked in O(1): no frames until touched. */
static void test_huge(void)
{
	unsigned char *p = va_reserve(GIB, GIB);
	struct quire_meminfo m0 = mi();
	int64_t r = p ? area_demand(p, GIB, QP_RW) : -QE_NOMEM;
	struct quire_meminfo m1 = mi();
	test_check(r == 0 && m1.process_frames - m0.process_frames <= 2, "huge_area_o1",
		   "area_demand(1 GiB) error %ld, process frames %lu -> %lu", -r,
		   m0.process_frames, m1.process_frames);
	if (r)
		return;
	volatile uint64_t *mid = (volatile uint64_t *)(p + GIB / 2 + 12345 * 8);
	uint64_t first = *mid;
	*mid = 77;
	test_check(first == 0 && *mid == 77, "huge_area_touch", "read %#lx first", first);
	test_check(area_free(p, GIB) == 0, "huge_area_free", "area_free failed");
}

/* test_lock - 1 MiB locked: frames at once, then touching takes no fault at all. */
static void test_lock(void)
{
	const size_t nbytes = MIB, npages = nbytes / PAGE_SIZE;
	unsigned char *p = va_reserve(nbytes, 2 * MIB);
	struct quire_meminfo m0 = mi();
	int64_t r = p ? area_lock(p, nbytes) : -QE_NOMEM;
	struct quire_meminfo m1 = mi();
	show("locked 1 MiB", &m1);
	test_check(r == 0 && m1.process_frames - m0.process_frames >= npages, "lock_present",
		   "area_lock error %ld, process frames %lu -> %lu", -r, m0.process_frames,
		   m1.process_frames);
	if (r)
		return;
	int nonzero = 0;
	for (size_t i = 0; i < npages; i++) {
		volatile uint64_t *w = (volatile uint64_t *)(p + i * PAGE_SIZE);
		nonzero += *w != 0;
		*w = i;
	}
	struct quire_meminfo m2 = mi();
	test_check(nonzero == 0, "lock_reads_zero", "%d locked pages not zero", nonzero);
	test_check(m2.page_faults == m1.page_faults, "lock_no_faults",
		   "%lu faults touching locked pages", m2.page_faults - m1.page_faults);
	r = area_free(p, nbytes);
	struct quire_meminfo m3 = mi();
	test_check(r == 0 && m3.process_frames + npages <= m2.process_frames, "lock_free",
		   "area_free error %ld, process frames %lu -> %lu", -r, m2.process_frames,
		   m3.process_frames);
}

/* test_protect - RW -> R (reads still work) -> RW (writes work again). */
static void test_protect(void)
{
	volatile uint64_t *p = va_reserve(PAGE_SIZE, PAGE_SIZE);
	int64_t r1 = p ? area_demand((void *)p, PAGE_SIZE, QP_RW) : -QE_NOMEM;
	if (r1 == 0)
		*p = 42;
	int64_t r2 = area_protect((void *)p, PAGE_SIZE, QP_R);
	uint64_t v = r1 == 0 ? *p : 0;
	int64_t r3 = area_protect((void *)p, PAGE_SIZE, QP_RW);
	if (r1 == 0 && r3 == 0)
		*p = 43;
	test_check(r1 == 0 && r2 == 0 && r3 == 0 && v == 42 && *p == 43, "protect_r_then_rw",
		   "demand %ld protect R %ld read %lu protect RW %ld", r1, r2, v, r3);
	area_free((void *)p, PAGE_SIZE);
}

/* test_invalid - arguments the kernel must refuse with -QE_INVAL. */
static void test_invalid(void)
{
	unsigned char *p = va_reserve(2 * PAGE_SIZE, PAGE_SIZE);
	int64_t r;
	r = area_demand(p + 1, PAGE_SIZE, QP_RW);
	test_check(r == -QE_INVAL, "inval_unaligned_addr", "got %ld", r);
	r = area_demand(p, 100, QP_RW);
	test_check(r == -QE_INVAL, "inval_unaligned_len", "got %ld", r);
	r = area_demand(p, 0, QP_RW);
	test_check(r == -QE_INVAL, "inval_zero_len", "got %ld", r);
	r = area_demand(p, PAGE_SIZE, 7);
	test_check(r == -QE_INVAL, "inval_prot", "got %ld", r);
	r = sys_area(99, (uint64_t)p, PAGE_SIZE, QP_RW);
	test_check(r == -QE_INVAL, "inval_op", "got %ld", r);
}

/* test_touch - every page of a @mib MiB demand area touched, checked, given back. */
static void test_touch(uint64_t mib)
{
	uint64_t npages = mib * MIB / PAGE_SIZE, wrong = 0;
	volatile uint64_t *p = va_reserve(mib * MIB, GIB);
	struct quire_meminfo m0 = mi();
	int64_t r = p ? area_demand((void *)p, mib * MIB, QP_RW) : -QE_NOMEM;
	test_check(r == 0, "touch_area", "area_demand(%lu MiB) error %ld", mib, -r);
	if (r)
		return;
	uint64_t t0 = sys_ticks();
	for (uint64_t i = 0; i < npages; i++)
		p[i * (PAGE_SIZE / 8)] = i ^ 0x70C40000;
	uint64_t t1 = sys_ticks();
	for (uint64_t i = 0; i < npages; i++)
		wrong += p[i * (PAGE_SIZE / 8)] != (i ^ 0x70C40000);
	struct quire_meminfo m1 = mi();
	printf("# touched %lu MiB: %lu pages in %lu ms of guest time, %lu demand-zero faults\n", mib, npages,
	       (t1 - t0) * 10, m1.demand_zero - m0.demand_zero);
	test_check(wrong == 0, "touch_keeps_data", "%lu of %lu pages lost their word", wrong, npages);
	test_check(m1.process_frames - m0.process_frames >= npages, "touch_frames",
		   "process frames %lu -> %lu for %lu pages", m0.process_frames, m1.process_frames, npages);
	r = area_free((void *)p, mib * MIB);
	struct quire_meminfo m2 = mi();
	test_check(r == 0 && m2.free_frames + SLACK >= m0.free_frames, "touch_frames_back",
		   "area_free %ld, free frames %lu before, %lu after", r, m0.free_frames, m2.free_frames);
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	printf("demand: pid %lu, heap [%#lx, %#lx), B %#lx\n", info->pid, info->heap_start,
	       info->heap_end, info->thread_space_start);
	struct quire_meminfo m = mi();
	show("start", &m);
	test_lazy();
	test_huge();
	test_lock();
	test_protect();
	test_invalid();
	if (arg)
		test_touch(arg);
	m = mi();
	show("end", &m);
	return test_finish("demand");
}
