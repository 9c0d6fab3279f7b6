/*
 * crash.c - crash-consistency harness. Each workload runs on a recording device; after
 * every mutating call returns, the state hash of the live file system is logged with the
 * number of device writes so far. Then every prefix of the write log (plus a torn
 * version of each write, plus random subsets of the writes between two flushes) is
 * replayed onto a copy of the starting image, which is mounted and fsck'd. A crash
 * point after k writes must show the state of the last call that returned by then,
 * or the one after it (a commit in flight is absent or complete). Output: TAP lines.
 * The repair workload starts from a damaged image (free map, an older ring slot) and
 * runs fsck --repair: every crash point must mount with the same files.
 * usage: crash [WORKLOAD]   exit 0 when there are no violations.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fstest.h"
#include "qfs_format.h"

struct ckpt {
	size_t nops;
	uint64_t hash;
};

struct run {
	const char *name;
	struct qfs_host_rec rec;
	struct qfs_dev dev;
	struct qfs_env env;
	struct qfs *fs;
	uint8_t *base;       /* image before recording started */
	uint64_t nblocks;
	struct ckpt ck[4096];
	size_t nck;
	long violations, checks;
	uint64_t rng;
	int damaged; /* the image was damaged before recording: fsck errors allowed */
};

static void violation(struct run *r, const char *what, size_t k)
{
	r->violations++;
	if (r->violations <= 10)
		fprintf(stderr, "VIOLATION %s: %s (after %zu device ops)\n", r->name, what, k);
}

/* Log the state after a call returned. */
static void checkpoint(struct run *r)
{
	uint64_t h;
	int rc = fst_state_hash(r->fs, &h);
	if (rc) {
		violation(r, "live file system unreadable after a commit", r->rec.nops);
		return;
	}
	if (r->nck < sizeof(r->ck) / sizeof(r->ck[0]))
		r->ck[r->nck++] = (struct ckpt){r->rec.nops, h};
}

/* A call the workload expects to succeed (rc >= 0); otherwise a violation. */
static int must(struct run *r, int rc, const char *what)
{
	if (rc < 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "workload call %s failed: %s", what, qfs_strerror(rc));
		violation(r, msg, r->rec.nops);
		return 0;
	}
	checkpoint(r);
	return 1;
}

static uint8_t pat[1 << 18];

static int put(struct run *r, const char *path, size_t off, size_t len)
{
	return must(r, fst_put(r->fs, path, pat + off, len), path);
}

/* Modify a few blocks of the newest version through a rw handle. */
static int patch(struct run *r, const char *path, uint64_t at, size_t len)
{
	struct qfs_file *f;
	int rc = qfs_open(r->fs, path, QFS_O_RDWR, &f);
	if (rc == 0 && qfs_write(f, at, pat + (at * 7) % 1000, len) < 0)
		rc = QFS_EIO;
	rc = rc ? rc : qfs_close(f);
	return must(r, rc, path);
}

static void wl_basic(struct run *r)
{
	must(r, qfs_mkdir(r->fs, "docs"), "mkdir");
	put(r, "docs/a", 0, 5000);
	put(r, "docs/a", 100, 5000);
	put(r, "b", 0, 70000);
	patch(r, "b", 12000, 9000);
	patch(r, "b", 69000, 3000);
	put(r, "docs/c", 3, 1);
	must(r, qfs_set_limit(r->fs, "docs/a", 2), "limit");
	put(r, "docs/a", 9, 100);
}

static void wl_concurrent(struct run *r)
{
	struct qfs_file *h[4];
	put(r, "f", 0, 20000);
	put(r, "g", 50, 9000);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++)
			if (qfs_open(r->fs, i & 1 ? "g" : "f", QFS_O_RDWR, &h[i]))
				return violation(r, "open failed", r->rec.nops);
		for (int i = 0; i < 4; i++)
			qfs_write(h[i], (uint64_t)(i * 3000 + round * 500), pat + i * 11, 4500);
		qfs_truncate(h[2], 15000 - (uint64_t)round * 4000);
		static const int order[3][4] = {{2, 0, 3, 1}, {0, 1, 2, 3}, {3, 2, 1, 0}};
		for (int i = 0; i < 4; i++)
			must(r, qfs_close(h[order[round][i]]), "close");
	}
	struct qfs_file *ro;
	if (qfs_open(r->fs, "f;1", QFS_O_RDONLY, &ro) == 0) {
		must(r, qfs_purge(r->fs, "f", 1), "purge with pinned");
		qfs_close(ro);
	}
	must(r, qfs_purge(r->fs, "f", 1), "purge");
}

static void wl_purge_delete(struct run *r)
{
	must(r, qfs_mkdir(r->fs, "d"), "mkdir");
	for (int v = 0; v < 5; v++) {
		put(r, "d/x", (size_t)v * 10, 30000);
		patch(r, "d/x", 4096 * (uint64_t)v, 100);
	}
	put(r, "d/y", 0, 8000);
	must(r, qfs_delete(r->fs, "d/x;3"), "delete one");
	must(r, qfs_purge(r->fs, "d/x", 2), "purge");
	must(r, qfs_delete(r->fs, "d/x;-1"), "delete ;-1");
	must(r, qfs_delete(r->fs, "d/x"), "delete all");
	must(r, qfs_delete(r->fs, "d/y"), "delete all y");
	must(r, qfs_rmdir(r->fs, "d"), "rmdir");
	put(r, "z", 0, 12000);
}

static void wl_nearly_full(struct run *r)
{
	char nm[32];
	int i = 0, rc;
	do { /* fill until a commit does not fit */
		snprintf(nm, sizeof(nm), "f%d", i++);
		rc = fst_put(r->fs, nm, pat, 40000);
		if (rc > 0)
			checkpoint(r);
	} while (rc > 0 && i < 200);
	if (rc != QFS_ENOSPC)
		violation(r, "disk never filled", r->rec.nops);
	checkpoint(r); /* the failed commit changed nothing */
	patch(r, "f0", 0, 4096);
	must(r, qfs_purge(r->fs, "f0", 1), "purge on full disk");
	must(r, qfs_delete(r->fs, "f1"), "delete on full disk");
	must(r, qfs_delete(r->fs, "f2"), "delete on full disk");
	put(r, "after", 0, 30000);
}

/* Before recording: files, then a damaged free map and a damaged older ring slot. */
static void prep_damaged(struct run *r)
{
	struct qfs_mount_info mi;
	for (int i = 0; i < 4; i++)
		fst_put(r->fs, i & 1 ? "x" : "y", pat + i * 100, 9000 + (size_t)i * 5000);
	struct qfs_statfs st;
	qfs_statfs(r->fs, &st);
	qfs_unmount(r->fs);
	uint8_t *d = r->rec.mem.data; /* layout of a 256-block image: fs-format.md */
	uint64_t gen = st.generation, slot = 1 + gen % QFS_RING_LEN, older = 1 + (gen - 2) % QFS_RING_LEN;
	uint64_t bm = 9 + d[slot * QFS_BLOCK_SIZE + QFS_RT_BMAPAREA];
	d[bm * QFS_BLOCK_SIZE + 3000] ^= 0x10;
	d[older * QFS_BLOCK_SIZE + 100] ^= 0x01;
	if (qfs_mount_ex(&r->dev, &r->env, &r->fs, &mi) || !(mi.flags & QFS_MI_FMAP_REBUILT))
		violation(r, "the damaged image did not mount with its free map rebuilt", 0);
	r->damaged = 1;
}

/* fsck --repair on it (free map, ring slot by further commits), then a normal commit. */
static void wl_repair(struct run *r)
{
	struct qfs_fsck_result res;
	qfs_unmount(r->fs);
	int rc = qfs_fsck_repair(&r->dev, &r->env, &res);
	if (rc == 0 && (res.errors || res.repairs < 2))
		rc = QFS_EIO;
	if (qfs_mount(&r->dev, &r->env, &r->fs))
		return violation(r, "the repaired image does not mount", r->rec.nops);
	must(r, rc, "repair");
	put(r, "after", 0, 9000);
}

struct workload {
	const char *name;
	void (*fn)(struct run *r);
	uint64_t nblocks;
	void (*prep)(struct run *r); /* before recording starts (may be NULL) */
};

static const struct workload workloads[] = {
	{"basic", wl_basic, 512, NULL},
	{"concurrent_writers", wl_concurrent, 512, NULL},
	{"purge_delete", wl_purge_delete, 512, NULL},
	{"nearly_full", wl_nearly_full, 160, NULL},
	{"repair", wl_repair, 256, prep_damaged},
};

/* Mount the image, fsck it, and compare its state with checkpoints lo..hi. */
static void check_image(struct run *r, uint8_t *img, size_t k, size_t lo, size_t hi,
			const char *kind)
{
	struct qfs_host_mem m;
	struct qfs_dev dev;
	struct qfs *fs;
	char msg[160];
	uint64_t h;
	qfs_host_mem_wrap(&m, img, r->nblocks, &dev);
	r->checks++;
	uint64_t errs = fst_fsck(&dev, r->name, r->violations < 3 && !r->damaged);
	if (errs && !r->damaged) { /* a damaged workload: its damage until repaired */
		snprintf(msg, sizeof(msg), "%s image: fsck found %llu errors", kind,
			 (unsigned long long)errs);
		return violation(r, msg, k);
	}
	if (qfs_mount(&dev, &r->env, &fs))
		return violation(r, "mount refused an fsck-clean image", k);
	int rc = fst_state_hash(fs, &h);
	qfs_unmount(fs);
	for (size_t i = lo; rc == 0 && i <= hi && i < r->nck; i++)
		if (r->ck[i].hash == h)
			return;
	snprintf(msg, sizeof(msg), "%s image: state is neither checkpoint %zu nor %zu", kind,
		 lo, hi);
	violation(r, msg, k);
}

/* Index of the last checkpoint taken with at most k device ops done. */
static size_t ck_at(const struct run *r, size_t k)
{
	size_t j = 0;
	while (j + 1 < r->nck && r->ck[j + 1].nops <= k)
		j++;
	return j;
}

/* Every prefix, and a torn copy (first half new) of every write. */
static void replay_prefixes(struct run *r)
{
	size_t sz = (size_t)r->nblocks * QFS_BLOCK_SIZE;
	uint8_t *img = malloc(sz), *saved = malloc(QFS_BLOCK_SIZE);
	memcpy(img, r->base, sz);
	check_image(r, img, 0, 0, 1, "prefix");
	for (size_t k = 0; k < r->rec.nops; k++) {
		struct qfs_host_op *op = &r->rec.ops[k];
		if (op->is_flush)
			continue;
		uint8_t *dst = img + op->blk * QFS_BLOCK_SIZE;
		size_t j = ck_at(r, k);
		memcpy(saved, dst, QFS_BLOCK_SIZE);
		memcpy(dst, op->data, QFS_BLOCK_SIZE / 2);
		check_image(r, img, k, j, j + 1, "torn");
		memcpy(dst, op->data, QFS_BLOCK_SIZE);
		check_image(r, img, k + 1, ck_at(r, k + 1), ck_at(r, k + 1) + 1, "prefix");
	}
	free(img);
	free(saved);
}

/* Random subsets of the writes of each epoch (between flushes), any order. */
static void replay_reorders(struct run *r, int trials)
{
	size_t sz = (size_t)r->nblocks * QFS_BLOCK_SIZE, start = 0;
	uint8_t *img = malloc(sz), *undo = malloc(sz);
	memcpy(img, r->base, sz);
	for (size_t k = 0; k <= r->rec.nops; k++) {
		if (k < r->rec.nops && !r->rec.ops[k].is_flush)
			continue;
		size_t lo = ck_at(r, start);
		if (k - start >= 2) {
			memcpy(undo, img, sz);
			for (int t = 0; t < trials; t++) {
				for (size_t i = start; i < k; i++) {
					size_t pick = start + fst_rand(&r->rng) % (k - start);
					if (fst_rand(&r->rng) & 1) {
						struct qfs_host_op *op = &r->rec.ops[pick];
						memcpy(img + op->blk * QFS_BLOCK_SIZE, op->data,
						       QFS_BLOCK_SIZE);
					}
				}
				check_image(r, img, k, lo, ck_at(r, k) + 1, "reordered");
				memcpy(img, undo, sz);
			}
		}
		for (size_t i = start; i < k; i++) /* the epoch lands in full */
			memcpy(img + r->rec.ops[i].blk * QFS_BLOCK_SIZE, r->rec.ops[i].data,
			       QFS_BLOCK_SIZE);
		start = k + 1;
	}
	free(img);
	free(undo);
}

static int run_workload(const struct workload *w, int num)
{
	struct run *r = calloc(1, sizeof(*r));
	r->name = w->name;
	r->nblocks = w->nblocks;
	r->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)num;
	fst_env(&r->env);
	if (qfs_host_rec_init(&r->rec, w->nblocks, &r->dev) ||
	    qfs_mkfs(&r->dev, &r->env, NULL) || qfs_mount(&r->dev, &r->env, &r->fs)) {
		printf("not ok %d - %s # setup failed\n", num, w->name);
		return 1;
	}
	if (w->prep)
		w->prep(r);
	size_t sz = (size_t)w->nblocks * QFS_BLOCK_SIZE;
	r->base = malloc(sz);
	memcpy(r->base, r->rec.mem.data, sz);
	checkpoint(r);
	r->rec.recording = 1;
	w->fn(r);
	r->rec.recording = 0;
	qfs_unmount(r->fs);
	if (r->damaged && fst_fsck(&r->dev, r->name, 1))
		violation(r, "the image is not clean after the repair workload", r->rec.nops);
	replay_prefixes(r);
	replay_reorders(r, 6);
	int bad = r->violations != 0;
	printf("%s %d - %s # %zu device ops, %zu commits, %ld images checked, %ld violations\n",
	       bad ? "not ok" : "ok", num, w->name, r->rec.nops, r->nck - 1, r->checks,
	       r->violations);
	free(r->base);
	qfs_host_rec_free(&r->rec);
	free(r);
	return bad;
}

int main(int argc, char **argv)
{
	int fails = 0, n = 0;
	uint64_t s = 12345;
	for (size_t i = 0; i < sizeof(pat); i += 8) {
		uint64_t v = fst_rand(&s);
		memcpy(pat + i, &v, 8);
	}
	size_t nw = sizeof(workloads) / sizeof(workloads[0]);
	printf("1..%zu\n", argc > 1 ? (size_t)1 : nw);
	for (size_t i = 0; i < nw; i++)
		if (argc < 2 || !strcmp(argv[1], workloads[i].name))
			fails += run_workload(&workloads[i], ++n);
	return fails ? 1 : 0;
}
