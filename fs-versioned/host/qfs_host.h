/*
 * qfs_host.h - host-side glue for the qfs core (module prefix qfs_host_): an
 * environment over malloc/time, a block device over an image file, an in-memory
 * block device with I/O counters, and a recording device for crash tests.
 */
#ifndef QFS_HOST_H
#define QFS_HOST_H

#include <stdint.h>
#include <stdio.h>

#include "qfs.h"

/* qfs_host_env - fill env with malloc/free, time(), and reports to `out` (may be NULL). */
void qfs_host_env(struct qfs_env *env, FILE *out);

/* qfs_host_img_open - open (create: make, sized nblocks) an image; fills dev. */
int qfs_host_img_open(const char *path, int create, uint64_t nblocks, struct qfs_dev *dev);

/*
 * The image lock (the convention every host program follows: the qfs tool, the FUSE
 * mount): flock(2) on the image file's descriptor, held for as long as the image is
 * open. Programs that may write take LOCK_EX|LOCK_NB; read-only ones LOCK_SH|LOCK_NB.
 */
#define QFS_HOST_READ 0  /* read-only: O_RDONLY, shared lock */
#define QFS_HOST_WRITE 1 /* may write: O_RDWR, exclusive lock */

/*
 * qfs_host_open_image - open an existing image and lock it (mode QFS_HOST_READ or
 * QFS_HOST_WRITE); fills dev. Context: host programs; the lock lasts until
 * qfs_host_img_close. Fails with -QFS_EBUSY when another program holds a conflicting
 * lock (nothing was read or written), -QFS_ENOENT, or -QFS_EIO (errno is kept).
 */
int qfs_host_open_image(const char *path, int mode, struct qfs_dev *dev);

/*
 * qfs_host_create_image - open or create an image with the exclusive lock, then wipe
 * it and size it to nblocks; fills dev. The old content is touched only once the lock
 * is held. Fails like qfs_host_open_image.
 */
int qfs_host_create_image(const char *path, uint64_t nblocks, struct qfs_dev *dev);

/* qfs_host_img_close - close an image opened by any qfs_host_*open* call (unlocks). */
void qfs_host_img_close(struct qfs_dev *dev);

/* In-memory device with counters; `data` holds nblocks * 4096 bytes. */
struct qfs_host_mem {
	uint8_t *data;
	uint64_t nblocks;
	uint64_t nreads, nwrites, nflushes;
	int fail_after; /* > 0: writes fail once this many more succeeded; 0: never */
};

/* qfs_host_mem_init - allocate a zeroed in-memory device of nblocks; 0 or -QFS_ENOMEM. */
int qfs_host_mem_init(struct qfs_host_mem *m, uint64_t nblocks, struct qfs_dev *dev);

/* qfs_host_mem_wrap - a memory device over caller-owned data (not freed by us). */
void qfs_host_mem_wrap(struct qfs_host_mem *m, uint8_t *data, uint64_t nblocks,
		       struct qfs_dev *dev);

/* qfs_host_mem_free - free an in-memory device's storage. */
void qfs_host_mem_free(struct qfs_host_mem *m);

/* One recorded device operation: a write (blk, data) or a flush. */
struct qfs_host_op {
	int is_flush;
	uint64_t blk;
	uint8_t *data;
};

/* A recording device: forwards to a memory device and logs every write and flush. */
struct qfs_host_rec {
	struct qfs_host_mem mem;
	struct qfs_host_op *ops;
	size_t nops, capops;
	int recording;
};

/* qfs_host_rec_init - a recording device of nblocks (recording starts off). */
int qfs_host_rec_init(struct qfs_host_rec *r, uint64_t nblocks, struct qfs_dev *dev);

/* qfs_host_rec_free - free the device and its log. */
void qfs_host_rec_free(struct qfs_host_rec *r);

#endif /* QFS_HOST_H */
