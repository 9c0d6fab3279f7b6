/*
 * fstest.c - shared helpers of the qfs host tests; see fstest.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "fstest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long fst_live_allocs;
static uint64_t fst_clock = 1700000000;

static void *t_alloc(void *ctx, size_t n)
{
	(void)ctx;
	void *p = malloc(n ? n : 1);
	if (p)
		fst_live_allocs++;
	return p;
}

static void t_free(void *ctx, void *p)
{
	(void)ctx;
	if (p)
		fst_live_allocs--;
	free(p);
}

static uint64_t t_now(void *ctx)
{
	(void)ctx;
	return fst_clock++;
}

static void t_report(void *ctx, const char *line)
{
	if (ctx)
		fprintf(stderr, "  [%s] %s\n", (const char *)ctx, line);
}

void fst_env(struct qfs_env *env)
{
	env->ctx = NULL;
	env->alloc = t_alloc;
	env->free = t_free;
	env->now = t_now;
	env->report = t_report;
}

int fst_put(struct qfs *fs, const char *path, const void *data, size_t len)
{
	struct qfs_file *f;
	int rc = qfs_open(fs, path, QFS_O_RDWR | QFS_O_CREAT | QFS_O_TRUNC, &f);
	if (rc)
		return rc;
	long w = len ? qfs_write(f, 0, data, len) : 0;
	if (w < 0) {
		qfs_abort(f);
		return (int)w;
	}
	return qfs_close(f);
}

int fst_get(struct qfs *fs, const char *path, uint8_t **data, size_t *len)
{
	struct qfs_file *f;
	int rc = qfs_open(fs, path, QFS_O_RDONLY, &f);
	if (rc)
		return rc;
	*len = (size_t)qfs_fsize(f);
	*data = malloc(*len + 1);
	long r = qfs_read(f, 0, *data, *len);
	qfs_close(f);
	if (r < 0 || (size_t)r != *len) {
		free(*data);
		*data = NULL;
		return r < 0 ? (int)r : QFS_EIO;
	}
	return 0;
}

static void fnv(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

struct hash_ctx {
	struct qfs *fs;
	uint64_t *h;
	const char *dir;
	int rc;
};

static int hash_dir(struct qfs *fs, const char *dir, uint64_t *h);

static int hash_file(struct qfs *fs, const char *path, uint64_t *h)
{
	struct qfs_vinfo v[64];
	int n = qfs_versions(fs, path, v, 64);
	for (int i = 0; i < n; i++) {
		char vp[700];
		uint8_t *d;
		size_t len;
		snprintf(vp, sizeof(vp), "%.600s;%u", path, v[i].vnum);
		int rc = fst_get(fs, vp, &d, &len);
		if (rc)
			return rc;
		fnv(h, &v[i].vnum, sizeof(v[i].vnum));
		fnv(h, &len, sizeof(len));
		fnv(h, d, len);
		free(d);
	}
	return n < 0 ? n : 0;
}

static int hash_cb(void *ctx, const char *name, uint64_t ino, uint32_t type)
{
	struct hash_ctx *c = ctx;
	char path[600];
	(void)ino;
	snprintf(path, sizeof(path), "%.400s/%.150s", c->dir, name);
	fnv(c->h, path, strlen(path) + 1);
	fnv(c->h, &type, sizeof(type));
	c->rc = type == QFS_TYPE_DIR ? hash_dir(c->fs, path, c->h) : hash_file(c->fs, path, c->h);
	return c->rc != 0;
}

static int hash_dir(struct qfs *fs, const char *dir, uint64_t *h)
{
	struct hash_ctx c = {fs, h, dir, 0};
	int rc = qfs_readdir(fs, dir, hash_cb, &c);
	return rc < 0 ? rc : c.rc;
}

int fst_state_hash(struct qfs *fs, uint64_t *hash)
{
	*hash = 0xcbf29ce484222325ull;
	return hash_dir(fs, "", hash);
}

uint64_t fst_fsck(const struct qfs_dev *dev, const char *tag, int verbose)
{
	struct qfs_env env;
	struct qfs_fsck_result r;
	fst_env(&env);
	env.ctx = verbose ? (void *)tag : NULL;
	int rc = qfs_fsck(dev, &env, &r);
	return rc && !r.errors ? 1 : r.errors;
}

uint64_t fst_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}
