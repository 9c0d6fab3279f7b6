/*
 * swapper - drives swap: fills an allocate-on-demand area of ARG MiB (default 16) with a
 * pattern unique to this process and page, then verifies every page twice. With more
 * memory touched than RAM, pages go to swap and come back; every byte is checked. The
 * second and third passes only read: pages swapped in and not written since keep their
 * swap copy, so evicting them again costs no write (clean drops). Prints the counters of
 * each pass and exits 0 only when every page held its pattern.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

static uint64_t pattern(uint64_t pid, uint64_t page, uint64_t word)
{
	return (pid << 48) ^ (page << 12) ^ word ^ 0x5157495245ull;
}

static void show(const char *what)
{
	struct quire_swapinfo si;
	quire_syscall6(SYS_SWAPINFO, (uint64_t)&si, 0, 0, 0, 0, 0);
	printf("# %-8s swap-ins %lu swap-outs %lu clean-drops %lu write-backs %lu (global: in %lu out %lu clean %lu written %lu)\n",
	       what, si.process.swap_ins, si.process.swap_outs, si.process.clean_drops, si.process.write_backs,
	       si.global.swap_ins, si.global.swap_outs, si.global.clean_drops, si.global.write_backs);
}

/* verify - read every page; returns the number of wrong words. */
static uint64_t verify(volatile uint64_t *area, uint64_t pages, uint64_t pid)
{
	uint64_t bad = 0;
	for (uint64_t p = 0; p < pages; p++)
		for (uint64_t w = 0; w < 512; w += 64) /* 8 words per page: every page is read */
			bad += area[p * 512 + w] != pattern(pid, p, w);
	return bad;
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	uint64_t mib = arg ? arg : 16, pages = mib * 256, pid = info->pid;
	volatile uint64_t *area = va_reserve(mib << 20, 1 << 21);
	if (!area || area_demand((void *)area, mib << 20, QP_RW) < 0) {
		printf("FAIL swapper: no area of %lu MiB\n", mib);
		return 1;
	}
	printf("swapper %lu: %lu MiB at %p\n", pid, mib, (void *)area);
	for (uint64_t p = 0; p < pages; p++)
		for (uint64_t w = 0; w < 512; w += 64)
			area[p * 512 + w] = pattern(pid, p, w);
	show("written");
	uint64_t bad1 = verify(area, pages, pid);
	show("verify-1");
	uint64_t bad2 = verify(area, pages, pid);
	show("verify-2");
	if (bad1 || bad2) {
		printf("FAIL swapper %lu: %lu and %lu wrong words\n", pid, bad1, bad2);
		return 1;
	}
	printf("PASS swapper %lu: %lu pages verified twice\n", pid, pages);
	return 0;
}
