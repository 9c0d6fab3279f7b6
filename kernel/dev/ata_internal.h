/*
 * ata_internal.h - what the ATA driver's files share: the register maps, the channel and
 * device records, and the calls between ata.c (requests, waits, the interrupt, the public
 * interface), ata_probe.c (probe, IDENTIFY, per-device setup), ata_pio.c (PIO transfers)
 * and ata_dma.c (bus-master DMA). Not for use outside kernel/dev. Rules: specs/ata.md.
 */
#ifndef QUIRE_DEV_ATA_INTERNAL_H
#define QUIRE_DEV_ATA_INTERNAL_H

#include "dev/ata.h"
#include "dev/ata_prd.h"
#include "sched/sched.h"

/*
 * Command block registers, at the channel's base port (0x1F0 primary, 0x170 secondary):
 *
 *   +0 DATA       16-bit PIO data, 256 words per sector
 *   +1 ERROR (r)  FEATURES (w)
 *   +2 SECCOUNT   sector count       (LBA48: written twice, high byte first)
 *   +3 LBA0       LBA bits  7:0      (LBA48: bits 31:24 first)
 *   +4 LBA1       LBA bits 15:8      (LBA48: bits 39:32 first)   signature byte 1
 *   +5 LBA2       LBA bits 23:16     (LBA48: bits 47:40 first)   signature byte 2
 *   +6 DRIVE      1 L 1 DEV | LBA28 bits 27:24   (L: LBA addressing, DEV: 1 = slave)
 *   +7 STATUS (r) COMMAND (w)        reading STATUS acknowledges the device's interrupt
 *
 * Control block, at the channel's control port (0x3F6 primary, 0x376 secondary):
 *      ALTSTATUS (r): STATUS without acknowledging     DEVCTL (w): see below
 *
 *   STATUS   7 BSY | 6 DRDY | 5 DF | 4 -- | 3 DRQ | 2 -- | 1 -- | 0 ERR
 *   ERROR    7 ICRC | 6 UNC | 5 -- | 4 IDNF | 3 -- | 2 ABRT | 1 -- | 0 --
 *   DEVCTL   7 HOB  | 6..3 -- | 2 SRST | 1 nIEN | 0 --
 *
 * Bus-master registers (PCI IDE function, BAR4 in I/O space; +0 primary, +8 secondary):
 *
 *   +0 BMCMD    7..4 -- | 3 RWCON (1: device to memory, a READ) | 2..1 -- | 0 START
 *   +2 BMSTATUS 7 SIMPLEX | 6 DRV1 DMA-capable | 5 DRV0 DMA-capable | 4..3 -- |
 *               2 INTR (the device interrupted; write 1 to clear) |
 *               1 ERR (bus error; write 1 to clear) | 0 ACTIVE (engine running)
 *   +4 BMPRD    32-bit physical address of the PRD table (dword aligned)
 */
#define REG_DATA 0
#define REG_ERROR 1
#define REG_SECCOUNT 2
#define REG_LBA0 3
#define REG_LBA1 4
#define REG_LBA2 5
#define REG_DRIVE 6
#define REG_STATUS 7
#define REG_COMMAND 7

#define ST_BSY 0x80
#define ST_DRDY 0x40
#define ST_DF 0x20
#define ST_DRQ 0x08
#define ST_ERR 0x01
#define ST_FLOATING 0xFF /* nobody drives the bus: no channel or no device */

#define ERR_UNC 0x40u
#define ERR_IDNF 0x10u
#define ERR_ABRT 0x04u

#define DEVCTL_SRST 0x04u
#define DEVCTL_NIEN 0x02u

#define DRIVE_OBS 0xA0u   /* bits 7 and 5: obsolete, always 1 */
#define DRIVE_LBA 0x40u
#define DRIVE_SLAVE 0x10u
#define DRIVE_LBA28_HI 0x0Fu
_Static_assert((DRIVE_OBS | DRIVE_LBA | DRIVE_SLAVE | DRIVE_LBA28_HI) == 0xFF, "DRIVE bits cover the byte");

#define BM_CMD 0
#define BM_STATUS 2
#define BM_PRD 4
#define BM_CHANNEL_STRIDE 8
#define BMC_START 0x01u
#define BMC_READ 0x08u      /* RWCON: the engine writes memory */
#define BMS_ACTIVE 0x01u
#define BMS_ERR 0x02u
#define BMS_INTR 0x04u
#define BMS_DMA_CAPABLE 0x60u /* kept as they are when the status is written */
_Static_assert((BMS_ACTIVE | BMS_ERR | BMS_INTR | BMS_DMA_CAPABLE) == 0x67, "BMSTATUS bits");

#define CMD_READ 0x20u
#define CMD_READ_EXT 0x24u
#define CMD_READ_DMA_EXT 0x25u
#define CMD_READ_MULTIPLE_EXT 0x29u
#define CMD_WRITE 0x30u
#define CMD_WRITE_EXT 0x34u
#define CMD_WRITE_DMA_EXT 0x35u
#define CMD_WRITE_MULTIPLE_EXT 0x39u
#define CMD_READ_MULTIPLE 0xC4u
#define CMD_WRITE_MULTIPLE 0xC5u
#define CMD_SET_MULTIPLE 0xC6u
#define CMD_READ_DMA 0xC8u
#define CMD_WRITE_DMA 0xCAu
#define CMD_FLUSH 0xE7u
#define CMD_FLUSH_EXT 0xEAu
#define CMD_IDENTIFY 0xECu

#define SECTOR_WORDS (BLOCKDEV_SECTOR_SIZE / 2)
#define LBA28_LIMIT (1ull << 28)
#define LBA48_LIMIT (1ull << 48)
#define MAX_SECTORS_PER_CMD 256u /* LBA28 writes 256 as a count of 0 */
#define ATA_MULTIPLE_MAX 16u     /* the most sectors per PIO block the driver asks for */

/* DMA buffers per channel with a disk: a one-frame PRD table and a 64 KiB bounce buffer */
#define ATA_BOUNCE_BYTES 0x10000u
#define ATA_BOUNCE_SECTORS (ATA_BOUNCE_BYTES / BLOCKDEV_SECTOR_SIZE)
#define ATA_PRD_MAX 8 /* entries used; a 256-sector command in place needs at most 3 */

/* Waits, in milliseconds; each is the longest a healthy device may take */
#define TIMEOUT_PROBE_MS 1000u
#define TIMEOUT_IO_MS 5000u
#define TIMEOUT_FLUSH_MS 30000u
#define TIMEOUT_BUSY_MS 30000u

struct ata_channel {
	uint16_t base, ctrl;         /* command block and control ports */
	uint16_t bm;                 /* bus-master registers, 0 when there are none */
	uint8_t irq;
	bool present;                /* something drives the registers */
	int8_t selected;             /* device selected last (0 master, 1 slave), -1 unknown */
	volatile bool irq_pending;   /* set by the IRQ handler, consumed by ata_wait_irq */
	volatile uint8_t irq_status; /* STATUS read (and so acknowledged) by the handler */
	volatile uint8_t irq_bmstatus; /* BMSTATUS the handler saw (and cleared INTR/ERR of) */
	volatile bool dma_active;    /* a DMA command is under way: interrupts need INTR */
	volatile bool busy;          /* a request owns the channel; see ata_channel_acquire */
	volatile uint64_t irq_tsc;   /* TSC when the handler last ran (halt-wait accounting) */
	struct waitq irq_wait;       /* the thread waiting for this channel's interrupt */
	struct waitq lock_wait;      /* threads waiting to own the channel */
	uint64_t irqs;               /* interrupts taken */
	uint64_t irqs_ignored;       /* interrupts during DMA without BMSTATUS.INTR */
	struct ata_prd *prd;         /* PRD table (direct map), NULL without DMA */
	paddr_t prd_pa;
	uint8_t *bounce;             /* ATA_BOUNCE_BYTES, 64 KiB aligned, below 4 GiB */
	paddr_t bounce_pa;
};

struct ata_dev {
	struct ata_channel *ch;
	struct ata_info info;        /* name, kind, size, model, mode, counters */
	bool slave;
	uint8_t multiple_max;        /* IDENTIFY word 47: most sectors per PIO block (0: none) */
	bool dma_capable;            /* IDENTIFY word 49 bit 8 */
	uint64_t inject_lba;         /* ata_inject_error: requests touching it fail ... */
	int inject_count;            /* ... this many more times */
	bool inject_device;          /* ... at the device (sent past the end) */
	struct blockdev bd;
};

extern struct ata_channel ata_channels[2];
extern struct ata_dev ata_devs[ATA_NDEVS];
extern unsigned ata_io_timeout_ms; /* ata_set_io_timeout_ms */
extern bool ata_lba48_always;      /* ata_set_lba48_always */
extern bool ata_halt_wait;         /* ata_set_halt_wait */
extern uint64_t ata_halted;        /* ata_halt_ticks */
extern bool ata_ready;             /* ata_init has run */

static inline void ata_insw(uint16_t port, void *buf, uint32_t nwords)
{
	__asm__ volatile("rep insw" : "+D"(buf), "+c"(nwords) : "d"(port) : "memory");
}

static inline void ata_outsw(uint16_t port, const void *buf, uint32_t nwords)
{
	__asm__ volatile("rep outsw" : "+S"(buf), "+c"(nwords) : "d"(port) : "memory");
}

/* --- ata.c --- */

/* ata_channel_acquire - own @ch for one request (sleeping while another owns it); 0, or
 * -BLK_EBUSY after TIMEOUT_BUSY_MS. ata_channel_release gives it back. Context: thread. */
int ata_channel_acquire(struct ata_channel *ch);
void ata_channel_release(struct ata_channel *ch);

/* ata_channel_recover - after a timeout: stop DMA, reset, set the devices up again. Owner. */
void ata_channel_recover(struct ata_channel *ch);

/* ata_dma_possible - @d's channel has a bus-master engine and @d does DMA. */
bool ata_dma_possible(const struct ata_dev *d);

/* ata_select - make @slave the selected device of @ch and give it 400 ns to answer;
 * nothing when it is selected already (ch->selected; a reset forgets it). */
void ata_select(struct ata_channel *ch, bool slave);

/* ata_poll - spin on ALTSTATUS until BSY is clear and (status & @mask) == @want, or ERR or
 * DF is set; the status, or -BLK_ETIMEDOUT after @timeout_ms. Context: any; short waits. */
int ata_poll(struct ata_channel *ch, uint8_t mask, uint8_t want, unsigned timeout_ms);

/* ata_delay400 - the 400 ns a device may take to show a new STATUS. */
void ata_delay400(struct ata_channel *ch);

/* ata_wait_irq - wait for the channel's next interrupt: the STATUS the handler read, or
 * -BLK_ETIMEDOUT. The caller cleared irq_pending (ata_start does). Context: thread. */
int ata_wait_irq(struct ata_channel *ch, unsigned timeout_ms);

/* ata_start - select @d, wait until it is ready, and issue @cmd for @n sectors at @lba
 * (LBA48 register writes when @ext). 0, or -BLK_EIO / -BLK_ETIMEDOUT when not ready. */
int ata_start(struct ata_dev *d, uint8_t cmd, uint64_t lba, uint32_t n, bool ext);

/* ata_status_error - log a failed command and turn its STATUS (or negative code) into an
 * error: -BLK_EIO for a STATUS, the code itself otherwise. */
int ata_status_error(const struct ata_dev *d, int st, uint64_t lba, const char *what);

/* --- ata_admin.c --- */

/* ata_dev_setup - the empty record of position @dev (name, channel, block device). */
void ata_dev_setup(int dev);

/* --- ata_probe.c --- */

/* ata_probe_all - probe both channels, identify devices, find the bus-master registers.
 * Context: boot, once, device interrupts off (nIEN). */
void ata_probe_all(void);

/* ata_channel_reset - software reset of both devices of @ch; their interrupts stay off
 * (nIEN) when @quiet. 0, or -BLK_ETIMEDOUT if the master stays busy. */
int ata_channel_reset(struct ata_channel *ch, bool quiet);

/* ata_dev_configure - after probe or a reset: SET MULTIPLE MODE with the largest block
 * (<= 16 sectors) the disk offers, or single sectors when it offers none or refuses.
 * Nothing for a position without a disk. The caller owns the channel. */
void ata_dev_configure(struct ata_dev *d);

/* ata_set_multiple_locked - SET MULTIPLE MODE @count on @d, by polling with the device
 * interrupt off (nIEN; cleared again at the end). 0, or -BLK_EIO when refused, or
 * -BLK_ETIMEDOUT; on failure info.multiple is 0 (single sectors). The caller owns the
 * channel. */
int ata_set_multiple_locked(struct ata_dev *d, unsigned count);

/* --- ata_pio.c --- */

/* ata_pio_xfer - one PIO command of @n (<= 256) sectors at @lba: READ/WRITE MULTIPLE in
 * blocks of @block sectors when @block > 1, else READ/WRITE SECTORS (one interrupt per
 * sector); @cmd_lba is the address sent to the device (differs from @lba only for an
 * injected device error); @ext: the 48-bit command. 0 or -BLK_E*. The caller owns the
 * channel. */
int ata_pio_xfer(struct ata_dev *d, uint64_t lba, uint64_t cmd_lba, uint32_t n, uint32_t block, bool ext,
		 void *buf, bool write);

/* --- ata_dma.c --- */

/* ata_dma_setup - find the PCI IDE controller, enable bus mastering, and give each channel
 * with a disk its PRD table and bounce buffer. Context: boot, after ata_probe_all. */
void ata_dma_setup(void);

/* ata_dma_max_sectors - the most sectors one DMA command may move from @buf (256 when it
 * can be used in place, the bounce buffer's size otherwise). */
uint32_t ata_dma_max_sectors(const void *buf, uint32_t n);

/* ata_dma_xfer - one READ/WRITE DMA (EXT) command of @n sectors (<= ata_dma_max_sectors),
 * in place or through the bounce buffer; one interrupt. 0 or -BLK_E*. The caller owns the
 * channel; on -BLK_ETIMEDOUT it must call ata_dma_stop and reset the channel. */
int ata_dma_xfer(struct ata_dev *d, uint64_t lba, uint64_t cmd_lba, uint32_t n, bool ext, void *buf, bool write);

/* ata_dma_stop - stop the channel's engine and clear BMSTATUS.INTR/ERR (after errors). */
void ata_dma_stop(struct ata_channel *ch);

#endif
