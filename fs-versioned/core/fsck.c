/*
 * fsck.c - the checker. It mounts (superblock, ring and free-map checks, reported from
 * struct qfs_mount_info), then walks the inode table and every version of every file
 * and directory, verifying each block's checksum once, that each block is reached as
 * one kind only (data, directory, inode, pointer block of one level) and has one owner
 * (versions of one file may share), that directory entries have valid names and name
 * every inode exactly once, and that the free map marks exactly the referenced blocks.
 */
#include "qfs_check.h"

#include <string.h>

#define CK_MAXLINES 40

/* Append decimal v to s at *n (bounded by cap). */
static void put_u64(char *s, size_t *n, size_t cap, uint64_t v)
{
	char d[24];
	int k = 0;
	do {
		d[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k > 0 && *n + 1 < cap)
		s[(*n)++] = d[--k];
}

static void put_str(char *s, size_t *n, size_t cap, const char *t)
{
	while (*t && *n + 1 < cap)
		s[(*n)++] = *t++;
}

/* ck_say - see qfs_check.h; errors and warnings are counted, other prefixes not. */
void ck_say(struct ck *c, const char *prefix, const char *msg, uint64_t a, uint64_t b)
{
	char line[200];
	size_t n = 0;
	uint64_t args[2] = {a, b};
	int ai = 0;
	int counted = prefix[0] == 'e' || prefix[0] == 'w';
	if (prefix[0] == 'e')
		c->res->errors++;
	else if (prefix[0] == 'w')
		c->res->warnings++;
	if (!c->fs->env.report || (counted && c->nlines++ >= CK_MAXLINES))
		return;
	put_str(line, &n, sizeof(line), prefix);
	for (const char *p = msg; *p && n + 1 < sizeof(line); p++) {
		if ((*p == '%' || *p == '@') && ai < 2) {
			uint64_t v = args[ai++];
			if (*p == '@')
				put_str(line, &n, sizeof(line), v == CK_ITAB ? "the inode table" : "inode ");
			if (*p == '%' || v != CK_ITAB)
				put_u64(line, &n, sizeof(line), v);
		} else {
			line[n++] = *p;
		}
	}
	line[n] = 0;
	c->fs->env.report(c->fs->env.ctx, line);
}

static void say(struct ck *c, int error, const char *msg, uint64_t a, uint64_t b)
{
	ck_say(c, error ? "error: " : "warning: ", msg, a, b);
}

/*
 * Claim blk for owner as kind: 1 new, 0 already this owner's as the same kind (versions
 * of a file share), -1 error reported (outside the data region, another owner, another
 * kind: e.g. a data pointer to a pointer block of the same file).
 */
static int claim(struct ck *c, uint64_t blk, uint64_t owner, uint8_t kind, int may_share)
{
	struct qfs *fs = c->fs;
	if (blk < fs->sb.data_start || blk >= fs->sb.nblocks) {
		say(c, 1, "pointer to block % outside the data region (@)", blk, owner);
		return -1;
	}
	if (c->owner[blk] == 0) {
		c->owner[blk] = owner;
		c->kind[blk] = kind;
		c->res->blocks_checked++;
		return 1;
	}
#ifndef QFS_FAULT_FSCK_KINDS /* injected bug: blocks may be reached as any kind */
	if (c->kind[blk] != kind) {
		say(c, 1, "block % is reached as two kinds of block (@)", blk, owner);
		return -1;
	}
#endif
	if (c->owner[blk] == owner && may_share)
		return 0;
	say(c, 1, "block % referenced twice (owners differ or not shareable: @)", blk, owner);
	return -1;
}

static void check_inode(struct ck *c, uint64_t ino, const uint8_t *buf);

/* Check one leaf: data (magic 0), a DIR block or an INODE block (ino = idx). */
static void check_leaf(struct ck *c, struct qfs_ptr p, uint64_t idx, uint64_t owner,
		       uint32_t magic, uint8_t *buf)
{
	uint8_t kind = magic == 0 ? CK_DATA : magic == QFS_MAGIC_DIR ? CK_DIRBLK : CK_INODE;
	int r = claim(c, p.blk, owner, kind, magic == 0);
	if (r <= 0)
		return;
	if (magic == 0) {
		if (qfs_dev_read(c->fs, p.blk, buf) || qfs_crc32c(buf, QFS_BLOCK_SIZE) != p.crc)
			say(c, 1, "data block % of @: checksum mismatch", p.blk, owner);
		return;
	}
	if (qfs_meta_read(c->fs, p, magic, buf)) {
		c->meta_unreadable = 1;
		say(c, 1, "metadata block % (@): bad header or checksum", p.blk, owner);
		return;
	}
	if (magic == QFS_MAGIC_INODE)
		check_inode(c, idx, buf);
}

/* Walk a tree: leaves at index >= nleaves must be holes. */
static void check_tree(struct ck *c, struct qfs_ptr p, unsigned lvl, uint64_t base,
		       uint64_t nleaves, uint64_t owner, uint32_t magic)
{
	if (p.blk == 0)
		return;
	if (base >= nleaves) {
		say(c, 1, "block % past the end of its tree (@)", p.blk, owner);
		return;
	}
	uint8_t *buf = qfs_buf_get(c->fs);
	if (!buf) {
		c->meta_unreadable = 1;
		say(c, 1, "out of memory at block % (@)", p.blk, owner);
		return;
	}
	if (lvl == 0) {
		check_leaf(c, p, base, owner, magic, buf);
	} else if (claim(c, p.blk, owner, (uint8_t)(CK_PTR1 + lvl - 1), owner != CK_ITAB) == 1) {
		if (qfs_meta_read(c->fs, p, QFS_MAGIC_PTR, buf) ||
		    qfs_get32(buf + QFS_HDR_AUX) != lvl) {
			c->meta_unreadable = 1;
			say(c, 1, "pointer block % (@): bad header, level or checksum", p.blk, owner);
		} else {
			uint64_t span = qfs_tree_cap(lvl - 1);
			for (unsigned i = 0; i < QFS_PTRS_PER_BLOCK; i++)
				check_tree(c, qfs_tree_slot(buf, i), lvl - 1, base + i * span,
					   nleaves, owner, magic);
		}
	}
	qfs_buf_put(c->fs, buf);
}

static void check_inode(struct ck *c, uint64_t ino, const uint8_t *buf)
{
	struct qfs_inode *in = qfs_inode_alloc(c->fs);
	if (!in) {
		say(c, 1, "out of memory checking inode %", ino, 0);
		return;
	}
	qfs_inode_decode(buf, in);
	if (qfs_inode_check(in, ino)) {
		c->meta_unreadable = 1;
		say(c, 1, "inode %: bad fields (type %)", ino, in->type);
	} else {
		qfs_map_put(&c->inos, ino, in->type, 0);
		if (in->type == QFS_TYPE_DIR)
			c->res->dirs++;
		else
			c->res->files++;
		if (in->type == QFS_TYPE_FILE && in->nvers == 0)
			say(c, 1, "file inode % has no versions", ino, 0);
		for (uint32_t i = 0; i < in->nvers; i++) {
			struct qfs_ver *v = &in->v[i];
			c->res->versions += in->type == QFS_TYPE_FILE;
			check_tree(c, v->root, v->depth, 0, qfs_tree_leaves(v->size), ino,
				   in->type == QFS_TYPE_DIR ? QFS_MAGIC_DIR : 0);
		}
	}
	qfs_inode_free(c->fs, in);
}

/* Directory pass: count references to each inode, check they exist with that type. */
struct dir_ck {
	struct ck *c;
	struct qfs_map *refs;
	struct qfs_map names; /* this directory's names: FNV-1a 64 -> 1 */
	uint64_t dir;
	uint64_t *queue;
	size_t nq, capq;
};

static int dir_entry_cb(void *ctx, const char *name, uint64_t ino, uint32_t type)
{
	struct dir_ck *d = ctx;
	uint64_t t, n = 0, h = 0xcbf29ce484222325ull;
	if (qfs_name_check(name, strlen(name)))
		say(d->c, 1, "directory % has an entry with an invalid name (inode %)", d->dir, ino);
	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	if (qfs_map_get(&d->names, h, NULL, NULL))
		say(d->c, 1, "directory % has two entries of the same name (inode %)", d->dir, ino);
	else if (qfs_map_put(&d->names, h, 1, 0))
		say(d->c, 1, "out of memory checking directory % (inode %)", d->dir, ino);
	if (!qfs_map_get(&d->c->inos, ino, &t, NULL)) {
		say(d->c, 1, "directory % names missing inode %", d->dir, ino);
		return 0;
	}
	if (t != type)
		say(d->c, 1, "directory entry for inode % has the wrong type %", ino, type);
	qfs_map_get(d->refs, ino, &n, NULL);
	qfs_map_put(d->refs, ino, n + 1, 0);
	if (n == 0 && t == QFS_TYPE_DIR && d->nq < d->capq)
		d->queue[d->nq++] = ino;
	if (n > 0 || ino == QFS_ROOT_INO)
		say(d->c, 1, "inode % named by more than one directory entry", ino, 0);
	return 0;
}

static void check_names(struct ck *c)
{
	struct qfs_map refs;
	struct dir_ck d = {c, &refs, {0}, 0, NULL, 0, c->inos.count + 1};
	qfs_map_init(&refs, &c->fs->env);
	d.queue = c->fs->env.alloc(c->fs->env.ctx, d.capq * sizeof(uint64_t));
	if (!d.queue) {
		say(c, 1, "out of memory checking % inodes", c->inos.count, 0);
		return;
	}
	d.queue[d.nq++] = QFS_ROOT_INO;
	for (size_t qi = 0; qi < d.nq; qi++) {
		d.dir = d.queue[qi];
		qfs_map_init(&d.names, &c->fs->env);
		if (qfs_dir_iter(c->fs, d.dir, dir_entry_cb, &d) < 0) {
			c->meta_unreadable = 1;
			say(c, 1, "directory % cannot be read", d.dir, 0);
		}
		qfs_map_free(&d.names);
	}
	size_t pos = 0;
	uint64_t ino, n;
	while (qfs_map_next(&c->inos, &pos, &ino, NULL, NULL))
		if (ino != QFS_ROOT_INO && (!qfs_map_get(&refs, ino, &n, NULL) || n == 0))
			say(c, 1, "inode % is not reachable from the root directory", ino, 0);
	c->fs->env.free(c->fs->env.ctx, d.queue);
	qfs_map_free(&refs);
}

/* Compare the free map with the blocks the walk found. */
static void check_freemap(struct ck *c)
{
	struct qfs *fs = c->fs;
#ifdef QFS_FAULT_FSCK_FREEMAP /* injected bug: the free map is not compared */
	return;
#endif
	for (uint64_t b = fs->sb.data_start; b < fs->sb.nblocks; b++) {
		int used = qfs_bit(fs->ref, b);
		if (used && !c->owner[b])
			say(c, 1, "block % marked used in the free map but unreferenced", b, 0);
		else if (!used && c->owner[b])
			say(c, 1, "block % in use (@) but marked free", b, c->owner[b]);
	}
}

/* What mount found: fallbacks, a rebuilt free map, the superblock copies. */
static void check_mount(struct ck *c)
{
	struct qfs *fs = c->fs;
	const struct qfs_mount_info *mi = &fs->mi;
	uint32_t lost_slot = (uint32_t)(mi->lost_generation % fs->sb.ring_len);
	if (mi->flags & QFS_MI_SB_BACKUP)
		say(c, 1, "the superblock (block 0) is damaged; the backup in block % was used",
		    fs->sb.nblocks, 0);
	if (mi->flags & QFS_MI_BACKUP_BAD)
		say(c, 1, "the backup superblock (block %) is damaged or differs from block 0",
		    fs->sb.nblocks, 0);
	if (mi->flags & QFS_MI_FMAP_REBUILT)
		say(c, 1, "the free map of generation % is damaged (block %); rebuilt from the trees",
		    mi->generation, mi->fmap_block);
	if (mi->flags & QFS_MI_ROLLED_BACK) {
		c->res->rolled_back = mi->lost_generation;
		ck_say(c, "ROLLED BACK: ", "generation % cannot be used; mounted generation % "
		       "(the newer commit may be lost)", mi->lost_generation, mi->generation);
	}
	for (uint32_t i = 0; i < fs->sb.ring_len; i++)
		if (((mi->damaged_slots >> i) & 1) &&
		    !((mi->flags & QFS_MI_ROLLED_BACK) && i == lost_slot))
			say(c, 0, "root record in block % is damaged; using generation %",
			    fs->sb.ring_start + i, mi->generation);
}

static void check_all(struct ck *c)
{
	struct qfs *fs = c->fs;
	uint64_t nfiles_dirs;
	check_mount(c);
	check_tree(c, fs->root.itab, fs->root.itab_depth, 0, fs->root.next_ino, CK_ITAB,
		   QFS_MAGIC_INODE);
	nfiles_dirs = c->res->files;
	if (!qfs_map_get(&c->inos, QFS_ROOT_INO, NULL, NULL))
		say(c, 1, "root directory inode % missing", QFS_ROOT_INO, 0);
	else
		check_names(c);
	if (nfiles_dirs != fs->root.nfiles)
		say(c, 1, "root record counts % files, the tree holds %", fs->root.nfiles,
		    nfiles_dirs);
	check_freemap(c);
}

/* Report a refused mount (there is no struct qfs to report through). */
static void report_refusal(const struct qfs_env *env, const struct qfs_mount_info *mi)
{
	char line[128] = "error: mount refused the image: ";
	size_t n = strlen(line);
	if (!env->report)
		return;
	put_str(line, &n, sizeof(line), qfs_mount_refusal(mi->refused));
	line[n] = 0;
	env->report(env->ctx, line);
}

int ck_run(struct ck *c, const struct qfs_dev *dev, const struct qfs_env *env,
	   struct qfs_fsck_result *res)
{
	memset(res, 0, sizeof(*res));
	memset(c, 0, sizeof(*c));
	c->res = res;
	int rc = qfs_mount_ex(dev, env, &c->fs, &res->mount);
	if (rc) {
		res->errors = 1;
		report_refusal(env, &res->mount);
		c->fs = NULL;
		return rc;
	}
	c->owner = qfs_zalloc(c->fs, (size_t)c->fs->sb.nblocks * sizeof(uint64_t));
	c->kind = qfs_zalloc(c->fs, (size_t)c->fs->sb.nblocks);
	qfs_map_init(&c->inos, &c->fs->env);
	if (!c->owner || !c->kind) {
		ck_free(c);
		return QFS_ENOMEM;
	}
	check_all(c);
	return 0;
}

void ck_free(struct ck *c)
{
	if (!c->fs)
		return;
	qfs_map_free(&c->inos);
	if (c->owner)
		c->fs->env.free(c->fs->env.ctx, c->owner);
	if (c->kind)
		c->fs->env.free(c->fs->env.ctx, c->kind);
	qfs_unmount(c->fs);
	c->fs = NULL;
}

int qfs_fsck(const struct qfs_dev *dev, const struct qfs_env *env,
	     struct qfs_fsck_result *res)
{
	struct ck c;
	int rc = ck_run(&c, dev, env, res);
	ck_free(&c);
	return rc;
}
