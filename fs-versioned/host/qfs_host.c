/*
 * qfs_host.c - host environment and block devices for the qfs core: image files
 * (pread/pwrite/fsync), memory, and a recording device used by the crash tests.
 */
#define _POSIX_C_SOURCE 200809L
#include "qfs_host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qfs_format.h"

static void *env_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return malloc(n ? n : 1);
}

static void env_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static uint64_t env_now(void *ctx)
{
	(void)ctx;
	return (uint64_t)time(NULL);
}

static void env_report(void *ctx, const char *line)
{
	if (ctx)
		fprintf((FILE *)ctx, "%s\n", line);
}

void qfs_host_env(struct qfs_env *env, FILE *out)
{
	env->ctx = out;
	env->alloc = env_alloc;
	env->free = env_free;
	env->now = env_now;
	env->report = env_report;
}

static int img_read(void *ctx, uint64_t blk, void *buf)
{
	int fd = (int)(intptr_t)ctx;
	ssize_t n = pread(fd, buf, QFS_BLOCK_SIZE, (off_t)(blk * QFS_BLOCK_SIZE));
	if (n == (ssize_t)QFS_BLOCK_SIZE)
		return 0;
	if (n >= 0) { /* short image: the rest reads as zeros */
		memset((uint8_t *)buf + n, 0, QFS_BLOCK_SIZE - (size_t)n);
		return 0;
	}
	return QFS_EIO;
}

static int img_write(void *ctx, uint64_t blk, const void *buf)
{
	int fd = (int)(intptr_t)ctx;
	ssize_t n = pwrite(fd, buf, QFS_BLOCK_SIZE, (off_t)(blk * QFS_BLOCK_SIZE));
	return n == (ssize_t)QFS_BLOCK_SIZE ? 0 : QFS_EIO;
}

static int img_flush(void *ctx)
{
	return fdatasync((int)(intptr_t)ctx) ? QFS_EIO : 0;
}

int qfs_host_img_open(const char *path, int create, uint64_t nblocks, struct qfs_dev *dev)
{
	int fd = open(path, create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0644);
	struct stat st;
	if (fd < 0)
		return errno == ENOENT ? QFS_ENOENT : QFS_EIO;
	if (create && ftruncate(fd, (off_t)(nblocks * QFS_BLOCK_SIZE))) {
		close(fd);
		return QFS_EIO;
	}
	if (fstat(fd, &st)) {
		close(fd);
		return QFS_EIO;
	}
	dev->ctx = (void *)(intptr_t)fd;
	dev->nblocks = (uint64_t)st.st_size / QFS_BLOCK_SIZE;
	dev->read = img_read;
	dev->write = img_write;
	dev->flush = img_flush;
	return 0;
}

/* Lock fd without waiting; 0, -QFS_EBUSY (held elsewhere) or -QFS_EIO. */
static int img_lock(int fd, int mode)
{
	if (flock(fd, (mode == QFS_HOST_WRITE ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
		return 0;
	return errno == EWOULDBLOCK ? QFS_EBUSY : QFS_EIO;
}

/* Fill dev for an open, locked image fd; closes fd on failure. */
static int img_dev(int fd, struct qfs_dev *dev)
{
	struct stat st;
	if (fstat(fd, &st)) {
		int e = errno;
		close(fd);
		errno = e;
		return QFS_EIO;
	}
	dev->ctx = (void *)(intptr_t)fd;
	dev->nblocks = (uint64_t)st.st_size / QFS_BLOCK_SIZE;
	dev->read = img_read;
	dev->write = img_write;
	dev->flush = img_flush;
	return 0;
}

int qfs_host_open_image(const char *path, int mode, struct qfs_dev *dev)
{
	int fd = open(path, mode == QFS_HOST_WRITE ? O_RDWR : O_RDONLY);
	if (fd < 0)
		return errno == ENOENT ? QFS_ENOENT : QFS_EIO;
	int rc = img_lock(fd, mode);
	if (rc) {
		int e = errno;
		close(fd);
		errno = e;
		return rc;
	}
	return img_dev(fd, dev);
}

int qfs_host_create_image(const char *path, uint64_t nblocks, struct qfs_dev *dev)
{
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return errno == ENOENT ? QFS_ENOENT : QFS_EIO;
	int rc = img_lock(fd, QFS_HOST_WRITE);
	if (rc == 0 && (ftruncate(fd, 0) || ftruncate(fd, (off_t)(nblocks * QFS_BLOCK_SIZE))))
		rc = QFS_EIO;
	if (rc) {
		int e = errno;
		close(fd);
		errno = e;
		return rc;
	}
	return img_dev(fd, dev);
}

void qfs_host_img_close(struct qfs_dev *dev)
{
	close((int)(intptr_t)dev->ctx);
}

static int mem_read(void *ctx, uint64_t blk, void *buf)
{
	struct qfs_host_mem *m = ctx;
	if (blk >= m->nblocks)
		return QFS_EIO;
	m->nreads++;
	memcpy(buf, m->data + blk * QFS_BLOCK_SIZE, QFS_BLOCK_SIZE);
	return 0;
}

static int mem_write(void *ctx, uint64_t blk, const void *buf)
{
	struct qfs_host_mem *m = ctx;
	if (blk >= m->nblocks)
		return QFS_EIO;
	if (m->fail_after > 0 && --m->fail_after == 0) {
		m->fail_after = -1;
		return QFS_EIO;
	}
	if (m->fail_after < 0)
		return QFS_EIO;
	m->nwrites++;
	memcpy(m->data + blk * QFS_BLOCK_SIZE, buf, QFS_BLOCK_SIZE);
	return 0;
}

static int mem_flush(void *ctx)
{
	struct qfs_host_mem *m = ctx;
	m->nflushes++;
	return m->fail_after < 0 ? QFS_EIO : 0;
}

int qfs_host_mem_init(struct qfs_host_mem *m, uint64_t nblocks, struct qfs_dev *dev)
{
	memset(m, 0, sizeof(*m));
	m->data = calloc((size_t)nblocks, QFS_BLOCK_SIZE);
	if (!m->data)
		return QFS_ENOMEM;
	m->nblocks = nblocks;
	dev->ctx = m;
	dev->nblocks = nblocks;
	dev->read = mem_read;
	dev->write = mem_write;
	dev->flush = mem_flush;
	return 0;
}

void qfs_host_mem_wrap(struct qfs_host_mem *m, uint8_t *data, uint64_t nblocks,
		       struct qfs_dev *dev)
{
	memset(m, 0, sizeof(*m));
	m->data = data;
	m->nblocks = nblocks;
	dev->ctx = m;
	dev->nblocks = nblocks;
	dev->read = mem_read;
	dev->write = mem_write;
	dev->flush = mem_flush;
}

void qfs_host_mem_free(struct qfs_host_mem *m)
{
	free(m->data);
	m->data = NULL;
}

static int rec_log(struct qfs_host_rec *r, int is_flush, uint64_t blk, const void *buf)
{
	if (!r->recording)
		return 0;
	if (r->nops == r->capops) {
		size_t ncap = r->capops ? r->capops * 2 : 256;
		struct qfs_host_op *o = realloc(r->ops, ncap * sizeof(*o));
		if (!o)
			return QFS_ENOMEM;
		r->ops = o;
		r->capops = ncap;
	}
	struct qfs_host_op *op = &r->ops[r->nops];
	op->is_flush = is_flush;
	op->blk = blk;
	op->data = NULL;
	if (!is_flush) {
		op->data = malloc(QFS_BLOCK_SIZE);
		if (!op->data)
			return QFS_ENOMEM;
		memcpy(op->data, buf, QFS_BLOCK_SIZE);
	}
	r->nops++;
	return 0;
}

static int rec_read(void *ctx, uint64_t blk, void *buf)
{
	return mem_read(&((struct qfs_host_rec *)ctx)->mem, blk, buf);
}

static int rec_write(void *ctx, uint64_t blk, const void *buf)
{
	struct qfs_host_rec *r = ctx;
	int rc = mem_write(&r->mem, blk, buf);
	return rc ? rc : rec_log(r, 0, blk, buf);
}

static int rec_flush(void *ctx)
{
	struct qfs_host_rec *r = ctx;
	int rc = mem_flush(&r->mem);
	return rc ? rc : rec_log(r, 1, 0, NULL);
}

int qfs_host_rec_init(struct qfs_host_rec *r, uint64_t nblocks, struct qfs_dev *dev)
{
	memset(r, 0, sizeof(*r));
	int rc = qfs_host_mem_init(&r->mem, nblocks, dev);
	if (rc)
		return rc;
	dev->ctx = r;
	dev->read = rec_read;
	dev->write = rec_write;
	dev->flush = rec_flush;
	return 0;
}

void qfs_host_rec_free(struct qfs_host_rec *r)
{
	for (size_t i = 0; i < r->nops; i++)
		free(r->ops[i].data);
	free(r->ops);
	qfs_host_mem_free(&r->mem);
}
