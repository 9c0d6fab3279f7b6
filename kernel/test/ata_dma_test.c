/*
 * ata_dma_test.c - in-kernel tests of bus-master DMA buffers: the PRD-table arithmetic
 * (with made-up addresses: 64 KiB boundaries, 4 GiB, alignment).
 */
#include "dev/ata_prd.h"
#include "mm/layout.h"
#include "test/ktest.h"

#define KIB 1024u
#define SECTOR 512u

static uint8_t image_w[SECTOR]; /* in the kernel image (.bss) */

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

