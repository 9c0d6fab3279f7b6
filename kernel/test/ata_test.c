/*
 * ata_test.c - in-kernel tests of the ATA driver. The disk tests use the primary slave
 * (hdb) only, and overwrite it: boot with a scratch image there (specs/ata.md, "Testing").
 * Without one they print "# SKIP no disk" and pass. Buffers are whole frames, given back.
 */
#include "arch/x86_64/pic.h"
#include "arch/x86_64/timer.h"
#include "console.h"
#include "dev/ata.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "arch/x86_64/layout.h"
#include "test/ktest.h"

#define TEST_DEV 1         /* hdb: the primary slave */
#define TEST_IRQ 14        /* its channel's interrupt */
#define TEST_TIMEOUT_MS 200
#define SECTOR BLOCKDEV_SECTOR_SIZE
#define BIG_COUNT 300      /* more than one command (256 sectors) */
#define BUF_SECTORS 304    /* BIG_COUNT rounded up to whole pages */
#define BUF_PAGES (BUF_SECTORS * SECTOR / PAGE_SIZE)

struct test_bufs {
	pfn_t pfn_w, pfn_r;
	uint8_t *w, *r;
};

/* test_disk - ata_init, then the test disk's info; false (and a SKIP line) if there is none. */
static bool test_disk(struct ata_info *in)
{
	ata_init();
	if (ata_info(TEST_DEV, in) < 0 || in->kind != ATA_KIND_DISK) {
		kprintf("# SKIP no disk\n");
		return false;
	}
	return true;
}

static bool bufs_get(struct test_bufs *b)
{
	if (frame_alloc_contig(BUF_PAGES, FRAME_KERNEL, &b->pfn_w) < 0)
		return false;
	if (frame_alloc_contig(BUF_PAGES, FRAME_KERNEL, &b->pfn_r) < 0) {
		frame_free_contig(b->pfn_w, BUF_PAGES);
		return false;
	}
	b->w = phys_to_virt(PFN_TO_PA(b->pfn_w));
	b->r = phys_to_virt(PFN_TO_PA(b->pfn_r));
	return true;
}

static void bufs_put(struct test_bufs *b)
{
	frame_free_contig(b->pfn_w, BUF_PAGES);
	frame_free_contig(b->pfn_r, BUF_PAGES);
}

/* fill - a pattern that names its sector and @seed in every word, so a misplaced sector shows. */
static void fill(uint8_t *buf, uint64_t lba, uint32_t count, uint32_t seed)
{
	uint32_t *w = (uint32_t *)buf;
	for (uint32_t s = 0; s < count; s++)
		for (uint32_t i = 0; i < SECTOR / 4; i++)
			w[s * (SECTOR / 4) + i] = (uint32_t)(lba + s) * 0x9E3779B1u ^ i * 0x85EBCA77u ^ seed;
}

/* roundtrip - write @count sectors of pattern @seed at @lba, read them back, compare. */
static void roundtrip(struct ktest_ctx *t, struct test_bufs *b, uint64_t lba, uint32_t count, uint32_t seed)
{
	fill(b->w, lba, count, seed);
	memset(b->r, 0xA5, (size_t)count * SECTOR);
	int err = ata_write(TEST_DEV, lba, count, b->w);
	KT_EXPECT(t, err == 0, "write lba %lu count %u: %d (%s)", lba, count, err, blockdev_strerror(err));
	err = ata_read(TEST_DEV, lba, count, b->r);
	KT_EXPECT(t, err == 0, "read lba %lu count %u: %d (%s)", lba, count, err, blockdev_strerror(err));
	for (uint32_t s = 0; s < count; s++) {
		if (memcmp(b->w + (size_t)s * SECTOR, b->r + (size_t)s * SECTOR, SECTOR) != 0) {
			KT_EXPECT(t, 0, "sector %lu (of lba %lu count %u) differs after read-back", lba + s, lba, count);
			break;
		}
	}
}

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

KTEST(ata_rw_patterns)
{
	struct ata_info in;
	struct test_bufs b;
	if (!test_disk(&in))
		return;
	KT_ASSERT(t, in.nsectors >= 2 * BUF_SECTORS, "disk of %lu sectors is too small", in.nsectors);
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	roundtrip(t, &b, 0, 1, 0x1111);
	roundtrip(t, &b, 1, 7, 0x2222);                      /* multi-sector */
	roundtrip(t, &b, 8, BIG_COUNT, 0x3333);              /* two commands: 256 + 44 */
	roundtrip(t, &b, in.nsectors - 1, 1, 0x4444);        /* the last sector */
	roundtrip(t, &b, in.nsectors - 16, 16, 0x5555);      /* up to the end */
	/* sector 0 is still the first pattern after the writes around it */
	fill(b.w, 0, 1, 0x1111);
	KT_EXPECT(t, ata_read(TEST_DEV, 0, 1, b.r) == 0 && memcmp(b.w, b.r, SECTOR) == 0, "sector 0 changed");
	int err = ata_flush(TEST_DEV);
	KT_EXPECT(t, err == 0, "flush: %d (%s)", err, blockdev_strerror(err));
	bufs_put(&b);
}

KTEST(ata_lba48_commands)
{
	struct ata_info in;
	struct test_bufs b;
	if (!test_disk(&in))
		return;
	if (!in.lba48) {
		kprintf("# SKIP the disk has no LBA48\n");
		return;
	}
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	bool old = ata_set_lba48_always(true);
	roundtrip(t, &b, 2, 3, 0x6666);
	roundtrip(t, &b, 40, BIG_COUNT, 0x7777);
	roundtrip(t, &b, in.nsectors - 1, 1, 0x8888);
	int err = ata_flush(TEST_DEV);
	KT_EXPECT(t, err == 0, "flush ext: %d", err);
	ata_set_lba48_always(old);
	/* what the 48-bit commands wrote, the 28-bit ones read */
	fill(b.w, 40, BIG_COUNT, 0x7777);
	err = ata_read(TEST_DEV, 40, BIG_COUNT, b.r);
	KT_EXPECT(t, err == 0 && memcmp(b.w, b.r, (size_t)BIG_COUNT * SECTOR) == 0, "LBA28 read-back: %d", err);
	bufs_put(&b);
}

KTEST(ata_out_of_range)
{
	struct ata_info in;
	uint8_t sector[2 * SECTOR];
	if (!test_disk(&in))
		return;
	uint64_t n = in.nsectors;
	struct ata_info before = in;
	KT_EXPECT(t, ata_read(TEST_DEV, n, 1, sector) == -BLK_ERANGE, "read at lba %lu (the size)", n);
	KT_EXPECT(t, ata_write(TEST_DEV, n, 1, sector) == -BLK_ERANGE, "write at lba %lu", n);
	KT_EXPECT(t, ata_read(TEST_DEV, n - 1, 2, sector) == -BLK_ERANGE, "read across the end");
	KT_EXPECT(t, ata_read(TEST_DEV, UINT64_MAX, 2, sector) == -BLK_ERANGE, "lba wraps around");
	KT_EXPECT(t, ata_read(TEST_DEV, 1ull << 48, 1, sector) == -BLK_ERANGE, "lba 2^48");
	KT_EXPECT(t, ata_read(TEST_DEV, 0, 0, sector) == -BLK_EINVAL, "zero sectors");
	KT_EXPECT(t, ata_read(TEST_DEV, 0, 1, 0) == -BLK_EINVAL, "NULL buffer");
	ata_info(TEST_DEV, &in);
	KT_EXPECT(t, in.reads == before.reads && in.writes == before.writes, "a refused request reached the disk");
}

KTEST(ata_injected_error)
{
	struct ata_info in, before;
	struct test_bufs b;
	if (!test_disk(&in))
		return;
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	const uint64_t bad = 100;
	roundtrip(t, &b, bad - 4, 8, 0x9999);
	ata_info(TEST_DEV, &before);
	ata_inject_error(TEST_DEV, bad, 2);
	KT_EXPECT(t, ata_read(TEST_DEV, bad - 4, 8, b.r) == -BLK_EIO, "first read over lba %lu", bad);
	KT_EXPECT(t, ata_read(TEST_DEV, bad - 8, 4, b.r) == 0, "a read beside lba %lu failed", bad);
	KT_EXPECT(t, ata_write(TEST_DEV, bad, 1, b.w) == -BLK_EIO, "second request (a write) at lba %lu", bad);
	memset(b.r, 0, 8 * SECTOR);
	int err = ata_read(TEST_DEV, bad - 4, 8, b.r);
	KT_EXPECT(t, err == 0, "third read after two injected errors: %d", err);
	fill(b.w, bad - 4, 8, 0x9999);
	KT_EXPECT(t, memcmp(b.w, b.r, 8 * SECTOR) == 0, "data around lba %lu changed", bad);
	ata_info(TEST_DEV, &in);
	KT_EXPECT(t, in.errors == before.errors + 2, "errors %lu, were %lu", in.errors, before.errors);
	ata_inject_error(TEST_DEV, bad, 5);
	ata_inject_error(TEST_DEV, bad, 0);
	KT_EXPECT(t, ata_read(TEST_DEV, bad, 1, b.r) == 0, "count 0 did not cancel the injection");
	bufs_put(&b);
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

/* With IRQ 14 masked no interrupt comes: requests time out, the channel is reset, and
 * requests after that work again. */
KTEST(ata_timeout_recovers)
{
	struct ata_info in;
	struct test_bufs b;
	if (!test_disk(&in))
		return;
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	roundtrip(t, &b, 300, 2, 0xBBBB);
	unsigned old = ata_set_io_timeout_ms(TEST_TIMEOUT_MS);
	pic_mask(TEST_IRQ);
	uint64_t t0 = timer_ticks();
	int err = ata_read(TEST_DEV, 300, 2, b.r);
	KT_EXPECT(t, err == -BLK_ETIMEDOUT, "read with the IRQ masked: %d", err);
	err = ata_write(TEST_DEV, 300, 2, b.w);
	KT_EXPECT(t, err == -BLK_ETIMEDOUT, "write with the IRQ masked: %d", err);
	uint64_t waited = timer_ticks() - t0;
	pic_unmask(TEST_IRQ);
	ata_set_io_timeout_ms(old);
	KT_EXPECT(t, waited < 4 * TEST_TIMEOUT_MS * TIMER_HZ / 1000, "two timeouts took %lu ticks", waited);
	roundtrip(t, &b, 300, 2, 0xCCCC);
	KT_EXPECT(t, ata_flush(TEST_DEV) == 0, "flush after the timeouts");
	bufs_put(&b);
}
