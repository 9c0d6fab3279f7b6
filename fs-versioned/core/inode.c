/*
 * inode.c - inode blocks (the version table of a file), the inode table, directories
 * and path names ("dir/name;ver"). Decoding checks every field, so a bad image gives
 * -QFS_ECORRUPT and never an out-of-range index. Layout: qfs_format.h.
 */
#include "qfs_internal.h"

#include <string.h>

struct qfs_inode *qfs_inode_alloc(struct qfs *fs)
{
	return qfs_zalloc(fs, sizeof(struct qfs_inode));
}

void qfs_inode_free(struct qfs *fs, struct qfs_inode *in)
{
	if (in)
		fs->env.free(fs->env.ctx, in);
}

void qfs_inode_decode(const uint8_t *buf, struct qfs_inode *in)
{
	in->ino = qfs_get64(buf + QFS_IN_INO);
	in->type = qfs_get16(buf + QFS_IN_TYPE);
	in->nvers = qfs_get16(buf + QFS_IN_NVERS);
	in->limit = qfs_get16(buf + QFS_IN_LIMIT);
	in->next_version = qfs_get32(buf + QFS_IN_NEXTVER);
	in->ctime = qfs_get64(buf + QFS_IN_CTIME);
	in->parent = qfs_get64(buf + QFS_IN_PARENT);
	for (unsigned i = 0; i < in->nvers && i < QFS_MAX_VERSIONS; i++) {
		const uint8_t *v = buf + QFS_IN_VERS + i * QFS_VE_SIZE;
		in->v[i].vnum = qfs_get32(v + QFS_VE_VNUM);
		in->v[i].depth = v[QFS_VE_DEPTH];
		in->v[i].size = qfs_get64(v + QFS_VE_FSIZE);
		in->v[i].mtime = qfs_get64(v + QFS_VE_MTIME);
		in->v[i].root.blk = qfs_get64(v + QFS_VE_ROOT);
		in->v[i].root.crc = qfs_get32(v + QFS_VE_ROOTCRC);
	}
}

static void inode_encode(const struct qfs_inode *in, uint8_t *buf)
{
	memset(buf + QFS_HDR_SIZE, 0, QFS_BLOCK_SIZE - QFS_HDR_SIZE);
	qfs_put32(buf, QFS_MAGIC_INODE);
	qfs_put64(buf + QFS_IN_INO, in->ino);
	qfs_put16(buf + QFS_IN_TYPE, (uint16_t)in->type);
	qfs_put16(buf + QFS_IN_NVERS, (uint16_t)in->nvers);
	qfs_put16(buf + QFS_IN_LIMIT, (uint16_t)in->limit);
	qfs_put32(buf + QFS_IN_NEXTVER, in->next_version);
	qfs_put64(buf + QFS_IN_CTIME, in->ctime);
	qfs_put64(buf + QFS_IN_PARENT, in->parent);
	for (unsigned i = 0; i < in->nvers; i++) {
		uint8_t *v = buf + QFS_IN_VERS + i * QFS_VE_SIZE;
		qfs_put32(v + QFS_VE_VNUM, in->v[i].vnum);
		v[QFS_VE_DEPTH] = in->v[i].depth;
		qfs_put64(v + QFS_VE_FSIZE, in->v[i].size);
		qfs_put64(v + QFS_VE_MTIME, in->v[i].mtime);
		qfs_put64(v + QFS_VE_ROOT, in->v[i].root.blk);
		qfs_put32(v + QFS_VE_ROOTCRC, in->v[i].root.crc);
	}
}

/* qfs_inode_check - 0 if every field of a decoded inode is in range. */
int qfs_inode_check(const struct qfs_inode *in, uint64_t ino)
{
	if (in->ino != ino || in->nvers > QFS_MAX_VERSIONS)
		return QFS_ECORRUPT;
	if (in->limit < 1 || in->limit > QFS_MAX_VERSIONS)
		return QFS_ECORRUPT;
	if (in->type == QFS_TYPE_DIR && in->nvers != 1)
		return QFS_ECORRUPT;
	if (in->type != QFS_TYPE_DIR && in->type != QFS_TYPE_FILE)
		return QFS_ECORRUPT;
	uint32_t prev = 0;
	for (unsigned i = 0; i < in->nvers; i++) {
		const struct qfs_ver *v = &in->v[i];
		if (v->vnum <= prev || v->vnum >= in->next_version || v->depth > QFS_MAX_DEPTH)
			return QFS_ECORRUPT;
		if (qfs_tree_leaves(v->size) > qfs_tree_cap(v->depth))
			return QFS_ECORRUPT;
		prev = v->vnum;
	}
	return 0;
}

/* qfs_inode_get - load and check inode ino (-QFS_ENOENT if the slot is empty). */
int qfs_inode_get(struct qfs *fs, uint64_t ino, struct qfs_inode *in)
{
	struct qfs_ptr p;
	int rc = qfs_tree_get(fs, fs->root.itab, fs->root.itab_depth, ino, &p);
	if (rc)
		return rc;
	if (p.blk == 0)
		return QFS_ENOENT;
	uint8_t *buf = qfs_buf_get(fs);
	if (!buf)
		return QFS_ENOMEM;
	rc = qfs_meta_read(fs, p, QFS_MAGIC_INODE, buf);
	if (rc == 0) {
		qfs_inode_decode(buf, in);
		rc = qfs_inode_check(in, ino);
	}
	qfs_buf_put(fs, buf);
	return rc;
}

/* qfs_inode_put - write the inode into this transaction (a new block unless dirty). */
int qfs_inode_put(struct qfs *fs, const struct qfs_inode *in)
{
	struct qfs_ptr p;
	if (qfs_inode_check(in, in->ino))
		return QFS_EINVAL; /* never write an inode mount would refuse */
	int rc = qfs_tree_get(fs, fs->root.itab, fs->root.itab_depth, in->ino, &p);
	if (rc)
		return rc;
	uint8_t *buf = qfs_meta_dirty(fs, p.blk);
	if (buf) {
		inode_encode(in, buf);
		return 0;
	}
	struct qfs_ptr np;
	rc = qfs_meta_new(fs, &np, &buf);
	if (rc == 0 && p.blk)
		rc = qfs_blk_free(fs, p.blk);
	if (rc)
		return rc;
	inode_encode(in, buf);
	return qfs_tree_set(fs, &fs->root.itab, &fs->root.itab_depth, in->ino, np, 1);
}

/* qfs_inode_drop - free inode ino's block and clear its inode-table slot. */
int qfs_inode_drop(struct qfs *fs, uint64_t ino)
{
	struct qfs_ptr p, hole = {0, 0};
	int rc = qfs_tree_get(fs, fs->root.itab, fs->root.itab_depth, ino, &p);
	if (rc == 0 && p.blk)
		rc = qfs_blk_free(fs, p.blk);
	if (rc == 0)
		rc = qfs_tree_set(fs, &fs->root.itab, &fs->root.itab_depth, ino, hole, 1);
	return rc;
}

/* A directory scan: find name (or a free slot when name == NULL), or call cb. */
struct dir_scan {
	const char *name;
	size_t len;
	qfs_dir_cb cb;
	void *ctx;
	uint64_t idx, ino;
	unsigned slot;
	int found, stop;
};

static int scan_block(const uint8_t *buf, struct dir_scan *s)
{
	for (unsigned i = 0; i < QFS_DIRENTS_PER_BLOCK; i++) {
		const uint8_t *e = buf + QFS_HDR_SIZE + i * QFS_DIRENT_SIZE;
		uint64_t ino = qfs_get64(e + QFS_DE_INO);
		uint16_t nl = qfs_get16(e + QFS_DE_NAMELEN);
		if (ino && (nl == 0 || nl > QFS_NAME_MAX))
			return QFS_ECORRUPT;
		if (s->cb && ino) {
			/* A name is its nl bytes, none of them NUL. One with a NUL inside (make
			 * fs-soak's seed 7: a length grown past the name's end, the checksum
			 * recomputed) reaches the callback as the empty name, which every name
			 * check refuses: fsck reports it, a listing shows the rest and fails. */
			char nm[QFS_NAME_MAX + 1];
			memcpy(nm, e + QFS_DE_NAME, nl);
			nm[memchr(nm, 0, nl) ? 0 : nl] = 0;
			s->stop = s->cb(s->ctx, nm, ino, e[QFS_DE_TYPE]);
			if (s->stop)
				return 0;
		} else if (!s->cb && (s->name ? ino && nl == s->len &&
						     !memcmp(e + QFS_DE_NAME, s->name, nl)
					      : !ino)) {
			s->found = 1;
			s->slot = i;
			s->ino = ino;
			return 0;
		}
	}
	return 0;
}

static int dir_scan(struct qfs *fs, const struct qfs_inode *d, struct dir_scan *s)
{
	uint64_t n = qfs_tree_leaves(d->v[0].size);
	uint8_t *buf = qfs_buf_get(fs);
	if (!buf)
		return QFS_ENOMEM;
	int rc = 0;
	for (s->idx = 0; s->idx < n && !s->found && !s->stop && rc == 0; s->idx++) {
		struct qfs_ptr p;
		rc = qfs_tree_get(fs, d->v[0].root, d->v[0].depth, s->idx, &p);
		if (rc == 0 && p.blk)
			rc = qfs_meta_read(fs, p, QFS_MAGIC_DIR, buf);
		if (rc == 0 && p.blk)
			rc = scan_block(buf, s);
		if (s->found)
			break;
	}
	qfs_buf_put(fs, buf);
	return rc;
}

static int dir_load(struct qfs *fs, uint64_t dir, struct qfs_inode **out)
{
	struct qfs_inode *d = qfs_inode_alloc(fs);
	if (!d)
		return QFS_ENOMEM;
	int rc = qfs_inode_get(fs, dir, d);
	if (rc == 0 && d->type != QFS_TYPE_DIR)
		rc = QFS_ENOTDIR;
	if (rc) {
		qfs_inode_free(fs, d);
		return rc;
	}
	*out = d;
	return 0;
}

/* qfs_dir_lookup - inode number of name in directory dir, or -QFS_ENOENT. */
int qfs_dir_lookup(struct qfs *fs, uint64_t dir, const char *name, size_t len,
		   uint64_t *ino)
{
	struct qfs_inode *d;
	struct dir_scan s = {name, len, NULL, NULL, 0, 0, 0, 0, 0};
	int rc = dir_load(fs, dir, &d);
	if (rc)
		return rc;
	rc = dir_scan(fs, d, &s);
	qfs_inode_free(fs, d);
	if (rc == 0 && !s.found)
		rc = QFS_ENOENT;
	if (rc == 0)
		*ino = s.ino;
	return rc;
}

int qfs_dir_iter(struct qfs *fs, uint64_t dir, qfs_dir_cb cb, void *ctx)
{
	struct qfs_inode *d;
	struct dir_scan s = {NULL, 0, cb, ctx, 0, 0, 0, 0, 0};
	int rc = dir_load(fs, dir, &d);
	if (rc)
		return rc;
	rc = dir_scan(fs, d, &s);
	qfs_inode_free(fs, d);
	return rc ? rc : s.stop;
}

/* Write one entry into block idx of directory d (new block if idx is past the end). */
static int dir_set(struct qfs *fs, struct qfs_inode *d, uint64_t idx, unsigned slot,
		   const char *name, uint64_t ino, uint32_t type)
{
	struct qfs_ptr p = {0, 0};
	uint8_t *buf;
	int rc = idx < qfs_tree_leaves(d->v[0].size)
			 ? qfs_tree_get(fs, d->v[0].root, d->v[0].depth, idx, &p)
			 : 0;
	if (rc == 0)
		rc = p.blk ? qfs_meta_cow(fs, &p, QFS_MAGIC_DIR, 1, &buf)
			   : qfs_meta_new(fs, &p, &buf);
	if (rc)
		return rc;
	qfs_put32(buf, QFS_MAGIC_DIR);
	uint8_t *e = buf + QFS_HDR_SIZE + slot * QFS_DIRENT_SIZE;
	size_t nl = name ? strlen(name) : 0;
	memset(e, 0, QFS_DIRENT_SIZE);
	qfs_put64(e + QFS_DE_INO, ino);
	qfs_put16(e + QFS_DE_NAMELEN, (uint16_t)nl);
	e[QFS_DE_TYPE] = (uint8_t)type;
	if (nl)
		memcpy(e + QFS_DE_NAME, name, nl);
	rc = qfs_tree_set(fs, &d->v[0].root, &d->v[0].depth, idx, p, 1);
	if (rc == 0 && idx >= qfs_tree_leaves(d->v[0].size))
		d->v[0].size = (idx + 1) * QFS_BLOCK_SIZE;
	if (rc == 0)
		rc = qfs_inode_put(fs, d);
	return rc;
}

/* qfs_dir_add - add name -> ino to directory dir in this transaction. */
int qfs_dir_add(struct qfs *fs, uint64_t dir, const char *name, uint64_t ino,
		uint32_t type)
{
	struct qfs_inode *d;
	struct dir_scan s = {NULL, 0, NULL, NULL, 0, 0, 0, 0, 0};
	int rc = dir_load(fs, dir, &d);
	if (rc)
		return rc;
	rc = dir_scan(fs, d, &s);
	if (rc == 0)
		rc = dir_set(fs, d, s.found ? s.idx : qfs_tree_leaves(d->v[0].size),
			     s.found ? s.slot : 0, name, ino, type);
	qfs_inode_free(fs, d);
	return rc;
}

/* qfs_dir_remove - remove name from directory dir in this transaction. */
int qfs_dir_remove(struct qfs *fs, uint64_t dir, const char *name)
{
	struct qfs_inode *d;
	struct dir_scan s = {name, strlen(name), NULL, NULL, 0, 0, 0, 0, 0};
	int rc = dir_load(fs, dir, &d);
	if (rc)
		return rc;
	rc = dir_scan(fs, d, &s);
	if (rc == 0 && !s.found)
		rc = QFS_ENOENT;
	if (rc == 0)
		rc = dir_set(fs, d, s.idx, s.slot, NULL, 0, 0);
	qfs_inode_free(fs, d);
	return rc;
}

/* qfs_name_check - 0 if s[0..n) is a valid name: 1..112 bytes, not "." or "..", no
 * '/', ';' or control character; else -QFS_EINVAL or -QFS_ENAMETOOLONG. */
int qfs_name_check(const char *s, size_t n)
{
	if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return QFS_EINVAL;
	if (n > QFS_NAME_MAX)
		return QFS_ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ';' || s[i] == '/' || (unsigned char)s[i] < 0x20)
			return QFS_EINVAL;
	return 0;
}

static int ver_parse(const char *s, struct qfs_path *p)
{
	int neg = *s == '-';
	int64_t v = 0;
	s += neg;
	if (!*s)
		return QFS_EINVAL;
	for (int n = 0; *s; s++, n++) {
		if (*s < '0' || *s > '9' || n >= 9)
			return QFS_EINVAL;
		v = v * 10 + (*s - '0');
	}
	p->has_ver = 1;
	p->ver = neg ? -v : v;
	return 0;
}

/* Skip a run of slashes. */
static const char *skip_slashes(const char *s)
{
	while (*s == '/')
		s++;
	return s;
}

/* qfs_path_parse - walk the directories of path; name "" means the root itself. */
int qfs_path_parse(struct qfs *fs, const char *path, struct qfs_path *p)
{
	p->dir = QFS_ROOT_INO;
	p->name[0] = 0;
	p->has_ver = 0;
	p->ver = 0;
	size_t len = strlen(path);
	p->trailing_slash = len > 0 && path[len - 1] == '/';
	path = skip_slashes(path);
	while (*path) {
		const char *end = path;
		while (*end && *end != '/')
			end++;
		const char *semi = path;
		while (semi < end && *semi != ';')
			semi++;
		int last = !*skip_slashes(end);
		int rc = qfs_name_check(path, (size_t)(semi - path));
		if (rc == 0 && semi < end && !last)
			rc = QFS_EINVAL;
		if (rc)
			return rc;
		if (last) {
			memcpy(p->name, path, (size_t)(semi - path));
			p->name[semi - path] = 0;
			return semi < end ? ver_parse(semi + 1, p) : 0;
		}
		rc = qfs_dir_lookup(fs, p->dir, path, (size_t)(end - path), &p->dir);
		if (rc)
			return rc;
		path = skip_slashes(end);
	}
	return 0;
}

/* qfs_ver_find - index in in->v of the version path names (newest by default). */
int qfs_ver_find(const struct qfs_inode *in, const struct qfs_path *p)
{
	if (in->nvers == 0)
		return QFS_ENOENT;
	if (!p->has_ver || p->ver == 0)
		return (int)in->nvers - 1;
	if (p->ver < 0)
		return -p->ver < (int64_t)in->nvers ? (int)(in->nvers - 1 + p->ver) : QFS_ENOENT;
	for (unsigned i = 0; i < in->nvers; i++)
		if (in->v[i].vnum == p->ver)
			return (int)i;
	return QFS_ENOENT;
}
