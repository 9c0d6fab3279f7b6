/*
 * pumload - one memory-pressure workload for comparing page-usage policies in the kernel
 * (`make bench` part bench-pum boots it once per policy, `pum=NAME`). An area of twice
 * the machine's RAM; each round touches a hot set (a third of RAM) and a skewed sample of
 * the rest (most touches near the area's start), then scans a window of the cold pages once
 * (a scan a good policy does not let evict the hot set). Writes one page in eight. The
 * same seed every run: the sequence of references is the same for every policy, so the
 * page faults, swap-ins and write-backs it prints differ only by the policy's choices.
 * Prints `BENCH pum_<name> <value> <unit>` lines and BENCH-DONE; exit 0, or 1 if a page
 * lost its contents.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define PAGE 4096ul
#define ROUNDS 12

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* skewed - a page in [0, n), three times in four from the first eighth. */
static uint64_t skewed(uint64_t n)
{
	uint64_t r = next();
	return (r & 3) ? (r >> 8) % (n / 8) : (r >> 8) % n;
}

static uint64_t bad;

static void touch(volatile uint64_t *area, uint64_t p, int write)
{
	volatile uint64_t *w = area + p * (PAGE / 8);
	if (write)
		*w = p ^ 0xC0FFEE;
	else if (*w != (p ^ 0xC0FFEE))
		bad++;
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	struct quire_meminfo mi;
	sys_meminfo(&mi);
	uint64_t pages = 2 * mi.total_frames, hot = mi.total_frames / 3, cold = pages - hot;
	volatile uint64_t *area = va_reserve(pages * PAGE, 2 << 20);
	if (!area || area_demand((void *)area, pages * PAGE, QP_RW) < 0) {
		printf("pumload: no area of %lu pages\n", pages);
		return 1;
	}
	for (uint64_t p = 0; p < pages; p++) /* every page written once: all have contents */
		touch(area, p, 1);
	struct quire_swapinfo s0, s1;
	sys_swapinfo(&s0);
	uint64_t refs = 0, window = hot;
	for (int r = 0; r < ROUNDS; r++) {
		for (uint64_t i = 0; i < 2 * hot; i++, refs++) {
			uint64_t p = (next() & 1) ? next() % hot : hot + skewed(cold);
			touch(area, p, (next() & 7) == 0);
		}
		for (uint64_t i = 0; i < hot / 2; i++, refs++) { /* a scan of cold pages */
			touch(area, window, 0);
			window = window + 1 < pages ? window + 1 : hot;
		}
	}
	sys_swapinfo(&s1);
	printf("# pumload: %lu pages (RAM %lu frames), hot %lu, %lu references in %d rounds\n", pages,
	       mi.total_frames, hot, refs, ROUNDS);
	printf("BENCH pum_faults %lu faults\n", s1.process.page_faults - s0.process.page_faults);
	printf("BENCH pum_swap_ins %lu pages\n", s1.process.swap_ins - s0.process.swap_ins);
	printf("BENCH pum_write_backs %lu pages\n", s1.process.write_backs - s0.process.write_backs);
	printf("BENCH pum_clean_drops %lu pages\n", s1.process.clean_drops - s0.process.clean_drops);
	if (bad)
		printf("FAIL pumload: %lu pages lost their contents\n", bad);
	printf("BENCH-DONE\n");
	return bad ? 1 : 0;
}
