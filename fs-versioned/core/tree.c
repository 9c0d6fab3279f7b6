/*
 * tree.c - radix trees of 16-byte block pointers (254 per PTR block, depth 0..4).
 * Used for file versions (leaves: data blocks), directories (leaves: DIR blocks) and
 * the inode table (leaves: INODE blocks). Depth 0 means the root points at leaf 0.
 * Changes are copy-on-write inside the current transaction; free_old says whether
 * replaced PTR blocks belong to this tree alone (itab, dirs) and may be freed.
 */
#include "qfs_internal.h"

#include <string.h>

uint64_t qfs_tree_cap(unsigned depth)
{
	uint64_t c = 1;
	for (unsigned i = 0; i < depth && i < QFS_MAX_DEPTH; i++)
		c *= QFS_PTRS_PER_BLOCK;
	return c;
}

uint64_t qfs_tree_leaves(uint64_t size)
{
	return size / QFS_BLOCK_SIZE + (size % QFS_BLOCK_SIZE != 0);
}

static struct qfs_ptr slot_get(const uint8_t *buf, unsigned i)
{
	const uint8_t *s = buf + QFS_HDR_SIZE + i * QFS_PTR_SIZE;
	struct qfs_ptr p = {qfs_get64(s), qfs_get32(s + 8)};
	return p;
}

static void slot_put(uint8_t *buf, unsigned i, struct qfs_ptr p)
{
	uint8_t *s = buf + QFS_HDR_SIZE + i * QFS_PTR_SIZE;
	qfs_put64(s, p.blk);
	qfs_put32(s + 8, p.crc);
	qfs_put32(s + 12, 0);
}

/* Read a PTR block of level lvl. */
static int ptr_read(struct qfs *fs, struct qfs_ptr p, unsigned lvl, uint8_t *buf)
{
	int rc = qfs_meta_read(fs, p, QFS_MAGIC_PTR, buf);
	if (rc == 0 && qfs_get32(buf + QFS_HDR_AUX) != lvl)
		rc = QFS_ECORRUPT;
	return rc;
}

/* qfs_tree_lookup - pointer to the level-stop block covering idx (stop 0: the leaf). */
int qfs_tree_lookup(struct qfs *fs, struct qfs_ptr root, unsigned depth, uint64_t idx,
		    unsigned stop, struct qfs_ptr *out)
{
	struct qfs_ptr hole = {0, 0}, p = root;
	if (depth > QFS_MAX_DEPTH)
		return QFS_ECORRUPT;
	*out = hole;
	if (idx >= qfs_tree_cap(depth) || stop > depth)
		return 0;
	uint8_t *buf = depth > stop ? qfs_buf_get(fs) : NULL;
	if (depth > stop && !buf)
		return QFS_ENOMEM;
	int rc = 0;
	for (unsigned lvl = depth; lvl > stop && p.blk; lvl--) {
		rc = ptr_read(fs, p, lvl, buf);
		if (rc)
			break;
		uint64_t span = qfs_tree_cap(lvl - 1);
		p = slot_get(buf, (unsigned)(idx / span % QFS_PTRS_PER_BLOCK));
	}
	if (rc == 0)
		*out = p;
	qfs_buf_put(fs, buf);
	return rc;
}

/* qfs_tree_get - leaf pointer at idx (a hole reads as blk 0). */
int qfs_tree_get(struct qfs *fs, struct qfs_ptr root, unsigned depth, uint64_t idx,
		 struct qfs_ptr *out)
{
	return qfs_tree_lookup(fs, root, depth, idx, 0, out);
}

/* qfs_tree_l1 - read the level-1 PTR block at p into buf; 0 or an error. */
int qfs_tree_l1(struct qfs *fs, struct qfs_ptr p, uint8_t *buf)
{
	return ptr_read(fs, p, 1, buf);
}

/* qfs_tree_slot - pointer in slot idx % 254 of a PTR block buffer. */
struct qfs_ptr qfs_tree_slot(const uint8_t *buf, uint64_t idx)
{
	return slot_get(buf, (unsigned)(idx % QFS_PTRS_PER_BLOCK));
}

/* Make *p a writable PTR block of level lvl (new if it was a hole). */
static int ptr_cow(struct qfs *fs, struct qfs_ptr *p, unsigned lvl, int free_old,
		   uint8_t **out)
{
	int rc;
	if (p->blk == 0) {
		rc = qfs_meta_new(fs, p, out);
		if (rc == 0) {
			qfs_put32(*out, QFS_MAGIC_PTR);
			qfs_put32(*out + QFS_HDR_AUX, lvl);
		}
		return rc;
	}
	rc = qfs_meta_cow(fs, p, QFS_MAGIC_PTR, free_old, out);
	if (rc == 0 && qfs_get32(*out + QFS_HDR_AUX) != lvl)
		rc = QFS_ECORRUPT;
	return rc;
}

static int tree_grow(struct qfs *fs, struct qfs_ptr *root, uint8_t *depth, uint64_t idx)
{
	while (idx >= qfs_tree_cap(*depth)) {
		if (*depth >= QFS_MAX_DEPTH)
			return QFS_EFBIG;
		if (root->blk) {
			struct qfs_ptr np = {0, 0};
			uint8_t *buf;
			int rc = ptr_cow(fs, &np, *depth + 1u, 0, &buf);
			if (rc)
				return rc;
			slot_put(buf, 0, *root);
			*root = np;
		}
		(*depth)++;
	}
	return 0;
}

/* Set idx below the writable PTR block buf of level lvl, copying the path down. */
static int set_below(struct qfs *fs, uint8_t *buf, unsigned lvl, uint64_t idx,
		     struct qfs_ptr leaf, int free_old)
{
	unsigned slot = (unsigned)(idx / qfs_tree_cap(lvl - 1) % QFS_PTRS_PER_BLOCK);
	if (lvl == 1) {
		slot_put(buf, slot, leaf);
		return 0;
	}
	struct qfs_ptr child = slot_get(buf, slot);
	uint8_t *cbuf;
	int rc = ptr_cow(fs, &child, lvl - 1, free_old, &cbuf);
	if (rc)
		return rc;
	slot_put(buf, slot, child);
	return set_below(fs, cbuf, lvl - 1, idx, leaf, free_old);
}

/* qfs_tree_fit - deepen the tree until it can hold nleaves leaves. */
int qfs_tree_fit(struct qfs *fs, struct qfs_ptr *root, uint8_t *depth, uint64_t nleaves)
{
	return nleaves ? tree_grow(fs, root, depth, nleaves - 1) : 0;
}

/* qfs_tree_set - point idx at leaf (blk 0 makes a hole), copying the path. */
int qfs_tree_set(struct qfs *fs, struct qfs_ptr *root, uint8_t *depth, uint64_t idx,
		 struct qfs_ptr leaf, int free_old)
{
	if (*depth > QFS_MAX_DEPTH)
		return QFS_ECORRUPT;
	int rc = tree_grow(fs, root, depth, idx);
	if (rc)
		return rc;
	if (*depth == 0) {
		*root = leaf;
		return 0;
	}
	uint8_t *buf;
	rc = ptr_cow(fs, root, *depth, free_old, &buf);
	if (rc)
		return rc;
	return set_below(fs, buf, *depth, idx, leaf, free_old);
}

/* Clear every leaf at relative index >= limit below *p (level lvl); never frees. */
static int trim(struct qfs *fs, struct qfs_ptr *p, unsigned lvl, uint64_t limit)
{
	struct qfs_ptr hole = {0, 0};
	if (p->blk == 0 || limit >= qfs_tree_cap(lvl))
		return 0;
	if (limit == 0) {
		*p = hole;
		return 0;
	}
	uint8_t *buf;
	int rc = ptr_cow(fs, p, lvl, 0, &buf);
	if (rc)
		return rc;
	uint64_t span = qfs_tree_cap(lvl - 1);
	unsigned first = (unsigned)(limit / span);
	for (unsigned i = first + 1; i < QFS_PTRS_PER_BLOCK; i++)
		slot_put(buf, i, hole);
	struct qfs_ptr c = slot_get(buf, first);
	if (lvl == 1 || limit % span == 0) {
		slot_put(buf, first, hole);
		return 0;
	}
	rc = trim(fs, &c, lvl - 1, limit % span);
	if (rc == 0)
		slot_put(buf, first, c);
	return rc;
}

/* qfs_tree_trim - make every leaf at index >= limit a hole (file trees: never frees). */
int qfs_tree_trim(struct qfs *fs, struct qfs_ptr *root, unsigned depth, uint64_t limit)
{
	struct qfs_ptr hole = {0, 0};
	if (depth == 0) {
		if (limit == 0)
			*root = hole;
		return 0;
	}
	return trim(fs, root, depth, limit);
}

/* Visit the tree: collect (keep == NULL: into set) or release blocks not in keep. */
static int walk(struct qfs *fs, struct qfs_ptr p, unsigned lvl, struct qfs_map *set,
		int release, uint64_t *nfreed)
{
	if (p.blk == 0 || qfs_map_get(set, p.blk, NULL, NULL))
		return 0;
	int rc = lvl ? 0 : qfs_map_put(set, p.blk, 0, 0);
	if (rc == 0 && lvl == 0 && release) {
		rc = qfs_blk_free(fs, p.blk);
		(*nfreed)++;
	}
	if (rc || lvl == 0)
		return rc;
	uint8_t *buf = qfs_buf_get(fs);
	if (!buf)
		return QFS_ENOMEM;
	rc = ptr_read(fs, p, lvl, buf);
	for (unsigned i = 0; rc == 0 && i < QFS_PTRS_PER_BLOCK; i++)
		rc = walk(fs, slot_get(buf, i), lvl - 1, set, release, nfreed);
	qfs_buf_put(fs, buf);
	if (rc == 0)
		rc = qfs_map_put(set, p.blk, 0, 0);
	if (rc == 0 && release) {
		rc = qfs_blk_free(fs, p.blk);
		(*nfreed)++;
	}
	return rc;
}

/* qfs_tree_collect - add every block of the tree to set (shared subtrees once). */
int qfs_tree_collect(struct qfs *fs, struct qfs_ptr root, unsigned depth,
		     struct qfs_map *set)
{
	uint64_t n = 0;
	if (depth > QFS_MAX_DEPTH)
		return QFS_ECORRUPT;
	return walk(fs, root, depth, set, 0, &n);
}

/* qfs_tree_release - free every block of the tree not in keep; freed ones join keep. */
int qfs_tree_release(struct qfs *fs, struct qfs_ptr root, unsigned depth,
		     struct qfs_map *keep, uint64_t *nfreed)
{
	if (depth > QFS_MAX_DEPTH)
		return QFS_ECORRUPT;
	return walk(fs, root, depth, keep, 1, nfreed);
}
