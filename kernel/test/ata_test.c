/*
 * ata_test.c - in-kernel tests of the ATA driver. The disk tests use the primary slave
 * (hdb) only, and overwrite it: boot with a scratch image there (specs/ata.md, "Testing").
 * Without one they print "# SKIP no disk" and pass. Buffers are whole frames, given back.
 * Tests of one transfer mode are named ata_mode_<mode>_*; DMA buffer handling is in
 * ata_dma_test.c.
 */
#include "test/ata_testlib.h"

#include "arch/x86_64/pic.h"
#include "arch/x86_64/timer.h"
#include "bootinfo.h"
#include "console.h"
#include "lib/cmdline.h"
#include "lib/kstring.h"

#define TEST_TIMEOUT_MS 200

KTEST(ata_probe)
{
	ata_init();
	for (int dev = 0; dev < ATA_NDEVS; dev++) {
		struct ata_info in;
		KT_ASSERT(t, ata_info(dev, &in) == 0, "ata_info(%d)", dev);
		kprintf("# %s: %s %lu sectors '%s'\n", in.name, ata_kind_name(in.kind), in.nsectors, in.model);
		if (in.kind == ATA_KIND_DISK) {
			KT_EXPECT(t, in.nsectors > 0 && in.model[0], "%s: size %lu model '%s'", in.name, in.nsectors, in.model);
			KT_EXPECT(t, ata_blockdev(dev) && ata_find(in.name) == ata_blockdev(dev), "%s: no block device", in.name);
		} else {
			uint8_t sector[SECTOR];
			int err = ata_read(dev, 0, 1, sector);
			KT_EXPECT(t, err == -BLK_ENODEV, "%s (%s): read gave %d", in.name, ata_kind_name(in.kind), err);
			KT_EXPECT(t, ata_blockdev(dev) == 0 && ata_flush(dev) == -BLK_ENODEV, "%s: usable", in.name);
		}
	}
	struct ata_info in;
	KT_EXPECT(t, ata_info(ATA_NDEVS, &in) == -BLK_ENODEV && ata_info(-1, &in) == -BLK_ENODEV, "bad dev");
	KT_EXPECT(t, ata_read(ATA_NDEVS, 0, 1, &in) == -BLK_ENODEV, "read of dev %d", ATA_NDEVS);
	KT_EXPECT(t, ata_find("hdz") == 0, "hdz found");
}

/* The mode the disk has after boot: `ata.mode=` when given and possible, else the best. */
KTEST(ata_boot_mode)
{
	struct ata_info in;
	if (!test_disk(&in))
		return;
	char val[8];
	enum ata_mode want = ATA_MODE_DMA;
	if (cmdline_get(boot_info.cmdline, "ata.mode", val, sizeof val) >= 0 && ata_mode_parse(val, &want) < 0)
		want = ATA_MODE_DMA; /* a bad value is ignored */
	if (want == ATA_MODE_DMA && !in.dma)
		want = ATA_MODE_PIO;
	kprintf("# %s: mode %s, multiple %u, dma %s\n", in.name, ata_mode_name(in.mode), in.multiple, in.dma ? "yes" : "no");
	KT_EXPECT(t, in.mode == want, "boot mode %s, expected %s", ata_mode_name(in.mode), ata_mode_name(want));
	enum ata_mode m;
	KT_EXPECT(t, ata_mode_parse("pio1", &m) == 0 && m == ATA_MODE_PIO1 && ata_mode_parse("pio", &m) == 0 &&
			     m == ATA_MODE_PIO && ata_mode_parse("dma", &m) == 0 && m == ATA_MODE_DMA, "mode names");
	KT_EXPECT(t, ata_mode_parse("udma", &m) < 0 && ata_mode_parse("", &m) < 0, "bad mode names accepted");
	KT_EXPECT(t, ata_set_mode(TEST_DEV, (enum ata_mode)7) == -BLK_EINVAL, "mode 7 accepted");
	KT_EXPECT(t, ata_set_mode(0, ATA_MODE_PIO) == -BLK_ENODEV || ata_blockdev(0), "mode of a non-disk");
}

/* mode_rw - round trips in @mode: one sector, odd counts, a page, 16 pages, two commands,
 * the end of the disk, and the 48-bit commands; each costs the interrupts of the mode. */
static void mode_rw(struct ktest_ctx *t, enum ata_mode mode)
{
	struct ata_info in, boot;
	struct test_bufs b;
	if (!test_disk(&boot) || !test_mode_set(t, mode))
		return;
	ata_info(TEST_DEV, &in);
	KT_ASSERT(t, in.nsectors >= 2 * BUF_SECTORS, "disk of %lu sectors is too small", in.nsectors);
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	uint32_t seed = 0x1000u * (mode + 1);
	roundtrip(t, &b, 0, 1, seed + 1);
	roundtrip(t, &b, 1, 7, seed + 2);                      /* multi-sector */
	roundtrip(t, &b, 8, PAGE_SECTORS, seed + 3);           /* a page */
	roundtrip(t, &b, 16, 16 * PAGE_SECTORS, seed + 4);     /* 16 pages in one command */
	roundtrip(t, &b, 144, BIG_COUNT, seed + 5);            /* two commands: 256 + 44 */
	roundtrip(t, &b, in.nsectors - 1, 1, seed + 6);        /* the last sector */
	roundtrip(t, &b, in.nsectors - 128, 128, seed + 7);    /* up to the end */
	fill(b.w, 0, 1, seed + 1); /* sector 0 is still the first pattern after the writes around it */
	KT_EXPECT(t, ata_read(TEST_DEV, 0, 1, b.r) == 0 && memcmp(b.w, b.r, SECTOR) == 0, "sector 0 changed");
	int err = ata_flush(TEST_DEV);
	KT_EXPECT(t, err == 0, "flush: %d (%s)", err, blockdev_strerror(err));
	if (in.lba48) {
		bool old = ata_set_lba48_always(true);
		roundtrip(t, &b, 2, 3, seed + 8);
		roundtrip(t, &b, 500, BIG_COUNT, seed + 9);
		roundtrip(t, &b, in.nsectors - 16, 16, seed + 10);
		KT_EXPECT(t, ata_flush(TEST_DEV) == 0, "flush ext");
		ata_set_lba48_always(old);
		fill(b.w, 500, BIG_COUNT, seed + 9); /* what the 48-bit commands wrote, the 28-bit ones read */
		err = ata_read(TEST_DEV, 500, BIG_COUNT, b.r);
		KT_EXPECT(t, err == 0 && memcmp(b.w, b.r, (size_t)BIG_COUNT * SECTOR) == 0, "LBA28 read-back: %d", err);
	} else {
		kprintf("# the disk has no LBA48: 48-bit commands not tried\n");
	}
	bufs_put(&b);
	ata_set_mode(TEST_DEV, boot.mode);
}

/* mode_errors - in @mode: an error injected before the device, and errors at the device
 * (a command sent past the end) on reads, writes and 16-page requests, all come back as
 * -BLK_EIO, are counted, change nothing on the disk, and leave the channel working. */
static void mode_errors(struct ktest_ctx *t, enum ata_mode mode)
{
	struct ata_info in, before, boot;
	struct test_bufs b;
	if (!test_disk(&boot) || !test_mode_set(t, mode))
		return;
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	const uint64_t bad = 1000;
	const uint32_t seed = 0x9999u + mode;
	roundtrip(t, &b, bad - 64, 128, seed);
	ata_info(TEST_DEV, &before);
	ata_inject_error(TEST_DEV, bad, 1);
	KT_EXPECT(t, ata_read(TEST_DEV, bad - 4, 8, b.r) == -BLK_EIO, "host-injected error at lba %lu", bad);
	KT_EXPECT(t, test_irqs() == before.irqs, "a host-injected error reached the device");
	ata_inject_device_error(TEST_DEV, bad, 3);
	uint64_t i0 = test_irqs();
	KT_EXPECT(t, ata_read(TEST_DEV, bad - 4, 8, b.r) == -BLK_EIO, "device error on a read over lba %lu", bad);
	KT_EXPECT(t, test_irqs() > i0, "the device error took no interrupt: it never reached the device");
	KT_EXPECT(t, ata_read(TEST_DEV, bad - 8, 4, b.r) == 0, "a read beside lba %lu failed", bad);
	fill(b.w, bad, 8, ~seed);
	KT_EXPECT(t, ata_write(TEST_DEV, bad, 8, b.w) == -BLK_EIO, "device error on a write at lba %lu", bad);
	KT_EXPECT(t, ata_read(TEST_DEV, bad - 64, 128, b.r) == -BLK_EIO, "device error on 16 pages over lba %lu", bad);
	ata_info(TEST_DEV, &in);
	KT_EXPECT(t, in.errors == before.errors + 4, "errors %lu, were %lu", in.errors, before.errors);
	memset(b.r, 0, 128 * SECTOR);
	int err = ata_read(TEST_DEV, bad - 64, 128, b.r);
	KT_EXPECT(t, err == 0, "read after the injected errors: %d", err);
	fill(b.w, bad - 64, 128, seed);
	KT_EXPECT(t, memcmp(b.w, b.r, 128 * SECTOR) == 0, "data around lba %lu changed", bad);
	ata_inject_device_error(TEST_DEV, bad, 5);
	ata_inject_device_error(TEST_DEV, bad, 0);
	KT_EXPECT(t, ata_read(TEST_DEV, bad, 1, b.r) == 0, "count 0 did not cancel the injection");
	roundtrip(t, &b, bad - 64, 128, seed ^ 0x55);
	bufs_put(&b);
	ata_set_mode(TEST_DEV, boot.mode);
}

/* mode_timeout - in @mode, with IRQ 14 masked no interrupt comes: a read and a write time
 * out, the channel is reset, and requests after that work again in the same mode (with
 * the same PIO block size). */
static void mode_timeout(struct ktest_ctx *t, enum ata_mode mode)
{
	struct ata_info in, before, boot;
	struct test_bufs b;
	if (!test_disk(&boot) || !test_mode_set(t, mode))
		return;
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	roundtrip(t, &b, 300, 16, 0xBBBB);
	ata_info(TEST_DEV, &before);
	unsigned old = ata_set_io_timeout_ms(TEST_TIMEOUT_MS);
	pic_mask(TEST_IRQ);
	uint64_t t0 = timer_ticks();
	int err = ata_read(TEST_DEV, 300, 16, b.r);
	KT_EXPECT(t, err == -BLK_ETIMEDOUT, "%s read with the IRQ masked: %d", ata_mode_name(mode), err);
	err = ata_write(TEST_DEV, 300, 16, b.w);
	KT_EXPECT(t, err == -BLK_ETIMEDOUT, "%s write with the IRQ masked: %d", ata_mode_name(mode), err);
	uint64_t waited = timer_ticks() - t0;
	pic_unmask(TEST_IRQ);
	ata_set_io_timeout_ms(old);
	KT_EXPECT(t, waited < 4 * TEST_TIMEOUT_MS * TIMER_HZ / 1000, "two timeouts took %lu ticks", waited);
	ata_info(TEST_DEV, &in);
	KT_EXPECT(t, in.mode == mode && in.multiple == before.multiple, "after the timeouts: mode %s multiple %u",
		  ata_mode_name(in.mode), in.multiple);
	roundtrip(t, &b, 300, 16, 0xCCCC);
	roundtrip(t, &b, 320, 128, 0xDDDD);
	KT_EXPECT(t, ata_flush(TEST_DEV) == 0, "flush after the timeouts");
	bufs_put(&b);
	ata_set_mode(TEST_DEV, boot.mode);
}

/* mode_range - in @mode, requests at or across the end of the disk are refused before they
 * reach it. */
static void mode_range(struct ktest_ctx *t, enum ata_mode mode)
{
	struct ata_info in, boot;
	struct test_bufs b;
	if (!test_disk(&boot) || !test_mode_set(t, mode))
		return;
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	uint64_t n = boot.nsectors;
	struct ata_info before;
	ata_info(TEST_DEV, &before);
	KT_EXPECT(t, ata_read(TEST_DEV, n, 1, b.r) == -BLK_ERANGE, "read at lba %lu (the size)", n);
	KT_EXPECT(t, ata_write(TEST_DEV, n, 1, b.w) == -BLK_ERANGE, "write at lba %lu", n);
	KT_EXPECT(t, ata_read(TEST_DEV, n - 1, 2, b.r) == -BLK_ERANGE, "read across the end");
	KT_EXPECT(t, ata_write(TEST_DEV, n - 100, 128, b.w) == -BLK_ERANGE, "16-page write across the end");
	KT_EXPECT(t, ata_read(TEST_DEV, n - 8, BIG_COUNT, b.r) == -BLK_ERANGE, "big read across the end");
	KT_EXPECT(t, ata_read(TEST_DEV, UINT64_MAX, 2, b.r) == -BLK_ERANGE, "lba wraps around");
	KT_EXPECT(t, ata_read(TEST_DEV, 1ull << 48, 1, b.r) == -BLK_ERANGE, "lba 2^48");
	KT_EXPECT(t, ata_read(TEST_DEV, 0, 0, b.r) == -BLK_EINVAL, "zero sectors");
	KT_EXPECT(t, ata_read(TEST_DEV, 0, 1, 0) == -BLK_EINVAL, "NULL buffer");
	ata_info(TEST_DEV, &in);
	KT_EXPECT(t, in.reads == before.reads && in.writes == before.writes && in.irqs == before.irqs,
		  "a refused request reached the disk");
	bufs_put(&b);
	ata_set_mode(TEST_DEV, boot.mode);
}

#define MODE_TESTS(what)                                                                           \
	KTEST(ata_mode_pio1_##what) { mode_##what(t, ATA_MODE_PIO1); }                             \
	KTEST(ata_mode_pio_##what) { mode_##what(t, ATA_MODE_PIO); }                               \
	KTEST(ata_mode_dma_##what) { mode_##what(t, ATA_MODE_DMA); }

MODE_TESTS(rw)
MODE_TESTS(errors)
MODE_TESTS(timeout)
MODE_TESTS(range)

/* What one mode wrote, every other mode reads back unchanged. */
KTEST(ata_modes_agree)
{
	struct ata_info boot;
	struct test_bufs b;
	if (!test_disk(&boot))
		return;
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	const uint64_t base = 2000;
	const uint32_t n = 2 * 16 * PAGE_SECTORS; /* 32 pages per mode */
	int modes = boot.dma ? 3 : 2;
	for (int m = 0; m < modes; m++) {
		KT_ASSERT(t, ata_set_mode(TEST_DEV, (enum ata_mode)m) == 0, "set mode %d", m);
		fill(b.w, base + (uint64_t)m * n, n, 0x4242u + (uint32_t)m);
		KT_EXPECT(t, ata_write(TEST_DEV, base + (uint64_t)m * n, n, b.w) == 0, "%s write", ata_mode_name(m));
	}
	for (int rm = 0; rm < modes; rm++) {
		KT_ASSERT(t, ata_set_mode(TEST_DEV, (enum ata_mode)rm) == 0, "set mode %d", rm);
		for (int wm = 0; wm < modes; wm++) {
			fill(b.w, base + (uint64_t)wm * n, n, 0x4242u + (uint32_t)wm);
			memset(b.r, 0, (size_t)n * SECTOR);
			int err = ata_read(TEST_DEV, base + (uint64_t)wm * n, n, b.r);
			KT_EXPECT(t, err == 0 && memcmp(b.w, b.r, (size_t)n * SECTOR) == 0,
				  "%s read of what %s wrote: %d", ata_mode_name(rm), ata_mode_name(wm), err);
		}
	}
	bufs_put(&b);
	ata_set_mode(TEST_DEV, boot.mode);
}

/* A device that refuses SET MULTIPLE MODE (a count that is not a power of two) leaves PIO
 * on single sectors, which still works; a good count brings blocks back. */
KTEST(ata_multiple_refused)
{
	struct ata_info in, boot;
	struct test_bufs b;
	if (!test_disk(&boot) || !test_mode_set(t, ATA_MODE_PIO))
		return;
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	int err = ata_set_multiple(TEST_DEV, 3);
	ata_info(TEST_DEV, &in);
	KT_EXPECT(t, err == -BLK_EIO && in.multiple == 0, "SET MULTIPLE 3: %d, multiple %u", err, in.multiple);
	roundtrip(t, &b, 700, 16, 0x3131);             /* 16 interrupts each way */
	KT_EXPECT(t, expect_irqs(&in, 16) == 16, "single sectors expected");
	if (boot.multiple > 1) {
		err = ata_set_multiple(TEST_DEV, boot.multiple);
		ata_info(TEST_DEV, &in);
		KT_EXPECT(t, err == 0 && in.multiple == boot.multiple, "SET MULTIPLE %u: %d", boot.multiple, err);
		roundtrip(t, &b, 700, 16, 0x3232);
	} else {
		kprintf("# the disk has no PIO blocks: nothing to bring back\n");
	}
	KT_EXPECT(t, ata_set_multiple(0, 16) == -BLK_ENODEV || ata_blockdev(0), "SET MULTIPLE on a non-disk");
	bufs_put(&b);
	ata_set_mode(TEST_DEV, boot.mode);
}

KTEST(ata_blockdev_ops)
{
	struct ata_info in;
	struct test_bufs b;
	if (!test_disk(&in))
		return;
	struct blockdev *bd = ata_find("hdb");
	KT_ASSERT(t, bd != 0, "hdb has no block device");
	KT_EXPECT(t, bd->nsectors == in.nsectors && bd->sector_size == SECTOR && strcmp(bd->name, "hdb") == 0,
		  "%s: %lu sectors of %u", bd->name, bd->nsectors, bd->sector_size);
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	fill(b.w, 200, 4, 0xAAAA);
	KT_EXPECT(t, blockdev_write(bd, 200, 4, b.w) == 0, "blockdev_write");
	KT_EXPECT(t, blockdev_flush(bd) == 0, "blockdev_flush");
	KT_EXPECT(t, blockdev_read(bd, 200, 4, b.r) == 0 && memcmp(b.w, b.r, 4 * SECTOR) == 0, "blockdev_read");
	KT_EXPECT(t, blockdev_read(bd, bd->nsectors, 1, b.r) == -BLK_ERANGE, "read past the end");
	bufs_put(&b);
}
