/*
 * kbench.h - in-kernel micro-benchmarks (cmdline `bench=PREFIX`). Each prints
 * "BENCH <name> <value> <unit>" on the console; the unit is instructions per operation
 * when QEMU runs with -icount shift=0 (then one TSC tick is one guest instruction).
 */
#ifndef QUIRE_TEST_KBENCH_H
#define QUIRE_TEST_KBENCH_H

#include <stdint.h>

struct kbench {
	const char *name;
	void (*fn)(void);
};

#define KBENCH(bname)                                                                     \
	static void kbench_fn_##bname(void);                                              \
	static const struct kbench kbench_rec_##bname                                     \
		__attribute__((used, section(".kbench." #bname), aligned(8))) = { #bname, kbench_fn_##bname }; \
	static void kbench_fn_##bname(void)

/* kbench_report - print one figure: @ticks TSC ticks over @ops operations. */
void kbench_report(const char *name, uint64_t ticks, uint64_t ops);

/* kbench_run - run the benchmarks whose name starts with @filter ("all" for every one). */
void kbench_run(const char *filter);

#endif
