/*
 * oracle.c - the campaign's independent checker of a qfs image (see oracle.h). It reads
 * raw bytes only: layout, headers, pointers, inodes and directory entries are decoded
 * here from specs/fs-format.md, not by the core.
 */
#include "oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qfs_format.h"

struct ow {
	const uint8_t *img;
	uint64_t nblocks, data_start, next_ino;
	uint64_t *owner;      /* per block: 0 or inode (UINT64_MAX: inode table) */
	uint8_t *itype;       /* per inode < next_ino: 0 none, 1 file, 2 dir */
	uint32_t *refs;       /* per inode: directory entries naming it */
	struct oracle *o;
};

#define OW_ITAB UINT64_MAX

static const uint8_t *blk(const struct ow *w, uint64_t b)
{
	return w->img + b * QFS_BLOCK_SIZE;
}

static void problem(struct ow *w, uint64_t *counter, const char *what, uint64_t b)
{
	if (!w->o->tree && !w->o->fmap && !w->o->count)
		snprintf(w->o->first, sizeof(w->o->first), "%s (block %llu)", what,
			 (unsigned long long)b);
	(*counter)++;
}

/* A metadata block at b: magic, own number, header crc, and the pointer's crc. */
static int meta_ok(const struct ow *w, uint64_t b, uint32_t crc, uint32_t magic)
{
	const uint8_t *p = blk(w, b);
	return qfs_get32(p) == magic && qfs_get64(p + QFS_HDR_BLKNO) == b &&
	       qfs_block_crc(p) == qfs_get32(p + QFS_HDR_CRC) && qfs_get32(p + QFS_HDR_CRC) == crc;
}

/* Take block b for (kind, owner): 1 walk below it, 0 shared already, -1 problem. */
static int take(struct ow *w, uint64_t b, uint8_t kind, uint64_t owner, int share)
{
	if (b < w->data_start || b >= w->nblocks) {
		problem(w, &w->o->tree, "pointer outside the data region", b);
		return -1;
	}
	if (w->o->kind[b] == ORK_FREE) {
		w->o->kind[b] = kind;
		w->owner[b] = owner;
		return 1;
	}
	if (w->o->kind[b] == kind && w->owner[b] == owner && share)
		return 0;
	problem(w, &w->o->tree, w->o->kind[b] != kind ? "block reached as two kinds"
						       : "block reached twice", b);
	return -1;
}

static uint64_t cap(unsigned depth)
{
	uint64_t c = 1;
	while (depth--)
		c *= QFS_PTRS_PER_BLOCK;
	return c;
}

static void walk_inode(struct ow *w, uint64_t ino, uint64_t b);

/* A tree of depth lvl below pointer (b, crc): leaves < nleaves, of kind leaf. */
static void walk(struct ow *w, uint64_t b, uint32_t crc, unsigned lvl, uint64_t base,
		 uint64_t nleaves, uint8_t leaf, uint8_t ptrkind, uint64_t owner)
{
	if (b == 0)
		return;
	if (base >= nleaves) {
		problem(w, &w->o->tree, "pointer past the end of a tree", b);
		return;
	}
	int share = owner != OW_ITAB;
	if (lvl == 0) {
		if (take(w, b, leaf, owner, leaf == ORK_DATA && share) <= 0)
			return;
		if (leaf == ORK_DATA ? qfs_crc32c(blk(w, b), QFS_BLOCK_SIZE) != crc
				     : !meta_ok(w, b, crc, leaf == ORK_INODE ? QFS_MAGIC_INODE
									      : QFS_MAGIC_DIR))
			problem(w, &w->o->tree, "leaf with a bad header or checksum", b);
		else if (leaf == ORK_INODE)
			walk_inode(w, base, b);
		return;
	}
	if (take(w, b, ptrkind, owner, share) <= 0)
		return;
	if (!meta_ok(w, b, crc, QFS_MAGIC_PTR) || qfs_get32(blk(w, b) + QFS_HDR_AUX) != lvl) {
		problem(w, &w->o->tree, "pointer block with a bad header, level or checksum", b);
		return;
	}
	for (unsigned i = 0; i < QFS_PTRS_PER_BLOCK; i++) {
		const uint8_t *s = blk(w, b) + QFS_HDR_SIZE + i * QFS_PTR_SIZE;
		walk(w, qfs_get64(s), qfs_get32(s + 8), lvl - 1, base + i * cap(lvl - 1), nleaves,
		     leaf, ptrkind, owner);
	}
}

/* The fields of an inode block (ino, type, counts, version records in order). */
static int inode_fields_ok(const uint8_t *p, uint64_t ino)
{
	unsigned type = qfs_get16(p + QFS_IN_TYPE), n = qfs_get16(p + QFS_IN_NVERS);
	unsigned limit = qfs_get16(p + QFS_IN_LIMIT);
	uint32_t next = qfs_get32(p + QFS_IN_NEXTVER), prev = 0;
	if (qfs_get64(p + QFS_IN_INO) != ino || (type != 1 && type != 2) || n > 64 ||
	    limit < 1 || limit > 64 || (type == 2 && n != 1) || (type == 1 && n == 0))
		return 0;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *v = p + QFS_IN_VERS + i * QFS_VE_SIZE;
		uint32_t vnum = qfs_get32(v + QFS_VE_VNUM);
		uint64_t size = qfs_get64(v + QFS_VE_FSIZE);
		if (vnum <= prev || vnum >= next || v[QFS_VE_DEPTH] > 4 ||
		    size / QFS_BLOCK_SIZE + (size % QFS_BLOCK_SIZE != 0) > cap(v[QFS_VE_DEPTH]))
			return 0;
		prev = vnum;
	}
	return 1;
}

static void walk_inode(struct ow *w, uint64_t ino, uint64_t b)
{
	const uint8_t *p = blk(w, b);
	if (!inode_fields_ok(p, ino)) {
		problem(w, &w->o->tree, "inode with bad fields", b);
		return;
	}
	unsigned type = qfs_get16(p + QFS_IN_TYPE), n = qfs_get16(p + QFS_IN_NVERS);
	w->itype[ino] = (uint8_t)type;
	w->o->files += type == 1;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *v = p + QFS_IN_VERS + i * QFS_VE_SIZE;
		uint64_t size = qfs_get64(v + QFS_VE_FSIZE);
		w->o->versions += type == 1;
		walk(w, qfs_get64(v + QFS_VE_ROOT), qfs_get32(v + QFS_VE_ROOTCRC), v[QFS_VE_DEPTH],
		     0, size / QFS_BLOCK_SIZE + (size % QFS_BLOCK_SIZE != 0),
		     type == 1 ? ORK_DATA : ORK_DIRBLK, type == 1 ? ORK_FILE_PTR : ORK_DIR_PTR, ino);
	}
}

static int name_ok(const uint8_t *s, unsigned n)
{
	if (n < 1 || n > QFS_NAME_MAX || (n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ';' || s[i] < 0x20)
			return 0;
	return 1;
}

/* Two entries of one name in the directory that owns block b (any of its blocks)? */
static int name_twice(const struct ow *w, uint64_t b, const uint8_t *e)
{
	unsigned nl = qfs_get16(e + QFS_DE_NAMELEN);
	for (uint64_t o = w->data_start; o < w->nblocks; o++) {
		if (w->o->kind[o] != ORK_DIRBLK || w->owner[o] != w->owner[b])
			continue;
		for (unsigned i = 0; i < QFS_DIRENTS_PER_BLOCK; i++) {
			const uint8_t *f = blk(w, o) + QFS_HDR_SIZE + i * QFS_DIRENT_SIZE;
			if (f != e && qfs_get64(f + QFS_DE_INO) && qfs_get16(f + QFS_DE_NAMELEN) == nl &&
			    !memcmp(f + QFS_DE_NAME, e + QFS_DE_NAME, nl))
				return 1;
		}
	}
	return 0;
}

/* Every directory block of a directory inode: entries, their names and targets. */
static void check_dirblocks(struct ow *w)
{
	for (uint64_t b = w->data_start; b < w->nblocks; b++) {
		if (w->o->kind[b] != ORK_DIRBLK)
			continue;
		for (unsigned i = 0; i < QFS_DIRENTS_PER_BLOCK; i++) {
			const uint8_t *e = blk(w, b) + QFS_HDR_SIZE + i * QFS_DIRENT_SIZE;
			uint64_t ino = qfs_get64(e + QFS_DE_INO);
			unsigned nl = qfs_get16(e + QFS_DE_NAMELEN);
			if (!ino)
				continue;
			if (!name_ok(e + QFS_DE_NAME, nl))
				problem(w, &w->o->tree, "directory entry with a bad name", b);
			else if (name_twice(w, b, e))
				problem(w, &w->o->tree, "two directory entries of one name", b);
			else if (ino >= w->next_ino || !w->itype[ino] || w->itype[ino] != e[QFS_DE_TYPE])
				problem(w, &w->o->tree, "directory entry for a missing or other inode", b);
			else
				w->refs[ino]++;
		}
	}
}

/* Each inode named once (the root never), every inode reachable from the root. */
static void check_names(struct ow *w)
{
	check_dirblocks(w);
	for (uint64_t i = 1; i < w->next_ino; i++)
		if (w->itype[i] && w->refs[i] != (i == QFS_ROOT_INO ? 0u : 1u))
			problem(w, &w->o->tree, "inode not named exactly once", i);
	/* Reachability: with every inode named once, a directory cycle is the only way to
	 * be unreachable; follow parents through directory blocks owned by each dir. */
	uint8_t *reach = calloc((size_t)w->next_ino, 1);
	int grew = 1;
	reach[QFS_ROOT_INO] = 1;
	while (grew) {
		grew = 0;
		for (uint64_t b = w->data_start; b < w->nblocks; b++) {
			if (w->o->kind[b] != ORK_DIRBLK || !reach[w->owner[b]])
				continue;
			for (unsigned i = 0; i < QFS_DIRENTS_PER_BLOCK; i++) {
				uint64_t ino = qfs_get64(blk(w, b) + QFS_HDR_SIZE + i * QFS_DIRENT_SIZE);
				if (ino && ino < w->next_ino && w->itype[ino] && !reach[ino])
					reach[ino] = grew = 1;
			}
		}
	}
	for (uint64_t i = 1; i < w->next_ino; i++)
		if (w->itype[i] && !reach[i])
			problem(w, &w->o->tree, "inode not reachable from the root", i);
	free(reach);
}

/* The bitmap area of the root: headers, bmap_crc, bits equal to what was reached. */
static void check_fmap(struct ow *w, const uint8_t *root, uint64_t bstart, uint64_t bn)
{
	uint64_t used = 0;
	uint32_t crc = ~0u;
	uint8_t *pay = malloc((size_t)(bn * QFS_BMAP_BYTES));
	for (uint64_t i = 0; i < bn; i++) {
		const uint8_t *p = blk(w, bstart + i);
		if (qfs_get32(p) != QFS_MAGIC_BMAP || qfs_get64(p + QFS_HDR_BLKNO) != bstart + i ||
		    qfs_block_crc(p) != qfs_get32(p + QFS_HDR_CRC))
			problem(w, &w->o->fmap, "bitmap block with a bad header", bstart + i);
		memcpy(pay + i * QFS_BMAP_BYTES, p + QFS_HDR_SIZE, QFS_BMAP_BYTES);
	}
	crc = qfs_crc32c(pay, (size_t)(bn * QFS_BMAP_BYTES));
	if (crc != qfs_get32(root + QFS_RT_BMAPCRC))
		problem(w, &w->o->fmap, "bitmap crc differs from the root's", bstart);
	for (uint64_t b = 0; b < bn * QFS_BMAP_BITS; b++) {
		int bit = (pay[b >> 3] >> (b & 7)) & 1;
		int want = b < w->data_start || (b < w->nblocks && w->o->kind[b] != ORK_FREE);
		if (bit != want)
			problem(w, &w->o->fmap, "free map bit differs from the trees", b);
		used += (uint64_t)(bit && b >= w->data_start);
	}
	if (used != qfs_get64(root + QFS_RT_USED))
		problem(w, &w->o->count, "used count differs", 0);
	free(pay);
}

/* A superblock at b whose fields describe the layout (fs-format.md "Superblock"). */
static int super_ok(const uint8_t *p, uint64_t b, uint64_t dev_nblocks)
{
	uint64_t n = qfs_get64(p + QFS_SB_NBLOCKS), bn = (n + QFS_BMAP_BITS - 1) / QFS_BMAP_BITS;
	int backup = qfs_get32(p + QFS_SB_FCOMPAT) & 1;
	if (qfs_get32(p) != QFS_MAGIC_SUPER || qfs_get64(p + QFS_HDR_BLKNO) != b ||
	    qfs_block_crc(p) != qfs_get32(p + QFS_HDR_CRC) || qfs_get32(p + QFS_SB_VERSION) != 1 ||
	    qfs_get32(p + QFS_SB_FINCOMPAT) || qfs_get32(p + QFS_SB_FROCOMPAT) ||
	    qfs_get32(p + QFS_SB_BSIZE) != QFS_BLOCK_SIZE || n < 32 || n > (1ull << 40) ||
	    n + (uint64_t)backup > dev_nblocks || (b && (!backup || b != n)))
		return 0;
	uint64_t ds = 9 + 2 * bn, lim = qfs_get32(p + QFS_SB_DEFLIMIT);
	return qfs_get32(p + QFS_SB_RINGLEN) == 8 && qfs_get64(p + QFS_SB_RINGSTART) == 1 &&
	       qfs_get64(p + QFS_SB_BMAP0) == 9 && qfs_get64(p + QFS_SB_BMAP1) == 9 + bn &&
	       qfs_get64(p + QFS_SB_BMAPN) == bn && qfs_get64(p + QFS_SB_DATASTART) == ds &&
	       ds + 16 <= n && qfs_get64(p + QFS_SB_RESERVE) < (n - ds) / 2 && lim >= 1 && lim <= 64;
}

/* The superblock to use: block 0, else the backup in the last block. */
static const uint8_t *pick_super(const uint8_t *img, uint64_t dev_nblocks)
{
	for (int k = 0; k < 2; k++) {
		uint64_t b = k ? dev_nblocks - 1 : 0;
		if (super_ok(img + b * QFS_BLOCK_SIZE, b, dev_nblocks))
			return img + b * QFS_BLOCK_SIZE;
	}
	return NULL;
}

int oracle_check(const uint8_t *img, uint64_t dev_nblocks, uint64_t gen, struct oracle *o)
{
	const uint8_t *sb = pick_super(img, dev_nblocks);
	if (!sb)
		return -1;
	uint64_t n = qfs_get64(sb + QFS_SB_NBLOCKS), bn = (n + QFS_BMAP_BITS - 1) / QFS_BMAP_BITS;
	uint64_t slot = 1 + gen % QFS_RING_LEN;
	const uint8_t *root = img + slot * QFS_BLOCK_SIZE;
	if (n >= dev_nblocks || qfs_get32(root) != QFS_MAGIC_ROOT ||
	    qfs_get64(root + QFS_RT_GEN) != gen || qfs_block_crc(root) != qfs_get32(root + QFS_HDR_CRC))
		return -1;
	struct ow w = {img, n, 9 + 2 * bn, qfs_get64(root + QFS_RT_NEXTINO), NULL, NULL, NULL, o};
	memset(o, 0, sizeof(*o));
	o->kind = calloc((size_t)n, 1);
	o->owner = w.owner = calloc((size_t)n, sizeof(uint64_t));
	w.itype = calloc((size_t)w.next_ino + 1, 1);
	w.refs = calloc((size_t)w.next_ino + 1, sizeof(uint32_t));
	walk(&w, qfs_get64(root + QFS_RT_ITAB), qfs_get32(root + QFS_RT_ITABCRC),
	     root[QFS_RT_ITABDEPTH], 0, w.next_ino, ORK_INODE, ORK_ITAB_PTR, OW_ITAB);
	if (w.itype[QFS_ROOT_INO] != 2)
		problem(&w, &o->tree, "no root directory", 0);
	else
		check_names(&w);
	if (o->files != qfs_get64(root + QFS_RT_NFILES))
		problem(&w, &o->count, "file count differs", 0);
	check_fmap(&w, root, 9 + bn * root[QFS_RT_BMAPAREA], bn);
	free(w.itype);
	free(w.refs);
	return 0;
}
