/*
 * benchutil.h - what the host benchmarks share: a monotonic clock in nanoseconds and a
 * comparison for sorting run times (each benchmark reports the median of its runs).
 */
#ifndef QUIRE_BENCHUTIL_H
#define QUIRE_BENCHUTIL_H

#include <time.h>

/* bench_now_ns - CLOCK_MONOTONIC in nanoseconds. */
static inline double bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* bench_cmp_double - qsort comparison for doubles, ascending. */
static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

#endif
