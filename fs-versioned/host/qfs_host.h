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

/* qfs_host_img_close - close an image opened by qfs_host_img_open. */
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
