/*
 * shoot.c - one image of the campaign: damage a block, then check that
 *   - mount and fsck agree on refusing; fsck never says clean on an image the oracle
 *     finds broken, and never reports errors the oracle and mount cannot explain;
 *   - raw damage (checksums left alone) to a live block is always seen (refused,
 *     fsck error or warning, or a reported rollback) and never returns wrong bytes;
 *     damage to free blocks and the inactive bitmap area costs nothing;
 *   - an fsck-clean image reads and lists completely;
 *   - fsck --repair (on a copy) loses nothing that was readable, leaves an image whose
 *     trees were intact clean, and a second repair has nothing to do;
 *   - a write on an image without fsck errors commits and leaves it fsck-clean.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "oracle.h"
#include "qfs_format.h"

#define BS QFS_BLOCK_SIZE

static uint8_t img[CP_BLOCKS * BS], copy[CP_BLOCKS * BS];

static uint64_t rnd(uint64_t n)
{
	return n ? fst_rand(&cp.rng) % n : 0;
}

static int is_meta(uint32_t m)
{
	return m == QFS_MAGIC_PTR || m == QFS_MAGIC_INODE || m == QFS_MAGIC_DIR;
}

static size_t keep_at; /* byte offset of a pointer fix_crcs leaves alone (0: none) */
static int fix_fmap;   /* the free map was changed on purpose: fix the roots' bmap_crc */

static void fix_ptr(uint8_t *img_, uint8_t *s, uint64_t blk)
{
	uint64_t t = qfs_get64(s);
	if (!t || t >= CP_BLOCKS || (keep_at && (size_t)(s - img_) == keep_at))
		return;
	const uint8_t *p = img_ + t * BS;
	if (is_meta(qfs_get32(p)))
		qfs_put32(s + 8, qfs_get32(p + QFS_HDR_CRC));
	else if (t == blk)
		qfs_put32(s + 8, qfs_crc32c(p, BS));
}

/* A root record's bitmap crc and used count from its area as it now is. */
static void fix_root_fmap(uint8_t *img_, uint8_t *p)
{
	uint64_t bn = 1, start = 9 + bn * (p[QFS_RT_BMAPAREA] & 1), used = 0;
	uint8_t *pay = img_ + start * BS + QFS_HDR_SIZE;
	qfs_put32(p + QFS_RT_BMAPCRC, qfs_crc32c(pay, QFS_BMAP_BYTES));
	for (uint64_t b = 9 + 2 * bn; b < QFS_BMAP_BITS; b++)
		used += (uint64_t)((pay[b >> 3] >> (b & 7)) & 1);
	qfs_put64(p + QFS_RT_USED, used);
}

/* One pass over every block: pointer crcs, then the header crc; 1 if any changed. */
static int fix_pass(uint8_t *img_, uint64_t blk)
{
	int changed = 0;
	for (uint64_t b = 0; b < CP_BLOCKS; b++) {
			uint8_t *p = img_ + b * BS;
			uint32_t m = qfs_get32(p);
			if (m == QFS_MAGIC_PTR)
				for (unsigned i = 0; i < QFS_PTRS_PER_BLOCK; i++)
					fix_ptr(img_, p + QFS_HDR_SIZE + i * QFS_PTR_SIZE, blk);
			if (m == QFS_MAGIC_INODE)
				for (unsigned i = 0; i < QFS_MAX_VERSIONS; i++)
					fix_ptr(img_, p + QFS_IN_VERS + i * QFS_VE_SIZE + QFS_VE_ROOT, blk);
			if (m == QFS_MAGIC_ROOT) {
				fix_ptr(img_, p + QFS_RT_ITAB, blk);
				if ((blk >= 9 && blk < 11) || fix_fmap)
					fix_root_fmap(img_, p);
			}
			if (m == QFS_MAGIC_SUPER || m == QFS_MAGIC_ROOT || m == QFS_MAGIC_BMAP ||
			    is_meta(m)) {
				uint32_t crc = qfs_block_crc(p);
				changed |= crc != qfs_get32(p + QFS_HDR_CRC);
				qfs_put32(p + QFS_HDR_CRC, crc);
			}
		}
	return changed;
}

/* fix_crcs - see campaign.h; passes until nothing changes (bottom-up, at most 8). */
void fix_crcs(uint8_t *img_, uint64_t blk, size_t keep)
{
	keep_at = keep;
	for (int pass = 0; pass < 8 && fix_pass(img_, blk); pass++)
		;
}

/* A live block to point at: half the time one of the same owner but another kind
 * (a pointer block of another version of the same file), else any live block. */
static uint64_t repoint_target(uint64_t from, uint64_t old)
{
	int same = (int)rnd(2);
	uint64_t t = 0;
	for (int tries = 0; tries < 256; tries++) {
		t = 11 + rnd(CP_BLOCKS - 12);
		if (cp.kind[t] == ORK_FREE || t == from || t == old)
			continue;
		if (!same || tries > 200 ||
		    (cp.owner[t] == cp.owner[from] && cp.kind[t] != cp.kind[old]))
			return t;
	}
	return t;
}

/* A pointer slot of a PTR block, preferring one that is not a hole. */
static uint8_t *ptr_slot(uint8_t *p)
{
	uint8_t *slot = p + QFS_HDR_SIZE;
	for (int tries = 0; tries < 32; tries++) {
		slot = p + QFS_HDR_SIZE + rnd(QFS_PTRS_PER_BLOCK) * QFS_PTR_SIZE;
		if (qfs_get64(slot))
			break;
	}
	return slot;
}

/* Point one pointer of block s->blk elsewhere, with the crc that kind of pointer holds
 * for that target (a data pointer: the whole block's; else the header's). */
static size_t repoint(struct shot *s)
{
	uint8_t *p = img + s->blk * BS, *slot = NULL;
	uint32_t m = qfs_get32(p);
	int data_slot = 0;
	if (m == QFS_MAGIC_PTR) {
		slot = ptr_slot(p);
		data_slot = cp.kind[s->blk] == ORK_FILE_PTR && qfs_get32(p + QFS_HDR_AUX) == 1;
	} else if (m == QFS_MAGIC_INODE && qfs_get16(p + QFS_IN_NVERS)) {
		uint8_t *v = p + QFS_IN_VERS + rnd(qfs_get16(p + QFS_IN_NVERS)) * QFS_VE_SIZE;
		slot = v + QFS_VE_ROOT;
		data_slot = qfs_get16(p + QFS_IN_TYPE) == 1 && v[QFS_VE_DEPTH] == 0;
	} else if (m == QFS_MAGIC_ROOT) {
		slot = p + QFS_RT_ITAB;
	}
	if (!slot)
		return 0;
	uint64_t old = qfs_get64(slot), t = repoint_target(s->blk, old < CP_BLOCKS ? old : 0);
	const uint8_t *tp = cp.base + t * BS;
	qfs_put64(slot, t);
	qfs_put32(slot + 8, data_slot || !is_meta(qfs_get32(tp)) ? qfs_crc32c(tp, BS)
								  : qfs_get32(tp + QFS_HDR_CRC));
	if (s->crcfix && old && old < CP_BLOCKS && cp.refs[old] == 1 && cp.kind[old] == ORK_DATA) {
		uint8_t *bm = img + (9 + cp.act_area) * BS + QFS_HDR_SIZE; /* no longer used */
		bm[old >> 3] &= (uint8_t)~(1u << (old & 7));
		fix_fmap = 1;
	}
	return (size_t)(slot - img);
}

static void damage(struct shot *s)
{
	uint8_t *p = img + s->blk * BS;
	size_t keep = 0;
	fix_fmap = 0;
	if (s->kind == D_REPOINT && !(keep = repoint(s)))
		s->kind = D_BYTES; /* a block without pointers */
	switch (s->kind) {
	case D_FLIP: p[rnd(BS)] ^= (uint8_t)(1u << rnd(8)); break;
	case D_BYTES: {
		size_t off = rnd(BS), len = 1 + rnd(16);
		for (size_t i = off; i < off + len && i < BS; i++)
			p[i] = (uint8_t)rnd(256);
		break;
	}
	case D_ZERO: memset(p, 0, BS); break;
	case D_RANDOM: for (size_t i = 0; i < BS; i++) p[i] = (uint8_t)rnd(256); break;
	case D_MISDIRECT: { /* another block of the same type, else any block */
		uint64_t o = cp.tn[s->target] > 1 ? cp.tblk[s->target][rnd(cp.tn[s->target])]
						  : rnd(CP_BLOCKS);
		memcpy(p, cp.base + o * BS, BS);
		break;
	}
	case D_LOST: memcpy(p, cp.older + s->blk * BS, BS); break;
	case D_REPOINT: break;
	default: { /* a header field: magic, blkno, gen or aux */
		static const size_t offs[] = {QFS_HDR_MAGIC, QFS_HDR_BLKNO, QFS_HDR_GEN, QFS_HDR_AUX};
		p[offs[rnd(4)] + rnd(4)] ^= (uint8_t)(1 + rnd(255));
		break;
	}
	}
	if (s->crcfix)
		fix_crcs(img, s->blk, keep);
}

/* What the image shows through fsck, mount and the oracle. */
struct seen {
	struct qfs_fsck_result f;
	int frc, mrc, orc;
	struct qfs_mount_info mi;
	struct oracle o;
	size_t bad, lost, nmodel;
	int listed, readall;
	uint8_t ok[CP_MAXENT];
};

/* List every directory (never reading file contents), at most 8 levels deep: a damaged
 * image may name a directory inside itself. */
struct lister {
	struct qfs *fs;
	char path[1024];
	int depth;
};

static int list_cb(void *ctx, const char *name, uint64_t ino, uint32_t type)
{
	struct lister *l = ctx;
	(void)ino;
	if (type != QFS_TYPE_DIR || l->depth >= 8)
		return 0;
	size_t n = strlen(l->path);
	snprintf(l->path + n, sizeof(l->path) - n, "/%.112s", name);
	l->depth++;
	int rc = qfs_readdir(l->fs, l->path, list_cb, l) < 0;
	l->depth--;
	l->path[n] = 0;
	return rc;
}

/* Mount im and read the model: the generation's own, or (after a repair) given. */
static void look(uint8_t *im, struct seen *v, const struct shot *s, const struct model *given)
{
	struct qfs_host_mem m;
	struct qfs_dev dev;
	struct qfs_env env;
	struct qfs *fs;
	fst_env(&env);
	env.ctx = NULL;
	qfs_host_mem_wrap(&m, im, CP_BLOCKS, &dev);
	memset(v, 0, sizeof(*v));
	if (!given)
		v->frc = qfs_fsck(&dev, &env, &v->f);
	v->mrc = qfs_mount_ex(&dev, &env, &fs, &v->mi);
	if (v->mrc)
		return;
	const struct model *md = given ? given : model_of(v->mi.generation);
	if (!md) {
		finding(s, "mounted a generation that was never committed last");
	} else {
		model_check(fs, md, &v->bad, &v->lost, v->ok);
		v->nmodel = md->n;
	}
	struct lister ls = {fs, "", 0};
	v->listed = qfs_readdir(fs, "", list_cb, &ls) == 0;
	uint64_t h; /* with checksums recomputed, names may change: read what is listed */
	v->readall = !s->crcfix || v->f.errors || given || fst_state_hash(fs, &h) == 0;
	qfs_unmount(fs);
	if (given)
		return;
	v->orc = oracle_check(im, CP_BLOCKS, v->mi.generation, &v->o);
	if (v->orc)
		finding(s, "the oracle finds no valid root record of the mounted generation");
	else {
		free(v->o.kind);
		free(v->o.owner);
	}
}

static int detected(const struct seen *v)
{
	return v->mrc || v->f.errors || v->f.warnings || v->f.rolled_back;
}

/* The expectations on what fsck, mount and the reads showed. */
static void judge(const struct shot *s, const struct seen *v, int must_see, int live)
{
	uint64_t oprob = v->orc ? 0 : v->o.tree + v->o.fmap + v->o.count;
	uint32_t fsflags = QFS_MI_FMAP_REBUILT | QFS_MI_SB_BACKUP | QFS_MI_BACKUP_BAD;
	if ((v->frc != 0 && v->f.mount.refused) != (v->mrc != 0))
		finding(s, "fsck and mount disagree on refusing the image");
	if (v->mrc)
		return;
	if (!s->crcfix && v->bad)
		finding(s, "a read returned wrong bytes without an error");
	if (oprob && !v->f.errors)
		finding(s, v->o.first[0] ? v->o.first : "the oracle found a problem fsck missed");
	if (v->f.errors && !oprob && !(v->mi.flags & fsflags))
		finding(s, "fsck reports errors the oracle and mount cannot explain");
	if (!v->f.errors && ((!s->crcfix && v->lost) || !v->listed || !v->readall))
		finding(s, "fsck says no errors but a version or a listing is unreadable");
	if (!s->crcfix && must_see && !detected(v))
		finding(s, "damage to a live block went unreported");
	if (!live && !s->crcfix && (v->f.errors || v->f.warnings || v->f.rolled_back))
		finding(s, "damage to an unused block was reported");
}

/* Repair a copy; nothing readable may be lost, intact trees must come out clean. */
static void try_repair(const struct shot *s, const struct seen *before)
{
	struct qfs_host_mem m;
	struct qfs_dev dev;
	struct qfs_env env;
	struct qfs_fsck_result r, r2;
	struct seen after;
	memcpy(copy, img, sizeof(copy));
	fst_env(&env);
	env.ctx = NULL;
	qfs_host_mem_wrap(&m, copy, CP_BLOCKS, &dev);
	if (qfs_fsck_repair(&dev, &env, &r)) {
		finding(s, "fsck --repair failed on a mountable image");
		return;
	}
	if (!before->o.tree && (r.errors || r.rolled_back))
		finding(s, "repair left errors on an image whose trees were intact");
	cp.repaired_clean += r.errors == 0;
	look(copy, &after, s, model_of(before->mi.generation));
	if (after.mrc) {
		finding(s, "the repaired image does not mount");
		return;
	}
	for (size_t i = 0; i < before->nmodel && after.nmodel == before->nmodel; i++)
		if (before->ok[i] && !after.ok[i])
			finding(s, "repair lost a version that was readable");
	if (!r.errors && s->num % 8 == 0 && (qfs_fsck_repair(&dev, &env, &r2) || r2.repairs))
		finding(s, "a second repair still found something to do");
}

/* A write on an image without fsck errors must commit and keep it clean. */
static void try_write(const struct shot *s)
{
	struct qfs_host_mem m;
	struct qfs_dev dev;
	struct qfs_env env;
	struct qfs *fs;
	struct qfs_fsck_result r;
	static uint8_t d[5000];
	memcpy(copy, img, sizeof(copy));
	fst_env(&env);
	env.ctx = NULL;
	qfs_host_mem_wrap(&m, copy, CP_BLOCKS, &dev);
	if (qfs_mount(&dev, &env, &fs))
		return finding(s, "an fsck-clean image does not mount");
	memset(d, 'w', sizeof(d));
	int rc = fst_put(fs, "written", d, sizeof(d));
	qfs_unmount(fs);
	if (rc < 0 && rc != QFS_ENOSPC)
		finding(s, "a write on an fsck-clean image failed");
	else if (qfs_fsck(&dev, &env, &r) || r.errors)
		finding(s, "a write left fsck errors");
}

/* Damage kinds in turn; repointing (the one that reaches block kinds) three times. */
static const int kinds[] = {D_FLIP, D_BYTES, D_ZERO, D_RANDOM, D_MISDIRECT, D_LOST,
			    D_HEADER, D_REPOINT, D_REPOINT, D_REPOINT};
#define NKINDS (long)(sizeof(kinds) / sizeof(kinds[0]))

void shoot(long i)
{
	struct shot s = {i, (int)(i % T_N), kinds[i / T_N % NKINDS], (int)(i / (T_N * NKINDS) % 2), 0};
	struct seen v;
	if (!cp.tn[s.target])
		return;
	s.blk = cp.tblk[s.target][rnd(cp.tn[s.target])];
	memcpy(img, cp.base, sizeof(img));
	damage(&s);
	cp.timages[s.target]++;
	if (i == cp.dump_num) {
		FILE *f = fopen(cp.dump_path, "wb");
		if (!f || fwrite(img, 1, sizeof(img), f) != sizeof(img) || fclose(f))
			fprintf(stderr, "campaign: cannot write %s\n", cp.dump_path);
	}
	if (!memcmp(img + s.blk * BS, cp.base + s.blk * BS, BS) && !s.crcfix) {
		cp.unchanged++;
		return;
	}
	look(img, &v, &s, NULL);
	int live = s.target != T_FREE && s.target != T_BMAP_INACT;
	/* a lost write of the newest root record is a valid older record: undetectable
	 * (specs/guarantees.md); everything else about the image is still checked */
	judge(&s, &v, live && !(s.target == T_ROOT_NEW && s.kind == D_LOST), live);
	cp.refused += v.mrc != 0;
	cp.rolled += v.f.rolled_back != 0;
	cp.rebuilt += (v.mi.flags & QFS_MI_FMAP_REBUILT) != 0;
	if (!v.mrc) {
		try_repair(&s, &v);
		if (!v.f.errors && i % 2 == 0)
			try_write(&s);
	}
}
