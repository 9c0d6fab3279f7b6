/*
 * fmap.c - the free map of the generation being mounted: load it from the bitmap area
 * its root record names (checked against the root's bmap_crc and used count), or, when
 * that area is damaged, rebuild it from the trees (every block the inode table, the
 * inodes and their version trees reach). The rebuilt map lives in memory only; both
 * bitmap areas are then marked dirty so the next commit writes it out whole.
 */
#include "qfs_internal.h"

#include <string.h>

static void mark(uint8_t *map, uint64_t b)
{
	map[b >> 3] |= (uint8_t)(1u << (b & 7));
}

/* qfs_fmap_reset - ref = only the fixed region; nothing busy beyond it. */
void qfs_fmap_reset(struct qfs *fs)
{
	size_t mapsz = (size_t)(fs->sb.bmap_n * QFS_BMAP_BYTES);
	memset(fs->ref, 0, mapsz);
	for (uint64_t b = 0; b < fs->sb.data_start; b++)
		mark(fs->ref, b);
	memcpy(fs->busy, fs->ref, mapsz);
	fs->nbusy = 0;
}

/* qfs_fmap_count - data-region blocks set in ref; bits past nblocks count too. */
uint64_t qfs_fmap_count(const struct qfs *fs)
{
	uint64_t used = 0, end = fs->sb.bmap_n * QFS_BMAP_BITS;
	for (uint64_t b = fs->sb.data_start; b < end;) {
		if ((b & 7) == 0 && b + 8 <= end) {
			for (uint8_t v = fs->ref[b >> 3]; v; v &= (uint8_t)(v - 1))
				used++;
			b += 8;
		} else {
			used += (uint64_t)qfs_bit(fs->ref, b++);
		}
	}
	return used;
}

/* ref is now the committed map: busy starts equal to it. */
static void fmap_adopt(struct qfs *fs, uint64_t used)
{
	memcpy(fs->busy, fs->ref, (size_t)(fs->sb.bmap_n * QFS_BMAP_BYTES));
	fs->nbusy = used;
}

/* No bit may be set past nblocks (bits in the last bitmap block beyond the device). */
static int fmap_tail_clear(const struct qfs *fs)
{
	for (uint64_t b = fs->sb.nblocks; b < fs->sb.bmap_n * QFS_BMAP_BITS; b++)
		if (qfs_bit(fs->ref, b))
			return 0;
	return 1;
}

/*
 * qfs_fmap_load - load the free map of fs->root from its bitmap area: each block's
 * header, the root's bmap_crc, the fixed region set, nothing past nblocks, the count
 * equal to the root's used_blocks. 0, -QFS_EIO, or -QFS_ECORRUPT (mi.fmap_block says
 * where).
 */
int qfs_fmap_load(struct qfs *fs, uint8_t *buf, uint32_t bmap_crc)
{
	unsigned a = fs->root.bmap_area;
	for (uint64_t i = 0; i < fs->sb.bmap_n; i++) {
		uint64_t blk = fs->sb.bmap_start[a] + i;
		fs->mi.fmap_block = blk;
		if (qfs_dev_read(fs, blk, buf))
			return QFS_EIO;
		if (qfs_hdr_check(buf, QFS_MAGIC_BMAP, blk))
			return QFS_ECORRUPT;
		memcpy(fs->ref + i * QFS_BMAP_BYTES, buf + QFS_HDR_SIZE, QFS_BMAP_BYTES);
	}
	fs->mi.fmap_block = fs->sb.bmap_start[a];
	if (qfs_crc32c(fs->ref, (size_t)(fs->sb.bmap_n * QFS_BMAP_BYTES)) != bmap_crc)
		return QFS_ECORRUPT;
	for (uint64_t b = 0; b < fs->sb.data_start; b++)
		if (!qfs_bit(fs->ref, b))
			return QFS_ECORRUPT;
	uint64_t used = qfs_fmap_count(fs);
	if (!fmap_tail_clear(fs) || used != fs->root.used)
		return QFS_ECORRUPT;
	fmap_adopt(fs, used);
	memset(fs->bdirty[1 - a], 1, (size_t)fs->sb.bmap_n);
	return 0;
}

/* Mark p; 1 if it was new (walk below it), 0 if already marked, or an error. */
static int claim(struct qfs *fs, struct qfs_ptr p)
{
	if (p.blk < fs->sb.data_start || p.blk >= fs->sb.nblocks)
		return QFS_ECORRUPT;
	if (qfs_bit(fs->ref, p.blk))
		return 0;
	mark(fs->ref, p.blk);
	return 1;
}

/* A tree walk of the rebuild: leaf kind 0 data, else the magic of the leaf blocks. */
#define RB_NBUFS (2 * (QFS_MAX_DEPTH + 1))

/* bufs[0..4]: one per level of the inode table; bufs[5..9]: of the version trees. */
struct rb {
	struct qfs *fs;
	uint8_t *bufs[RB_NBUFS];
	struct qfs_inode *in;
};

static int rb_inode(struct rb *r, uint64_t ino, struct qfs_ptr p);

static int rb_tree(struct rb *r, struct qfs_ptr p, unsigned lvl, uint64_t base,
		   uint32_t leaf)
{
	int rc = p.blk ? claim(r->fs, p) : 0;
	uint8_t **bufs = r->bufs + (leaf == QFS_MAGIC_INODE ? 0 : QFS_MAX_DEPTH + 1);
	if (rc <= 0)
		return rc;
	if (lvl == 0) {
		if (leaf == QFS_MAGIC_INODE)
			return rb_inode(r, base, p);
		return leaf ? qfs_meta_read(r->fs, p, leaf, bufs[0]) : 0;
	}
	uint8_t *buf = bufs[lvl];
	rc = qfs_meta_read(r->fs, p, QFS_MAGIC_PTR, buf);
	if (rc == 0 && qfs_get32(buf + QFS_HDR_AUX) != lvl)
		rc = QFS_ECORRUPT;
	uint64_t span = qfs_tree_cap(lvl - 1);
	for (unsigned i = 0; rc == 0 && i < QFS_PTRS_PER_BLOCK; i++)
		rc = rb_tree(r, qfs_tree_slot(buf, i), lvl - 1, base + i * span, leaf);
	return rc;
}

/* An inode leaf of the inode table: its block, then every version's tree. */
static int rb_inode(struct rb *r, uint64_t ino, struct qfs_ptr p)
{
	struct qfs_inode *in = r->in; /* only inode-table leaves use it: not reentered */
	int rc = qfs_meta_read(r->fs, p, QFS_MAGIC_INODE, r->bufs[0]);
	if (rc)
		return rc;
	qfs_inode_decode(r->bufs[0], in);
	rc = qfs_inode_check(in, ino);
	uint32_t leaf = in->type == QFS_TYPE_DIR ? QFS_MAGIC_DIR : 0;
	for (uint32_t i = 0; rc == 0 && i < in->nvers; i++)
		rc = rb_tree(r, in->v[i].root, in->v[i].depth, 0, leaf);
	return rc;
}

/*
 * qfs_fmap_rebuild - rebuild ref from the trees of fs->root (data blocks are not read,
 * metadata is checked as it is read). 0 or -QFS_ECORRUPT / -QFS_EIO / -QFS_ENOMEM when
 * some metadata cannot be read (the map would then be incomplete and is not used).
 */
int qfs_fmap_rebuild(struct qfs *fs)
{
	struct rb r = {fs, {NULL}, NULL};
	int rc = 0;
	qfs_fmap_reset(fs);
	r.in = qfs_inode_alloc(fs);
	for (unsigned i = 0; i < RB_NBUFS; i++)
		if (!(r.bufs[i] = qfs_buf_get(fs)))
			rc = QFS_ENOMEM;
	if (!r.in)
		rc = QFS_ENOMEM;
	if (rc == 0 && fs->root.itab_depth > QFS_MAX_DEPTH)
		rc = QFS_ECORRUPT;
	if (rc == 0)
		rc = rb_tree(&r, fs->root.itab, fs->root.itab_depth, 0, QFS_MAGIC_INODE);
	for (unsigned i = 0; i < RB_NBUFS; i++)
		qfs_buf_put(fs, r.bufs[i]);
	qfs_inode_free(fs, r.in);
	if (rc) {
		qfs_fmap_reset(fs);
		return rc;
	}
	uint64_t used = qfs_fmap_count(fs);
	fs->root.used = used;
	fmap_adopt(fs, used);
	memset(fs->bdirty[0], 1, (size_t)fs->sb.bmap_n);
	memset(fs->bdirty[1], 1, (size_t)fs->sb.bmap_n);
	return 0;
}
