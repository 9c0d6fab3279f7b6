/*
 * ata_prd.c - PRD tables for bus-master IDE and the "can this buffer be DMA'd in place"
 * test. Pure arithmetic; the entry layout is drawn in ata_prd.h.
 */
#include "dev/ata_prd.h"

#include "arch/x86_64/layout.h"

bool ata_prd_direct(const void *buf, uint32_t nbytes, paddr_t *pa)
{
	uintptr_t va = (uintptr_t)buf;
	if (va < DIRECT_MAP_BASE || va - DIRECT_MAP_BASE >= DIRECT_MAP_MAX || nbytes == 0)
		return false;
	paddr_t p = virt_to_phys_direct(buf);
	if (p % ATA_DMA_ALIGN != 0 || p > ATA_DMA_LIMIT_PA || nbytes - 1 > ATA_DMA_LIMIT_PA - p)
		return false;
	*pa = p;
	return true;
}

int ata_prd_fill(struct ata_prd *table, int max, paddr_t pa, uint32_t nbytes)
{
	if (nbytes == 0 || (nbytes | pa) & 1u || pa > ATA_DMA_LIMIT_PA || nbytes - 1 > ATA_DMA_LIMIT_PA - pa)
		return -1;
	int n = 0;
	for (paddr_t end = pa + nbytes; pa < end; n++) {
		if (n == max)
			return -1;
		paddr_t next = (pa & ~(ATA_PRD_BOUNDARY - 1)) + ATA_PRD_BOUNDARY;
		paddr_t len = (next < end ? next : end) - pa;
		table[n] = (struct ata_prd){ (uint32_t)pa, (uint16_t)len, 0 }; /* 64 KiB: 0 */
		pa += len;
	}
	table[n - 1].flags = ATA_PRD_EOT;
	return n;
}
