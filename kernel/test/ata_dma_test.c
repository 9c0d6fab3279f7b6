/*
 * ata_dma_test.c - in-kernel tests of bus-master DMA buffers: the PRD-table arithmetic
 * (with made-up addresses: 64 KiB boundaries, 4 GiB, alignment), and transfers from
 * buffers used in place (direct map, a 64 KiB boundary inside) and bounced (kernel stack,
 * kernel image). Disk tests use hdb (ata_testlib.h) and skip without DMA.
 */
#include "test/ata_testlib.h"

#include "dev/ata_prd.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "arch/x86_64/layout.h"

#define KIB 1024u
#define STATIC_SECTORS 200 /* more than the 128-sector bounce buffer: two commands */

static uint8_t image_w[STATIC_SECTORS * SECTOR], image_r[STATIC_SECTORS * SECTOR]; /* kernel image (.bss) */

KTEST(ata_prd_tables)
{
	struct ata_prd prd[8];
	int n = ata_prd_fill(prd, 8, 0x10000, 4096);
	KT_EXPECT(t, n == 1 && prd[0].pa == 0x10000 && prd[0].nbytes == 4096 && prd[0].flags == ATA_PRD_EOT,
		  "one page: %d entries, %x/%u/%x", n, prd[0].pa, prd[0].nbytes, prd[0].flags);
	n = ata_prd_fill(prd, 8, 0x2F000, 8192); /* crosses 0x30000 */
	KT_EXPECT(t, n == 2 && prd[0].pa == 0x2F000 && prd[0].nbytes == 4096 && prd[0].flags == 0 &&
			     prd[1].pa == 0x30000 && prd[1].nbytes == 4096 && prd[1].flags == ATA_PRD_EOT,
		  "64 KiB boundary: %d entries", n);
	n = ata_prd_fill(prd, 8, 0x40000, 128 * KIB); /* two full 64 KiB pieces: count 0 */
	KT_EXPECT(t, n == 2 && prd[0].nbytes == 0 && prd[1].nbytes == 0 && prd[1].pa == 0x50000 &&
			     prd[1].flags == ATA_PRD_EOT, "two 64 KiB entries: %d, %u %u", n, prd[0].nbytes, prd[1].nbytes);
	n = ata_prd_fill(prd, 8, 0x3FFFC, 128 * KIB); /* 4 bytes, 64 KiB, 64 KiB - 4 */
	KT_EXPECT(t, n == 3 && prd[0].nbytes == 4 && prd[1].nbytes == 0 && prd[2].nbytes == 0xFFFC &&
			     prd[2].pa == 0x50000, "unaligned 128 KiB: %d, %u %u %u", n, prd[0].nbytes, prd[1].nbytes,
		  prd[2].nbytes);
	KT_EXPECT(t, ata_prd_fill(prd, 2, 0x3FFFC, 128 * KIB) == -1, "3 entries fit in 2");
	KT_EXPECT(t, ata_prd_fill(prd, 8, 0x1001, 512) == -1 && ata_prd_fill(prd, 8, 0x1000, 511) == -1, "odd");
	KT_EXPECT(t, ata_prd_fill(prd, 8, 0xFFFFF000, 4096) == 1, "the last page below 4 GiB");
	KT_EXPECT(t, ata_prd_fill(prd, 8, 0xFFFFF000, 8192) == -1, "a range across 4 GiB");
	KT_EXPECT(t, ata_prd_fill(prd, 8, 0x100000000ull, 512) == -1, "a range above 4 GiB");
	KT_EXPECT(t, ata_prd_fill(prd, 8, 0x1000, 0) == -1, "zero bytes");
}

KTEST(ata_prd_direct)
{
	paddr_t pa = 0;
	uint8_t local[16];
	KT_EXPECT(t, ata_prd_direct(phys_to_virt(0x123000), 4096, &pa) && pa == 0x123000, "direct map: %lx", pa);
	KT_EXPECT(t, ata_prd_direct(phys_to_virt(0x123004), 512, &pa) && pa == 0x123004, "dword aligned");
	KT_EXPECT(t, !ata_prd_direct(phys_to_virt(0x123002), 512, &pa), "not dword aligned");
	KT_EXPECT(t, ata_prd_direct(phys_to_virt(0xFFFFF000), 4096, &pa), "ends at 4 GiB");
	KT_EXPECT(t, !ata_prd_direct(phys_to_virt(0xFFFFF000), 8192, &pa), "crosses 4 GiB");
	KT_EXPECT(t, !ata_prd_direct(phys_to_virt(0x100000000ull), 512, &pa), "above 4 GiB");
	KT_EXPECT(t, !ata_prd_direct(local, sizeof local, &pa), "a kernel stack address");
	KT_EXPECT(t, !ata_prd_direct(image_w, SECTOR, &pa), "a kernel image address");
	KT_EXPECT(t, !ata_prd_direct((void *)0x400000, SECTOR, &pa), "a user address");
}

/* dma_disk - the test disk switched to DMA; false (SKIP) without one. */
static bool dma_disk(struct ktest_ctx *t, struct ata_info *boot)
{
	return test_disk(boot) && test_mode_set(t, ATA_MODE_DMA);
}

static uint64_t bounced(void)
{
	struct ata_info in;
	ata_info(TEST_DEV, &in);
	return in.dma_bounced;
}

/* Page-aligned direct-map buffers are used in place: nothing is bounced, whatever the size. */
KTEST(ata_dma_in_place)
{
	struct ata_info boot;
	struct test_bufs b;
	if (!dma_disk(t, &boot))
		return;
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	uint64_t b0 = bounced();
	roundtrip(t, &b, 3000, PAGE_SECTORS, 0x5101);
	roundtrip(t, &b, 3008, 16 * PAGE_SECTORS, 0x5102);
	roundtrip(t, &b, 3200, 256, 0x5103); /* the most one command carries: 128 KiB */
	roundtrip(t, &b, 3500, BIG_COUNT, 0x5104);
	KT_EXPECT(t, bounced() == b0, "%lu commands bounced", bounced() - b0);
	bufs_put(&b);
	ata_set_mode(TEST_DEV, boot.mode);
}

/* A buffer that starts 4 bytes into a page and spans a 64 KiB boundary: three PRD entries,
 * none a whole number of sectors; used in place. */
KTEST(ata_dma_boundary)
{
	struct ata_info boot;
	if (!dma_disk(t, &boot))
		return;
	pfn_t pfn;
	const size_t pages = 64; /* 256 KiB of contiguous frames */
	KT_ASSERT(t, frame_alloc_contig(pages, FRAME_KERNEL, &pfn) == 0, "no frames");
	paddr_t pa = PFN_TO_PA(pfn);
	paddr_t edge = ((pa + 0xFFFF) & ~0xFFFFull) + 0x10000; /* a boundary >= 64 KiB into it */
	uint8_t *w = phys_to_virt(edge - 0x3000 + 4);         /* 12 KiB - 4 before it */
	uint8_t *r = phys_to_virt(edge + 0x10000 - 0x1000 + 4); /* across the next one */
	uint64_t b0 = bounced();
	roundtrip_at(t, w, r, 4000, 64, 0x5201, true);     /* 32 KiB each */
	KT_EXPECT(t, bounced() == b0, "%lu commands bounced", bounced() - b0);
	frame_free_contig(pfn, pages);
	ata_set_mode(TEST_DEV, boot.mode);
}

/* Buffers outside the direct map go through the bounce buffer: one on the kernel stack, and
 * ones in the kernel image larger than the bounce buffer (two commands each way). */
KTEST(ata_dma_bounce)
{
	struct ata_info boot;
	if (!dma_disk(t, &boot))
		return;
	uint8_t w[2 * SECTOR], r[2 * SECTOR];
	uint64_t b0 = bounced();
	roundtrip_at(t, w, r, 4100, 2, 0x5301, true);
	KT_EXPECT(t, bounced() - b0 == 2, "stack buffers: %lu commands bounced, not 2", bounced() - b0);
	b0 = bounced();
	roundtrip_at(t, image_w, image_r, 4200, STATIC_SECTORS, 0x5302, false);
	KT_EXPECT(t, bounced() - b0 == 4, "image buffers: %lu commands bounced, not 4", bounced() - b0);
	struct test_bufs b;
	KT_ASSERT(t, bufs_get(&b), "no frames for buffers");
	fill(b.w, 4200, STATIC_SECTORS, 0x5302); /* what went through the bounce buffer is on the disk */
	KT_EXPECT(t, ata_read(TEST_DEV, 4200, STATIC_SECTORS, b.r) == 0 &&
			     memcmp(b.w, b.r, STATIC_SECTORS * SECTOR) == 0, "bounced write, in-place read differ");
	bufs_put(&b);
	ata_set_mode(TEST_DEV, boot.mode);
}
