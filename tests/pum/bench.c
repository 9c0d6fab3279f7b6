/*
 * bench.c - the page-usage table: every registered policy (through pum.h, driven as the
 * kernel drives it: sim.c) beside Belady's OPT, exact LRU and FIFO, on each trace at memory
 * sizes given in percent of the trace's distinct pages. Per cell: faults / OPT's faults and
 * write-backs; per policy: geometric means over cells (all, real programs, the tuning and
 * held-out halves), the worst cell, write-backs against LRU's and bytes per frame.
 * usage: bench [-f PCTS] [-x PCTS] [-s SYNTH] [-t TUNE] [-p POLICIES] [-k TICK_MS] [-M MAJOR_US] TRACE...
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MAX_COLS 12
#define MAX_SIZES 8
#define BYTES_AT 32768 /* frames at 128 MiB: the size bytes per frame are quoted at */
#define FRAME_DB_BYTES 16

enum group { G_ALL, G_REAL, G_SYNTH, G_TUNE, G_HELD, G_TUNE_REAL, G_HELD_REAL, G_EXTRA, G_COUNT };

struct col {
	const char *name;
	const struct pum_policy *policy; /* NULL: a reference simulator */
	void (*ref)(const struct trace *t, uint32_t nframes, struct sim_result *r);
	double lsum[G_COUNT]; /* sum of log(faults / OPT) */
	int n[G_COUNT];
	double lwb;           /* sum of log((write-backs + 1) / (LRU's + 1)), main cells */
	double worst;
	char worst_cell[80];
};

struct opts {
	int pcts[MAX_SIZES], npcts, xpcts[MAX_SIZES], nxpcts;
	const char *synth, *tune;   /* comma-separated trace names */
	const char *only;           /* -p: only these policies (NULL: all) */
	long tick_ms, major_us;     /* -1: the default machine's */
};

static int ncols;
static struct col cols[MAX_COLS];

/* in_list - @name is one of the comma-separated names in @list. */
static bool in_list(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p != NULL && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

static void setup_cols(const char *only)
{
	cols[ncols++] = (struct col){ .name = "OPT", .ref = sim_opt };
	cols[ncols++] = (struct col){ .name = "LRU", .ref = sim_lru };
	cols[ncols++] = (struct col){ .name = "FIFO", .ref = sim_fifo };
	for (size_t i = 0; pum_policy_at(i) != NULL && ncols < MAX_COLS; i++)
		if (only == NULL || in_list(only, pum_policy_at(i)->name))
			cols[ncols++] = (struct col){ .name = pum_policy_at(i)->name, .policy = pum_policy_at(i) };
}

static void run_col(int c, const struct trace *t, uint32_t m, const struct opts *op, struct sim_result *r)
{
	struct sim_opts o;

	if (!cols[c].policy) {
		cols[c].ref(t, m, r);
		return;
	}
	sim_default_opts(&o, t, m);
	if (op->tick_ms >= 0)
		o.tick_ns = (uint64_t)op->tick_ms * 1000000;
	if (op->major_us >= 0)
		o.ns_major = (uint64_t)op->major_us * 1000;
	sim_policy(cols[c].policy, t, &o, r);
}

static void account(int c, const struct trace *t, int pct, const struct sim_result *r, const bool *in)
{
	double ratio = (double)r[c].faults / (double)r[0].faults;

	for (int g = 0; g < G_COUNT; g++)
		if (in[g]) {
			cols[c].lsum[g] += log(ratio);
			cols[c].n[g]++;
		}
	if (in[G_EXTRA])
		return;
	cols[c].lwb += log(((double)r[c].writebacks + 1) / ((double)r[1].writebacks + 1));
	if (ratio > cols[c].worst) {
		cols[c].worst = ratio;
		snprintf(cols[c].worst_cell, sizeof cols[c].worst_cell, "%s %d%%", t->name, pct);
	}
}

/* bench_cell - every column on @t at @pct % of its pages; a faults row and a write-backs row. */
static int bench_cell(const struct trace *t, int pct, const struct opts *op, const bool *in)
{
	struct sim_result r[MAX_COLS];
	uint32_t m = (uint32_t)((uint64_t)t->npages * (uint64_t)pct / 100);

	m = m ? m : 1;
	for (int c = 0; c < ncols; c++) {
		run_col(c, t, m, op, &r[c]);
		if (r[c].error || r[c].faults == 0) {
			printf("ERROR %s on %s M=%u: %s\n", cols[c].name, t->name, m, r[c].error ? r[c].msg : "no faults");
			return -1;
		}
	}
	printf("%-8s %5u %3d%%%s %5u  faults %9llu", t->name, t->npages, pct, in[G_EXTRA] ? "*" : " ", m,
	       (unsigned long long)r[0].faults);
	for (int c = 1; c < ncols; c++) {
		printf(" %8.2f", (double)r[c].faults / (double)r[0].faults);
		account(c, t, pct, r, in);
	}
	printf("\n%-8s %5s %4s  %5s  wrback %9llu", "", "", "", "", (unsigned long long)r[0].writebacks);
	for (int c = 1; c < ncols; c++)
		printf(" %8llu", (unsigned long long)r[c].writebacks);
	printf("\n");
	return 0;
}

static int bench_trace(const char *path, const struct opts *op)
{
	struct trace t;
	bool in[G_COUNT] = { false };
	int rc = 0;

	if (trace_load(path, &t) != 0) {
		printf("ERROR cannot read trace %s\n", path);
		return -1;
	}
	bool synth = in_list(op->synth, t.name), tune = in_list(op->tune, t.name);
	in[G_ALL] = true;
	in[G_REAL] = !synth;
	in[G_SYNTH] = synth;
	in[G_TUNE] = tune;
	in[G_HELD] = !tune;
	in[G_TUNE_REAL] = tune && !synth;
	in[G_HELD_REAL] = !tune && !synth;
	for (int s = 0; s < op->npcts && rc == 0; s++)
		rc = bench_cell(&t, op->pcts[s], op, in);
	bool xin[G_COUNT] = { [G_EXTRA] = true };
	for (int s = 0; s < op->nxpcts && rc == 0; s++)
		rc = bench_cell(&t, op->xpcts[s], op, xin);
	trace_free(&t);
	return rc;
}

static void header(const struct opts *op)
{
	printf("Page-usage policies: faults / Belady's OPT per (trace, memory) cell, and write-backs.\n"
	       "OPT, LRU and FIFO see every reference; the policies see faults and A/D bits sampled\n"
	       "by a tick every %ld ms of simulated time and by their own hands (tests/pum/README.md).\n"
	       "Memory in %% of the trace's distinct pages; * marks extra sizes (not in the means).\n\n",
	       op->tick_ms >= 0 ? op->tick_ms : 20);
	printf("%-8s %5s %4s  %5s  %6s %9s", "trace", "pages", "mem", "M", "", "OPT");
	for (int c = 1; c < ncols; c++)
		printf(" %8s", cols[c].name);
	printf("\n");
}

static double gmean(const struct col *c, enum group g)
{
	return c->n[g] ? exp(c->lsum[g] / c->n[g]) : 0.0;
}

static void summary(const struct opts *op)
{
	printf("\nGeometric mean of faults / OPT over cells at");
	for (int s = 0; s < op->npcts; s++)
		printf(" %d%%", op->pcts[s]);
	printf(" memory (%d cells, %d real-program)\n", cols[1].n[G_ALL], cols[1].n[G_REAL]);
	printf("tune = the tuning half of the traces (%s), held = the held-out half\n\n", op->tune ? op->tune : "-");
	printf("%-8s %6s %6s %6s %6s %6s %6s %6s %6s  %-16s %7s %7s\n", "policy", "all", "real", "synth",
	       "tune", "held", "tune-r", "held-r", "extra", "worst cell", "wb/LRU", "B/frame");
	for (int c = 1; c < ncols; c++) {
		const struct col *k = &cols[c];
		printf("%-8s %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f  %5.2f %-10s %7.2f", k->name,
		       gmean(k, G_ALL), gmean(k, G_REAL), gmean(k, G_SYNTH), gmean(k, G_TUNE), gmean(k, G_HELD),
		       gmean(k, G_TUNE_REAL), gmean(k, G_HELD_REAL), gmean(k, G_EXTRA), k->worst, k->worst_cell,
		       exp(k->lwb / (k->n[G_ALL] ? k->n[G_ALL] : 1)));
		if (k->policy)
			printf(" %7.2f\n", (double)pum_mem_bytes(k->policy, BYTES_AT) / BYTES_AT + FRAME_DB_BYTES);
		else
			printf(" %7s\n", "-");
	}
	printf("\nB/frame: frame database (%d) + policy state, at %d frames (128 MiB);"
	       " wb/LRU: geometric mean of (write-backs + 1) / (LRU's + 1)\n", FRAME_DB_BYTES, BYTES_AT);
	/* one line per policy for scripts (tests/plot/policyplot.sh, make bench's smoke pass) */
	for (int c = 1; c < ncols; c++)
		printf("policy %s geomean_all %.2f geomean_real %.2f worst %.2f\n", cols[c].name,
		       gmean(&cols[c], G_ALL), gmean(&cols[c], G_REAL), cols[c].worst);
}

static int parse_sizes(const char *s, int *pcts)
{
	int n = 0;
	while (*s && n < MAX_SIZES) {
		int v = atoi(s);
		if (v <= 0 || v > 100)
			return -1;
		pcts[n++] = v;
		s = strchr(s, ',');
		if (!s)
			break;
		s++;
	}
	return n;
}

static int parse_args(int argc, char **argv, struct opts *op)
{
	int i = 1;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		const char *v = argv[i + 1];
		if (strcmp(argv[i], "-f") == 0 && (op->npcts = parse_sizes(v, op->pcts)) > 0)
			continue;
		if (strcmp(argv[i], "-x") == 0 && (op->nxpcts = parse_sizes(v, op->xpcts)) >= 0)
			continue;
		if (strcmp(argv[i], "-p") == 0) {
			op->only = v;
			continue;
		}
		if (strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "-t") == 0) {
			*(argv[i][1] == 's' ? &op->synth : &op->tune) = v;
			continue;
		}
		if (strcmp(argv[i], "-k") == 0 || strcmp(argv[i], "-M") == 0) {
			*(argv[i][1] == 'k' ? &op->tick_ms : &op->major_us) = atol(v);
			continue;
		}
		fprintf(stderr, "bench: bad option %s %s\n", argv[i], v);
		return -1;
	}
	if (i >= argc)
		fprintf(stderr, "usage: bench [-f PCTS] [-x PCTS] [-s SYNTH] [-t TUNE] [-p POLICIES] [-k TICK_MS] [-M MAJOR_US] TRACE...\n");
	return i < argc ? i : -1;
}

int main(int argc, char **argv)
{
	struct opts op = { .pcts = { 5, 10, 25, 50 }, .npcts = 4, .tick_ms = -1, .major_us = -1 };
	int i = parse_args(argc, argv, &op), rc = 0;

	if (i < 0)
		return 2;
	setup_cols(op.only);
	header(&op);
	for (; i < argc; i++)
		if (bench_trace(argv[i], &op) != 0)
			rc = 1;
	summary(&op);
	return rc;
}
