/*
 * file.c - open handles. A read-only handle pins one version. A read/write handle is
 * a private copy: changed blocks go to fresh blocks kept in priv (busy, unreferenced)
 * and the base version stays untouched; close commits them as the next version in one
 * transaction. Invariant: bytes past a version's size in its last block are zero.
 */
#include "qfs_internal.h"

#include <string.h>

#define QFS_MAX_FSIZE ((uint64_t)253 * 254 * 254 * 254 * QFS_BLOCK_SIZE)

static int handle_new(struct qfs *fs, int rw, struct qfs_file **out)
{
	struct qfs_file *f = qfs_zalloc(fs, sizeof(*f));
	if (!f)
		return QFS_ENOMEM;
	f->fs = fs;
	f->rw = rw;
	f->l1key = UINT64_MAX;
	qfs_map_init(&f->priv, &fs->env);
	*out = f;
	return 0;
}

static void handle_free(struct qfs_file *f)
{
	struct qfs *fs = f->fs;
	struct qfs_file **pp = &fs->files;
	while (*pp && *pp != f)
		pp = &(*pp)->next;
	if (*pp)
		*pp = f->next;
	size_t pos = 0;
	uint64_t idx, blk;
	while (qfs_map_next(&f->priv, &pos, &idx, &blk, NULL))
		qfs_blk_unbusy(fs, blk);
	qfs_map_free(&f->priv);
	if (f->l1buf)
		qfs_buf_put(fs, f->l1buf);
	fs->env.free(fs->env.ctx, f);
}

/* Fill the handle from the file's inode, or prepare a new file. */
static int open_fill(struct qfs_file *f, const struct qfs_path *p, int flags)
{
	struct qfs *fs = f->fs;
	uint64_t ino;
	int rc = qfs_dir_lookup(fs, p->dir, p->name, strlen(p->name), &ino);
	if (rc == QFS_ENOENT && f->rw && (flags & QFS_O_CREAT) && !p->has_ver) {
		f->dir_ino = p->dir;
		memcpy(f->name, p->name, sizeof(f->name));
		return 0;
	}
	struct qfs_inode *in = rc ? NULL : qfs_inode_alloc(fs);
	if (rc == 0 && !in)
		rc = QFS_ENOMEM;
	if (rc == 0)
		rc = qfs_inode_get(fs, ino, in);
	if (rc == 0 && in->type == QFS_TYPE_DIR)
		rc = QFS_EISDIR;
	int vi = rc ? rc : qfs_ver_find(in, p);
	if (rc == 0 && vi < 0)
		rc = vi;
	if (rc == 0) {
		f->ino = ino;
		f->dir_ino = p->dir;
		memcpy(f->name, p->name, sizeof(f->name));
		if (!(f->rw && (flags & QFS_O_TRUNC))) {
			f->base = in->v[vi];
			f->base_vnum = in->v[vi].vnum;
		}
	}
	qfs_inode_free(fs, in);
	return rc;
}

/* "name/" names a directory: a file there is ENOTDIR, creating one EISDIR. */
static int open_trailing_slash(struct qfs *fs, const struct qfs_path *p, int flags)
{
	uint64_t ino;
	int rc = qfs_dir_lookup(fs, p->dir, p->name, strlen(p->name), &ino);
	if (rc == QFS_ENOENT)
		return (flags & QFS_O_RDWR) && (flags & QFS_O_CREAT) ? QFS_EISDIR : QFS_ENOENT;
	struct qfs_inode *in = rc ? NULL : qfs_inode_alloc(fs);
	if (rc == 0 && !in)
		rc = QFS_ENOMEM;
	if (rc == 0)
		rc = qfs_inode_get(fs, ino, in);
	if (rc == 0)
		rc = in->type == QFS_TYPE_DIR ? QFS_EISDIR : QFS_ENOTDIR;
	qfs_inode_free(fs, in);
	return rc;
}

int qfs_open(struct qfs *fs, const char *path, int flags, struct qfs_file **out)
{
	struct qfs_path p;
	struct qfs_file *f;
	if (fs->broken)
		return QFS_EIO;
	int rc = qfs_path_parse(fs, path, &p);
	if (rc == 0 && !p.name[0])
		rc = QFS_EISDIR;
	if (rc == 0 && p.trailing_slash)
		rc = open_trailing_slash(fs, &p, flags);
	if (rc == 0)
		rc = handle_new(fs, flags & QFS_O_RDWR, &f);
	if (rc)
		return rc;
	rc = open_fill(f, &p, flags);
	if (rc) {
		handle_free(f);
		return rc;
	}
	f->size = f->base.size;
	f->base_limit = qfs_tree_leaves(f->base.size);
	f->next = fs->files;
	fs->files = f;
	*out = f;
	return 0;
}

/* Leaf pointer of base block idx, through the handle's level-1 cache. */
static int base_ptr(struct qfs_file *f, uint64_t idx, struct qfs_ptr *out)
{
	struct qfs *fs = f->fs;
	struct qfs_ptr l1, hole = {0, 0};
	*out = hole;
	if (idx >= f->base_limit)
		return 0;
	if (f->base.depth == 0)
		return qfs_tree_get(fs, f->base.root, 0, idx, out);
	if (f->l1key == idx / QFS_PTRS_PER_BLOCK) {
		*out = qfs_tree_slot(f->l1buf, idx);
		return 0;
	}
	int rc = qfs_tree_lookup(fs, f->base.root, f->base.depth, idx, 1, &l1);
	if (rc)
		return rc;
	if (!f->l1buf && !(f->l1buf = qfs_buf_get(fs)))
		return QFS_ENOMEM;
	f->l1key = UINT64_MAX;
	if (l1.blk == 0) /* a hole at level 1: cache it as all holes */
		memset(f->l1buf, 0, QFS_BLOCK_SIZE);
	else
		rc = qfs_tree_l1(fs, l1, f->l1buf);
	if (rc)
		return rc;
	f->l1key = idx / QFS_PTRS_PER_BLOCK;
	*out = qfs_tree_slot(f->l1buf, idx);
	return 0;
}

/* Read a data block and check it against the crc its pointer holds. */
static int data_read(struct qfs *fs, uint64_t blk, uint32_t crc, uint8_t *buf)
{
	if (blk < fs->sb.data_start || blk >= fs->sb.nblocks)
		return QFS_ECORRUPT;
	int rc = qfs_dev_read(fs, blk, buf);
	if (rc == 0 && qfs_crc32c(buf, QFS_BLOCK_SIZE) != crc)
		rc = QFS_ECORRUPT;
	return rc;
}

/* Content of block idx as the handle sees it. */
static int block_get(struct qfs_file *f, uint64_t idx, uint8_t *buf)
{
	uint64_t blk;
	uint32_t crc;
	struct qfs_ptr p;
	if (qfs_map_get(&f->priv, idx, &blk, &crc))
		return data_read(f->fs, blk, crc, buf);
	int rc = base_ptr(f, idx, &p);
	if (rc == 0 && p.blk)
		return data_read(f->fs, p.blk, p.crc, buf);
	if (rc == 0)
		memset(buf, 0, QFS_BLOCK_SIZE);
	return rc;
}

long qfs_read(struct qfs_file *f, uint64_t off, void *buf, size_t n)
{
	struct qfs *fs = f->fs;
	if (off >= f->size)
		return 0;
	if (n > f->size - off)
		n = (size_t)(f->size - off);
	if (n > (size_t)INT32_MAX)
		n = (size_t)INT32_MAX;
	uint8_t *tmp = qfs_buf_get(fs), *dst = buf;
	if (!tmp)
		return QFS_ENOMEM;
	size_t done = 0;
	int rc = 0;
	while (done < n && rc == 0) {
		uint64_t pos = off + done, idx = pos / QFS_BLOCK_SIZE;
		size_t boff = (size_t)(pos % QFS_BLOCK_SIZE), len = QFS_BLOCK_SIZE - boff;
		if (len > n - done)
			len = n - done;
		int whole = boff == 0 && len == QFS_BLOCK_SIZE;
		rc = block_get(f, idx, whole ? dst + done : tmp);
		if (rc == 0 && !whole)
			memcpy(dst + done, tmp + boff, len);
		done += len;
	}
	qfs_buf_put(fs, tmp);
	return rc ? rc : (long)n;
}

/* Store buf as the private copy of block idx (reusing its private block if any). */
static int block_put(struct qfs_file *f, uint64_t idx, const uint8_t *buf)
{
	struct qfs *fs = f->fs;
	uint64_t blk;
	int fresh = !qfs_map_get(&f->priv, idx, &blk, NULL);
	if (fresh) {
		int rc = qfs_blk_alloc(fs, 0, &blk);
		if (rc)
			return rc;
#ifdef QFS_FAULT_SHARED_WRITE
		/* injected bug: overwrite the block the base version shares */
		struct qfs_ptr bp;
		if (base_ptr(f, idx, &bp) == 0 && bp.blk) {
			qfs_blk_unbusy(fs, blk);
			blk = bp.blk;
		}
#endif
	}
	int rc = qfs_dev_write(fs, blk, buf);
	if (rc == 0)
		rc = qfs_map_put(&f->priv, idx, blk, qfs_crc32c(buf, QFS_BLOCK_SIZE));
	if (rc && fresh)
		qfs_blk_unbusy(fs, blk);
	return rc;
}

long qfs_write(struct qfs_file *f, uint64_t off, const void *buf, size_t n)
{
	struct qfs *fs = f->fs;
	const uint8_t *src = buf;
	if (!f->rw)
		return QFS_EROFS;
	if (fs->broken)
		return QFS_EIO;
	if (n > (size_t)INT32_MAX || off > QFS_MAX_FSIZE || n > QFS_MAX_FSIZE - off)
		return QFS_EFBIG;
	uint8_t *tmp = qfs_buf_get(fs);
	if (!tmp)
		return QFS_ENOMEM;
	size_t done = 0;
	int rc = 0;
	while (done < n && rc == 0) {
		uint64_t pos = off + done, idx = pos / QFS_BLOCK_SIZE;
		size_t boff = (size_t)(pos % QFS_BLOCK_SIZE), len = QFS_BLOCK_SIZE - boff;
		if (len > n - done)
			len = n - done;
		if (len == QFS_BLOCK_SIZE) {
			rc = block_put(f, idx, src + done);
		} else {
			rc = pos - boff < f->size ? block_get(f, idx, tmp) : 0;
			if (pos - boff >= f->size)
				memset(tmp, 0, QFS_BLOCK_SIZE);
			memcpy(tmp + boff, src + done, len);
			if (rc == 0)
				rc = block_put(f, idx, tmp);
		}
		if (rc == 0 && pos + len > f->size)
			f->size = pos + len;
		done += len;
	}
	qfs_buf_put(fs, tmp);
	return rc ? rc : (long)n;
}

/* Drop private blocks at or past index from (collect first: deleting while iterating). */
static int drop_priv_from(struct qfs_file *f, uint64_t from)
{
	uint64_t keys[64], idx, blk;
	for (;;) {
		size_t pos = 0, n = 0;
		while (n < 64 && qfs_map_next(&f->priv, &pos, &idx, &blk, NULL))
			if (idx >= from)
				keys[n++] = idx;
		for (size_t i = 0; i < n; i++) {
			qfs_map_get(&f->priv, keys[i], &blk, NULL);
			qfs_blk_unbusy(f->fs, blk);
			qfs_map_del(&f->priv, keys[i]);
		}
		if (n < 64)
			return 0;
	}
}

int qfs_truncate(struct qfs_file *f, uint64_t size)
{
	if (!f->rw)
		return QFS_EROFS;
	if (size > QFS_MAX_FSIZE)
		return QFS_EFBIG;
	if (size >= f->size) {
		f->size = size;
		return 0;
	}
	uint64_t keep = qfs_tree_leaves(size);
	drop_priv_from(f, keep);
	if (keep < f->base_limit)
		f->base_limit = keep;
	int rc = 0;
	if (size % QFS_BLOCK_SIZE) {
		uint8_t *tmp = qfs_buf_get(f->fs);
		if (!tmp)
			return QFS_ENOMEM;
		rc = block_get(f, size / QFS_BLOCK_SIZE, tmp);
		memset(tmp + size % QFS_BLOCK_SIZE, 0, QFS_BLOCK_SIZE - size % QFS_BLOCK_SIZE);
		if (rc == 0)
			rc = block_put(f, size / QFS_BLOCK_SIZE, tmp);
		qfs_buf_put(f->fs, tmp);
	}
	if (rc == 0)
		f->size = size;
	return rc;
}

uint64_t qfs_fsize(const struct qfs_file *f)
{
	return f->size;
}

uint32_t qfs_fversion(const struct qfs_file *f)
{
	return f->base_vnum;
}

void qfs_abort(struct qfs_file *f)
{
	handle_free(f);
}

/* Find or create the inode the copy commits to (inside the transaction). */
static int commit_target(struct qfs_file *f, struct qfs_inode *in)
{
	struct qfs *fs = f->fs;
	uint64_t ino = f->ino;
	int rc = ino ? 0 : qfs_dir_lookup(fs, f->dir_ino, f->name, strlen(f->name), &ino);
	if (rc == 0) {
		rc = qfs_inode_get(fs, ino, in);
		return rc == 0 && in->type != QFS_TYPE_FILE ? QFS_EISDIR : rc;
	}
	if (rc != QFS_ENOENT)
		return rc;
	memset(in, 0, sizeof(*in));
	in->ino = fs->root.next_ino++;
	in->type = QFS_TYPE_FILE;
	in->limit = fs->sb.default_limit;
	in->next_version = 1;
	in->ctime = fs->env.now(fs->env.ctx);
	in->parent = f->dir_ino;
	fs->root.nfiles++;
	return qfs_dir_add(fs, f->dir_ino, f->name, in->ino, QFS_TYPE_FILE);
}

/* Build the new version's tree: base, trimmed, with the private blocks set in. */
static int commit_tree(struct qfs_file *f, struct qfs_ver *v)
{
	struct qfs *fs = f->fs;
	uint64_t idx, blk, keep = qfs_tree_leaves(f->size);
	uint32_t crc;
	size_t pos = 0;
	v->root = f->base.root;
	v->depth = f->base.depth;
	v->size = f->size;
	int rc = qfs_tree_trim(fs, &v->root, v->depth, f->base_limit < keep ? f->base_limit : keep);
	while (rc == 0 && qfs_map_next(&f->priv, &pos, &idx, &blk, &crc)) {
		struct qfs_ptr leaf = {blk, crc};
		rc = qfs_ref_set(fs, blk);
		if (rc == 0)
			rc = qfs_tree_set(fs, &v->root, &v->depth, idx, leaf, 0);
	}
	return rc ? rc : qfs_tree_fit(fs, &v->root, &v->depth, keep);
}

/* Purge the oldest unpinned versions while the file is over its limit. */
static int apply_limit(struct qfs *fs, struct qfs_inode *in)
{
	uint8_t victim[QFS_MAX_VERSIONS + 1] = {0};
	uint32_t n = in->nvers, any = 0;
	for (uint32_t i = 0; i + 1 < in->nvers && n > in->limit; i++) {
		if (!qfs_pinned(fs, in->ino, in->v[i].vnum)) {
			victim[i] = 1;
			n--;
			any = 1;
		}
	}
	if (n > QFS_MAX_VERSIONS)
		return QFS_EBUSY;
	return any ? qfs_vers_remove(fs, in, victim) : 0;
}

static int commit(struct qfs_file *f)
{
	struct qfs *fs = f->fs;
	struct qfs_inode *in = qfs_inode_alloc(fs);
	if (!in)
		return QFS_ENOMEM;
	int rc = qfs_txn_begin(fs, 0);
	if (rc == 0)
		rc = commit_target(f, in);
	struct qfs_ver *v = &in->v[in->nvers];
	if (rc == 0 && in->next_version >= UINT32_MAX - 1)
		rc = QFS_EFBIG;
	if (rc == 0)
		rc = commit_tree(f, v);
	if (rc == 0) {
		v->vnum = in->next_version++;
		v->mtime = fs->env.now(fs->env.ctx);
		in->nvers++;
		rc = apply_limit(fs, in);
	}
	if (rc == 0)
		rc = qfs_inode_put(fs, in);
	if (rc == 0)
		rc = qfs_txn_commit(fs);
	else
		qfs_txn_abort(fs);
	if (rc == 0) {
		rc = (int)in->v[in->nvers - 1].vnum;
		qfs_map_free(&f->priv); /* its blocks now belong to the tree */
	}
	qfs_inode_free(fs, in);
	return rc;
}

/* Commit a rw handle's copy with its own pin out of the way (it must not block the limit);
 * on failure the handle is linked back, its copy intact. */
static int commit_unpinned(struct qfs_file *f)
{
	struct qfs_file **pp = &f->fs->files;
	while (*pp && *pp != f)
		pp = &(*pp)->next;
	int linked = *pp != NULL;
	if (linked)
		*pp = f->next;
	int rc = f->fs->broken ? QFS_EIO : commit(f);
	if (rc < 0 && linked) {
		f->next = f->fs->files;
		f->fs->files = f;
	}
	return rc;
}

int qfs_close(struct qfs_file *f)
{
	int rc = f->rw ? commit_unpinned(f) : 0;
	handle_free(f);
	return rc;
}

int qfs_commit(struct qfs_file *f)
{
	int rc = f->rw ? commit_unpinned(f) : 0;
	if (rc >= 0)
		handle_free(f);
	return rc;
}

int qfs_reserve(struct qfs_file *f, uint64_t nblocks)
{
	if (!f->rw)
		return QFS_EROFS;
	if (nblocks > (uint64_t)SIZE_MAX / 64)
		return QFS_ENOMEM;
	return qfs_map_reserve(&f->priv, (size_t)nblocks);
}
