/*
 * swapper - drives swap. ARG = MiB + 1000 * MODE (MiB defaults to 16).
 *   mode 0: fill an allocate-on-demand area of MiB with a pattern unique to this process
 *           and page, then verify every page three times. The passes after the first
 *           only read: pages swapped in and not written since keep their swap copy, so
 *           evicting them again costs no write; the third pass must add no write-backs.
 *   mode 1: fill the area, then exit at once, under pressure (its swap blocks must return).
 *   mode 2: mode 0, then print the swap-out and swap-in rates as BENCH lines
 *           (pages per second of guest time; under -icount shift=0 a TSC tick is 1 ns),
 *           and, from the start of the write pass to the end of the first read pass, the
 *           TSC ticks, the ticks the CPU spent idle and the pages swapped in or out
 *           (tests/bench/swapbusy.awk turns them into instructions per page).
 *   mode 3: fill the area, then verify it again and again until the process is killed (a
 *           background job to watch with `ps` in the shell; it stops at its first bad word).
 * ARG comes as the spawn number or as argv[1] (strictly parsed); a mode above 3 is refused.
 * Exits 0 only when every page held its pattern, 2 for a bad argument.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

static uint64_t pattern(uint64_t pid, uint64_t page, uint64_t word)
{
	return (pid << 48) ^ (page << 12) ^ word ^ 0x5157495245ull;
}

static struct quire_swapinfo show(const char *what)
{
	struct quire_swapinfo si;
	sys_swapinfo(&si);
	printf("# %-8s swap-ins %lu swap-outs %lu clean-drops %lu write-backs %lu (global: in %lu out %lu clean %lu written %lu)\n",
	       what, si.process.swap_ins, si.process.swap_outs, si.process.clean_drops, si.process.write_backs,
	       si.global.swap_ins, si.global.swap_outs, si.global.clean_drops, si.global.write_backs);
	return si;
}

/* verify - read every page; returns the number of wrong words. The count lives on the
 * stack, so the stack page (which printf dirties between passes) stays in use and is not
 * what the passes evict: their write-backs are then the area's alone. */
static uint64_t verify(volatile uint64_t *area, uint64_t pages, uint64_t pid)
{
	volatile uint64_t bad = 0;
	for (uint64_t p = 0; p < pages; p++)
		for (uint64_t w = 0; w < 512; w += 64) /* 8 words per page: every page is read */
			bad += area[p * 512 + w] != pattern(pid, p, w);
	return bad;
}

static void rate(const char *name, uint64_t pages, uint64_t ticks)
{
	uint64_t r = ticks ? pages * 1000000000ull / ticks : 0;
	printf("BENCH %s %lu pages/s\n", name, r);
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	if (arg_number(arg, info, &arg) < 0)
		return 2;
	uint64_t mode = arg / 1000, mib = arg % 1000 ? arg % 1000 : 16, pages = mib * 256, pid = info->pid;
	if (mode > 3) { /* no silent surprise: 99999999999 is not "mode 99999999" */
		printf("swapper: bad argument %lu: want MODE * 1000 + MiB, MODE 0-3, MiB 1-999\n", arg);
		return 2;
	}
	volatile uint64_t *area = va_reserve(mib << 20, 1 << 21);
	if (!area || area_demand((void *)area, mib << 20, QP_RW) < 0) {
		printf("FAIL swapper: no area of %lu MiB\n", mib);
		return 1;
	}
	printf("swapper %lu: %lu MiB at %p, mode %lu\n", pid, mib, (void *)area, mode);
	/* the top of its own stack stays in RAM: printf dirties it between two readings of the
	 * counters, and its eviction in a read-only pass would count as this process's write-back */
	if (area_lock((void *)(info->stack_top - 4 * PAGE_SIZE), 4 * PAGE_SIZE) < 0)
		printf("# swapper %lu: cannot lock the top of its stack\n", pid);
	struct quire_swapinfo sb;
	struct quire_perfinfo p0, p2;
	sys_swapinfo(&sb);
	sys_perfinfo(&p0);
	uint64_t t0 = rdtsc();
	for (uint64_t p = 0; p < pages; p++)
		for (uint64_t w = 0; w < 512; w += 64)
			area[p * 512 + w] = pattern(pid, p, w);
	uint64_t t1 = rdtsc();
	struct quire_swapinfo s0 = show("written");
	if (mode == 1) {
		printf("PASS swapper %lu: exiting under pressure with %lu pages in swap\n", pid,
		       s0.process.swap_outs - s0.process.swap_ins);
		return 0;
	}
	uint64_t bad = verify(area, pages, pid);
	for (uint64_t round = 2; mode == 3 && !bad; round++) {
		bad = verify(area, pages, pid);
		if (round % 32 == 0)
			show("verify-n");
	}
	uint64_t t2 = rdtsc();
	sys_perfinfo(&p2);
	struct quire_swapinfo s1 = show("verify-1");
	bad += verify(area, pages, pid);
	struct quire_swapinfo s2 = show("verify-2");
	bad += verify(area, pages, pid);
	struct quire_swapinfo s3 = show("verify-3");
	(void)s2;
	if (bad) {
		printf("FAIL swapper %lu: %lu wrong words\n", pid, bad);
		return 1;
	}
	printf("# reads after the first pass: %lu clean drops, %lu write-backs\n",
	       s3.process.clean_drops - s1.process.clean_drops, s3.process.write_backs - s2.process.write_backs);
	if (mode == 2) {
		rate("swap_out_rate_while_writing", s0.global.swap_outs, t1 - t0);
		rate("swap_in_rate_first_read", s1.global.swap_ins - s0.global.swap_ins, t2 - t1);
		printf("BENCH swap_total_tsc %lu tsc\n", p2.tsc - p0.tsc);
		printf("BENCH swap_idle_tsc %lu tsc\n", p2.idle_tsc - p0.idle_tsc);
		printf("BENCH swap_pages %lu pages\n", s1.global.swap_ins + s1.global.swap_outs -
							   sb.global.swap_ins - sb.global.swap_outs);
		printf("BENCH-DONE\n");
	}
	printf("PASS swapper %lu: %lu pages verified three times\n", pid, pages);
	return 0;
}
