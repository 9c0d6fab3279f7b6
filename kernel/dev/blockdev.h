/*
 * blockdev.h - a tiny generic block-device interface: a name, a size in fixed-size sectors,
 * and read / write / flush of whole sectors that return 0 or a negative BLK_E* code. Drivers
 * (kernel/dev/ata.c) fill one in; swap and the versioned file system sit on it.
 * Portable: no kernel headers, so host code can implement it over an image file.
 * specs/ata.md describes the contract.
 */
#ifndef QUIRE_DEV_BLOCKDEV_H
#define QUIRE_DEV_BLOCKDEV_H

#include <stdint.h>

#define BLOCKDEV_SECTOR_SIZE 512u

/* Error codes, returned negated. The numbers are POSIX's (QFS_EIO is -5 as well). */
#define BLK_EIO 5         /* the device reported an error (ERR/DF), or an injected error */
#define BLK_EBUSY 16      /* the channel stayed busy with another request */
#define BLK_ENODEV 19     /* no such device, or not a disk (ATAPI, absent) */
#define BLK_EINVAL 22     /* bad argument: zero sectors, NULL buffer */
#define BLK_ERANGE 34     /* sectors beyond the end of the device */
#define BLK_ETIMEDOUT 110 /* the device did not answer in time */

struct blockdev;

/* What a driver provides. Context: thread, may sleep; never from an interrupt handler.
 * Buffers are any kernel virtual address, any number of sectors; for the ATA driver in DMA
 * mode, direct-map buffers (phys_to_virt) below 4 GiB are the fast case, others are copied
 * through a bounce buffer (specs/ata.md, "Bus-master DMA"). */
struct blockdev_ops {
	/* read - @count sectors from @lba into @buf (count * sector_size bytes). */
	int (*read)(struct blockdev *bd, uint64_t lba, uint32_t count, void *buf);
	/* write - @count sectors from @buf to @lba; durable only after flush. */
	int (*write)(struct blockdev *bd, uint64_t lba, uint32_t count, const void *buf);
	/* flush - make every completed write durable (the device's write cache). */
	int (*flush)(struct blockdev *bd);
};

struct blockdev {
	const char *name;               /* "hdb" */
	uint64_t nsectors;              /* device size */
	uint32_t sector_size;           /* bytes per sector (BLOCKDEV_SECTOR_SIZE for ATA) */
	const struct blockdev_ops *ops;
	void *priv;                     /* the driver's state */
};

/* blockdev_read - read @count sectors at @lba into @buf; 0 or -BLK_E*. */
static inline int blockdev_read(struct blockdev *bd, uint64_t lba, uint32_t count, void *buf)
{
	return bd->ops->read(bd, lba, count, buf);
}

/* blockdev_write - write @count sectors at @lba from @buf; 0 or -BLK_E*. */
static inline int blockdev_write(struct blockdev *bd, uint64_t lba, uint32_t count, const void *buf)
{
	return bd->ops->write(bd, lba, count, buf);
}

/* blockdev_flush - flush the device's write cache; 0 or -BLK_E*. */
static inline int blockdev_flush(struct blockdev *bd)
{
	return bd->ops->flush(bd);
}

/* blockdev_strerror - a short constant text for a (negative) BLK_E* code. */
static inline const char *blockdev_strerror(int err)
{
	switch (-err) {
	case 0: return "success";
	case BLK_EIO: return "I/O error";
	case BLK_EBUSY: return "device busy";
	case BLK_ENODEV: return "no such device";
	case BLK_EINVAL: return "invalid argument";
	case BLK_ERANGE: return "beyond the end of the device";
	case BLK_ETIMEDOUT: return "timed out";
	default: return "unknown error";
	}
}

#endif
