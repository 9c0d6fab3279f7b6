/*
 * ata_prd.h - the physical region descriptor (PRD) tables of PCI bus-master IDE, and the
 * decision whether a buffer can be the target of a DMA transfer as it is. Pure
 * arithmetic (no I/O), so tests can feed it made-up addresses. Used by ata_dma.c;
 * the rules are in specs/ata.md, "Bus-master DMA".
 */
#ifndef QUIRE_DEV_ATA_PRD_H
#define QUIRE_DEV_ATA_PRD_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/types.h"

/*
 * One PRD entry (8 bytes; the table is dword aligned and must not cross 64 KiB):
 *
 *   offset 0  u32  physical base address of the region (bit 0 must be 0)
 *   offset 4  u16  byte count (even; 0 means 64 KiB)
 *   offset 6  u16  bit 15: EOT, the last entry of the table; bits 14..0 reserved (0)
 *
 * A region must not cross a 64 KiB boundary; addresses are 32 bits (below 4 GiB).
 */
struct ata_prd {
	uint32_t pa;
	uint16_t nbytes;
	uint16_t flags;
};
_Static_assert(sizeof(struct ata_prd) == 8, "a PRD entry is 8 bytes");

#define ATA_PRD_EOT 0x8000u
#define ATA_PRD_BOUNDARY 0x10000ull    /* no region crosses a multiple of 64 KiB */
#define ATA_DMA_LIMIT_PA 0xFFFFFFFFull /* the last byte a PRD can address */
#define ATA_DMA_ALIGN 4u               /* buffers used in place start on a dword */

/*
 * ata_prd_direct - may @buf (@nbytes, a kernel virtual address) be a DMA target as it is?
 * Yes (true, *pa = its physical address) when it lies in the direct map, starts on a dword,
 * and ends at or below ATA_DMA_LIMIT_PA; the direct map is physically contiguous, so the
 * whole range is. Otherwise false: bounce it. Context: any.
 */
bool ata_prd_direct(const void *buf, uint32_t nbytes, paddr_t *pa);

/*
 * ata_prd_fill - describe @nbytes (> 0, even) of physical memory from @pa in @table: one
 * entry per piece between 64 KiB boundaries, EOT on the last. Returns the number of entries,
 * or -1 when more than @max would be needed or the range is not addressable (odd, or beyond
 * ATA_DMA_LIMIT_PA). Context: any.
 */
int ata_prd_fill(struct ata_prd *table, int max, paddr_t pa, uint32_t nbytes);

#endif
