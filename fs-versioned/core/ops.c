/*
 * ops.c - name-space and version operations: mkdir, rmdir, delete, purge, version
 * limits, stat, listing. Removing versions frees exactly the blocks no remaining
 * version of the file references; purge and delete may use the reserved blocks,
 * so they work on a full disk.
 */
#include "qfs_internal.h"

#include <string.h>

int qfs_pinned(const struct qfs *fs, uint64_t ino, uint32_t vnum)
{
	for (const struct qfs_file *f = fs->files; f; f = f->next)
		if (f->ino == ino && (vnum == 0 || f->base_vnum == vnum))
			return 1;
	return 0;
}

/* qfs_vers_remove - drop the versions marked in victim, freeing unshared blocks. */
int qfs_vers_remove(struct qfs *fs, struct qfs_inode *in, const uint8_t *victim)
{
	struct qfs_map keep;
	uint64_t nfreed = 0;
	int rc = 0;
	qfs_map_init(&keep, &fs->env);
	for (uint32_t i = 0; i < in->nvers && rc == 0; i++)
		if (!victim[i])
			rc = qfs_tree_collect(fs, in->v[i].root, in->v[i].depth, &keep);
	for (uint32_t i = 0; i < in->nvers && rc == 0; i++)
		if (victim[i])
			rc = qfs_tree_release(fs, in->v[i].root, in->v[i].depth, &keep, &nfreed);
	qfs_map_free(&keep);
	uint32_t n = 0;
	for (uint32_t i = 0; i < in->nvers && rc == 0; i++)
		if (!victim[i])
			in->v[n++] = in->v[i];
	if (rc == 0)
		in->nvers = n;
	return rc;
}

/* Resolve path to an inode (loaded into *in); the root when the name is empty. */
static int lookup(struct qfs *fs, const char *path, struct qfs_path *p, struct qfs_inode *in)
{
	uint64_t ino = QFS_ROOT_INO;
	int rc = qfs_path_parse(fs, path, p);
	if (rc == 0 && p->name[0])
		rc = qfs_dir_lookup(fs, p->dir, p->name, strlen(p->name), &ino);
	if (rc == 0)
		rc = qfs_inode_get(fs, ino, in);
	if (rc == 0 && p->trailing_slash && in->type != QFS_TYPE_DIR)
		rc = QFS_ENOTDIR;
	return rc;
}

/* Run op(fs, in, arg) inside a transaction on the inode at path. */
typedef int (*inode_op)(struct qfs *fs, struct qfs_path *p, struct qfs_inode *in,
			uint32_t arg);

static int with_inode(struct qfs *fs, const char *path, inode_op op, uint32_t arg,
		      int reserve)
{
	struct qfs_path p;
	struct qfs_inode *in = qfs_inode_alloc(fs);
	if (!in)
		return QFS_ENOMEM;
	int rc = fs->broken ? QFS_EIO : lookup(fs, path, &p, in);
	if (rc == 0)
		rc = qfs_txn_begin(fs, reserve);
	if (rc == 0) {
		rc = op(fs, &p, in, arg);
		int c = rc >= 0 ? qfs_txn_commit(fs) : 0;
		if (rc < 0)
			qfs_txn_abort(fs);
		if (c)
			rc = c;
	}
	qfs_inode_free(fs, in);
	return rc;
}

static int op_mkdir(struct qfs *fs, struct qfs_path *p, struct qfs_inode *in, uint32_t arg)
{
	uint64_t ino;
	(void)arg;
	if (!p->name[0] || p->has_ver)
		return QFS_EINVAL;
	int rc = qfs_dir_lookup(fs, p->dir, p->name, strlen(p->name), &ino);
	if (rc != QFS_ENOENT)
		return rc ? rc : QFS_EEXIST;
	memset(in, 0, sizeof(*in));
	in->ino = fs->root.next_ino++;
	in->type = QFS_TYPE_DIR;
	in->nvers = 1;
	in->limit = 1;
	in->next_version = 2;
	in->ctime = in->v[0].mtime = fs->env.now(fs->env.ctx);
	in->parent = p->dir;
	in->v[0].vnum = 1;
	rc = qfs_inode_put(fs, in);
	if (rc == 0)
		rc = qfs_dir_add(fs, p->dir, p->name, in->ino, QFS_TYPE_DIR);
	return rc;
}

int qfs_mkdir(struct qfs *fs, const char *path)
{
	struct qfs_path p;
	struct qfs_inode *in = qfs_inode_alloc(fs);
	if (!in)
		return QFS_ENOMEM;
	int rc = fs->broken ? QFS_EIO : qfs_path_parse(fs, path, &p);
	if (rc == 0)
		rc = qfs_txn_begin(fs, 0);
	if (rc == 0) {
		rc = op_mkdir(fs, &p, in, 0);
		if (rc == 0)
			rc = qfs_txn_commit(fs);
		else
			qfs_txn_abort(fs);
	}
	qfs_inode_free(fs, in);
	return rc;
}

static int count_cb(void *ctx, const char *name, uint64_t ino, uint32_t type)
{
	(void)name;
	(void)ino;
	(void)type;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* Remove a whole file or an empty directory: blocks, inode, directory entry. */
static int op_remove_all(struct qfs *fs, struct qfs_path *p, struct qfs_inode *in,
			 uint32_t want_type)
{
	uint64_t n = 0;
	if (!p->name[0])
		return QFS_EBUSY;
	if (in->type != want_type)
		return in->type == QFS_TYPE_DIR ? QFS_EISDIR : QFS_ENOTDIR;
	int rc = want_type == QFS_TYPE_DIR ? qfs_dir_iter(fs, in->ino, count_cb, &n) : 0;
	if (rc == 0 && n)
		rc = QFS_ENOTEMPTY;
	if (rc == 0 && qfs_pinned(fs, in->ino, 0))
		rc = QFS_EBUSY;
	uint8_t all[QFS_MAX_VERSIONS + 1];
	memset(all, 1, sizeof(all));
	if (rc == 0)
		rc = qfs_vers_remove(fs, in, all);
	if (rc == 0)
		rc = qfs_inode_drop(fs, in->ino);
	if (rc == 0)
		rc = qfs_dir_remove(fs, p->dir, p->name);
	if (rc == 0 && want_type == QFS_TYPE_FILE)
		fs->root.nfiles--;
	return rc;
}

int qfs_rmdir(struct qfs *fs, const char *path)
{
	return with_inode(fs, path, op_remove_all, QFS_TYPE_DIR, 1);
}

static int op_delete(struct qfs *fs, struct qfs_path *p, struct qfs_inode *in, uint32_t arg)
{
	uint8_t victim[QFS_MAX_VERSIONS + 1] = {0};
	(void)arg;
	if (in->type == QFS_TYPE_DIR)
		return QFS_EISDIR;
	if (!p->has_ver || in->nvers == 1) {
		int vi = p->has_ver ? qfs_ver_find(in, p) : 0;
		return vi < 0 ? vi : op_remove_all(fs, p, in, QFS_TYPE_FILE);
	}
	int vi = qfs_ver_find(in, p);
	if (vi < 0)
		return vi;
	if (qfs_pinned(fs, in->ino, in->v[vi].vnum))
		return QFS_EBUSY;
	victim[vi] = 1;
	int rc = qfs_vers_remove(fs, in, victim);
	return rc ? rc : qfs_inode_put(fs, in);
}

int qfs_delete(struct qfs *fs, const char *path)
{
	return with_inode(fs, path, op_delete, 0, 1);
}

/* Remove unpinned versions older than the newest keep; returns how many went. */
static int op_purge(struct qfs *fs, struct qfs_path *p, struct qfs_inode *in, uint32_t keep)
{
	uint8_t victim[QFS_MAX_VERSIONS + 1] = {0};
	int n = 0;
	(void)p;
	if (in->type == QFS_TYPE_DIR)
		return QFS_EISDIR;
	for (uint32_t i = 0; i + keep < in->nvers; i++)
		if (!qfs_pinned(fs, in->ino, in->v[i].vnum)) {
			victim[i] = 1;
			n++;
		}
	int rc = n ? qfs_vers_remove(fs, in, victim) : 0;
	if (rc == 0)
		rc = qfs_inode_put(fs, in);
	return rc ? rc : n;
}

int qfs_purge(struct qfs *fs, const char *path, uint32_t keep)
{
	if (keep < 1)
		return QFS_EINVAL;
	return with_inode(fs, path, op_purge, keep, 1);
}

static int op_limit(struct qfs *fs, struct qfs_path *p, struct qfs_inode *in, uint32_t lim)
{
	if (in->type == QFS_TYPE_DIR)
		return QFS_EISDIR;
	in->limit = lim;
	int rc = op_purge(fs, p, in, lim);
	return rc < 0 ? rc : 0;
}

int qfs_set_limit(struct qfs *fs, const char *path, uint32_t limit)
{
	if (limit < 1 || limit > QFS_MAX_VERSIONS)
		return QFS_EINVAL;
	return with_inode(fs, path, op_limit, limit, 1);
}

int qfs_stat(struct qfs *fs, const char *path, struct qfs_stat *st)
{
	struct qfs_path p;
	struct qfs_inode *in = qfs_inode_alloc(fs);
	if (!in)
		return QFS_ENOMEM;
	int rc = lookup(fs, path, &p, in);
	int vi = rc ? rc : in->type == QFS_TYPE_DIR ? 0 : qfs_ver_find(in, &p);
	if (rc == 0 && vi < 0)
		rc = vi;
	if (rc == 0) {
		memset(st, 0, sizeof(*st));
		st->ino = in->ino;
		st->type = in->type;
		st->nversions = in->nvers;
		st->limit = in->limit;
		st->newest = in->v[in->nvers - 1].vnum;
		st->vnum = in->v[vi].vnum;
		st->size = in->v[vi].size;
		st->mtime = in->v[vi].mtime;
	}
	qfs_inode_free(fs, in);
	return rc;
}

int qfs_versions(struct qfs *fs, const char *path, struct qfs_vinfo *out, int max)
{
	struct qfs_path p;
	struct qfs_inode *in = qfs_inode_alloc(fs);
	if (!in)
		return QFS_ENOMEM;
	int rc = lookup(fs, path, &p, in);
	if (rc == 0 && in->type == QFS_TYPE_DIR)
		rc = QFS_EISDIR;
	for (uint32_t i = 0; rc == 0 && i < in->nvers && (int)i < max; i++) {
		out[i].vnum = in->v[i].vnum;
		out[i].size = in->v[i].size;
		out[i].mtime = in->v[i].mtime;
	}
	if (rc == 0)
		rc = (int)in->nvers;
	qfs_inode_free(fs, in);
	return rc;
}

/* Listing: entries with names no valid path could hold, or a name seen before in the
 * directory (only the first is reachable by path), are skipped, then reported. */
struct rd_ctx {
	qfs_dir_cb cb;
	void *ctx;
	int bad, nomem;
	struct qfs_map names; /* FNV-1a 64 of each name listed (a collision: ~2^-64) */
};

static int readdir_cb(void *ctx, const char *name, uint64_t ino, uint32_t type)
{
	struct rd_ctx *r = ctx;
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	if (qfs_name_check(name, strlen(name)) ||
	    (type != QFS_TYPE_FILE && type != QFS_TYPE_DIR) ||
	    qfs_map_get(&r->names, h, NULL, NULL)) {
		r->bad = 1;
		return 0;
	}
	if (qfs_map_put(&r->names, h, 1, 0)) {
		r->nomem = 1;
		return 1;
	}
	return r->cb(r->ctx, name, ino, type);
}

int qfs_readdir(struct qfs *fs, const char *path, qfs_dir_cb cb, void *ctx)
{
	struct rd_ctx r = {cb, ctx, 0, 0, {0}};
	struct qfs_path p;
	struct qfs_inode *in = qfs_inode_alloc(fs);
	if (!in)
		return QFS_ENOMEM;
	int rc = lookup(fs, path, &p, in);
	if (rc == 0 && in->type != QFS_TYPE_DIR)
		rc = QFS_ENOTDIR;
	qfs_map_init(&r.names, &fs->env);
	if (rc == 0)
		rc = qfs_dir_iter(fs, in->ino, readdir_cb, &r);
	if (r.nomem)
		rc = QFS_ENOMEM;
	else if (rc >= 0 && r.bad)
		rc = QFS_ECORRUPT;
	qfs_map_free(&r.names);
	qfs_inode_free(fs, in);
	return rc;
}
