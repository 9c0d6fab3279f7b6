/*
 * swapbench.c - `mmbench swap MiB`: what apps/swapper.c does in mode 2, on Linux. Fills an
 * anonymous area of MiB with a pattern (8 words per page, as swapper does), reads it back
 * three times, and reports swap-out and swap-in pages per second of guest time and guest
 * instructions per swapped page with the guest's idle time taken out (tests/bench/README.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define WORDS_PER_PAGE 512
#define WORD_STEP 64 /* apps/swapper.c touches every 64th word: 8 per page */

int swap_main(unsigned long mib);

/* One point in time: TSC, guest clock, idle time so far, swap counters so far. */
struct mark {
	uint64_t tsc, ns, idle_ns, swapins, swapouts, majfaults;
};

static const char *idle_source = "none";

static inline uint64_t tsc_read(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t vmstat(const char *key)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char k[128];
	unsigned long long v, r = 0;
	if (!f)
		return 0;
	while (fscanf(f, "%127s %llu", k, &v) == 2)
		if (strcmp(k, key) == 0) {
			r = v;
			break;
		}
	fclose(f);
	return r;
}

/* idle_timer_list - cpu 0's idle + iowait sleep time in ns from /proc/timer_list; -1 if absent. */
static int64_t idle_timer_list(void)
{
	FILE *f = fopen("/proc/timer_list", "r");
	char line[256];
	unsigned long long v;
	int64_t sum = 0;
	int found = 0;
	if (!f)
		return -1;
	while (found < 2 && fgets(line, sizeof line, f)) {
		if (sscanf(line, " .idle_sleeptime : %llu", &v) == 1 ||
		    sscanf(line, " .iowait_sleeptime : %llu", &v) == 1) {
			sum += (int64_t)v;
			found++;
		}
	}
	fclose(f);
	return found == 2 ? sum : -1;
}

/* idle_proc_stat - idle + iowait of the "cpu" line of /proc/stat, in ns (10 ms steps). */
static int64_t idle_proc_stat(void)
{
	FILE *f = fopen("/proc/stat", "r");
	unsigned long long user, nice, sys, idle, iowait;
	int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle, &iowait) : 0;
	if (f)
		fclose(f);
	if (n != 5)
		return -1;
	return (int64_t)((idle + iowait) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

static uint64_t idle_ns_now(void)
{
	int64_t v = idle_timer_list();
	if (v >= 0) {
		idle_source = "timer_list";
		return (uint64_t)v;
	}
	v = idle_proc_stat();
	idle_source = v >= 0 ? "proc_stat" : "none";
	return v >= 0 ? (uint64_t)v : 0;
}

static struct mark mark_now(void)
{
	struct mark m;
	struct timespec ts;
	m.idle_ns = idle_ns_now();
	m.swapins = vmstat("pswpin");
	m.swapouts = vmstat("pswpout");
	m.majfaults = vmstat("pgmajfault");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	m.ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	m.tsc = tsc_read();
	return m;
}

static uint64_t pattern(uint64_t pid, uint64_t page, uint64_t word)
{
	return (pid << 48) ^ (page << 12) ^ word ^ 0x5157495245ull;
}

/* pass - write (first) or verify every page; returns the number of wrong words. */
static uint64_t pass(volatile uint64_t *area, uint64_t pages, uint64_t pid, int write)
{
	uint64_t bad = 0;
	for (uint64_t p = 0; p < pages; p++)
		for (uint64_t w = 0; w < WORDS_PER_PAGE; w += WORD_STEP) {
			if (write)
				area[p * WORDS_PER_PAGE + w] = pattern(pid, p, w);
			else
				bad += area[p * WORDS_PER_PAGE + w] != pattern(pid, p, w);
		}
	return bad;
}

/* busy_ticks - TSC ticks from A to B less the idle time between them (converted to ticks). */
static double busy_ticks(const struct mark *a, const struct mark *b)
{
	double ticks = (double)(b->tsc - a->tsc), ns = (double)(b->ns - a->ns);
	double idle = (double)(b->idle_ns - a->idle_ns) * (ns > 0 ? ticks / ns : 1.0);
	return ticks - idle;
}

static void result(const char *name, double value, const char *unit)
{
	printf("RESULT %s %.2f %s\n", name, value, unit);
}

/* per - VALUE / N, or 0 when nothing happened (no swap at all is reported, not divided). */
static double per(double value, uint64_t n)
{
	return n ? value / (double)n : 0.0;
}

static void report_phase(const char *phase, const struct mark *a, const struct mark *b)
{
	char name[64];
	uint64_t outs = b->swapouts - a->swapouts, ins = b->swapins - a->swapins;
	double ticks = (double)(b->tsc - a->tsc);
	snprintf(name, sizeof name, "swap_%s_ticks", phase);
	result(name, ticks, "tsc");
	snprintf(name, sizeof name, "swap_%s_idle_ticks", phase);
	result(name, ticks - busy_ticks(a, b), "tsc");
	snprintf(name, sizeof name, "swap_%s_swapouts", phase);
	result(name, (double)outs, "pages");
	snprintf(name, sizeof name, "swap_%s_swapins", phase);
	result(name, (double)ins, "pages");
	snprintf(name, sizeof name, "swap_%s_majfaults", phase);
	result(name, (double)(b->majfaults - a->majfaults), "faults");
	snprintf(name, sizeof name, "swap_%s_insns_per_page", phase);
	result(name, per(busy_ticks(a, b), outs + ins), "insns/page");
}

int swap_main(unsigned long mib)
{
	uint64_t pages = mib * 256, pid = (uint64_t)getpid(), bad;
	size_t len = mib << 20;
	volatile uint64_t *area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || madvise((void *)area, len, MADV_NOHUGEPAGE)) {
		printf("ERROR swap: no area of %lu MiB: %s\n", mib, strerror(errno));
		return 1;
	}
	struct mark m0 = mark_now();
	pass(area, pages, pid, 1);
	struct mark m1 = mark_now();
	bad = pass(area, pages, pid, 0);
	struct mark m2 = mark_now();
	bad += pass(area, pages, pid, 0) + pass(area, pages, pid, 0);
	printf("INFO idle source %s\n", idle_source);
	result("swap_area", (double)mib, "MiB");
	report_phase("write", &m0, &m1);
	report_phase("read1", &m1, &m2);
	report_phase("run", &m0, &m2);
	result("swap_out_rate_while_writing", per(1e9 * (double)(m1.swapouts - m0.swapouts), m1.tsc - m0.tsc), "pages/s");
	result("swap_in_rate_first_read", per(1e9 * (double)(m2.swapins - m1.swapins), m2.tsc - m1.tsc), "pages/s");
	result("swap_verified", bad == 0, "bool");
	if (bad) {
		printf("ERROR swap: %llu wrong words\n", (unsigned long long)bad);
		return 1;
	}
	return 0;
}
