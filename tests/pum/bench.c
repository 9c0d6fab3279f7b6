/*
 * bench.c - the page-usage table: every registered policy (through pum.h, seeing only
 * faults and sampled A/D bits) beside Belady's OPT, exact LRU and FIFO, on each trace at
 * several memory sizes (fractions of the trace's footprint). Faults with % above OPT, and
 * write-backs (OPT minimises faults only). usage: bench [-k TICK] [-f PCT,PCT..] TRACE...
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MAX_COLS 12
#define MAX_SIZES 8

struct col {
	const char *name;
	const struct pum_policy *policy; /* NULL: a reference simulator */
	void (*ref)(const struct trace *t, uint32_t nframes, struct sim_result *r);
	double sum_over_opt;   /* sum of faults/OPT - 1 over the cells */
	double sum_wb_ratio;   /* sum of write-backs / LRU write-backs */
	int wins, cells;
};

static int ncols;
static struct col cols[MAX_COLS];

static void setup_cols(void)
{
	cols[ncols++] = (struct col){ .name = "OPT", .ref = sim_opt };
	cols[ncols++] = (struct col){ .name = "LRU", .ref = sim_lru };
	cols[ncols++] = (struct col){ .name = "FIFO", .ref = sim_fifo };
	for (size_t i = 0; pum_policy_at(i) != NULL && ncols < MAX_COLS; i++)
		cols[ncols++] = (struct col){ .name = pum_policy_at(i)->name, .policy = pum_policy_at(i) };
}

static double pct(uint64_t x, uint64_t base)
{
	return base ? 100.0 * ((double)x - (double)base) / (double)base : 0.0;
}

/* bench_cell - every column on @t with @m frames; one faults row and one write-backs row. */
static int bench_cell(const struct trace *t, uint32_t m, uint32_t tick)
{
	struct sim_result r[MAX_COLS];
	uint64_t best = UINT64_MAX;

	for (int c = 0; c < ncols; c++) {
		struct sim_opts o = { .nframes = m, .tick_every = tick, .pinned = NULL };
		if (cols[c].policy)
			sim_policy(cols[c].policy, t, &o, &r[c]);
		else
			cols[c].ref(t, m, &r[c]);
		if (r[c].error) {
			printf("ERROR %s on %s M=%u: %s\n", cols[c].name, t->name, m, r[c].msg);
			return -1;
		}
		if (cols[c].policy && r[c].faults < best)
			best = r[c].faults;
	}
	printf("%-10s %6u %6u  faults", t->name, t->npages, m);
	for (int c = 0; c < ncols; c++) {
		printf(c == 0 ? " %9llu      " : " %9llu %+5.0f%%", (unsigned long long)r[c].faults,
		       pct(r[c].faults, r[0].faults));
		if (c > 0) {
			cols[c].sum_over_opt += pct(r[c].faults, r[0].faults);
			cols[c].sum_wb_ratio += r[1].writebacks ? (double)r[c].writebacks / (double)r[1].writebacks : 1.0;
			cols[c].cells++;
			cols[c].wins += cols[c].policy && r[c].faults == best;
		}
	}
	printf("\n%-10s %6s %6s  wrback", "", "", "");
	for (int c = 0; c < ncols; c++)
		printf(" %9llu       ", (unsigned long long)r[c].writebacks);
	printf("\n");
	return 0;
}

static void header(uint32_t tick)
{
	printf("Page-usage policies on page-reference traces: faults (%% above Belady's OPT) and\n"
	       "write-backs (dirty victims). OPT, LRU and FIFO see every reference; the policies\n"
	       "see only faults and accessed/dirty bits sampled every %u references.\n\n", tick);
	printf("%-10s %6s %6s  %6s", "trace", "pages", "M", "");
	for (int c = 0; c < ncols; c++)
		printf(" %16s", cols[c].name);
	printf("\n");
}

static void summary(void)
{
	printf("\nsummary over all cells: mean %% faults above OPT; write-backs relative to LRU;\n"
	       "cells where a kernel policy had the fewest faults of the kernel policies (ties count)\n");
	for (int c = 1; c < ncols; c++) {
		printf("  %-8s %+7.1f%% above OPT   write-backs x%.2f", cols[c].name,
		       cols[c].sum_over_opt / (cols[c].cells ? cols[c].cells : 1),
		       cols[c].sum_wb_ratio / (cols[c].cells ? cols[c].cells : 1));
		if (cols[c].policy)
			printf("   best in %d/%d", cols[c].wins, cols[c].cells);
		printf("\n");
	}
}

static int parse_sizes(const char *s, int *pcts)
{
	int n = 0;
	while (*s && n < MAX_SIZES) {
		pcts[n++] = atoi(s);
		s = strchr(s, ',');
		if (!s)
			break;
		s++;
	}
	return n;
}

int main(int argc, char **argv)
{
	uint32_t tick = 1000;
	int pcts[MAX_SIZES] = { 10, 25, 50, 75, 90 }, npcts = 5, i = 1, rc = 0;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-k") == 0)
			tick = (uint32_t)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-f") == 0)
			npcts = parse_sizes(argv[i + 1], pcts);
	}
	setup_cols();
	header(tick);
	for (; i < argc; i++) {
		struct trace t;
		if (trace_load(argv[i], &t) != 0) {
			printf("ERROR cannot read trace %s\n", argv[i]);
			rc = 1;
			continue;
		}
		for (int s = 0; s < npcts; s++) {
			uint32_t m = (uint32_t)((uint64_t)t.npages * (uint64_t)pcts[s] / 100);
			if (bench_cell(&t, m ? m : 1, tick) != 0)
				rc = 1;
		}
		trace_free(&t);
	}
	summary();
	return rc;
}
