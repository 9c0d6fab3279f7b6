/*
 * locker - ARG MiB (default 2) of locked memory beside processes that swap: the pages
 * are allocated at once and must never be evicted. Fills them, then verifies them ten
 * times, sleeping between passes while the others push pages to swap; passes only if the
 * data held and the passes needed (almost) no swap-ins: a locked page is never evicted.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	if (arg_number(arg, info, &arg) < 0)
		return 2;
	uint64_t mib = arg ? arg : 2, words = (mib << 20) / 8, pid = info->pid;
	volatile uint64_t *area = va_reserve(mib << 20, 1 << 21);
	if (!area || area_lock((void *)area, mib << 20) < 0) {
		printf("FAIL locker: cannot lock %lu MiB\n", mib);
		return 1;
	}
	for (uint64_t i = 0; i < words; i++)
		area[i] = i ^ (pid << 40);
	uint64_t bad = 0;
	struct quire_swapinfo s0;
	sys_swapinfo(&s0);
	for (int pass = 0; pass < 10; pass++) {
		sleep_ms(100);
		for (uint64_t i = 0; i < words; i++)
			bad += area[i] != (i ^ (pid << 40));
	}
	struct quire_swapinfo si;
	sys_swapinfo(&si);
	uint64_t ins = si.process.swap_ins - s0.process.swap_ins;
	printf("# locker: %lu MiB locked, %lu wrong words; during the passes %lu global swap-outs, %lu swap-ins of its own pages\n",
	       mib, bad, si.global.swap_outs - s0.global.swap_outs, ins);
	/* its code, stack and data pages are ordinary pages and may come and go; had the
	 * locked area been evicted, ten passes over it would swap hundreds of pages in */
	if (bad || ins >= 16) {
		printf("FAIL locker\n");
		return 1;
	}
	printf("PASS locker\n");
	return 0;
}
