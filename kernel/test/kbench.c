/*
 * kbench.c - the benchmark runner and the memory benchmarks: one frame, a contiguous
 * run, kmalloc/kfree of three sizes. Figures are TSC ticks per operation, which under
 * QEMU -icount shift=0 are guest instructions (specs/testing.md, README "Figures").
 */
#include "test/kbench.h"

#include "arch/x86_64/cpu.h"
#include "console.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "mm/kheap.h"

extern const struct kbench __kbench_start[], __kbench_end[];

#define ITERS 2000

void kbench_report(const char *name, uint64_t ticks, uint64_t ops)
{
	uint64_t x100 = ticks * 100 / ops;
	kprintf("BENCH %s %lu.%02lu insns/op\n", name, x100 / 100, x100 % 100);
}

void kbench_run(const char *filter)
{
	kprintf("# benchmarks: TSC ticks per operation (instructions under -icount shift=0)\n");
	for (const struct kbench *b = __kbench_start; b < __kbench_end; b++) {
		if (strcmp(filter, "all") == 0 || strncmp(b->name, filter, strlen(filter)) == 0)
			b->fn();
	}
	kprintf("BENCH-DONE\n");
}

KBENCH(mm_frame_alloc_free)
{
	frame_free(frame_alloc(FRAME_KERNEL)); /* warm */
	uint64_t t0 = cpu_rdtsc();
	for (int i = 0; i < ITERS; i++)
		frame_free(frame_alloc(FRAME_KERNEL));
	kbench_report("frame_alloc_free", cpu_rdtsc() - t0, ITERS);
}

KBENCH(mm_frame_contig16)
{
	pfn_t p;
	uint64_t t0 = cpu_rdtsc();
	for (int i = 0; i < ITERS / 10; i++) {
		if (frame_alloc_contig(16, FRAME_KERNEL, &p) == 0)
			frame_free_contig(p, 16);
	}
	kbench_report("frame_alloc_contig16_free", cpu_rdtsc() - t0, ITERS / 10);
}

static void bench_kmalloc(const char *name, size_t n)
{
	kfree(kmalloc(n)); /* the class has a slab now */
	uint64_t t0 = cpu_rdtsc();
	for (int i = 0; i < ITERS; i++)
		kfree(kmalloc(n));
	kbench_report(name, cpu_rdtsc() - t0, ITERS);
}

KBENCH(mm_kmalloc)
{
	bench_kmalloc("kmalloc_kfree_32", 32);
	bench_kmalloc("kmalloc_kfree_256", 256);
	bench_kmalloc("kmalloc_kfree_2048", 2048);
	kheap_release_empty();
}
