/*
 * ata_admin.c - the ATA driver's small public calls: device records and the block-device
 * glue, lookups, names, the mode switch, the settings tests and benchmarks use (error
 * injection, timeouts, halt-wait), and the `disks` monitor command. specs/ata.md.
 */
#include "dev/ata_internal.h"

#include "console.h"
#include "lib/kstring.h"
#include "lib/moncmd.h"

static int ata_bd_dev(const struct blockdev *bd)
{
	return (int)((const struct ata_dev *)bd->priv - ata_devs);
}

static int ata_bd_read(struct blockdev *bd, uint64_t lba, uint32_t count, void *buf)
{
	return ata_read(ata_bd_dev(bd), lba, count, buf);
}

static int ata_bd_write(struct blockdev *bd, uint64_t lba, uint32_t count, const void *buf)
{
	return ata_write(ata_bd_dev(bd), lba, count, buf);
}

static int ata_bd_flush(struct blockdev *bd)
{
	return ata_flush(ata_bd_dev(bd));
}

static const struct blockdev_ops ata_bd_ops = { ata_bd_read, ata_bd_write, ata_bd_flush };

void ata_dev_setup(int dev)
{
	struct ata_dev *d = &ata_devs[dev];
	memset(d, 0, sizeof *d);
	d->ch = &ata_channels[dev / 2];
	d->slave = dev & 1;
	d->info.name[0] = 'h';
	d->info.name[1] = 'd';
	d->info.name[2] = (char)('a' + dev);
	d->bd = (struct blockdev){ d->info.name, 0, BLOCKDEV_SECTOR_SIZE, &ata_bd_ops, d };
}

static struct ata_dev *ata_disk(int dev)
{
	if (dev < 0 || dev >= ATA_NDEVS || ata_devs[dev].info.kind != ATA_KIND_DISK)
		return 0;
	return &ata_devs[dev];
}

static void ata_inject(int dev, uint64_t lba, int count, bool device)
{
	if (dev < 0 || dev >= ATA_NDEVS)
		return;
	ata_devs[dev].inject_lba = lba;
	ata_devs[dev].inject_count = count > 0 ? count : 0;
	ata_devs[dev].inject_device = device;
}

void ata_inject_error(int dev, uint64_t lba, int count)
{
	ata_inject(dev, lba, count, false);
}

void ata_inject_device_error(int dev, uint64_t lba, int count)
{
	ata_inject(dev, lba, count, true);
}

int ata_set_mode(int dev, enum ata_mode mode)
{
	struct ata_dev *d = ata_disk(dev);
	if (!d)
		return -BLK_ENODEV;
	if (mode != ATA_MODE_PIO1 && mode != ATA_MODE_PIO && mode != ATA_MODE_DMA)
		return -BLK_EINVAL;
	if (mode == ATA_MODE_DMA && !ata_dma_possible(d))
		return -BLK_EINVAL;
	int err = ata_channel_acquire(d->ch);
	if (err)
		return err;
	d->info.mode = mode;
	ata_channel_release(d->ch);
	return 0;
}

int ata_set_multiple(int dev, unsigned count)
{
	struct ata_dev *d = ata_disk(dev);
	if (!d)
		return -BLK_ENODEV;
	if (count > 255)
		return -BLK_EINVAL;
	int err = ata_channel_acquire(d->ch);
	if (err)
		return err;
	err = ata_set_multiple_locked(d, count);
	ata_channel_release(d->ch);
	return err;
}

struct blockdev *ata_blockdev(int dev)
{
	struct ata_dev *d = ata_disk(dev);
	return d ? &d->bd : 0;
}

struct blockdev *ata_find(const char *name)
{
	for (int dev = 0; dev < ATA_NDEVS; dev++) {
		if (ata_devs[dev].info.kind == ATA_KIND_DISK && strcmp(ata_devs[dev].info.name, name) == 0)
			return &ata_devs[dev].bd;
	}
	return 0;
}

int ata_blockdev_index(const struct blockdev *bd)
{
	for (int i = 0; i < ATA_NDEVS; i++)
		if (&ata_devs[i].bd == bd)
			return i;
	return -1;
}

bool ata_set_lba48_always(bool on)
{
	bool old = ata_lba48_always;
	ata_lba48_always = on;
	return old;
}

unsigned ata_set_io_timeout_ms(unsigned ms)
{
	unsigned old = ata_io_timeout_ms;
	ata_io_timeout_ms = ms ? ms : TIMEOUT_IO_MS;
	return old;
}

bool ata_set_halt_wait(bool on)
{
	bool old = ata_halt_wait;
	ata_halt_wait = on;
	return old;
}

uint64_t ata_halt_ticks(void)
{
	return ata_halted;
}

const char *ata_kind_name(enum ata_kind kind)
{
	switch (kind) {
	case ATA_KIND_NONE: return "none";
	case ATA_KIND_DISK: return "disk";
	case ATA_KIND_ATAPI: return "atapi";
	case ATA_KIND_OTHER: return "other";
	}
	return "?";
}

static const char *const ata_mode_names[] = { "pio1", "pio", "dma" };

const char *ata_mode_name(enum ata_mode mode)
{
	return (unsigned)mode < 3 ? ata_mode_names[mode] : "?";
}

int ata_mode_parse(const char *s, enum ata_mode *out)
{
	for (int m = 0; m < 3; m++) {
		if (strcmp(s, ata_mode_names[m]) == 0) {
			*out = (enum ata_mode)m;
			return 0;
		}
	}
	return -1;
}

static void ata_print_dev(int dev)
{
	const struct ata_info *in = &ata_devs[dev].info;
	kprintf("%-4s %s/%-6s %-6s %12lu %8lu %-5s %-4s %s\n", in->name, dev < 2 ? "pri" : "sec",
		dev & 1 ? "slave" : "master", ata_kind_name(in->kind), in->nsectors, in->nsectors >> 11,
		in->kind != ATA_KIND_DISK ? "-" : in->lba48 ? "yes" : "no",
		in->kind != ATA_KIND_DISK ? "-" : ata_mode_name(in->mode), in->model);
	if (in->kind != ATA_KIND_DISK)
		return;
	kprintf("     reads %lu (%lu sectors), writes %lu (%lu sectors), errors %lu\n", in->reads,
		in->sectors_read, in->writes, in->sectors_written, in->errors);
	kprintf("     multiple %u, dma %s, bounced dma commands %lu\n", in->multiple, in->dma ? "yes" : "no",
		in->dma_bounced);
}

/* `disks`: every device position, what answered there, its mode and request counters. */
static void ata_cmd_disks(const char *args)
{
	(void)args;
	if (!ata_ready) {
		kprintf("ata: not probed (ata_init has not run)\n");
		return;
	}
	kprintf("%-4s %-8s %-6s %12s %8s %-5s %-4s %s\n", "name", "position", "kind", "sectors", "MiB", "lba48",
		"mode", "model");
	for (int dev = 0; dev < ATA_NDEVS; dev++)
		ata_print_dev(dev);
	for (int c = 0; c < 2; c++) {
		const struct ata_channel *ch = &ata_channels[c];
		kprintf("channel %d: ports 0x%x/0x%x irq %u: %s, %lu interrupts", c, ch->base, ch->ctrl, ch->irq,
			ch->present ? "present" : "floating", ch->irqs);
		if (ch->bm)
			kprintf(", bus master 0x%x (%lu interrupts ignored)", ch->bm, ch->irqs_ignored);
		kprintf("\n");
	}
}
MONITOR_CMD(disks, "ATA disks: what each IDE position holds, sizes, modes, request counters", ata_cmd_disks);
