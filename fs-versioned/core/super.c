/*
 * super.c - the fixed layout and the superblock: encoding, the checks mount makes, and
 * the backup copy (feature QFS_FEAT_BACKUP_SB: block nblocks, one past the file system).
 * Mount prefers block 0 and falls back to the backup in the device's last block; the
 * reasons for a refusal are the QFS_MR_* codes of qfs.h. Layout: qfs_format.h.
 */
#include "qfs_internal.h"

#include <string.h>

/* qfs_sb_layout - the fixed region mkfs makes for a file system of nblocks. */
void qfs_sb_layout(struct qfs_sb *sb, uint64_t nblocks)
{
	sb->nblocks = nblocks;
	sb->ring_start = 1;
	sb->ring_len = QFS_RING_LEN;
	sb->bmap_n = (nblocks + QFS_BMAP_BITS - 1) / QFS_BMAP_BITS;
	sb->bmap_start[0] = sb->ring_start + sb->ring_len;
	sb->bmap_start[1] = sb->bmap_start[0] + sb->bmap_n;
	sb->data_start = sb->bmap_start[1] + sb->bmap_n;
}

/* qfs_sb_encode - the superblock as stored at blkno (0, or nblocks for the backup). */
void qfs_sb_encode(const struct qfs_sb *sb, uint8_t *buf, uint64_t blkno)
{
	memset(buf, 0, QFS_BLOCK_SIZE);
	qfs_put32(buf + QFS_SB_VERSION, QFS_FORMAT_VERSION);
	qfs_put32(buf + QFS_SB_FCOMPAT, sb->feat_compat);
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
	qfs_hdr_seal(buf, QFS_MAGIC_SUPER, blkno, 0, 0);
}

/* The layout fields must be exactly the ones mkfs makes for nblocks. */
static int sb_layout_ok(const uint8_t *buf, const struct qfs_sb *sb)
{
	return qfs_get32(buf + QFS_SB_RINGLEN) == sb->ring_len &&
	       qfs_get64(buf + QFS_SB_RINGSTART) == sb->ring_start &&
	       qfs_get64(buf + QFS_SB_BMAP0) == sb->bmap_start[0] &&
	       qfs_get64(buf + QFS_SB_BMAP1) == sb->bmap_start[1] &&
	       qfs_get64(buf + QFS_SB_BMAPN) == sb->bmap_n &&
	       qfs_get64(buf + QFS_SB_DATASTART) == sb->data_start &&
	       sb->data_start + 16 <= sb->nblocks;
}

/* Decode a superblock read from blkno; 0 or the QFS_MR_* reason it is unusable. */
static int sb_decode(const uint8_t *buf, uint64_t blkno, uint64_t dev_nblocks,
		     struct qfs_sb *sb)
{
	if (qfs_get32(buf) != QFS_MAGIC_SUPER)
		return QFS_MR_NOT_QFS;
	if (qfs_hdr_check(buf, QFS_MAGIC_SUPER, blkno))
		return QFS_MR_SUPER;
	sb->feat_compat = qfs_get32(buf + QFS_SB_FCOMPAT);
	if (qfs_get32(buf + QFS_SB_VERSION) != QFS_FORMAT_VERSION ||
	    qfs_get32(buf + QFS_SB_FINCOMPAT) != 0 || qfs_get32(buf + QFS_SB_FROCOMPAT) != 0 ||
	    qfs_get32(buf + QFS_SB_BSIZE) != QFS_BLOCK_SIZE)
		return QFS_MR_FEATURES;
	uint64_t n = qfs_get64(buf + QFS_SB_NBLOCKS);
	if (n < 32 || n > (1ull << 40))
		return QFS_MR_SUPER;
	int backup = (sb->feat_compat & QFS_FEAT_BACKUP_SB) != 0;
	if ((blkno && (!backup || blkno != n)) || n + (uint64_t)backup > dev_nblocks)
		return blkno ? QFS_MR_SUPER : QFS_MR_TRUNCATED;
	qfs_sb_layout(sb, n);
	sb->reserve = qfs_get64(buf + QFS_SB_RESERVE);
	sb->mkfs_time = qfs_get64(buf + QFS_SB_MKFSTIME);
	sb->default_limit = qfs_get32(buf + QFS_SB_DEFLIMIT);
	if (!sb_layout_ok(buf, sb) || sb->reserve >= (n - sb->data_start) / 2 ||
	    sb->default_limit < 1 || sb->default_limit > QFS_MAX_VERSIONS)
		return QFS_MR_SUPER;
	return 0;
}

static int raw_read(struct qfs *fs, uint64_t blk, uint8_t *buf)
{
	return fs->dev.read(fs->dev.ctx, blk, buf) ? QFS_MR_IO : 0;
}

/* With block 0 in use: check that the backup copy holds the same superblock. */
static void sb_check_backup(struct qfs *fs, uint8_t *buf)
{
	struct qfs_sb b;
	if (!(fs->sb.feat_compat & QFS_FEAT_BACKUP_SB)) {
		fs->mi.flags |= QFS_MI_NO_BACKUP;
		return;
	}
	uint8_t *want = qfs_buf_get(fs);
	int bad = !want || raw_read(fs, fs->sb.nblocks, buf) ||
		  sb_decode(buf, fs->sb.nblocks, fs->dev.nblocks, &b);
	if (!bad) {
		qfs_sb_encode(&fs->sb, want, fs->sb.nblocks);
		bad = memcmp(want, buf, QFS_BLOCK_SIZE) != 0;
	}
	if (bad)
		fs->mi.flags |= QFS_MI_BACKUP_BAD;
	qfs_buf_put(fs, want);
}

/*
 * qfs_sb_load - choose the superblock: block 0, else the backup in the device's last
 * block. Fills fs->sb and fs->mi; returns 0 or the QFS_MR_* reason for refusing.
 */
int qfs_sb_load(struct qfs *fs, uint8_t *buf)
{
	uint64_t dn = fs->dev.nblocks;
	fs->mi.dev_nblocks = dn;
	if (dn < 1)
		return QFS_MR_EMPTY;
	fs->sb.nblocks = dn; /* lets the raw reads below pass the range check */
	int why = raw_read(fs, 0, buf);
	if (why == 0)
		why = sb_decode(buf, 0, dn, &fs->sb);
	if (why == 0 || why == QFS_MR_TRUNCATED)
		fs->mi.sb_nblocks = qfs_get64(buf + QFS_SB_NBLOCKS);
	if (why == 0) {
		sb_check_backup(fs, buf);
		return 0;
	}
	if (why == QFS_MR_IO || why == QFS_MR_FEATURES || why == QFS_MR_TRUNCATED || dn < 2)
		return why;
	int bwhy = raw_read(fs, dn - 1, buf);
	if (bwhy == 0)
		bwhy = sb_decode(buf, dn - 1, dn, &fs->sb);
	if (bwhy) /* no usable backup: the reason block 0 gave */
		return why == QFS_MR_NOT_QFS && bwhy != QFS_MR_NOT_QFS ? QFS_MR_SUPER : why;
	fs->mi.sb_nblocks = fs->sb.nblocks;
	fs->mi.flags |= QFS_MI_SB_BACKUP;
	return 0;
}

/* qfs_sb_write - write the superblock to blkno (0 or the backup's block) and flush. */
int qfs_sb_write(struct qfs *fs, uint64_t blkno)
{
	uint8_t *buf = qfs_buf_get(fs);
	if (!buf)
		return QFS_ENOMEM;
	qfs_sb_encode(&fs->sb, buf, blkno);
	int rc = fs->dev.write(fs->dev.ctx, blkno, buf) ? QFS_EIO : 0;
	if (rc == 0 && fs->dev.flush(fs->dev.ctx))
		rc = QFS_EIO;
	qfs_buf_put(fs, buf);
	return rc;
}
