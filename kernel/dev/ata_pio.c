/*
 * ata_pio.c - programmed I/O: the CPU moves every word through the DATA port. Single
 * sectors (READ/WRITE SECTORS: an interrupt per sector) or blocks of up to 16 sectors
 * (READ/WRITE MULTIPLE after SET MULTIPLE MODE: an interrupt per block). The interrupt
 * protocol of each: specs/ata.md, "Transfers".
 */
#include "dev/ata_internal.h"

#include "arch/x86_64/cpu.h"

/* ata_pio_in - after a READ: per block, one interrupt, then the block's data. */
static int ata_pio_in(struct ata_dev *d, uint64_t lba, uint32_t n, uint32_t block, uint8_t *buf)
{
	for (uint32_t i = 0; i < n; i += block) {
		uint32_t k = n - i < block ? n - i : block;
		int st = ata_wait_irq(d->ch, ata_io_timeout_ms);
		if (st < 0 || (st & (ST_ERR | ST_DF)) || !(st & ST_DRQ))
			return ata_status_error(d, st, lba + i, "read");
		ata_insw(d->ch->base + REG_DATA, buf + (uint64_t)i * BLOCKDEV_SECTOR_SIZE, k * SECTOR_WORDS);
	}
	return 0;
}

/* ata_pio_out - after a WRITE: the first block when DRQ shows (no interrupt), each
 * further block after an interrupt, and a last interrupt when all is on the device. */
static int ata_pio_out(struct ata_dev *d, uint64_t lba, uint32_t n, uint32_t block, const uint8_t *buf)
{
	int st = ata_poll(d->ch, ST_DRQ, ST_DRQ, ata_io_timeout_ms);
	for (uint32_t i = 0, k; ; i += k) {
		if (st < 0 || (st & (ST_ERR | ST_DF)))
			return ata_status_error(d, st, lba + i, "write");
		if (i == n)
			break;
		if (!(st & ST_DRQ))
			return ata_status_error(d, st | ST_ERR, lba + i, "write (no DRQ)");
		k = n - i < block ? n - i : block;
		ata_outsw(d->ch->base + REG_DATA, buf + (uint64_t)i * BLOCKDEV_SECTOR_SIZE, k * SECTOR_WORDS);
		st = ata_wait_irq(d->ch, ata_io_timeout_ms);
	}
	return (st & ST_DRQ) ? ata_status_error(d, st | ST_ERR, lba + n, "write (DRQ after the end)") : 0;
}

int ata_pio_xfer(struct ata_dev *d, uint64_t lba, uint64_t cmd_lba, uint32_t n, uint32_t block, bool ext,
		 void *buf, bool write)
{
	static const uint8_t cmds[2][2][2] = {
		/* [multiple][ext][write] */
		{ { CMD_READ, CMD_WRITE }, { CMD_READ_EXT, CMD_WRITE_EXT } },
		{ { CMD_READ_MULTIPLE, CMD_WRITE_MULTIPLE }, { CMD_READ_MULTIPLE_EXT, CMD_WRITE_MULTIPLE_EXT } },
	};
	if (block == 0)
		block = 1;
	int err = ata_start(d, cmds[block > 1][ext][write], cmd_lba, n, ext);
	if (err)
		return err;
	return write ? ata_pio_out(d, lba, n, block, buf) : ata_pio_in(d, lba, n, block, buf);
}
