/*
 * kheap_bench.c - host benchmark of the kernel heap (kernel/mm/kheap.c, the same file the
 * kernel builds) on an aligned_alloc page provider: kmalloc+kfree of 32 B, 256 B, 2 KiB
 * and 64 KiB, one at a time and in batches of 1000, normal and debug mode.
 * Prints "name value unit" lines, the median of 5 runs in ns per kmalloc+kfree pair.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "benchutil.h"

#include "mm/kheap.h"

#define BATCH 1000

static void *bench_alloc_pages(size_t npages)
{
	return aligned_alloc(4096, npages * 4096);
}

static void bench_free_pages(void *va, size_t npages)
{
	(void)npages;
	free(va);
}

static const struct kheap_page_ops bench_ops = { bench_alloc_pages, bench_free_pages, NULL, NULL };
static void *volatile sink;
static void *batch[BATCH];

/* @iters kmalloc+kfree pairs of @nbytes: one at a time, or @batched in a row then freed. */
static void run(size_t nbytes, long iters, int batched)
{
	if (!batched) {
		for (long i = 0; i < iters; i++) {
			sink = kmalloc(nbytes);
			kfree(sink);
		}
		return;
	}
	for (long i = 0; i < iters; i += BATCH) {
		for (int k = 0; k < BATCH; k++)
			batch[k] = kmalloc(nbytes);
		for (int k = BATCH; k-- > 0;)
			kfree(batch[k]);
	}
}

static void measure(const char *name, size_t nbytes, long iters, int batched)
{
	double runs[5];
	run(nbytes, iters / 10, batched);
	for (int r = 0; r < 5; r++) {
		double t0 = bench_now_ns();
		run(nbytes, iters, batched);
		runs[r] = (bench_now_ns() - t0) / (double)iters;
	}
	qsort(runs, 5, sizeof runs[0], bench_cmp_double);
	printf("host.%s %.1f ns/op\n", name, runs[2]);
}

int main(void)
{
	struct kheap_stats st;
	kheap_init(&bench_ops, false);
	measure("kmalloc_free_32", 32, 10000000, 0);
	measure("kmalloc_free_256", 256, 10000000, 0);
	measure("kmalloc_free_2k", 2048, 10000000, 0);
	measure("kmalloc_free_64k", 64 << 10, 1000000, 0);
	measure("kmalloc_free_32_batch1000", 32, 10000000, 1);
	measure("kmalloc_free_2k_batch1000", 2048, 2000000, 1);
	kheap_release_empty();
	kheap_init(&bench_ops, true);
	measure("kmalloc_free_32_debug", 32, 2000000, 0);
	measure("kmalloc_free_2k_debug", 2048, 500000, 0);
	measure("kmalloc_free_64k_debug", 64 << 10, 100000, 0);
	kheap_release_empty();
	kheap_stats(&st);
	if (st.pages_held != 0 || st.errors != 0) {
		fprintf(stderr, "kheap_bench: %zu pages held, %zu errors\n", st.pages_held, st.errors);
		return 1;
	}
	return 0;
}
