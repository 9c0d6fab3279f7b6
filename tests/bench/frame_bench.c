/*
 * frame_bench.c - host benchmark of the frame allocator (kernel/mm/frame.c, the same file
 * the kernel builds): one frame alloc+free, a 16-frame contiguous run, a DMA run.
 * Prints "name value unit" lines, the median of 5 runs in ns per operation.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "benchutil.h"

#include "mm/frame.h"

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

typedef void (*op_fn)(long iters);

static void op_single(long iters)
{
	for (long i = 0; i < iters; i++)
		frame_free(frame_alloc(FRAME_KERNEL));
}

static void op_contig16(long iters)
{
	pfn_t p;
	for (long i = 0; i < iters; i++) {
		if (frame_alloc_contig(16, FRAME_KERNEL, &p) == 0)
			frame_free_contig(p, 16);
	}
}

static void op_dma16(long iters)
{
	pfn_t p;
	for (long i = 0; i < iters; i++) {
		if (frame_alloc_dma(16, (16u << 20) - 1, 65536, &p) == 0)
			frame_free_contig(p, 16);
	}
}

static void measure(const char *name, op_fn fn, long iters)
{
	double runs[5];
	fn(iters / 10);
	for (int r = 0; r < 5; r++) {
		double t0 = bench_now_ns();
		fn(iters);
		runs[r] = (bench_now_ns() - t0) / (double)iters;
	}
	qsort(runs, 5, sizeof runs[0], bench_cmp_double);
	printf("host.%s %.1f ns/op\n", name, runs[2]);
}

int main(void)
{
	/* 256 MiB of RAM above 1 MiB, as QEMU -m 256 would report it */
	struct frame_range usable = { 1u << 20, 256u << 20 };
	struct frame_range reserved = { 1u << 20, 4u << 20 };
	pfn_t n = (256u << 20) >> PAGE_SHIFT;
	struct frame *db = malloc(frame_db_bytes(n));
	if (!db || frame_db_init(db, n, &usable, 1, &reserved, 1) < 0)
		return 1;
	measure("frame_alloc_free", op_single, 2000000);
	measure("frame_alloc_contig16_free", op_contig16, 200000);
	measure("frame_alloc_dma16_free", op_dma16, 20000);
	free(db);
	return 0;
}
