/*
 * ata_testlib.c - helpers of the ATA tests: the test disk, buffers, patterns, round trips
 * with interrupt counts. Interface: ata_testlib.h.
 */
#include "test/ata_testlib.h"

#include "console.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "arch/x86_64/layout.h"

#define BUF_PAGES (BUF_SECTORS * SECTOR / PAGE_SIZE)
#define CMD_MAX 256u

bool test_disk(struct ata_info *in)
{
	ata_init();
	if (ata_info(TEST_DEV, in) < 0 || in->kind != ATA_KIND_DISK) {
		kprintf("# SKIP no disk\n");
		return false;
	}
	return true;
}

bool test_mode_set(struct ktest_ctx *t, enum ata_mode mode)
{
	struct ata_info in;
	ata_info(TEST_DEV, &in);
	if (mode == ATA_MODE_DMA && !in.dma) {
		kprintf("# SKIP no bus-master DMA for %s\n", in.name);
		return false;
	}
	int err = ata_set_mode(TEST_DEV, mode);
	KT_EXPECT(t, err == 0, "ata_set_mode(%s): %d", ata_mode_name(mode), err);
	ata_info(TEST_DEV, &in);
	KT_EXPECT(t, in.mode == mode, "mode is %s, not %s", ata_mode_name(in.mode), ata_mode_name(mode));
	return err == 0 && in.mode == mode;
}

bool bufs_get(struct test_bufs *b)
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

void bufs_put(struct test_bufs *b)
{
	frame_free_contig(b->pfn_w, BUF_PAGES);
	frame_free_contig(b->pfn_r, BUF_PAGES);
}

void fill(uint8_t *buf, uint64_t lba, uint32_t count, uint32_t seed)
{
	uint32_t *w = (uint32_t *)buf;
	for (uint32_t s = 0; s < count; s++)
		for (uint32_t i = 0; i < SECTOR / 4; i++)
			w[s * (SECTOR / 4) + i] = (uint32_t)(lba + s) * 0x9E3779B1u ^ i * 0x85EBCA77u ^ seed;
}

uint64_t test_irqs(void)
{
	struct ata_info in;
	ata_info(TEST_DEV, &in);
	return in.irqs;
}

uint64_t expect_irqs(const struct ata_info *in, uint32_t n)
{
	uint64_t irqs = 0;
	for (uint32_t done = 0, k; done < n; done += k) {
		k = n - done < CMD_MAX ? n - done : CMD_MAX;
		if (in->mode == ATA_MODE_DMA)
			irqs += 1;
		else if (in->mode == ATA_MODE_PIO && in->multiple > 1)
			irqs += (k + in->multiple - 1) / in->multiple;
		else
			irqs += k;
	}
	return irqs;
}

void roundtrip_at(struct ktest_ctx *t, uint8_t *w, uint8_t *r, uint64_t lba, uint32_t count, uint32_t seed,
		  bool check_irqs)
{
	struct ata_info in;
	ata_info(TEST_DEV, &in);
	const char *m = ata_mode_name(in.mode);
	fill(w, lba, count, seed);
	memset(r, 0xA5, (size_t)count * SECTOR);
	uint64_t i0 = test_irqs();
	int err = ata_write(TEST_DEV, lba, count, w);
	KT_EXPECT(t, err == 0, "%s write lba %lu count %u: %d (%s)", m, lba, count, err, blockdev_strerror(err));
	uint64_t i1 = test_irqs();
	err = ata_read(TEST_DEV, lba, count, r);
	KT_EXPECT(t, err == 0, "%s read lba %lu count %u: %d (%s)", m, lba, count, err, blockdev_strerror(err));
	uint64_t i2 = test_irqs(), want = expect_irqs(&in, count);
	if (check_irqs) {
		KT_EXPECT(t, i1 - i0 == want, "%s write of %u sectors: %lu interrupts, not %lu", m, count, i1 - i0, want);
		KT_EXPECT(t, i2 - i1 == want, "%s read of %u sectors: %lu interrupts, not %lu", m, count, i2 - i1, want);
	}
	for (uint32_t s = 0; s < count; s++) {
		if (memcmp(w + (size_t)s * SECTOR, r + (size_t)s * SECTOR, SECTOR) != 0) {
			KT_EXPECT(t, 0, "%s: sector %lu (of lba %lu count %u) differs after read-back", m, lba + s, lba, count);
			break;
		}
	}
}

void roundtrip(struct ktest_ctx *t, struct test_bufs *b, uint64_t lba, uint32_t count, uint32_t seed)
{
	roundtrip_at(t, b->w, b->r, lba, count, seed, true);
}
