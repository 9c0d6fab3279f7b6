/*
 * handle.c - qfs-fuse open files. A read-only open pins a version; a read/write open is
 * the core's private copy. A close(2) after changes commits it as the next version (FUSE
 * flush, so close reports ENOSPC); an unchanged copy is committed at the final release,
 * so an open for writing and a close always make one version, as in the kernel. A dup'd
 * descriptor used after such a commit starts a new copy of the newest version.
 */
#define _GNU_SOURCE
#include "qfuse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qfs_format.h"

static struct qfuse_fh *fh_of(struct fuse_file_info *fi)
{
	return (struct qfuse_fh *)(uintptr_t)fi->fh;
}

/* Register a new handle for fi; takes ownership of f (aborted on failure). */
static int fh_add(const char *path, struct qfs_file *f, int rw, struct fuse_file_info *fi)
{
	struct qfuse *q = qfuse_get();
	struct qfuse_fh *h = calloc(1, sizeof(*h));
	char *p = strdup(path);
	if (!h || !p) {
		free(h);
		free(p);
		qfs_abort(f);
		return -ENOMEM;
	}
	h->f = f;
	h->path = p;
	h->rw = rw;
	h->append = (fi->flags & O_APPEND) != 0;
	h->next = q->handles;
	q->handles = h;
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 1;
	return 0;
}

static void fh_remove(struct qfuse_fh *h)
{
	struct qfuse_fh **pp = &qfuse_get()->handles;
	while (*pp && *pp != h)
		pp = &(*pp)->next;
	if (*pp)
		*pp = h->next;
	free(h->path);
	free(h);
}

/* The length of path without a ";N" suffix on its last component. */
static size_t base_len(const char *path)
{
	const char *last = strrchr(path, '/'), *semi = strchr(last ? last : path, ';');
	return semi ? (size_t)(semi - path) : strlen(path);
}

int qfuse_busy(const char *base, uint32_t vnum)
{
	size_t n = strlen(base);
	for (struct qfuse_fh *h = qfuse_get()->handles; h; h = h->next)
		if (h->f && base_len(h->path) == n && !strncmp(h->path, base, n) &&
		    (vnum == 0 || qfs_fversion(h->f) == vnum))
			return 1;
	return 0;
}

int qfuse_open(const char *path, struct fuse_file_info *fi)
{
	struct qfs_file *f = NULL;
	int rw = (fi->flags & O_ACCMODE) != O_RDONLY;
	int flags = rw ? QFS_O_RDWR | (fi->flags & O_TRUNC ? QFS_O_TRUNC : 0) : QFS_O_RDONLY;
	int rc = qfs_open(qfuse_get()->fs, path, flags, &f);
	struct stat st;
	if (rc == QFS_ENOENT && rw && qfuse_pending_stat(path, &st) == 0) /* the kernel saw */
		rc = qfs_open(qfuse_get()->fs, path, flags | QFS_O_CREAT, &f); /* a new file */
	return rc ? qfuse_err(rc) : fh_add(path, f, rw, fi);
}

/* A new name: always a read/write copy (even O_RDONLY|O_CREAT), so closing creates it. */
int qfuse_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct qfs_stat st;
	struct qfs_file *f = NULL;
	(void)mode; /* the format has no modes */
	if ((fi->flags & O_EXCL) && qfs_stat(qfuse_get()->fs, path, &st) == 0)
		return -EEXIST;
	int flags = QFS_O_RDWR | QFS_O_CREAT | (fi->flags & O_TRUNC ? QFS_O_TRUNC : 0);
	int rc = qfs_open(qfuse_get()->fs, path, flags, &f);
	return rc ? qfuse_err(rc) : fh_add(path, f, 1, fi);
}

/* The core handle to use now: reopens after a commit at flush (see the file comment). */
static int fh_file(struct qfuse_fh *h, struct qfs_file **out)
{
	if (h->failed)
		return -EIO;
	if (!h->f) {
		int rc = qfs_open(qfuse_get()->fs, h->path, h->rw ? QFS_O_RDWR : 0, &h->f);
		if (rc)
			return qfuse_err(rc);
	}
	*out = h->f;
	return 0;
}

int qfuse_read(const char *path, char *buf, size_t n, off_t off, struct fuse_file_info *fi)
{
	struct qfs_file *f = NULL;
	(void)path;
	int rc = fh_file(fh_of(fi), &f);
	if (rc)
		return rc;
	long got = qfs_read(f, (uint64_t)off, buf, n);
	return got < 0 ? qfuse_err((int)got) : (int)got;
}

/* Block by block, so a failure (ENOSPC) leaves exactly the bytes reported written. */
int qfuse_write(const char *path, const char *buf, size_t n, off_t off,
		struct fuse_file_info *fi)
{
	struct qfuse_fh *h = fh_of(fi);
	struct qfs_file *f = NULL;
	size_t done = 0;
	(void)path;
	int rc = fh_file(h, &f);
	if (rc)
		return rc;
	uint64_t pos = h->append ? qfs_fsize(f) : (uint64_t)off;
	while (done < n) {
		size_t len = QFS_BLOCK_SIZE - (size_t)((pos + done) % QFS_BLOCK_SIZE);
		if (len > n - done)
			len = n - done;
		long w = qfs_write(f, pos + done, buf + done, len);
		if (w < 0) {
			rc = qfuse_err((int)w);
			break;
		}
		h->dirty = 1;
		done += len;
	}
	return done ? (int)done : rc;
}

/* ftruncate changes the copy; truncate(path) is an open, truncate and close (a version). */
int qfuse_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct qfs_file *f = NULL;
	if (size < 0)
		return -EINVAL;
	if (fi) {
		struct qfuse_fh *h = fh_of(fi);
		int rc = h->rw ? fh_file(h, &f) : -EBADF;
		if (rc == 0 && (rc = qfuse_err(qfs_truncate(f, (uint64_t)size))) == 0)
			h->dirty = 1;
		return rc;
	}
	int rc = qfs_open(qfuse_get()->fs, path, QFS_O_RDWR, &f);
	if (rc)
		return qfuse_err(rc);
	rc = qfs_truncate(f, (uint64_t)size);
	if (rc) {
		qfs_abort(f);
		return qfuse_err(rc);
	}
	rc = qfs_close(f);
	return rc < 0 ? qfuse_err(rc) : 0;
}

/* Commit the copy if it changed; at release (final) also an unchanged copy that was
 * never committed: an open for writing and a close make a version, as in the kernel. */
static int fh_commit(struct qfuse_fh *h, int final)
{
	if (!h->rw || !h->f || h->failed || !(h->dirty || (final && !h->committed)))
		return 0;
	int rc = qfs_close(h->f);
	h->f = NULL;
	h->committed = 1;
	h->dirty = 0;
	if (rc < 0) {
		h->failed = 1;
		return qfuse_err(rc);
	}
	return 0;
}

int qfuse_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	return fh_commit(fh_of(fi), 0);
}

int qfuse_release(const char *path, struct fuse_file_info *fi)
{
	struct qfuse_fh *h = fh_of(fi);
	int rc = fh_commit(h, 1);
	if (rc)
		fprintf(stderr, "qfs-fuse: %s: commit at release failed: %s\n", h->path,
			strerror(-rc));
	if (h->f && h->rw)
		qfs_abort(h->f); /* a clean copy reopened after the last commit */
	else if (h->f)
		qfs_close(h->f);
	(void)path;
	fh_remove(h);
	return 0;
}

/* The copy's blocks are on the image already; fsync makes them durable. They become a
 * version only when the file is closed. */
int qfuse_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path, (void)datasync, (void)fi;
	return fdatasync(qfuse_get()->lock_fd) ? -EIO : 0;
}

int qfuse_fh_stat(struct fuse_file_info *fi, struct stat *st)
{
	struct qfuse_fh *h = fh_of(fi);
	struct qfs_stat qs;
	if (!h->f)
		return qfuse_stat_path(h->path, st);
	int known = qfs_stat(qfuse_get()->fs, h->path, &qs) == 0;
	qfuse_stat_file(st, qfs_fsize(h->f), known ? qs.mtime : (uint64_t)time(NULL));
	return 0;
}

int qfuse_pending_stat(const char *path, struct stat *st)
{
	for (struct qfuse_fh *h = qfuse_get()->handles; h; h = h->next)
		if (h->f && h->rw && !qfs_fversion(h->f) && !strcmp(h->path, path)) {
			qfuse_stat_file(st, qfs_fsize(h->f), (uint64_t)time(NULL));
			return 0;
		}
	return -ENOENT;
}

void qfuse_drop_all(struct qfuse *q)
{
	while (q->handles) {
		struct qfuse_fh *h = q->handles;
		q->handles = h->next;
		if (h->f && h->rw)
			qfs_abort(h->f);
		else if (h->f)
			qfs_close(h->f);
		free(h->path);
		free(h);
	}
}
