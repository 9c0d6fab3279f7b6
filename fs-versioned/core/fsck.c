/*
 * fsck.c - the checker. It mounts (superblock, ring and free-map checks), then walks
 * the inode table and every version of every file and directory, verifying each
 * block's checksum once, that each block has one owner (versions of one file may share),
 * that directories name every inode exactly once and reach them all from the root,
 * and that the free map marks exactly the blocks the tree references.
 */
#include "qfs_internal.h"

#include <string.h>

#define CK_ITAB UINT64_MAX /* owner of inode-table blocks */
#define CK_MAXLINES 40

struct ck {
	struct qfs *fs;
	struct qfs_fsck_result *res;
	uint64_t *owner; /* per block: owning inode, CK_ITAB, or 0 */
	struct qfs_map inos; /* ino -> type */
	uint64_t nlines;
};

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

/* Report a finding: each '%' in msg takes the next of a, b. */
static void say(struct ck *c, int error, const char *msg, uint64_t a, uint64_t b)
{
	char line[160];
	size_t n = 0;
	uint64_t args[2] = {a, b};
	int ai = 0;
	const char *pfx = error ? "error: " : "warning: ";
	if (error)
		c->res->errors++;
	else
		c->res->warnings++;
	if (!c->fs->env.report || c->nlines++ >= CK_MAXLINES)
		return;
	for (const char *p = pfx; *p; p++)
		line[n++] = *p;
	for (const char *p = msg; *p && n + 1 < sizeof(line); p++) {
		if (*p == '%' && ai < 2)
			put_u64(line, &n, sizeof(line), args[ai++]);
		else
			line[n++] = *p;
	}
	line[n] = 0;
	c->fs->env.report(c->fs->env.ctx, line);
}

/* Claim blk for owner: 1 new, 0 already this owner's (shared), -1 error reported. */
static int claim(struct ck *c, uint64_t blk, uint64_t owner, int may_share)
{
	struct qfs *fs = c->fs;
	if (blk < fs->sb.data_start || blk >= fs->sb.nblocks) {
		say(c, 1, "pointer to block % outside the data region (owner %)", blk, owner);
		return -1;
	}
	if (c->owner[blk] == 0) {
		c->owner[blk] = owner;
		c->res->blocks_checked++;
		return 1;
	}
	if (c->owner[blk] == owner && may_share)
		return 0;
	say(c, 1, "block % referenced twice (owners differ or not shareable: %)", blk, owner);
	return -1;
}

static void check_inode(struct ck *c, uint64_t ino, const uint8_t *buf);

/* Check one leaf: data (magic 0), a DIR block or an INODE block (ino = idx). */
static void check_leaf(struct ck *c, struct qfs_ptr p, uint64_t idx, uint64_t owner,
		       uint32_t magic, uint8_t *buf)
{
	int r = claim(c, p.blk, owner, magic == 0);
	if (r <= 0)
		return;
	if (magic == 0) {
		if (qfs_dev_read(c->fs, p.blk, buf) || qfs_crc32c(buf, QFS_BLOCK_SIZE) != p.crc)
			say(c, 1, "data block % of inode %: checksum mismatch", p.blk, owner);
		return;
	}
	if (qfs_meta_read(c->fs, p, magic, buf)) {
		say(c, 1, "metadata block % (owner %): bad header or checksum", p.blk, owner);
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
		say(c, 1, "block % past the end of its tree (owner %)", p.blk, owner);
		return;
	}
	uint8_t *buf = qfs_buf_get(c->fs);
	if (!buf) {
		say(c, 1, "out of memory at block % (owner %)", p.blk, owner);
		return;
	}
	if (lvl == 0) {
		check_leaf(c, p, base, owner, magic, buf);
	} else if (claim(c, p.blk, owner, owner != CK_ITAB) == 1) {
		if (qfs_meta_read(c->fs, p, QFS_MAGIC_PTR, buf) ||
		    qfs_get32(buf + QFS_HDR_AUX) != lvl) {
			say(c, 1, "pointer block % (owner %): bad header, level or checksum",
			    p.blk, owner);
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
	uint64_t dir;
	uint64_t *queue;
	size_t nq, capq;
};

static int dir_entry_cb(void *ctx, const char *name, uint64_t ino, uint32_t type)
{
	struct dir_ck *d = ctx;
	uint64_t t, n = 0;
	(void)name;
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
	struct dir_ck d = {c, &refs, 0, NULL, 0, c->inos.count + 1};
	qfs_map_init(&refs, &c->fs->env);
	d.queue = c->fs->env.alloc(c->fs->env.ctx, d.capq * sizeof(uint64_t));
	if (!d.queue) {
		say(c, 1, "out of memory checking % inodes", c->inos.count, 0);
		return;
	}
	d.queue[d.nq++] = QFS_ROOT_INO;
	for (size_t qi = 0; qi < d.nq; qi++) {
		d.dir = d.queue[qi];
		if (qfs_dir_iter(c->fs, d.dir, dir_entry_cb, &d) < 0)
			say(c, 1, "directory % cannot be read", d.dir, 0);
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
	for (uint64_t b = fs->sb.data_start; b < fs->sb.nblocks; b++) {
		int used = qfs_bit(fs->ref, b);
		if (used && !c->owner[b])
			say(c, 1, "block % marked used in the free map but unreferenced", b, 0);
		else if (!used && c->owner[b])
			say(c, 1, "block % in use (owner %) but marked free", b, c->owner[b]);
	}
}

/* Warn about ring slots holding a damaged root record (mount fell back past them). */
static void check_ring(struct ck *c)
{
	struct qfs *fs = c->fs;
	uint8_t *buf = qfs_buf_get(fs);
	struct qfs_root r;
	for (uint32_t i = 0; buf && i < fs->sb.ring_len; i++) {
		uint64_t blk = fs->sb.ring_start + i;
		if (qfs_dev_read(fs, blk, buf) == 0 && qfs_get32(buf) == QFS_MAGIC_ROOT &&
		    qfs_root_decode(&fs->sb, buf, blk, &r))
			say(c, 0, "root record in block % is damaged; using generation %", blk,
			    fs->root.gen);
	}
	qfs_buf_put(fs, buf);
}

static void check_all(struct ck *c)
{
	struct qfs *fs = c->fs;
	uint64_t nfiles_dirs;
	check_ring(c);
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

int qfs_fsck(const struct qfs_dev *dev, const struct qfs_env *env,
	     struct qfs_fsck_result *res)
{
	struct ck c;
	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	c.res = res;
	int rc = qfs_mount(dev, env, &c.fs);
	if (rc) {
		res->errors = 1;
		if (env->report) {
			char line[96] = "error: mount refused the image: ";
			size_t n = strlen(line);
			for (const char *p = qfs_strerror(rc); *p && n + 1 < sizeof(line); p++)
				line[n++] = *p;
			line[n] = 0;
			env->report(env->ctx, line);
		}
		return rc;
	}
	c.owner = qfs_zalloc(c.fs, (size_t)c.fs->sb.nblocks * sizeof(uint64_t));
	qfs_map_init(&c.inos, &c.fs->env);
	if (!c.owner) {
		qfs_unmount(c.fs);
		return QFS_ENOMEM;
	}
	check_all(&c);
	qfs_map_free(&c.inos);
	c.fs->env.free(c.fs->env.ctx, c.owner);
	qfs_unmount(c.fs);
	return 0;
}
