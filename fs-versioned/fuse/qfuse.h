/*
 * qfuse.h - internals of qfs-fuse (module prefix qfuse_): the mounted state, the open
 * handle table and the FUSE operation groups (namespace, file handles, rename, xattrs).
 * Everything runs on libfuse's single thread (-s), so nothing here is locked. Errors are
 * negative errno values, as libfuse wants them; qfuse_err converts the core's codes.
 */
#ifndef QFUSE_H
#define QFUSE_H

#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <stdint.h>

#include "qfs.h"

/* An open file: a core handle, or none between a commit at flush and the next use. */
struct qfuse_fh {
	struct qfs_file *f; /* NULL after a commit at flush until the next read/write */
	char *path;         /* the path it was opened by ("/dir/name" or "/dir/name;3") */
	int rw;             /* opened for writing: the handle is a private copy */
	int append;         /* O_APPEND: every write goes to the copy's end */
	int dirty;          /* written or truncated since it was opened or last committed */
	int committed;      /* a flush has committed it at least once */
	int failed;         /* a commit failed: the copy is gone, later use gives EIO */
	struct qfuse_fh *next;
};

/* The mounted file system, libfuse's private_data. */
struct qfuse {
	struct qfs *fs;
	int lock_fd;             /* the image, flock(LOCK_EX) held for the mount's life */
	uid_t uid;               /* owner shown for every file (the mounting user) */
	gid_t gid;
	struct qfuse_fh *handles; /* every open handle (rename refuses busy sources) */
};

/* qfuse_get - the mounted state of the calling FUSE request. */
struct qfuse *qfuse_get(void);

/* qfuse_err - a core result as 0 (any rc >= 0) or a negative errno (unknown: -EIO). */
int qfuse_err(int qfs_rc);

/* qfuse_ops - the complete operation table handed to fuse_new. */
const struct fuse_operations *qfuse_ops(void);

/* qfuse_stat_path - fill st for path (file, version, directory, or a new file still
 * open in its creator's handle); 0 or -errno. */
int qfuse_stat_path(const char *path, struct stat *st);

/* qfuse_stat_file - fill st as a regular file of size bytes changed at mtime. */
void qfuse_stat_file(struct stat *st, uint64_t size, uint64_t mtime);

/* File handle operations (handle.c), called by libfuse with fi->fh set by open/create;
 * each returns 0 (read/write: a byte count) or a negative errno. */
/* qfuse_open - open a version read-only (a pin) or a read/write copy (O_TRUNC: empty). */
int qfuse_open(const char *path, struct fuse_file_info *fi);
/* qfuse_create - a read/write copy of a new file (it exists once committed); EEXIST. */
int qfuse_create(const char *path, mode_t mode, struct fuse_file_info *fi);
/* qfuse_read - read the handle's version or copy; EIO after a failed commit. */
int qfuse_read(const char *path, char *buf, size_t n, off_t off, struct fuse_file_info *fi);
/* qfuse_write - write into the copy block by block (O_APPEND: at its end); a short
 * count when a later block fails, else ENOSPC/EFBIG/EIO. */
int qfuse_write(const char *path, const char *buf, size_t n, off_t off,
		struct fuse_file_info *fi);
/* qfuse_truncate - ftruncate the copy (fi), or truncate(path): a new version; EBADF on
 * a read-only handle, EINVAL for a negative size. */
int qfuse_truncate(const char *path, off_t size, struct fuse_file_info *fi);
/* qfuse_flush - close(2): commit a changed copy; its error (ENOSPC, EIO) goes to close. */
int qfuse_flush(const char *path, struct fuse_file_info *fi);
/* qfuse_release - the last close: commit an untouched, never committed copy (errors go
 * to stderr: nobody is waiting), drop the handle. Always 0. */
int qfuse_release(const char *path, struct fuse_file_info *fi);
/* qfuse_fsync - make the image durable (fdatasync); EIO if that fails. */
int qfuse_fsync(const char *path, int datasync, struct fuse_file_info *fi);
/* qfuse_fh_stat - attributes seen through an open handle (its copy's size). */
int qfuse_fh_stat(struct fuse_file_info *fi, struct stat *st);
/* qfuse_pending_stat - attributes of a file created by an open handle and not yet
 * committed (so its creator can stat, chmod and touch it); -ENOENT if there is none. */
int qfuse_pending_stat(const char *path, struct stat *st);
/* qfuse_drop_all - at exit, without FUSE: drop every handle left (copies uncommitted). */
void qfuse_drop_all(struct qfuse *q);
/* qfuse_busy - is a handle open on file base (any version, or pinning version vnum)? */
int qfuse_busy(const char *base, uint32_t vnum);

/* qfuse_rename - move a file's versions to another name (rename.c; see README). */
int qfuse_rename(const char *from, const char *to, unsigned int flags);

/* Extended attributes (xattr.c; exact names and errors in specs/fs-format.md). */
/* qfuse_setxattr - user.qfs.limit (set the limit) or user.qfs.purge (keep N); EINVAL,
 * EPERM (user.qfs.versions), ENOTSUP (other names), EISDIR, core errors. */
int qfuse_setxattr(const char *path, const char *name, const char *value, size_t n,
		   int flags);
/* qfuse_getxattr - user.qfs.limit / user.qfs.versions as text; length, or ENODATA,
 * ERANGE (n too small), ENOENT. */
int qfuse_getxattr(const char *path, const char *name, char *value, size_t n);
/* qfuse_listxattr - "user.qfs.limit" for a committed file, nothing otherwise. */
int qfuse_listxattr(const char *path, char *list, size_t n);
/* qfuse_removexattr - EPERM for the user.qfs.* names, ENODATA for others. */
int qfuse_removexattr(const char *path, const char *name);

#endif /* QFUSE_H */
