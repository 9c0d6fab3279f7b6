/*
 * ata_dma.c - bus-master DMA through the PCI IDE controller (Intel PIIX and compatibles):
 * finding it (PCI class 01/01, BAR4), turning bus mastering on, and READ/WRITE DMA (EXT)
 * with a PRD table: one command of up to 256 sectors, one interrupt. Buffers in the direct
 * map are used in place; others go through a 64 KiB bounce buffer. Rules: specs/ata.md,
 * "Bus-master DMA".
 */
#include "dev/ata_internal.h"

#include "arch/x86_64/cpu.h"
#include "console.h"
#include "dev/pci.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "arch/x86_64/layout.h"

#define PCI_CLASS_STORAGE 0x01
#define PCI_SUBCLASS_IDE 0x01
#define PCI_BAR4 (PCI_BAR0 + 4 * 4)
/* IDE programming interface: bit 7 bus master; bits 0 / 2: primary / secondary channel in
 * PCI native mode (then not at the legacy ports this driver uses) */
#define PROGIF_BUS_MASTER 0x80u
#define PROGIF_NATIVE_PRI 0x01u
#define PROGIF_NATIVE_SEC 0x04u

static void ata_dma_barrier(void)
{
	__asm__ volatile("" : : : "memory"); /* x86 DMA is coherent: only the compiler may reorder */
}

/* ata_bm_clear - clear BMSTATUS.INTR and ERR if set (write 1 to clear), keeping the
 * capable bits; returns BMSTATUS as it was. */
static uint8_t ata_bm_clear(struct ata_channel *ch)
{
	uint8_t v = inb(ch->bm + BM_STATUS);
	if (v & (BMS_INTR | BMS_ERR))
		outb(ch->bm + BM_STATUS, (uint8_t)((v & BMS_DMA_CAPABLE) | BMS_INTR | BMS_ERR));
	return v;
}

void ata_dma_stop(struct ata_channel *ch)
{
	ch->dma_active = false;
	if (!ch->bm)
		return;
	outb(ch->bm + BM_CMD, 0);
	ata_bm_clear(ch);
}

/* ata_dma_find_bm - the bus-master I/O base of the PCI IDE controller, with bus mastering
 * enabled; 0 (and why, in the log) when there is none. *@progif: its programming interface. */
static uint16_t ata_dma_find_bm(uint8_t *progif)
{
	struct pci_addr a;
	if (pci_find_class(PCI_CLASS_STORAGE, PCI_SUBCLASS_IDE, &a) < 0) {
		klog(LOG_INFO, "ata: no PCI IDE controller: PIO only\n");
		return 0;
	}
	*progif = pci_read8(a, PCI_PROG_IF);
	uint32_t bar4 = pci_read32(a, PCI_BAR4);
	if (!(*progif & PROGIF_BUS_MASTER) || !(bar4 & PCI_BAR_IO) || !(bar4 & PCI_BAR_IO_MASK)) {
		klog(LOG_INFO, "ata: PCI IDE at %02x:%02x.%x: no bus master (prog-if %02x, BAR4 %08x): PIO only\n",
		     a.bus, a.dev, a.fn, *progif, bar4);
		return 0;
	}
	uint16_t cmd = pci_read16(a, PCI_COMMAND);
	pci_write16(a, PCI_COMMAND, (uint16_t)(cmd | PCI_COMMAND_IO | PCI_COMMAND_MASTER));
	if (!(pci_read16(a, PCI_COMMAND) & PCI_COMMAND_MASTER)) {
		klog(LOG_WARN, "ata: PCI IDE at %02x:%02x.%x: bus mastering stays off: PIO only\n", a.bus, a.dev, a.fn);
		return 0;
	}
	uint16_t bm = (uint16_t)(bar4 & PCI_BAR_IO_MASK);
	klog(LOG_INFO, "ata: PCI IDE %04x:%04x at %02x:%02x.%x, bus-master registers at 0x%x\n",
	     pci_read16(a, PCI_VENDOR), pci_read16(a, PCI_DEVICE), a.bus, a.dev, a.fn, bm);
	return bm;
}

/* ata_dma_buffers - @ch's PRD table (one frame) and bounce buffer (64 KiB aligned), both
 * below 4 GiB and kept for good. false when memory is short. */
static bool ata_dma_buffers(struct ata_channel *ch)
{
	pfn_t prd, bounce;
	if (frame_alloc_dma(1, ATA_DMA_LIMIT_PA, PAGE_SIZE, &prd) < 0)
		return false;
	if (frame_alloc_dma(ATA_BOUNCE_BYTES / PAGE_SIZE, ATA_DMA_LIMIT_PA, ATA_BOUNCE_BYTES, &bounce) < 0) {
		frame_free(prd);
		return false;
	}
	ch->prd_pa = PFN_TO_PA(prd);
	ch->prd = phys_to_virt(ch->prd_pa);
	ch->bounce_pa = PFN_TO_PA(bounce);
	ch->bounce = phys_to_virt(ch->bounce_pa);
	return true;
}

void ata_dma_setup(void)
{
	uint8_t progif = 0;
	uint16_t bm = ata_dma_find_bm(&progif);
	for (int c = 0; bm && c < 2; c++) {
		struct ata_channel *ch = &ata_channels[c];
		bool disk = ata_devs[2 * c].info.kind == ATA_KIND_DISK || ata_devs[2 * c + 1].info.kind == ATA_KIND_DISK;
		if (!disk || (progif & (c == 0 ? PROGIF_NATIVE_PRI : PROGIF_NATIVE_SEC)))
			continue;
		if (!ata_dma_buffers(ch)) {
			klog(LOG_WARN, "ata: channel %d: no memory below 4 GiB for DMA buffers: PIO only\n", c);
			continue;
		}
		ch->bm = (uint16_t)(bm + c * BM_CHANNEL_STRIDE);
		ata_dma_stop(ch);
	}
}

uint32_t ata_dma_max_sectors(const void *buf, uint32_t n)
{
	paddr_t pa;
	uint32_t want = n < MAX_SECTORS_PER_CMD ? n : MAX_SECTORS_PER_CMD;
	if (ata_prd_direct(buf, want * BLOCKDEV_SECTOR_SIZE, &pa))
		return MAX_SECTORS_PER_CMD;
	return ATA_BOUNCE_SECTORS;
}

/* ata_dma_start - program the engine for the PRD table, issue @cmd, start the engine.
 * 0, or an error when the device refused the command at once (the engine stays off). */
static int ata_dma_start(struct ata_dev *d, uint8_t cmd, uint64_t lba, uint64_t cmd_lba, uint32_t n, bool ext,
			 uint8_t dir)
{
	struct ata_channel *ch = d->ch;
	outb(ch->bm + BM_CMD, dir); /* stopped, direction set */
	ata_bm_clear(ch);
	outl(ch->bm + BM_PRD, (uint32_t)ch->prd_pa);
	ch->irq_bmstatus = 0;
	ata_dma_barrier();
	ch->dma_active = true;
	int err = ata_start(d, cmd, cmd_lba, n, ext);
	if (err) {
		ata_dma_stop(ch);
		return err;
	}
	uint8_t st = inb(ch->ctrl); /* a device slower to show an abort takes the usual path */
	if (!(st & ST_BSY) && (st & (ST_ERR | ST_DF))) { /* aborted on issue (Bochs does) */
		ata_dma_stop(ch);
		(void)inb(ch->base + REG_STATUS);
		return ata_status_error(d, st, lba, dir ? "dma read" : "dma write");
	}
	outb(ch->bm + BM_CMD, (uint8_t)(dir | BMC_START));
	return 0;
}

/* ata_dma_finish - wait for the command's interrupt, stop the engine, judge the result
 * from STATUS and BMSTATUS. */
static int ata_dma_finish(struct ata_dev *d, uint64_t lba, uint8_t dir)
{
	struct ata_channel *ch = d->ch;
	const char *what = dir ? "dma read" : "dma write";
	int st = ata_wait_irq(ch, ata_io_timeout_ms);
	outb(ch->bm + BM_CMD, dir); /* stop the engine, then read its status */
	uint8_t bms = (uint8_t)(ch->irq_bmstatus | ata_bm_clear(ch));
	ch->dma_active = false;
	ata_dma_barrier();
	if (st < 0 || (st & (ST_ERR | ST_DF)))
		return ata_status_error(d, st, lba, what);
	if (bms & BMS_ERR) {
		klog(LOG_WARN, "ata: %s: %s at lba %lu: bus-master error (bmstatus %02x)\n", d->info.name, what, lba, bms);
		return -BLK_EIO;
	}
	if ((st & ST_DRQ) || (bms & BMS_ACTIVE) || !(bms & BMS_INTR))
		return ata_status_error(d, st | ST_ERR, lba, dir ? "dma read (incomplete)" : "dma write (incomplete)");
	return 0;
}

int ata_dma_xfer(struct ata_dev *d, uint64_t lba, uint64_t cmd_lba, uint32_t n, bool ext, void *buf, bool write)
{
	struct ata_channel *ch = d->ch;
	uint32_t nbytes = n * BLOCKDEV_SECTOR_SIZE;
	paddr_t pa;
	bool direct = ata_prd_direct(buf, nbytes, &pa);
	if (!direct) {
		if (n > ATA_BOUNCE_SECTORS)
			return -BLK_EINVAL; /* the caller splits by ata_dma_max_sectors */
		pa = ch->bounce_pa;
		d->info.dma_bounced++;
		if (write)
			memcpy(ch->bounce, buf, nbytes);
	}
	if (ata_prd_fill(ch->prd, ATA_PRD_MAX, pa, nbytes) < 0)
		return -BLK_EINVAL;
	uint8_t cmd = write ? (ext ? CMD_WRITE_DMA_EXT : CMD_WRITE_DMA) : (ext ? CMD_READ_DMA_EXT : CMD_READ_DMA);
	uint8_t dir = write ? 0 : BMC_READ;
	int err = ata_dma_start(d, cmd, lba, cmd_lba, n, ext, dir);
	if (!err)
		err = ata_dma_finish(d, lba, dir);
	if (!err && !write && !direct)
		memcpy(buf, ch->bounce, nbytes);
	return err;
}
