/*
 * mount.c - mkfs, mount (superblock checks, root ring, free map), unmount, statfs.
 * Mount never writes: it picks the highest generation whose root record checks out,
 * then loads that generation's bitmap area and checks it against the root's crc.
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

static void layout(struct qfs_sb *sb, uint64_t nblocks)
{
	sb->nblocks = nblocks;
	sb->ring_start = 1;
	sb->ring_len = QFS_RING_LEN;
	sb->bmap_n = (nblocks + QFS_BMAP_BITS - 1) / QFS_BMAP_BITS;
	sb->bmap_start[0] = sb->ring_start + sb->ring_len;
	sb->bmap_start[1] = sb->bmap_start[0] + sb->bmap_n;
	sb->data_start = sb->bmap_start[1] + sb->bmap_n;
}

static void sb_encode(const struct qfs_sb *sb, uint8_t *buf)
{
	memset(buf, 0, QFS_BLOCK_SIZE);
	qfs_put32(buf + QFS_SB_VERSION, QFS_FORMAT_VERSION);
	qfs_put32(buf + QFS_SB_BSIZE, QFS_BLOCK_SIZE);
	qfs_put32(buf + QFS_SB_RINGLEN, sb->ring_len);
	qfs_put64(buf + QFS_SB_NBLOCKS, sb->nblocks);
	qfs_put64(buf + QFS_SB_RINGSTART, sb->ring_start);
	qfs_put64(buf + QFS_SB_BMAP0, sb->bmap_start[0]);
	qfs_put64(buf + QFS_SB_BMAP1, sb->bmap_start[1]);
	qfs_put64(buf + QFS_SB_BMAPN, sb->bmap_n);
	qfs_put64(buf + QFS_SB_DATASTART, sb->data_start);
	qfs_put64(buf + QFS_SB_RESERVE, sb->reserve);
	qfs_put64(buf + QFS_SB_MKFSTIME, sb->mkfs_time);
	qfs_put32(buf + QFS_SB_DEFLIMIT, sb->default_limit);
	for (int i = 0; i < 16; i++)
		buf[QFS_SB_UUID + i] = (uint8_t)((sb->mkfs_time * 0x9E3779B97F4A7C15ull) >> (i * 4));
	qfs_hdr_seal(buf, QFS_MAGIC_SUPER, 0, 0, 0);
}

/* Decode the superblock and check that the layout it states is the one mkfs makes. */
static int sb_decode(const uint8_t *buf, uint64_t dev_nblocks, struct qfs_sb *sb)
{
	if (qfs_hdr_check(buf, QFS_MAGIC_SUPER, 0))
		return QFS_ECORRUPT;
	if (qfs_get32(buf + QFS_SB_VERSION) != QFS_FORMAT_VERSION ||
	    qfs_get32(buf + QFS_SB_FINCOMPAT) != 0 || qfs_get32(buf + QFS_SB_FROCOMPAT) != 0 ||
	    qfs_get32(buf + QFS_SB_BSIZE) != QFS_BLOCK_SIZE)
		return QFS_ECORRUPT;
	uint64_t n = qfs_get64(buf + QFS_SB_NBLOCKS);
	if (n < 32 || n > dev_nblocks || n > (1ull << 40))
		return QFS_ECORRUPT;
	layout(sb, n);
	if (qfs_get32(buf + QFS_SB_RINGLEN) != sb->ring_len ||
	    qfs_get64(buf + QFS_SB_RINGSTART) != sb->ring_start ||
	    qfs_get64(buf + QFS_SB_BMAP0) != sb->bmap_start[0] ||
	    qfs_get64(buf + QFS_SB_BMAP1) != sb->bmap_start[1] ||
	    qfs_get64(buf + QFS_SB_BMAPN) != sb->bmap_n ||
	    qfs_get64(buf + QFS_SB_DATASTART) != sb->data_start || sb->data_start + 16 > n)
		return QFS_ECORRUPT;
	sb->reserve = qfs_get64(buf + QFS_SB_RESERVE);
	sb->mkfs_time = qfs_get64(buf + QFS_SB_MKFSTIME);
	sb->default_limit = qfs_get32(buf + QFS_SB_DEFLIMIT);
	if (sb->reserve >= (n - sb->data_start) / 2 || sb->default_limit < 1 ||
	    sb->default_limit > QFS_MAX_VERSIONS)
		return QFS_ECORRUPT;
	return 0;
}

/* Allocate the maps of a fresh struct qfs; fixed-region blocks are marked used. */
static int fs_init(struct qfs *fs, const struct qfs_dev *dev, const struct qfs_env *env)
{
	size_t mapsz = (size_t)(fs->sb.bmap_n * QFS_BMAP_BYTES);
	fs->dev = *dev;
	fs->env = *env;
	qfs_map_init(&fs->txn.dirty, &fs->env);
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
	void *ps[] = {fs->ref, fs->busy, fs->bdirty[0], fs->bdirty[1], fs->txn.bufs,
		      fs->txn.bufblk, fs->txn.freed, fs->txn.undo};
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

static int mkfs_write_fixed(struct qfs *fs, uint8_t *buf)
{
	sb_encode(&fs->sb, buf);
	int rc = qfs_dev_write(fs, 0, buf);
	memset(buf, 0, QFS_BLOCK_SIZE);
	for (uint32_t i = 0; rc == 0 && i < fs->sb.ring_len; i++)
		rc = qfs_dev_write(fs, fs->sb.ring_start + i, buf);
	return rc;
}

int qfs_mkfs(const struct qfs_dev *dev, const struct qfs_env *env,
	     const struct qfs_mkfs_opts *opts)
{
	struct qfs *fs = env->alloc(env->ctx, sizeof(*fs));
	if (!fs)
		return QFS_ENOMEM;
	memset(fs, 0, sizeof(*fs));
	layout(&fs->sb, dev->nblocks);
	uint64_t data = dev->nblocks > fs->sb.data_start ? dev->nblocks - fs->sb.data_start : 0;
	fs->env = *env;
	if (dev->nblocks < 64 || dev->nblocks > (1ull << 40) || data < 48) {
		fs->env.free(fs->env.ctx, fs);
		return QFS_EINVAL;
	}
	fs->sb.reserve = opts && opts->reserve ? opts->reserve : 16 + data / 64;
	fs->sb.default_limit = opts && opts->default_limit ? opts->default_limit : 32;
	fs->sb.mkfs_time = opts ? opts->time : 0;
	if (fs->sb.reserve >= data / 2 || fs->sb.default_limit > QFS_MAX_VERSIONS) {
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

/* Pick the highest valid generation in the ring; *bmap_crc gets its free-map crc. */
static int ring_pick(struct qfs *fs, uint8_t *buf, uint32_t *bmap_crc)
{
	int found = 0;
	for (uint32_t i = 0; i < fs->sb.ring_len; i++) {
		struct qfs_root r;
		uint64_t blk = fs->sb.ring_start + i;
		if (qfs_dev_read(fs, blk, buf))
			return QFS_EIO;
		if (qfs_root_decode(&fs->sb, buf, blk, &r))
			continue;
		if (!found || r.gen > fs->root.gen) {
			fs->root = r;
			*bmap_crc = qfs_get32(buf + QFS_RT_BMAPCRC);
			found = 1;
		}
	}
	return found ? 0 : QFS_ECORRUPT;
}

/* Load the free map of the chosen root and check it against the root record. */
static int bitmap_load(struct qfs *fs, uint8_t *buf, uint32_t bmap_crc)
{
	unsigned a = fs->root.bmap_area;
	for (uint64_t i = 0; i < fs->sb.bmap_n; i++) {
		uint64_t blk = fs->sb.bmap_start[a] + i;
		if (qfs_dev_read(fs, blk, buf))
			return QFS_EIO;
		if (qfs_hdr_check(buf, QFS_MAGIC_BMAP, blk))
			return QFS_ECORRUPT;
		memcpy(fs->ref + i * QFS_BMAP_BYTES, buf + QFS_HDR_SIZE, QFS_BMAP_BYTES);
	}
	size_t mapsz = (size_t)(fs->sb.bmap_n * QFS_BMAP_BYTES);
	if (qfs_crc32c(fs->ref, mapsz) != bmap_crc)
		return QFS_ECORRUPT;
	uint64_t used = 0, end = fs->sb.bmap_n * QFS_BMAP_BITS;
	for (uint64_t b = 0; b < fs->sb.data_start; b++)
		if (!qfs_bit(fs->ref, b))
			return QFS_ECORRUPT;
	for (uint64_t b = fs->sb.data_start; b < end;) {
		if ((b & 7) == 0 && b + 8 <= fs->sb.nblocks) {
			for (uint8_t v = fs->ref[b >> 3]; v; v &= (uint8_t)(v - 1))
				used++;
			b += 8;
			continue;
		}
		int set = qfs_bit(fs->ref, b);
		if (set && b >= fs->sb.nblocks)
			return QFS_ECORRUPT;
		used += (uint64_t)set;
		b++;
	}
	if (used != fs->root.used)
		return QFS_ECORRUPT;
	memcpy(fs->busy, fs->ref, mapsz);
	fs->nbusy = used;
	memset(fs->bdirty[1 - a], 1, (size_t)fs->sb.bmap_n);
	return 0;
}

static int mount_load(struct qfs *fs, const struct qfs_dev *dev, const struct qfs_env *env,
		      uint8_t *buf)
{
	uint32_t bmap_crc = 0;
	fs->sb.nblocks = dev->nblocks;
	fs->dev = *dev;
	if (dev->nblocks < 1 || qfs_dev_read(fs, 0, buf))
		return QFS_EIO;
	int rc = sb_decode(buf, dev->nblocks, &fs->sb);
	if (rc == 0)
		rc = fs_init(fs, dev, env);
	if (rc == 0)
		rc = ring_pick(fs, buf, &bmap_crc);
	if (rc == 0)
		rc = bitmap_load(fs, buf, bmap_crc);
	if (rc == 0 && fs->root.next_ino > qfs_tree_cap(QFS_MAX_DEPTH))
		rc = QFS_ECORRUPT;
	struct qfs_inode *in = rc ? NULL : qfs_inode_alloc(fs);
	if (rc == 0 && !in)
		rc = QFS_ENOMEM;
	if (rc == 0)
		rc = qfs_inode_get(fs, QFS_ROOT_INO, in);
	if (rc == 0 && in->type != QFS_TYPE_DIR)
		rc = QFS_ECORRUPT;
	qfs_inode_free(fs, in);
	return rc;
}

int qfs_mount(const struct qfs_dev *dev, const struct qfs_env *env, struct qfs **out)
{
	struct qfs *fs = env->alloc(env->ctx, sizeof(*fs));
	uint8_t *buf = env->alloc(env->ctx, QFS_BLOCK_SIZE);
	int rc = fs && buf ? 0 : QFS_ENOMEM;
	if (fs) {
		memset(fs, 0, sizeof(*fs));
		fs->env = *env;
	}
	if (rc == 0)
		rc = mount_load(fs, dev, env, buf);
	if (buf)
		env->free(env->ctx, buf);
	if (rc) {
		if (fs)
			fs_free(fs);
		return rc == QFS_ENOENT ? QFS_ECORRUPT : rc;
	}
	*out = fs;
	return 0;
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
