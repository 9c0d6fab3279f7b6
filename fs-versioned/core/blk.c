/*
 * blk.c - block buffers, the two allocation maps (ref, busy), and transactions:
 * copy-on-write of metadata into dirty buffers, then the commit protocol
 *   1. seal dirty blocks bottom-up (each parent stores its child's crc)
 *   2. write the free map into the bitmap area the durable root does NOT use
 *   3. write every dirty block; flush
 *   4. write the root record into the next ring slot; flush
 *   5. only now let blocks freed by this transaction be allocated again.
 * A crash before 4 lands leaves the previous root and everything it references intact.
 */
#include "qfs_internal.h"

#include <string.h>

void *qfs_zalloc(struct qfs *fs, size_t nbytes)
{
	void *p = fs->env.alloc(fs->env.ctx, nbytes);
	if (p)
		memset(p, 0, nbytes);
	return p;
}

uint8_t *qfs_buf_get(struct qfs *fs)
{
	if (fs->nscratch > 0)
		return fs->scratch_free[--fs->nscratch];
	return fs->env.alloc(fs->env.ctx, QFS_BLOCK_SIZE);
}

void qfs_buf_put(struct qfs *fs, uint8_t *buf)
{
	if (!buf)
		return;
	if (fs->nscratch < (int)(sizeof(fs->scratch_free) / sizeof(fs->scratch_free[0])))
		fs->scratch_free[fs->nscratch++] = buf;
	else
		fs->env.free(fs->env.ctx, buf);
}

void qfs_trim(struct qfs *fs)
{
	while (fs->nscratch > 0)
		fs->env.free(fs->env.ctx, fs->scratch_free[--fs->nscratch]);
	struct qfs_txn *t = &fs->txn;
	if (t->active)
		return; /* its arrays are in use */
	void *ps[] = { t->bufs, t->bufblk };
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		if (ps[i])
			fs->env.free(fs->env.ctx, ps[i]);
	t->bufs = 0;
	t->bufblk = 0;
	t->capbufs = 0;
	qfs_vec_free(&t->freed);
	qfs_vec_free(&t->undo);
	qfs_map_free(&t->dirty);
	qfs_map_init(&t->dirty, &fs->env);
}

int qfs_bit(const uint8_t *map, uint64_t b)
{
	return (map[b >> 3] >> (b & 7)) & 1;
}

static void bit_set(uint8_t *map, uint64_t b, int v)
{
	if (v)
		map[b >> 3] |= (uint8_t)(1u << (b & 7));
	else
		map[b >> 3] &= (uint8_t)~(1u << (b & 7));
}

int qfs_dev_read(struct qfs *fs, uint64_t blk, uint8_t *buf)
{
	if (blk >= fs->sb.nblocks)
		return QFS_ECORRUPT;
	return fs->dev.read(fs->dev.ctx, blk, buf) ? QFS_EIO : 0;
}

int qfs_dev_write(struct qfs *fs, uint64_t blk, const uint8_t *buf)
{
	if (blk >= fs->sb.nblocks || fs->dev.write(fs->dev.ctx, blk, buf)) {
		fs->broken = 1;
		return QFS_EIO;
	}
	return 0;
}

uint8_t *qfs_meta_dirty(struct qfs *fs, uint64_t blk)
{
	uint64_t idx;
	if (!fs->txn.active || !qfs_map_get(&fs->txn.dirty, blk, &idx, NULL))
		return NULL;
	return fs->txn.bufs[idx];
}

/* qfs_meta_read - read a metadata block by pointer, checking range, header and crc. */
int qfs_meta_read(struct qfs *fs, struct qfs_ptr p, uint32_t magic, uint8_t *buf)
{
	uint8_t *d = qfs_meta_dirty(fs, p.blk);
	if (d) {
		memcpy(buf, d, QFS_BLOCK_SIZE);
		return qfs_get32(buf) == magic ? 0 : QFS_ECORRUPT;
	}
	if (p.blk < fs->sb.data_start || p.blk >= fs->sb.nblocks)
		return QFS_ECORRUPT;
	int rc = qfs_dev_read(fs, p.blk, buf);
	if (rc)
		return rc;
	rc = qfs_hdr_check(buf, magic, p.blk);
	if (rc == 0 && qfs_get32(buf + QFS_HDR_CRC) != p.crc)
		rc = QFS_ECORRUPT;
	return rc;
}

uint64_t qfs_free_blocks(const struct qfs *fs)
{
	return fs->sb.nblocks - fs->sb.data_start - fs->nbusy;
}

int qfs_blk_alloc(struct qfs *fs, int may_use_reserve, uint64_t *blk)
{
	uint64_t nfree = qfs_free_blocks(fs);
	if (nfree == 0 || (!may_use_reserve && nfree <= fs->sb.reserve))
		return QFS_ENOSPC;
	uint64_t lo = fs->sb.data_start, n = fs->sb.nblocks - lo;
	uint64_t b = fs->cursor < lo || fs->cursor >= fs->sb.nblocks ? lo : fs->cursor;
	for (uint64_t i = 0; i < n; i++) {
		if ((b & 7) == 0 && b + 8 <= fs->sb.nblocks && fs->busy[b >> 3] == 0xff) {
			i += 7;
			b += 8;
		} else if (!qfs_bit(fs->busy, b)) {
			bit_set(fs->busy, b, 1);
			fs->nbusy++;
			fs->cursor = b + 1;
			*blk = b;
			return 0;
		} else {
			b++;
		}
		if (b >= fs->sb.nblocks)
			b = lo;
	}
	return QFS_ENOSPC;
}

void qfs_blk_unbusy(struct qfs *fs, uint64_t blk)
{
	if (blk >= fs->sb.data_start && blk < fs->sb.nblocks && qfs_bit(fs->busy, blk)) {
		bit_set(fs->busy, blk, 0);
		fs->nbusy--;
	}
}

static int push_undo(struct qfs *fs, uint64_t blk, int was_set)
{
	struct qfs_txn *t = &fs->txn;
	int rc = qfs_vec_reserve(&t->undo, t->nundo + 1);
	if (rc)
		return rc;
	struct qfs_undo *u = qfs_vec_at(&t->undo, t->nundo++);
	u->blk = blk;
	u->was_set = (uint8_t)was_set;
	return 0;
}

static void ref_flip(struct qfs *fs, uint64_t blk, int v)
{
	bit_set(fs->ref, blk, v);
	fs->root.used += v ? 1 : (uint64_t)-1;
	fs->bdirty[0][blk / QFS_BMAP_BITS] = 1;
	fs->bdirty[1][blk / QFS_BMAP_BITS] = 1;
}

/* qfs_ref_set - mark blk used by the tree in this transaction (undoable). */
int qfs_ref_set(struct qfs *fs, uint64_t blk)
{
	if (blk < fs->sb.data_start || blk >= fs->sb.nblocks || qfs_bit(fs->ref, blk))
		return QFS_ECORRUPT;
	int rc = push_undo(fs, blk, 0);
	if (rc)
		return rc;
	ref_flip(fs, blk, 1);
	return 0;
}

static int push_freed(struct qfs *fs, uint64_t blk)
{
	struct qfs_txn *t = &fs->txn;
	int rc = qfs_vec_reserve(&t->freed, t->nfreed + 1);
	if (rc)
		return rc;
	*(uint64_t *)qfs_vec_at(&t->freed, t->nfreed++) = blk;
	return 0;
}

/* qfs_blk_free - drop blk from the tree; it stays busy until the commit is durable. */
int qfs_blk_free(struct qfs *fs, uint64_t blk)
{
	if (blk < fs->sb.data_start || blk >= fs->sb.nblocks || !qfs_bit(fs->ref, blk))
		return QFS_ECORRUPT;
	int rc = push_freed(fs, blk);
	if (rc == 0)
		rc = push_undo(fs, blk, 1);
	if (rc)
		return rc;
	ref_flip(fs, blk, 0);
	return 0;
}

static int dirty_add(struct qfs *fs, uint64_t blk, uint8_t *buf)
{
	struct qfs_txn *t = &fs->txn;
	if (t->nbufs == t->capbufs) {
		size_t ncap = t->capbufs ? t->capbufs * 2 : 32;
		uint8_t **b = fs->env.alloc(fs->env.ctx, ncap * sizeof(*b));
		uint64_t *k = fs->env.alloc(fs->env.ctx, ncap * sizeof(*k));
		if (!b || !k) {
			if (b)
				fs->env.free(fs->env.ctx, b);
			if (k)
				fs->env.free(fs->env.ctx, k);
			return QFS_ENOMEM;
		}
		if (t->bufs) {
			memcpy(b, t->bufs, t->nbufs * sizeof(*b));
			memcpy(k, t->bufblk, t->nbufs * sizeof(*k));
			fs->env.free(fs->env.ctx, t->bufs);
			fs->env.free(fs->env.ctx, t->bufblk);
		}
		t->bufs = b;
		t->bufblk = k;
		t->capbufs = ncap;
	}
	int rc = qfs_map_put(&t->dirty, blk, t->nbufs, 0);
	if (rc)
		return rc;
	t->bufs[t->nbufs] = buf;
	t->bufblk[t->nbufs++] = blk;
	return 0;
}

/* qfs_meta_new - allocate a zeroed dirty metadata block; *p points at it. */
int qfs_meta_new(struct qfs *fs, struct qfs_ptr *p, uint8_t **out)
{
	uint64_t blk;
	uint8_t *buf = qfs_buf_get(fs);
	if (!buf)
		return QFS_ENOMEM;
	int rc = qfs_blk_alloc(fs, fs->txn.may_use_reserve, &blk);
	if (rc) {
		qfs_buf_put(fs, buf);
		return rc;
	}
	rc = qfs_ref_set(fs, blk);
	if (rc == 0)
		rc = dirty_add(fs, blk, buf);
	if (rc) {
		qfs_blk_unbusy(fs, blk);
		qfs_buf_put(fs, buf);
		return rc;
	}
	memset(buf, 0, QFS_BLOCK_SIZE);
	p->blk = blk;
	p->crc = 0;
	*out = buf;
	return 0;
}

/*
 * qfs_meta_cow - make *p writable in this transaction: a dirty block is returned as is;
 * a committed one is copied to a new block (*p updated) and, if free_old, freed.
 */
int qfs_meta_cow(struct qfs *fs, struct qfs_ptr *p, uint32_t magic, int free_old,
		 uint8_t **out)
{
	uint8_t *d = qfs_meta_dirty(fs, p->blk);
	if (d) {
		*out = d;
		return qfs_get32(d) == magic ? 0 : QFS_ECORRUPT;
	}
	struct qfs_ptr old = *p;
	uint8_t *tmp = qfs_buf_get(fs);
	if (!tmp)
		return QFS_ENOMEM;
	int rc = qfs_meta_read(fs, old, magic, tmp);
	if (rc == 0)
		rc = qfs_meta_new(fs, p, out);
	if (rc == 0) {
		memcpy(*out, tmp, QFS_BLOCK_SIZE);
		if (free_old)
			rc = qfs_blk_free(fs, old.blk);
	}
	qfs_buf_put(fs, tmp);
	return rc;
}

int qfs_txn_begin(struct qfs *fs, int may_use_reserve)
{
	if (fs->broken)
		return QFS_EIO;
	if (fs->txn.active)
		return QFS_EBUSY;
	fs->txn.active = 1;
	fs->txn.may_use_reserve = may_use_reserve;
	fs->txn.saved = fs->root;
	return 0;
}

static void txn_clear(struct qfs *fs)
{
	struct qfs_txn *t = &fs->txn;
	for (size_t i = 0; i < t->nbufs; i++)
		qfs_buf_put(fs, t->bufs[i]);
	qfs_map_free(&t->dirty);
	t->nbufs = t->nfreed = t->nundo = 0;
	t->active = 0;
}

/* qfs_txn_abort - undo every ref change and forget the dirty blocks. */
void qfs_txn_abort(struct qfs *fs)
{
	struct qfs_txn *t = &fs->txn;
	if (!t->active)
		return;
	for (size_t i = t->nundo; i-- > 0;) {
		const struct qfs_undo *u = qfs_vec_at(&t->undo, i);
		ref_flip(fs, u->blk, u->was_set);
	}
	for (size_t i = 0; i < t->nbufs; i++)
		qfs_blk_unbusy(fs, t->bufblk[i]);
	fs->root = t->saved;
	txn_clear(fs);
}

/* Seal a dirty block after its dirty children; returns its crc. */
static uint32_t seal(struct qfs *fs, uint8_t *buf, uint64_t blk, uint64_t gen, int lvl)
{
	uint32_t magic = qfs_get32(buf), aux = qfs_get32(buf + QFS_HDR_AUX);
	uint8_t *c;
	if (lvl < 16 && magic == QFS_MAGIC_PTR) {
		for (unsigned i = 0; i < QFS_PTRS_PER_BLOCK; i++) {
			uint8_t *s = buf + QFS_HDR_SIZE + i * QFS_PTR_SIZE;
			uint64_t cb = qfs_get64(s);
			if (cb && (c = qfs_meta_dirty(fs, cb)) != NULL)
				qfs_put32(s + 8, seal(fs, c, cb, gen, lvl + 1));
		}
	} else if (lvl < 16 && magic == QFS_MAGIC_INODE) {
		unsigned n = qfs_get16(buf + QFS_IN_NVERS);
		for (unsigned i = 0; i < n && i < QFS_MAX_VERSIONS; i++) {
			uint8_t *v = buf + QFS_IN_VERS + i * QFS_VE_SIZE;
			uint64_t cb = qfs_get64(v + QFS_VE_ROOT);
			if (cb && (c = qfs_meta_dirty(fs, cb)) != NULL)
				qfs_put32(v + QFS_VE_ROOTCRC, seal(fs, c, cb, gen, lvl + 1));
		}
	}
	return qfs_hdr_seal(buf, magic, blk, gen, aux);
}

static int write_bitmap(struct qfs *fs, unsigned area, uint64_t gen)
{
	uint8_t *buf = qfs_buf_get(fs);
	if (!buf)
		return QFS_ENOMEM;
	int rc = 0;
	for (uint64_t i = 0; i < fs->sb.bmap_n && rc == 0; i++) {
		if (!fs->bdirty[area][i])
			continue;
		memset(buf, 0, QFS_HDR_SIZE);
		memcpy(buf + QFS_HDR_SIZE, fs->ref + i * QFS_BMAP_BYTES, QFS_BMAP_BYTES);
		uint64_t blk = fs->sb.bmap_start[area] + i;
		qfs_hdr_seal(buf, QFS_MAGIC_BMAP, blk, gen, area);
		rc = qfs_dev_write(fs, blk, buf);
		if (rc == 0)
			fs->bdirty[area][i] = 0;
	}
	qfs_buf_put(fs, buf);
	return rc;
}

static int write_dirty(struct qfs *fs)
{
	for (size_t i = 0; i < fs->txn.nbufs; i++) {
#ifdef QFS_FAULT_SKIP_DATA
		/* injected bug: "forget" to write the last metadata block */
		if (i + 1 == fs->txn.nbufs && fs->root.gen > 1)
			continue;
#endif
		int rc = qfs_dev_write(fs, fs->txn.bufblk[i], fs->txn.bufs[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int write_root(struct qfs *fs)
{
	uint8_t *buf = qfs_buf_get(fs);
	if (!buf)
		return QFS_ENOMEM;
	qfs_root_encode(fs, &fs->root, buf);
	int rc = qfs_dev_write(fs, fs->sb.ring_start + fs->root.gen % fs->sb.ring_len, buf);
	qfs_buf_put(fs, buf);
	return rc;
}

static int dev_flush(struct qfs *fs)
{
#ifdef QFS_FAULT_NO_FLUSH
	/* injected bug: no barrier between the data and the root record */
	return 0;
#endif
	if (fs->dev.flush(fs->dev.ctx)) {
		fs->broken = 1;
		return QFS_EIO;
	}
	return 0;
}

/* qfs_txn_commit - make the transaction durable (protocol at the top of this file). */
int qfs_txn_commit(struct qfs *fs)
{
	uint64_t gen = fs->root.gen + 1;
	uint8_t *d = qfs_meta_dirty(fs, fs->root.itab.blk);
	if (d)
		fs->root.itab.crc = seal(fs, d, fs->root.itab.blk, gen, 0);
	fs->root.gen = gen;
	fs->root.time = fs->env.now(fs->env.ctx);
	fs->root.bmap_area = (uint8_t)(1 - fs->root.bmap_area);
	int rc = write_bitmap(fs, fs->root.bmap_area, gen);
#ifdef QFS_FAULT_ROOT_FIRST
	/* injected bug: the root record goes out before the blocks it points to */
	if (rc == 0)
		rc = write_root(fs);
#endif
	if (rc == 0)
		rc = write_dirty(fs);
	if (rc == 0)
		rc = dev_flush(fs);
#ifndef QFS_FAULT_ROOT_FIRST
	if (rc == 0)
		rc = write_root(fs);
#endif
	if (rc == 0)
		rc = dev_flush(fs);
	if (rc) {
		fs->broken = 1;
		txn_clear(fs);
		return rc;
	}
	for (size_t i = 0; i < fs->txn.nfreed; i++)
		qfs_blk_unbusy(fs, *(uint64_t *)qfs_vec_at(&fs->txn.freed, i));
	txn_clear(fs);
	return 0;
}

void qfs_root_encode(const struct qfs *fs, const struct qfs_root *r, uint8_t *buf)
{
	memset(buf, 0, QFS_BLOCK_SIZE);
	qfs_put64(buf + QFS_RT_GEN, r->gen);
	qfs_put64(buf + QFS_RT_ITAB, r->itab.blk);
	qfs_put32(buf + QFS_RT_ITABCRC, r->itab.crc);
	buf[QFS_RT_ITABDEPTH] = r->itab_depth;
	buf[QFS_RT_BMAPAREA] = r->bmap_area;
	qfs_put64(buf + QFS_RT_NEXTINO, r->next_ino);
	qfs_put64(buf + QFS_RT_USED, r->used);
	qfs_put32(buf + QFS_RT_BMAPCRC,
		  qfs_crc32c(fs->ref, (size_t)(fs->sb.bmap_n * QFS_BMAP_BYTES)));
	qfs_put64(buf + QFS_RT_TIME, r->time);
	qfs_put64(buf + QFS_RT_NFILES, r->nfiles);
	uint64_t blk = fs->sb.ring_start + r->gen % fs->sb.ring_len;
	qfs_hdr_seal(buf, QFS_MAGIC_ROOT, blk, r->gen, 0);
}

/* qfs_root_decode - decode and sanity-check a root record read from ring block blkno. */
int qfs_root_decode(const struct qfs_sb *sb, const uint8_t *buf, uint64_t blkno,
		    struct qfs_root *r)
{
	if (qfs_hdr_check(buf, QFS_MAGIC_ROOT, blkno))
		return QFS_ECORRUPT;
	r->gen = qfs_get64(buf + QFS_RT_GEN);
	r->itab.blk = qfs_get64(buf + QFS_RT_ITAB);
	r->itab.crc = qfs_get32(buf + QFS_RT_ITABCRC);
	r->itab_depth = buf[QFS_RT_ITABDEPTH];
	r->bmap_area = buf[QFS_RT_BMAPAREA];
	r->next_ino = qfs_get64(buf + QFS_RT_NEXTINO);
	r->used = qfs_get64(buf + QFS_RT_USED);
	r->time = qfs_get64(buf + QFS_RT_TIME);
	r->nfiles = qfs_get64(buf + QFS_RT_NFILES);
	if (r->gen != qfs_get64(buf + QFS_HDR_GEN) || sb->ring_start + r->gen % sb->ring_len != blkno)
		return QFS_ECORRUPT;
	if (r->itab_depth > QFS_MAX_DEPTH || r->bmap_area > 1 || r->next_ino < 2)
		return QFS_ECORRUPT;
	if (r->itab.blk && (r->itab.blk < sb->data_start || r->itab.blk >= sb->nblocks))
		return QFS_ECORRUPT;
	if (r->used > sb->nblocks - sb->data_start)
		return QFS_ECORRUPT;
	return 0;
}
