/*
 * ops.c - qfs-fuse name-space operations: attributes, listings (every file as `name`
 * plus one `name;N` entry per version), mkdir, rmdir, unlink, statfs, the attributes
 * the format does not have (accepted and ignored), and the operation table.
 */
#define _GNU_SOURCE
#include "qfuse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "qfs_format.h"

struct qfuse *qfuse_get(void)
{
	return fuse_get_context()->private_data;
}

int qfuse_err(int rc)
{
	static const int known[] = {ENOENT, EIO, EBADF, ENOMEM, EBUSY, EEXIST, ENOTDIR,
				    EISDIR, EINVAL, EFBIG, ENOSPC, EROFS, ENAMETOOLONG,
				    ENOTEMPTY};
	if (rc >= 0)
		return 0;
	if (rc == QFS_ECORRUPT)
		return -EUCLEAN; /* "Structure needs cleaning", as ext4 reports damage */
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (rc == -known[i])
			return rc;
	return -EIO;
}

void qfuse_stat_file(struct stat *st, uint64_t size, uint64_t mtime)
{
	struct qfuse *q = qfuse_get();
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0644;
	st->st_nlink = 1;
	st->st_uid = q->uid;
	st->st_gid = q->gid;
	st->st_size = (off_t)size;
	st->st_blksize = QFS_BLOCK_SIZE;
	st->st_blocks = (blkcnt_t)((size + QFS_BLOCK_SIZE - 1) / QFS_BLOCK_SIZE * 8);
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = (time_t)mtime;
}

static void stat_dir(struct stat *st, uint64_t mtime)
{
	qfuse_stat_file(st, QFS_BLOCK_SIZE, mtime);
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
}

int qfuse_stat_path(const char *path, struct stat *st)
{
	struct qfs_stat qs;
	int rc = qfs_stat(qfuse_get()->fs, path, &qs);
	if (rc == QFS_ENOENT)
		return qfuse_pending_stat(path, st);
	if (rc)
		return qfuse_err(rc);
	if (qs.type == QFS_TYPE_DIR)
		stat_dir(st, qs.mtime);
	else
		qfuse_stat_file(st, qs.size, qs.mtime);
	return 0;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	if (fi)
		return qfuse_fh_stat(fi, st);
	return qfuse_stat_path(path, st);
}

/* Directory entries are collected first: the core is not re-entered from its callback. */
struct dirlist {
	size_t n, cap;
	char (*name)[QFS_NAME_MAX + 1];
	uint32_t *type;
};

static int dir_collect(void *ctx, const char *name, uint64_t ino, uint32_t type)
{
	struct dirlist *d = ctx;
	(void)ino;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		void *nn = realloc(d->name, cap * sizeof(d->name[0]));
		if (!nn)
			return QFS_ENOMEM;
		d->name = nn;
		void *nt = realloc(d->type, cap * sizeof(d->type[0]));
		if (!nt)
			return QFS_ENOMEM;
		d->type = nt;
		d->cap = cap;
	}
	snprintf(d->name[d->n], sizeof(d->name[0]), "%s", name);
	d->type[d->n++] = type;
	return 0;
}

/* One listed file: `name` (the newest) and `name;N` for every version. */
static int fill_file(const char *dir, const char *name, void *buf, fuse_fill_dir_t filler)
{
	struct qfs_vinfo v[QFS_MAX_VERSIONS];
	char path[4096], vname[QFS_NAME_MAX + 16];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "", name);
	int n = qfs_versions(qfuse_get()->fs, path, v, QFS_MAX_VERSIONS);
	if (n <= 0)
		return n < 0 ? qfuse_err(n) : 0;
	qfuse_stat_file(&st, v[n - 1].size, v[n - 1].mtime);
	if (filler(buf, name, &st, 0, 0))
		return 1;
	for (int i = n; i-- > 0;) {
		snprintf(vname, sizeof(vname), "%s;%u", name, v[i].vnum);
		qfuse_stat_file(&st, v[i].size, v[i].mtime);
		if (filler(buf, vname, &st, 0, 0))
			return 1;
	}
	return 0;
}

/* nullpath_ok gives readdir no path: opendir keeps it in the handle. */
static int op_opendir(const char *path, struct fuse_file_info *fi)
{
	struct stat st;
	int rc = qfuse_stat_path(path, &st);
	if (rc == 0 && !S_ISDIR(st.st_mode))
		rc = -ENOTDIR;
	char *p = rc ? NULL : strdup(path);
	if (rc == 0 && !p)
		rc = -ENOMEM;
	fi->fh = (uint64_t)(uintptr_t)p;
	return rc;
}

static int op_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	free((char *)(uintptr_t)fi->fh);
	return 0;
}

static int op_readdir(const char *dpath, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct dirlist d = {0, 0, NULL, NULL};
	struct stat st;
	const char *path = (const char *)(uintptr_t)fi->fh;
	(void)dpath, (void)off, (void)flags;
	int rc = qfs_readdir(qfuse_get()->fs, path, dir_collect, &d);
	rc = rc < 0 ? qfuse_err(rc) : 0;
	if (rc == 0) {
		stat_dir(&st, 0);
		filler(buf, ".", &st, 0, 0);
		filler(buf, "..", &st, 0, 0);
	}
	for (size_t i = 0; rc == 0 && i < d.n; i++) {
		if (d.type[i] == QFS_TYPE_DIR)
			rc = filler(buf, d.name[i], &st, 0, 0) ? 1 : 0;
		else
			rc = fill_file(path, d.name[i], buf, filler);
	}
	free(d.name);
	free(d.type);
	return rc < 0 ? rc : 0;
}

static int op_mkdir(const char *path, mode_t mode)
{
	(void)mode; /* the format has no modes: directories show as 0755 */
	return qfuse_err(qfs_mkdir(qfuse_get()->fs, path));
}

static int op_rmdir(const char *path)
{
	return qfuse_err(qfs_rmdir(qfuse_get()->fs, path));
}

/* `name;N` deletes one version (the last one takes the file), `name` the whole file. */
static int op_unlink(const char *path)
{
	return qfuse_err(qfs_delete(qfuse_get()->fs, path));
}

static int op_statfs(const char *path, struct statvfs *sv)
{
	struct qfs_statfs s;
	(void)path;
	qfs_statfs(qfuse_get()->fs, &s);
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = sv->f_frsize = QFS_BLOCK_SIZE;
	sv->f_blocks = s.data_blocks;
	sv->f_bfree = s.free + s.reserve; /* the reserve is free, but only for purge/delete */
	sv->f_bavail = s.free;
	sv->f_files = s.nfiles + s.free; /* every new file needs at least one inode block */
	sv->f_ffree = sv->f_favail = s.free;
	sv->f_namemax = QFS_NAME_MAX;
	return 0;
}

/* The format keeps no mode, owner or chosen times: these succeed on an existing path
 * (so cp -p, rsync -a, sed -i and touch work) and change nothing. */
static int exists(const char *path, struct fuse_file_info *fi)
{
	struct stat st;
	return fi ? qfuse_fh_stat(fi, &st) : qfuse_stat_path(path, &st);
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)mode;
	return exists(path, fi);
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void)uid, (void)gid;
	return exists(path, fi);
}

static int op_utimens(const char *path, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	(void)tv;
	return exists(path, fi);
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	cfg->use_ino = 0;      /* distinct st_ino per name: cmp/diff never skip `a` vs `a;1` */
	cfg->hard_remove = 1;  /* no .fuse_hidden renames: unlink of an open file is EBUSY */
	cfg->nullpath_ok = 1;  /* handle ops use the handle, never a (renamed) path */
	cfg->direct_io = 1;    /* no shared page cache: each handle sees its own version */
	cfg->kernel_cache = 0;
	cfg->entry_timeout = cfg->attr_timeout = cfg->negative_timeout = 0;
	conn->want |= FUSE_CAP_ATOMIC_O_TRUNC & conn->capable;
	conn->want &= ~(unsigned)FUSE_CAP_WRITEBACK_CACHE;
	return qfuse_get();
}

static const struct fuse_operations ops = {
	.getattr = op_getattr,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.releasedir = op_releasedir,
	.mkdir = op_mkdir,
	.rmdir = op_rmdir,
	.unlink = op_unlink,
	.rename = qfuse_rename,
	.statfs = op_statfs,
	.chmod = op_chmod,
	.chown = op_chown,
	.utimens = op_utimens,
	.truncate = qfuse_truncate,
	.open = qfuse_open,
	.create = qfuse_create,
	.read = qfuse_read,
	.write = qfuse_write,
	.flush = qfuse_flush,
	.release = qfuse_release,
	.fsync = qfuse_fsync,
	.setxattr = qfuse_setxattr,
	.getxattr = qfuse_getxattr,
	.listxattr = qfuse_listxattr,
	.removexattr = qfuse_removexattr,
	.init = op_init,
};

const struct fuse_operations *qfuse_ops(void)
{
	return &ops;
}
