/*
 * base.c - the campaign's populated image: a directory of 40 files (two directory
 * blocks under a pointer block), a file with shared versions, a sparse file with a
 * two-level tree, enough commits to fill the root ring; a model of the files of each
 * of the last three generations; a copy of the device three commits back (lost writes).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "qfs_format.h"

void tadd(int t, uint64_t b)
{
	if (cp.tn[t] < CP_MAXT)
		cp.tblk[t][cp.tn[t]++] = b;
}

/* A content hash, eight bytes at a time (the sparse file is 1 MiB of mostly zeros). */
static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull, w;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ n;
}

static void model_add(struct model *m, const char *path, struct qfs *fs)
{
	struct qfs_vinfo v[64];
	int n = qfs_versions(fs, path, v, 64);
	for (int i = 0; i < n && m->n < CP_MAXENT; i++) {
		uint8_t *d;
		size_t len;
		snprintf(m->path[m->n], sizeof(m->path[0]), "%.180s;%u", path, v[i].vnum);
		if (fst_get(fs, m->path[m->n], &d, &len)) {
			fprintf(stderr, "campaign: base image unreadable at %s\n", m->path[m->n]);
			exit(2);
		}
		m->hash[m->n++] = fnv(d, len);
		free(d);
	}
}

struct walk_ctx {
	struct qfs *fs;
	struct model *m;
	const char *dir;
};

static int model_cb(void *ctx, const char *name, uint64_t ino, uint32_t type)
{
	struct walk_ctx *w = ctx;
	char path[200];
	(void)ino;
	snprintf(path, sizeof(path), "%.60s%s%.112s", w->dir, *w->dir ? "/" : "", name);
	if (type == QFS_TYPE_DIR) {
		struct walk_ctx sub = {w->fs, w->m, path};
		return qfs_readdir(w->fs, path, model_cb, &sub);
	}
	model_add(w->m, path, w->fs);
	return 0;
}

static void model_take(struct qfs *fs, struct model *m)
{
	struct walk_ctx w = {fs, m, ""};
	struct qfs_statfs st;
	qfs_statfs(fs, &st);
	m->gen = st.generation;
	m->n = 0;
	if (qfs_readdir(fs, "", model_cb, &w)) {
		fprintf(stderr, "campaign: base image cannot be listed\n");
		exit(2);
	}
}

const struct model *model_of(uint64_t gen)
{
	for (int i = 0; i < 3; i++)
		if (cp.models[i].gen == gen)
			return &cp.models[i];
	return NULL;
}

/* Read every version of m: bad counts wrong bytes, lost unreadable; ok[i] if right. */
void model_check(struct qfs *fs, const struct model *m, size_t *bad, size_t *lost,
		 uint8_t *ok)
{
	*bad = *lost = 0;
	for (size_t i = 0; i < m->n; i++) {
		uint8_t *d;
		size_t len;
		ok[i] = 0;
		if (fst_get(fs, m->path[i], &d, &len)) {
			(*lost)++;
			continue;
		}
		if (fnv(d, len) == m->hash[i])
			ok[i] = 1;
		else
			(*bad)++;
		free(d);
	}
}

static void put(struct qfs *fs, const char *path, const uint8_t *d, size_t n)
{
	if (fst_put(fs, path, d, n) < 0) {
		fprintf(stderr, "campaign: cannot build the base image (%s)\n", path);
		exit(2);
	}
}

/* The files; the last three commits are modelled. */
static void populate(struct qfs *fs, uint8_t *pat, struct qfs_host_mem *m)
{
	struct qfs_file *f;
	char nm[32];
	qfs_mkdir(fs, "d");
	for (int i = 0; i < 40; i++) {
		snprintf(nm, sizeof(nm), "d/n%02d", i);
		put(fs, nm, pat + i * 7, 100 + (size_t)i);
	}
	put(fs, "f", pat, 20000);
	put(fs, "f", pat + 3, 20000);
	if (qfs_open(fs, "s", QFS_O_RDWR | QFS_O_CREAT, &f) || qfs_write(f, 256ull * 4096, "deep", 4) != 4 ||
	    qfs_close(f) < 0)
		exit(2);
	put(fs, "top", pat + 11, 5000);
	memcpy(cp.older, m->data, sizeof(cp.older));
	model_take(fs, &cp.models[2]);
	put(fs, "f", pat + 5, 21000);
	model_take(fs, &cp.models[1]);
	put(fs, "top", pat + 13, 6000);
	model_take(fs, &cp.models[0]);
}

void base_build(void)
{
	struct qfs_host_mem m;
	struct qfs_dev dev;
	struct qfs_env env;
	struct qfs *fs;
	static uint8_t pat[65536];
	uint64_t s = 77;
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(fst_rand(&s) >> 24);
	fst_env(&env);
	env.ctx = NULL;
	qfs_host_mem_wrap(&m, cp.base, CP_BLOCKS, &dev);
	struct qfs_mkfs_opts o = {8, 0, 1};
	if (qfs_mkfs(&dev, &env, &o) || qfs_mount(&dev, &env, &fs))
		exit(2);
	populate(fs, pat, &m);
	struct qfs_statfs st;
	qfs_statfs(fs, &st);
	cp.gen = st.generation;
	qfs_unmount(fs);
}
