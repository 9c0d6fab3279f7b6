/*
 * pumtrace.c - make and inspect page-reference traces for the page-usage harness.
 *   pumtrace gen NAME OUT      a synthetic trace: loop, scanhot, random, phase
 *   pumtrace conv OUT RAW...   pagerec's raw records (one file per process, in order; the
 *                              i-th is address space i+1) to a dense trace with page keys
 *   pumtrace mix OUT QUANTUM_MS TRACE...  the traces' processes as one workload: round
 *                              robin, QUANTUM_MS of simulated time each, distinct owners
 *   pumtrace info FILE...      references, pages, owners, write share, ns per reference
 * Every trace is deterministic (fixed seeds). How each is made: tests/pum/README.md.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define RAW_TRAILER (~0ull) /* pagerec: the next u64 is the run's memory-event count */

#define GEN_EVENTS_PER_REF 256 /* a synthetic reference stands for 256 memory events (real: 50-280) */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* rnd - xorshift64*: @n-bounded, deterministic across runs and machines. */
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32) % n;
}

/* skewed - 80% of picks from the first 20% of @n pages. */
static uint32_t skewed(uint32_t n)
{
	uint32_t hot = n / 5 ? n / 5 : 1;
	return rnd(100) < 80 ? rnd(hot) : hot + rnd(n - hot);
}

/* loop: 1000 pages in order, 300 passes; every 4th page written. */
static int gen_loop(struct trace *t, size_t *cap)
{
	for (int pass = 0; pass < 300; pass++)
		for (uint32_t p = 0; p < 1000; p++)
			if (trace_push(t, cap, p, p % 4 == 0))
				return -1;
	return 0;
}

/* scanhot: a hot set of 1000 pages (skewed, 30% writes) and, every 3rd reference, the next page of a read-only scan over 3000 others. */
static int gen_scanhot(struct trace *t, size_t *cap)
{
	uint32_t scan = 0;
	for (int i = 0; i < 600000; i++) {
		int bad = i % 3 == 2 ? trace_push(t, cap, 1000 + scan++ % 3000, false)
				     : trace_push(t, cap, skewed(1000), rnd(10) < 3);
		if (bad)
			return -1;
	}
	return 0;
}

/* random: a skewed (80/20) working set of 2000 pages, 25% writes. */
static int gen_random(struct trace *t, size_t *cap)
{
	for (int i = 0; i < 500000; i++)
		if (trace_push(t, cap, skewed(2000), rnd(4) == 0))
			return -1;
	return 0;
}

/* phase: three phases of 200000 references, each over its own skewed set of 800 pages, 20% writes. */
static int gen_phase(struct trace *t, size_t *cap)
{
	for (int ph = 0; ph < 3; ph++)
		for (int i = 0; i < 200000; i++)
			if (trace_push(t, cap, (uint32_t)ph * 800 + skewed(800), rnd(5) == 0))
				return -1;
	return 0;
}

static int cmd_gen(const char *name, const char *out)
{
	static const struct { const char *name; int (*fn)(struct trace *, size_t *); } gens[] = {
		{ "loop", gen_loop }, { "scanhot", gen_scanhot }, { "random", gen_random }, { "phase", gen_phase },
	};
	struct trace t = { 0 };
	size_t cap = 0;

	for (size_t i = 0; i < sizeof gens / sizeof gens[0]; i++) {
		if (strcmp(gens[i].name, name) != 0)
			continue;
		int rc = gens[i].fn(&t, &cap) || trace_default_keys(&t);
		t.events = (uint64_t)t.n * GEN_EVENTS_PER_REF;
		rc = rc || trace_save(out, &t);
		trace_free(&t);
		return rc ? 1 : 0;
	}
	fprintf(stderr, "pumtrace: no generator %s\n", name);
	return 2;
}

/* Dense numbering of (process, vpn) keys: an open-addressed table that grows. */
struct densemap {
	uint64_t *key; /* key + 1; 0: empty */
	uint32_t *val;
	size_t cap, n;
};

static int dense_grow(struct densemap *m);

static uint32_t dense_get(struct densemap *m, uint64_t key)
{
	if (2 * (m->n + 1) > m->cap && dense_grow(m) != 0)
		return 0xFFFFFFFFu;
	size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (m->cap - 1);
	while (m->key[h] != 0 && m->key[h] != key + 1)
		h = (h + 1) & (m->cap - 1);
	if (m->key[h] == 0) {
		m->key[h] = key + 1;
		m->val[h] = (uint32_t)m->n++;
	}
	return m->val[h];
}

static int dense_grow(struct densemap *m)
{
	struct densemap b = { calloc(m->cap ? 2 * m->cap : 1 << 16, 8), NULL, m->cap ? 2 * m->cap : 1 << 16, 0 };
	b.val = calloc(b.cap, 4);
	if (!b.key || !b.val)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->key[i]) {
			size_t h = (size_t)(((m->key[i] - 1) * 0x9E3779B97F4A7C15ull) >> 20) & (b.cap - 1);
			while (b.key[h])
				h = (h + 1) & (b.cap - 1);
			b.key[h] = m->key[i];
			b.val[h] = m->val[i];
		}
	b.n = m->n;
	free(m->key);
	free(m->val);
	*m = b;
	return 0;
}

/* conv_file - one process's raw records as address space @owner; its trailer adds the event count. */
static int conv_file(struct trace *t, size_t *cap, struct densemap *m, const char *path, uint32_t owner)
{
	FILE *f = fopen(path, "rb");
	uint64_t rec[4096];
	size_t got;
	bool trailer = false, done = false;

	if (f == NULL)
		return -1;
	while (!done && (got = fread(rec, 8, 4096, f)) > 0)
		for (size_t i = 0; i < got; i++) {
			if (trailer) {
				t->events += rec[i];
				done = true;
				break;
			}
			if (rec[i] == RAW_TRAILER) {
				trailer = true;
				continue;
			}
			uint32_t p = dense_get(m, TRACE_KEY(owner, rec[i] >> 1));
			if (p >= TRACE_WRITE || (rec[i] >> 1) >> TRACE_OWNER_SHIFT || trace_push(t, cap, p, rec[i] & 1)) {
				fclose(f);
				return -1;
			}
		}
	fclose(f);
	return done ? 0 : -1; /* no trailer: the recording did not finish */
}

/* dense_keys - key[dense page] from the map. */
static int dense_keys(struct trace *t, const struct densemap *m)
{
	t->key = calloc(t->npages ? t->npages : 1, sizeof *t->key);
	if (t->key == NULL)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->key[i] && m->val[i] < t->npages)
			t->key[m->val[i]] = m->key[i] - 1;
	return 0;
}

static int cmd_conv(const char *out, int nraw, char **raw)
{
	struct trace t = { 0 };
	struct densemap m = { 0 };
	size_t cap = 0;
	int rc = 0;

	for (int i = 0; i < nraw && rc == 0; i++)
		if ((rc = conv_file(&t, &cap, &m, raw[i], (uint32_t)i + 1)) != 0)
			fprintf(stderr, "pumtrace: %s is not a complete pagerec file\n", raw[i]);
	if (rc == 0)
		rc = dense_keys(&t, &m) || trace_save(out, &t);
	trace_free(&t);
	free(m.key);
	free(m.val);
	return rc ? 1 : 0;
}

/* mix_step - run trace @t from *@pos for up to @quantum_ns of its own time; append to @o. */
static int mix_step(struct trace *o, size_t *cap, const struct trace *t, size_t *pos, uint32_t base,
		    uint64_t quantum_ns)
{
	uint64_t ns = t->n ? t->events / t->n : 1, used = 0;

	for (; *pos < t->n && used < quantum_ns; (*pos)++, used += ns ? ns : 1)
		if (trace_push(o, cap, base + TRACE_PAGE(t->ref[*pos]), t->ref[*pos] & TRACE_WRITE))
			return -1;
	return 0;
}

/* mix_keys - the mixed trace's keys: each input's owners moved past the previous inputs'. */
static int mix_keys(struct trace *o, struct trace *in, int n, const uint32_t *base)
{
	uint32_t owner_base = 0;

	o->key = calloc(o->npages ? o->npages : 1, sizeof *o->key);
	if (o->key == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		uint32_t maxo = 0;
		for (uint32_t p = 0; p < in[i].npages; p++) {
			uint32_t ow = (uint32_t)(in[i].key[p] >> TRACE_OWNER_SHIFT);
			uint64_t vpn = in[i].key[p] & ((1ull << TRACE_OWNER_SHIFT) - 1);
			o->key[base[i] + p] = TRACE_KEY(owner_base + ow, vpn);
			maxo = ow > maxo ? ow : maxo;
		}
		owner_base += maxo;
	}
	return 0;
}

static int cmd_mix(const char *out, uint64_t quantum_ms, int n, char **paths)
{
	struct trace in[16], o = { 0 };
	uint32_t base[16];
	size_t pos[16] = { 0 }, cap = 0, left = 0;
	int rc = 0, loaded = 0;

	if (n > 16 || quantum_ms == 0)
		return 2;
	for (; loaded < n; loaded++) {
		if (trace_load(paths[loaded], &in[loaded]) != 0) {
			fprintf(stderr, "pumtrace: cannot read %s\n", paths[loaded]);
			rc = 1;
			break;
		}
		base[loaded] = loaded ? base[loaded - 1] + in[loaded - 1].npages : 0;
		o.events += in[loaded].events;
		left += in[loaded].n;
	}
	while (rc == 0 && o.n < left)
		for (int i = 0; i < n && rc == 0; i++)
			rc = mix_step(&o, &cap, &in[i], &pos[i], base[i], quantum_ms * 1000000);
	if (rc == 0) {
		o.npages = base[n - 1] + in[n - 1].npages;
		rc = mix_keys(&o, in, n, base) || trace_save(out, &o);
	}
	for (int i = 0; i < loaded; i++)
		trace_free(&in[i]);
	trace_free(&o);
	return rc ? 1 : 0;
}

static uint32_t count_owners(const struct trace *t)
{
	uint32_t n = 0, last = 0;

	for (uint32_t p = 0; p < t->npages; p++) {
		uint32_t ow = (uint32_t)(t->key[p] >> TRACE_OWNER_SHIFT);
		n += ow > last;
		last = ow > last ? ow : last;
	}
	return n;
}

static int cmd_info(int n, char **paths)
{
	for (int i = 0; i < n; i++) {
		struct trace t;
		size_t w = 0;
		if (trace_load(paths[i], &t) != 0) {
			fprintf(stderr, "pumtrace: cannot read %s\n", paths[i]);
			return 1;
		}
		for (size_t j = 0; j < t.n; j++)
			w += (t.ref[j] & TRACE_WRITE) != 0;
		printf("%-10s %9zu refs %7u pages %3u owners %5.1f%% writes %6.1f ns/ref\n", t.name, t.n,
		       t.npages, count_owners(&t), t.n ? 100.0 * (double)w / (double)t.n : 0.0,
		       t.n ? (double)t.events / (double)t.n : 0.0);
		trace_free(&t);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(argv[2], argv[3]);
	if (argc >= 4 && strcmp(argv[1], "conv") == 0)
		return cmd_conv(argv[2], argc - 3, argv + 3);
	if (argc >= 5 && strcmp(argv[1], "mix") == 0)
		return cmd_mix(argv[2], strtoull(argv[3], NULL, 10), argc - 4, argv + 4);
	if (argc >= 3 && strcmp(argv[1], "info") == 0)
		return cmd_info(argc - 2, argv + 2);
	fprintf(stderr, "usage: pumtrace gen NAME OUT | conv OUT RAW... | mix OUT QUANTUM_MS TRACE... | info FILE...\n");
	return 2;
}
