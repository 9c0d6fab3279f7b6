/*
 * ata.h - the ATA (IDE) disk driver on the legacy PC ports: two channels (0x1F0 IRQ 14,
 * 0x170 IRQ 15), master and slave on each, interrupt-driven PIO, LBA28 and LBA48.
 * Devices are numbered dev = channel * 2 + slave and named hda, hdb, hdc, hdd.
 * ATAPI devices (the boot CD) are found and skipped. Every error comes back to the caller
 * as a negative BLK_E* code (dev/blockdev.h). Probing, waiting and errors: specs/ata.md.
 */
#ifndef QUIRE_DEV_ATA_H
#define QUIRE_DEV_ATA_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/blockdev.h"

#define ATA_NDEVS 4          /* 2 channels x (master, slave) */
#define ATA_MODEL_MAX 40     /* IDENTIFY words 27..46 */

enum ata_kind {
	ATA_KIND_NONE = 0,   /* nothing answered */
	ATA_KIND_DISK = 1,   /* an ATA disk with LBA: usable */
	ATA_KIND_ATAPI = 2,  /* a packet device (CD-ROM): skipped */
	ATA_KIND_OTHER = 3,  /* answered but unusable (unknown signature, CHS only) */
};

/* What ata_info reports about one device. */
struct ata_info {
	char name[4];                  /* "hda".."hdd" */
	enum ata_kind kind;
	bool lba48;                    /* the device has the 48-bit feature set */
	uint64_t nsectors;             /* addressable 512-byte sectors (disks only) */
	char model[ATA_MODEL_MAX + 1]; /* from IDENTIFY, trailing blanks removed */
	uint64_t reads, writes;        /* requests that succeeded */
	uint64_t sectors_read, sectors_written;
	uint64_t errors;               /* requests that failed (injected ones included) */
};

/* ata_init - probe both channels, identify every device, take IRQ 14/15. Idempotent.
 * Context: boot, after memory init, timer running and interrupts on. */
void ata_init(void);

/* ata_info - fill @out for device @dev (0..3); 0, or -BLK_ENODEV for a bad @dev. */
int ata_info(int dev, struct ata_info *out);

/* ata_read - read @count sectors at @lba into @buf. 0 or -BLK_E*. Context: thread, may sleep. */
int ata_read(int dev, uint64_t lba, uint32_t count, void *buf);

/* ata_write - write @count sectors from @buf at @lba. 0 or -BLK_E*. Context: thread, may sleep. */
int ata_write(int dev, uint64_t lba, uint32_t count, const void *buf);

/* ata_flush - flush the device's write cache (FLUSH CACHE [EXT]). 0 or -BLK_E*. May sleep. */
int ata_flush(int dev);

/* ata_inject_error - the next @count requests on @dev whose sectors include @lba fail with
 * -BLK_EIO before reaching the device; @count 0 cancels. For tests. */
void ata_inject_error(int dev, uint64_t lba, int count);

/* ata_blockdev_index - the device number of an ATA block device, or -1. */
int ata_blockdev_index(const struct blockdev *bd);

/* ata_blockdev - the generic block device of disk @dev, or NULL if it is not a disk. */
struct blockdev *ata_blockdev(int dev);

/* ata_find - the block device of the disk named @name ("hdb"), or NULL. */
struct blockdev *ata_find(const char *name);

/* ata_set_lba48_always - use the 48-bit commands even when LBA28 would do (tests cover
 * both paths with a small disk); returns the old setting. */
bool ata_set_lba48_always(bool on);

/* ata_set_io_timeout_ms - how long a read or write waits for each sector (0: the default,
 * 5000); returns the old value. For tests that provoke a timeout. */
unsigned ata_set_io_timeout_ms(unsigned ms);

/* ata_kind_name - "none", "disk", "atapi", "other". */
const char *ata_kind_name(enum ata_kind kind);

#endif
