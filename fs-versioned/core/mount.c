/*
 * mount.c - mkfs, mount (superblock, root ring, free map), unmount, statfs.
 * Mount never writes: it takes the highest generation whose root record checks out and
 * whose free map loads (or can be rebuilt from its trees), falling back to older ones
 * only when that fails; struct qfs_mount_info records every fallback and damaged slot.
 */
#include "qfs_internal.h"

#include <string.h>

const char *qfs_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case QFS_ENOENT: return "no such file or version";
	case QFS_EIO: return "I/O error";
	case QFS_EBADF: return "bad handle";
	case QFS_ENOMEM: return "out of memory";
	case QFS_EBUSY: return "version or file in use";
	case QFS_EEXIST: return "already exists";
	case QFS_ENOTDIR: return "not a directory";
	case QFS_EISDIR: return "is a directory";
	case QFS_EINVAL: return "invalid argument";
	case QFS_EFBIG: return "file too large";
	case QFS_ENOSPC: return "no space left";
	case QFS_EROFS: return "read-only handle";
	case QFS_ENAMETOOLONG: return "name too long";
	case QFS_ENOTEMPTY: return "directory not empty";
	case QFS_ECORRUPT: return "corrupt file system";
	default: return "unknown error";
	}
}

/* Allocate the maps of a fresh struct qfs; fixed-region blocks are marked used. */
static int fs_init(struct qfs *fs, const struct qfs_dev *dev, const struct qfs_env *env)
{
	size_t mapsz = (size_t)(fs->sb.bmap_n * QFS_BMAP_BYTES);
	fs->dev = *dev;
	fs->env = *env;
	qfs_map_init(&fs->txn.dirty, &fs->env);
	qfs_vec_init(&fs->txn.freed, &fs->env, sizeof(uint64_t));
	qfs_vec_init(&fs->txn.undo, &fs->env, sizeof(struct qfs_undo));
	fs->ref = qfs_zalloc(fs, mapsz);
	fs->busy = qfs_zalloc(fs, mapsz);
	fs->bdirty[0] = qfs_zalloc(fs, (size_t)fs->sb.bmap_n);
	fs->bdirty[1] = qfs_zalloc(fs, (size_t)fs->sb.bmap_n);
	if (!fs->ref || !fs->busy || !fs->bdirty[0] || !fs->bdirty[1])
		return QFS_ENOMEM;
	for (uint64_t b = 0; b < fs->sb.data_start; b++)
		fs->ref[b >> 3] |= (uint8_t)(1u << (b & 7));
	memcpy(fs->busy, fs->ref, mapsz);
	fs->cursor = fs->sb.data_start;
	return 0;
}

static void fs_free(struct qfs *fs)
{
	void *ctx = fs->env.ctx;
	void (*fr)(void *, void *) = fs->env.free;
	qfs_map_free(&fs->txn.dirty);
	qfs_vec_free(&fs->txn.freed);
	qfs_vec_free(&fs->txn.undo);
	void *ps[] = {fs->ref, fs->busy, fs->bdirty[0], fs->bdirty[1], fs->txn.bufs,
		      fs->txn.bufblk};
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		if (ps[i])
			fr(ctx, ps[i]);
	while (fs->nscratch > 0)
		fr(ctx, fs->scratch_free[--fs->nscratch]);
	fr(ctx, fs);
}

/* First transaction of a new file system: the root directory. */
static int mkfs_root(struct qfs *fs, uint64_t now)
{
	struct qfs_inode *in = qfs_inode_alloc(fs);
	if (!in)
		return QFS_ENOMEM;
	in->ino = QFS_ROOT_INO;
	in->type = QFS_TYPE_DIR;
	in->nvers = 1;
	in->limit = 1;
	in->next_version = 2;
	in->ctime = now;
	in->parent = QFS_ROOT_INO;
	in->v[0].vnum = 1;
	in->v[0].mtime = now;
	int rc = qfs_txn_begin(fs, 1);
	if (rc == 0)
		rc = qfs_inode_put(fs, in);
	if (rc == 0)
		rc = qfs_txn_commit(fs);
	qfs_inode_free(fs, in);
	return rc;
}

/* Superblock, backup superblock (one past the file system), empty ring slots. */
static int mkfs_write_fixed(struct qfs *fs, uint8_t *buf)
{
	qfs_sb_encode(&fs->sb, buf, 0);
	int rc = qfs_dev_write(fs, 0, buf);
	qfs_sb_encode(&fs->sb, buf, fs->sb.nblocks);
	if (rc == 0 && fs->dev.write(fs->dev.ctx, fs->sb.nblocks, buf))
		rc = QFS_EIO;
	memset(buf, 0, QFS_BLOCK_SIZE);
	for (uint32_t i = 0; rc == 0 && i < fs->sb.ring_len; i++)
		rc = qfs_dev_write(fs, fs->sb.ring_start + i, buf);
	return rc;
}

/* The superblock mkfs makes for a device of dev_nblocks (the last block: the backup). */
static int mkfs_plan(uint64_t dev_nblocks, const struct qfs_mkfs_opts *opts,
		     struct qfs_sb *sb)
{
	if (dev_nblocks < 64 || dev_nblocks > (1ull << 40))
		return QFS_EINVAL;
	qfs_sb_layout(sb, dev_nblocks - 1);
	uint64_t data = sb->nblocks > sb->data_start ? sb->nblocks - sb->data_start : 0;
	sb->feat_compat = QFS_FEAT_BACKUP_SB;
	sb->reserve = opts && opts->reserve ? opts->reserve : 16 + data / 64;
	sb->default_limit = opts && opts->default_limit ? opts->default_limit : 32;
	sb->mkfs_time = opts ? opts->time : 0;
	if (data < 48 || sb->reserve >= data / 2 || sb->default_limit > QFS_MAX_VERSIONS)
		return QFS_EINVAL;
	return 0;
}

int qfs_mkfs_check(uint64_t nblocks, const struct qfs_mkfs_opts *opts)
{
	struct qfs_sb sb;
	return mkfs_plan(nblocks, opts, &sb);
}

int qfs_mkfs(const struct qfs_dev *dev, const struct qfs_env *env,
	     const struct qfs_mkfs_opts *opts)
{
	struct qfs *fs = env->alloc(env->ctx, sizeof(*fs));
	if (!fs)
		return QFS_ENOMEM;
	memset(fs, 0, sizeof(*fs));
	fs->env = *env;
	if (mkfs_plan(dev->nblocks, opts, &fs->sb)) {
		fs->env.free(fs->env.ctx, fs);
		return QFS_EINVAL;
	}
	int rc = fs_init(fs, dev, env);
	uint8_t *buf = rc ? NULL : qfs_buf_get(fs);
	if (rc == 0 && !buf)
		rc = QFS_ENOMEM;
	if (rc == 0)
		rc = mkfs_write_fixed(fs, buf);
	qfs_buf_put(fs, buf);
	memset(fs->bdirty[0], 1, (size_t)fs->sb.bmap_n);
	memset(fs->bdirty[1], 1, (size_t)fs->sb.bmap_n);
	fs->root.next_ino = 2;
	fs->root.bmap_area = 1;
	fs->root.nfiles = 0;
	if (rc == 0)
		rc = mkfs_root(fs, fs->sb.mkfs_time);
	fs_free(fs);
	return rc;
}

/* Valid root records of the ring, newest first (insertion sort of at most ring_len). */
struct cand {
	struct qfs_root r;
	uint32_t bmap_crc;
};

static int block_is_zero(const uint8_t *buf)
{
	for (size_t i = 0; i < QFS_BLOCK_SIZE; i++)
		if (buf[i])
			return 0;
	return 1;
}

/* Read every ring slot: valid records into c[] (newest first), damaged ones into mi,
 * all-zero ones into *zero (judged once the mounted generation is known). */
static int ring_scan(struct qfs *fs, uint8_t *buf, struct cand *c, uint32_t *nc,
		     uint32_t *zero)
{
	*nc = 0;
	*zero = 0;
	for (uint32_t i = 0; i < fs->sb.ring_len; i++) {
		struct qfs_root r;
		uint64_t blk = fs->sb.ring_start + i;
		if (qfs_dev_read(fs, blk, buf))
			return QFS_MR_IO;
		if (qfs_root_decode(&fs->sb, buf, blk, &r)) {
			if (block_is_zero(buf))
				*zero |= 1u << i;
			else
				fs->mi.damaged_slots |= 1u << i;
			continue;
		}
		uint32_t j = (*nc)++;
		for (; j > 0 && c[j - 1].r.gen < r.gen; j--)
			c[j] = c[j - 1];
		c[j].r = r;
		c[j].bmap_crc = qfs_get32(buf + QFS_RT_BMAPCRC);
	}
	return *nc ? 0 : QFS_MR_NO_ROOT;
}

/* Take the newest generation whose free map loads or rebuilds; note what was skipped. */
static int ring_choose(struct qfs *fs, uint8_t *buf, const struct cand *c, uint32_t nc)
{
	for (uint32_t k = 0; k < nc; k++) {
		fs->root = c[k].r;
		qfs_fmap_reset(fs);
		int rc = qfs_fmap_load(fs, buf, c[k].bmap_crc);
		if (rc == QFS_EIO)
			return QFS_MR_IO;
		if (rc && qfs_fmap_rebuild(fs) == 0)
			fs->mi.flags |= QFS_MI_FMAP_REBUILT;
		else if (rc)
			continue;
		if (k > 0) { /* newer generations were valid but unusable */
			fs->mi.flags |= QFS_MI_ROLLED_BACK;
			fs->mi.lost_generation = c[0].r.gen;
		}
		return 0;
	}
	return QFS_MR_FREEMAP;
}

/*
 * A damaged slot where generation + 1 would be: that commit may be lost. A slot counts
 * as damaged when it holds a bad record, a valid record of a generation more than
 * ring_len older than the mounted one (a lost write), or zeros where a generation >= 1
 * must have been written (slot i holds the newest generation <= g that is i mod len).
 */
static void ring_note(struct qfs *fs, const struct cand *c, uint32_t nc, uint32_t zero)
{
	uint64_t g = fs->root.gen, len = fs->sb.ring_len;
	for (uint32_t k = 0; k < nc; k++)
		if (c[k].r.gen + len <= g)
			fs->mi.damaged_slots |= 1u << (c[k].r.gen % len);
	for (uint32_t i = 0; i < len; i++) {
		uint64_t back = (g % len + len - i) % len; /* g - back is i mod len */
		if (((zero >> i) & 1) && g >= back + 1)
			fs->mi.damaged_slots |= 1u << i;
	}
	uint32_t next = (uint32_t)((g + 1) % fs->sb.ring_len);
	if (fs->mi.damaged_slots)
		fs->mi.flags |= QFS_MI_RING_DAMAGED;
	if ((fs->mi.damaged_slots >> next) & 1) {
		fs->mi.flags |= QFS_MI_ROLLED_BACK;
		if (fs->mi.lost_generation < g + 1)
			fs->mi.lost_generation = g + 1;
	}
	fs->mi.generation = g;
}

/* The root directory must be readable; 0 or a QFS_MR_* reason. */
static int rootdir_check(struct qfs *fs)
{
	if (fs->root.next_ino > qfs_tree_cap(QFS_MAX_DEPTH))
		return QFS_MR_ROOTDIR;
	struct qfs_inode *in = qfs_inode_alloc(fs);
	if (!in)
		return QFS_MR_NOMEM;
	int rc = qfs_inode_get(fs, QFS_ROOT_INO, in);
	int why = rc == QFS_EIO ? QFS_MR_IO : rc == QFS_ENOMEM ? QFS_MR_NOMEM : rc ? QFS_MR_ROOTDIR : 0;
	if (rc == 0 && in->type != QFS_TYPE_DIR)
		why = QFS_MR_ROOTDIR;
	qfs_inode_free(fs, in);
	return why;
}

/* Every step of mount; returns 0 or the QFS_MR_* reason for refusing. */
static int mount_load(struct qfs *fs, const struct qfs_dev *dev, const struct qfs_env *env,
		      uint8_t *buf)
{
	struct cand c[QFS_RING_LEN];
	uint32_t nc, zero;
	fs->dev = *dev;
	int why = qfs_sb_load(fs, buf);
	if (why == 0 && fs->sb.ring_len > QFS_RING_LEN)
		why = QFS_MR_SUPER;
	if (why == 0 && fs_init(fs, dev, env))
		why = QFS_MR_NOMEM;
	if (why == 0)
		why = ring_scan(fs, buf, c, &nc, &zero);
	if (why == 0)
		why = ring_choose(fs, buf, c, nc);
	if (why == 0) {
		ring_note(fs, c, nc, zero);
		why = rootdir_check(fs);
	}
	return why;
}

const char *qfs_mount_refusal(uint32_t refused)
{
	switch (refused) {
	case 0: return "mounted";
	case QFS_MR_EMPTY: return "not a qfs image (smaller than one block)";
	case QFS_MR_NOT_QFS: return "not a qfs image (no superblock)";
	case QFS_MR_SUPER: return "the superblock is damaged and has no usable backup";
	case QFS_MR_FEATURES: return "an unsupported format version or feature";
	case QFS_MR_TRUNCATED: return "the image is truncated (shorter than its superblock says)";
	case QFS_MR_NO_ROOT: return "no valid root record in the ring";
	case QFS_MR_FREEMAP: return "no generation's free map can be loaded or rebuilt";
	case QFS_MR_ROOTDIR: return "the root directory is unreadable";
	case QFS_MR_IO: return "read error";
	case QFS_MR_NOMEM: return "out of memory";
	default: return "refused";
	}
}

void qfs_mount_info(const struct qfs *fs, struct qfs_mount_info *mi)
{
	*mi = fs->mi;
}

int qfs_mount_ex(const struct qfs_dev *dev, const struct qfs_env *env, struct qfs **out,
		 struct qfs_mount_info *mi)
{
	struct qfs *fs = env->alloc(env->ctx, sizeof(*fs));
	uint8_t *buf = env->alloc(env->ctx, QFS_BLOCK_SIZE);
	int why = fs && buf ? 0 : QFS_MR_NOMEM;
	if (fs) {
		memset(fs, 0, sizeof(*fs));
		fs->env = *env;
	}
	if (why == 0)
		why = mount_load(fs, dev, env, buf);
	if (buf)
		env->free(env->ctx, buf);
	if (mi) {
		if (fs)
			*mi = fs->mi;
		else
			memset(mi, 0, sizeof(*mi));
		mi->refused = (uint32_t)why;
		if (why)
			mi->generation = 0;
	}
	if (why) {
		if (fs)
			fs_free(fs);
		return why == QFS_MR_IO ? QFS_EIO : why == QFS_MR_NOMEM ? QFS_ENOMEM : QFS_ECORRUPT;
	}
	*out = fs;
	return 0;
}

int qfs_mount(const struct qfs_dev *dev, const struct qfs_env *env, struct qfs **out)
{
	return qfs_mount_ex(dev, env, out, NULL);
}

void qfs_unmount(struct qfs *fs)
{
	while (fs->files)
		qfs_abort(fs->files);
	qfs_txn_abort(fs);
	fs_free(fs);
}

void qfs_statfs(struct qfs *fs, struct qfs_statfs *st)
{
	uint64_t data = fs->sb.nblocks - fs->sb.data_start, nfree = qfs_free_blocks(fs);
	st->nblocks = fs->sb.nblocks;
	st->data_blocks = data;
	st->used = fs->root.used;
	st->free = nfree > fs->sb.reserve ? nfree - fs->sb.reserve : 0;
	st->reserve = fs->sb.reserve;
	st->generation = fs->root.gen;
	st->nfiles = fs->root.nfiles;
}
