/*
 * ata.h - the ATA (IDE) disk driver on the legacy PC ports: two channels (0x1F0 IRQ 14,
 * 0x170 IRQ 15), master and slave on each, LBA28 and LBA48, three transfer modes:
 * single-sector PIO, multi-sector PIO (READ/WRITE MULTIPLE), and bus-master DMA through
 * the PCI IDE controller (PIIX) when there is one. Interrupt-driven in every mode.
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

/* How a disk moves data (cmdline `ata.mode=pio1|pio|dma`, ata_set_mode) */
enum ata_mode {
	ATA_MODE_PIO1 = 0,   /* READ/WRITE SECTORS: one interrupt per sector */
	ATA_MODE_PIO = 1,    /* READ/WRITE MULTIPLE: one interrupt per block of `multiple` sectors */
	ATA_MODE_DMA = 2,    /* bus-master DMA: one interrupt per command (up to 256 sectors) */
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
	enum ata_mode mode;            /* how requests move data now (disks only) */
	uint8_t multiple;              /* sectors per PIO block in ATA_MODE_PIO (0: single) */
	bool dma;                      /* bus-master DMA is possible (controller and device) */
	uint64_t irqs;                 /* interrupts taken on the device's channel */
	uint64_t dma_bounced;          /* DMA commands that went through the bounce buffer */
};

/* ata_init - probe both channels, identify every device, find the bus-master DMA
 * registers, take IRQ 14/15, and pick each disk's mode (the best it has, or the one the
 * command line's `ata.mode=` asks for when the disk has it). Idempotent.
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

/* ata_inject_device_error - like ata_inject_error, but the failing requests do reach the
 * device: their first command is sent with an address past the end of the disk, so the
 * device itself refuses it (ABRT or IDNF) and the error comes back through the current
 * mode's real error path; nothing is written. @count 0 cancels. For tests. */
void ata_inject_device_error(int dev, uint64_t lba, int count);

/* ata_set_mode - switch disk @dev to @mode. 0; -BLK_ENODEV if @dev is not a disk;
 * -BLK_EINVAL if the disk or the controller cannot do @mode (DMA without a bus-master
 * controller); -BLK_EBUSY if the channel stays owned. Context: thread, may sleep. */
int ata_set_mode(int dev, enum ata_mode mode);

/* ata_set_multiple - SET MULTIPLE MODE with @count sectors per block on disk @dev (for
 * tests: 0 < count <= 16, a power of two, is what devices accept). 0, or -BLK_EIO when the
 * device refuses: then ATA_MODE_PIO falls back to single sectors (info.multiple 0) until
 * a count is accepted. -BLK_ENODEV if @dev is not a disk. Context: thread, may sleep. */
int ata_set_multiple(int dev, unsigned count);

/* ata_mode_name - "pio1", "pio", "dma". */
const char *ata_mode_name(enum ata_mode mode);

/* ata_mode_parse - the mode named @s ("pio1", "pio", "dma"): 0 and *out, or -1. */
int ata_mode_parse(const char *s, enum ata_mode *out);

/* ata_set_halt_wait - benchmarks: wait for the disk by halting in the requesting thread
 * instead of sleeping in the scheduler, so that the halted time can be measured exactly
 * (ata_halt_ticks). Other threads do not run meanwhile. Returns the old setting. */
bool ata_set_halt_wait(bool on);

/* ata_halt_ticks - TSC ticks spent halted in ata_wait_irq in halt-wait mode, from the halt
 * to the entry of the interrupt handler that ended it (or to the end of another handler
 * that woke the CPU), summed since boot. */
uint64_t ata_halt_ticks(void);

/* ata_blockdev_index - the device number of an ATA block device, or -1. */
int ata_blockdev_index(const struct blockdev *bd);

/* ata_blockdev - the generic block device of disk @dev, or NULL if it is not a disk. */
struct blockdev *ata_blockdev(int dev);

/* ata_find - the block device of the disk named @name ("hdb"), or NULL. */
struct blockdev *ata_find(const char *name);

/* ata_set_lba48_always - use the 48-bit commands even when LBA28 would do (tests cover
 * both paths with a small disk); returns the old setting. */
bool ata_set_lba48_always(bool on);

/* ata_set_io_timeout_ms - how long a read or write waits for each interrupt (a sector in
 * single-sector PIO, a block in multi-sector PIO, a whole command in DMA; 0: the default,
 * 5000); returns the old value. For tests that provoke a timeout. */
unsigned ata_set_io_timeout_ms(unsigned ms);

/* ata_kind_name - "none", "disk", "atapi", "other". */
const char *ata_kind_name(enum ata_kind kind);

#endif
