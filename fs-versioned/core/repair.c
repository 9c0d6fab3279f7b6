/*
 * repair.c - qfs_fsck_repair: after the checks of fsck.c, rewrite what is derived or
 * duplicated and so can be rewritten without losing anything more: the free map (from
 * the blocks the walk reached), the ring (new generations of the mounted state until
 * every slot holds a valid recent record), the superblock copies and the
 * root's file count. Every change goes through the normal commit protocol or is a
 * single-block write after it, so a crash during repair leaves a mountable image.
 */
#include "qfs_check.h"

#include <string.h>

struct plan {
	uint8_t *ref;       /* the free map to write */
	uint64_t used;      /* its data-region count */
	uint64_t to_free;   /* marked used, reached by nothing */
	uint64_t to_use;    /* reached, but marked free */
	int fmap, nfiles;   /* rewrite the free map / correct the file count */
};

/* The new free map: fixed region + every block reached (+ the old map if the walk was
 * incomplete, so nothing a damaged tree may still reference is ever freed). */
static int plan_fmap(struct ck *c, struct plan *p)
{
	struct qfs *fs = c->fs;
	size_t mapsz = (size_t)(fs->sb.bmap_n * QFS_BMAP_BYTES);
	p->ref = qfs_zalloc(fs, mapsz);
	if (!p->ref)
		return QFS_ENOMEM;
	for (uint64_t b = 0; b < fs->sb.nblocks; b++) {
		int want = b < fs->sb.data_start || c->owner[b] != 0;
		int have = qfs_bit(fs->ref, b);
		if (!want && have && c->meta_unreadable)
			want = 1;
		if (want)
			p->ref[b >> 3] |= (uint8_t)(1u << (b & 7));
		if (b >= fs->sb.data_start) {
			p->used += (uint64_t)want;
			p->to_free += (uint64_t)(have && !want);
			p->to_use += (uint64_t)(want && !have);
		}
	}
	p->fmap = p->to_free || p->to_use || (fs->mi.flags & QFS_MI_FMAP_REBUILT);
	p->nfiles = !c->meta_unreadable && c->res->files != fs->root.nfiles;
	return 0;
}

/* Install the planned map and commit one new generation (it lands in the ring slot
 * after the mounted one, and writes the whole free map to the other bitmap area). */
static int repair_commit(struct ck *c, struct plan *p)
{
	struct qfs *fs = c->fs;
	size_t mapsz = (size_t)(fs->sb.bmap_n * QFS_BMAP_BYTES);
	memcpy(fs->ref, p->ref, mapsz);
	memcpy(fs->busy, p->ref, mapsz);
	fs->nbusy = p->used;
	fs->root.used = p->used;
	memset(fs->bdirty[0], 1, (size_t)fs->sb.bmap_n);
	memset(fs->bdirty[1], 1, (size_t)fs->sb.bmap_n);
	int rc = qfs_txn_begin(fs, 1);
	if (rc)
		return rc;
	if (p->nfiles)
		fs->root.nfiles = c->res->files;
	return qfs_txn_commit(fs);
}

static void report_commit(struct ck *c, const struct plan *p, uint64_t old_gen,
			  uint64_t old_nfiles)
{
	struct qfs *fs = c->fs;
	ck_say(c, "repair: ", "wrote generation % with the files of generation %",
	       fs->root.gen, old_gen);
	if (p->fmap)
		ck_say(c, "repair: ", "free map rewritten from the trees: % blocks in use, % "
		       "unreferenced blocks freed", p->used, p->to_free);
	if (p->to_use)
		ck_say(c, "repair: ", "% blocks in use were marked free; now marked used",
		       p->to_use, 0);
	if (p->nfiles)
		ck_say(c, "repair: ", "file count corrected from % to %", old_nfiles,
		       fs->root.nfiles);
	if (c->meta_unreadable)
		ck_say(c, "repair: ", "some metadata is unreadable: blocks it may reference "
		       "were kept marked used", 0, 0);
	c->res->repairs++;
}

static int all_zero(const uint8_t *buf)
{
	for (size_t i = 0; i < QFS_BLOCK_SIZE; i++)
		if (buf[i])
			return 0;
	return 1;
}

/*
 * Slots not holding what a healthy ring holds after generation g: slot i must hold the
 * valid record of generation g - ((g - i) mod len), or (when that is < 1, a young
 * image) zeros or a valid record. *newer gets the highest generation above g seen.
 */
static int ring_bad(struct qfs *fs, uint8_t *buf, uint32_t *bad, uint64_t *newer)
{
	uint64_t g = fs->root.gen, len = fs->sb.ring_len;
	*bad = 0;
	for (uint32_t i = 0; i < len; i++) {
		struct qfs_root r;
		uint64_t blk = fs->sb.ring_start + i, back = (g % len + len - i) % len;
		if (qfs_dev_read(fs, blk, buf))
			return QFS_EIO;
		int valid = qfs_root_decode(&fs->sb, buf, blk, &r) == 0;
		if (valid && r.gen > g && r.gen > *newer)
			*newer = r.gen;
		if (g >= back + 1 ? !valid || r.gen != g - back : valid && r.gen > g)
			*bad |= 1u << i;
		else if (g < back + 1 && !valid && !all_zero(buf))
			*bad |= 1u << i; /* neither a record nor never written */
	}
	return 0;
}

/* Commit further generations (same files) until every ring slot is as it should be:
 * each commit overwrites the next slot, so at most ring_len of them. */
static int repair_ring(struct ck *c, uint64_t mounted_gen, uint64_t newer)
{
	struct qfs *fs = c->fs;
	uint8_t *buf = qfs_buf_get(fs);
	uint32_t bad = 0, restored = 0;
	int rc = buf ? ring_bad(fs, buf, &bad, &newer) : QFS_ENOMEM;
	for (uint32_t k = 0; rc == 0 && bad && k < fs->sb.ring_len; k++) {
		restored |= bad;
		rc = qfs_txn_begin(fs, 1);
		if (rc == 0)
			rc = qfs_txn_commit(fs);
		if (rc == 0)
			rc = ring_bad(fs, buf, &bad, &newer);
	}
	qfs_buf_put(fs, buf);
	for (uint32_t i = 0; rc == 0 && i < fs->sb.ring_len; i++)
		if ((restored >> i) & 1) {
			ck_say(c, "repair: ", "ring slot % (block %) restored", i, fs->sb.ring_start + i);
			c->res->repairs++;
		}
	if (rc == 0 && newer > mounted_gen) {
		ck_say(c, "lost: ", "generation %: a valid root record whose trees or free map "
		       "cannot be read", newer, 0);
		c->res->lost++;
	}
	return rc;
}

/* Rewrite a damaged primary or backup superblock from the one mount used. */
static int repair_super(struct ck *c)
{
	struct qfs *fs = c->fs;
	int rc = 0;
	if (fs->mi.flags & QFS_MI_SB_BACKUP) {
		rc = qfs_sb_write(fs, 0);
		ck_say(c, "repair: ", "superblock (block %) rewritten from the backup", 0, 0);
		c->res->repairs++;
	}
	if (rc == 0 && (fs->mi.flags & QFS_MI_BACKUP_BAD)) {
		rc = qfs_sb_write(fs, fs->sb.nblocks);
		ck_say(c, "repair: ", "backup superblock (block %) rewritten", fs->sb.nblocks, 0);
		c->res->repairs++;
	}
	return rc;
}

/* Everything the checks found that a repair can fix; 0 when nothing was written. */
static int repair_needed(const struct ck *c, const struct plan *p)
{
	const struct qfs_mount_info *mi = &c->fs->mi;
	return p->fmap || p->nfiles || mi->damaged_slots ||
	       (mi->flags & (QFS_MI_ROLLED_BACK | QFS_MI_SB_BACKUP | QFS_MI_BACKUP_BAD));
}

static int repair_all(struct ck *c, struct plan *p)
{
	struct qfs *fs = c->fs;
	uint64_t gen = fs->root.gen, nfiles = fs->root.nfiles;
	uint32_t next = (uint32_t)((gen + 1) % fs->sb.ring_len);
	int torn = (fs->mi.flags & QFS_MI_ROLLED_BACK) && ((fs->mi.damaged_slots >> next) & 1);
	uint64_t newer = 0;
	uint32_t bad;
	uint8_t *buf = qfs_buf_get(fs);
	int rc = buf ? ring_bad(fs, buf, &bad, &newer) : QFS_ENOMEM; /* before any commit */
	qfs_buf_put(fs, buf);
	if (rc == 0)
		rc = repair_super(c);
	if (rc == 0)
		rc = repair_commit(c, p);
	if (rc == 0) {
		report_commit(c, p, gen, nfiles);
		rc = repair_ring(c, gen, newer);
	}
	if (rc == 0 && torn) {
		ck_say(c, "lost: ", "the changes of the commit that made generation % (its root "
		       "record was damaged), made on generation %", gen + 1, gen);
		c->res->lost++;
	}
	return rc;
}

int qfs_fsck_repair(const struct qfs_dev *dev, const struct qfs_env *env,
		    struct qfs_fsck_result *res)
{
	struct ck c;
	struct plan p;
	memset(&p, 0, sizeof(p));
	int rc = ck_run(&c, dev, env, res);
	if (rc == 0)
		rc = plan_fmap(&c, &p);
	if (rc == 0 && !repair_needed(&c, &p))
		ck_say(&c, "repair: ", "nothing to repair", 0, 0);
	else if (rc == 0)
		rc = repair_all(&c, &p);
	if (p.ref)
		c.fs->env.free(c.fs->env.ctx, p.ref);
	ck_free(&c);
	if (rc)
		return rc;
	struct qfs_fsck_result after; /* what is left: a fresh check, silent */
	struct qfs_env quiet = *env;
	quiet.report = NULL;
	rc = qfs_fsck(dev, &quiet, &after);
	res->errors = after.errors;
	res->warnings = after.warnings;
	res->rolled_back = after.rolled_back;
	res->mount = after.mount;
	return rc;
}
