/*
 * ata_probe.c - finding what sits at the four IDE positions (reset, signatures, IDENTIFY
 * DEVICE), and setting a disk up after probe or a reset (SET MULTIPLE MODE). Probing
 * polls with the device interrupt off (nIEN). The algorithm: specs/ata.md, "Probing".
 */
#include "dev/ata_internal.h"

#include "arch/x86_64/cpu.h"
#include "console.h"

/* Signatures left in LBA1/LBA2 by reset or by an aborted IDENTIFY */
/* an ATA disk shows 0x0000; an empty position may show anything (QEMU: 0xFFFF) */
#define SIG_ATAPI 0xEB14u  /* LBA2 << 8 | LBA1 */
#define SIG_SATAPI 0x9669u

/* IDENTIFY DEVICE data (256 words) */
#define ID_WORDS 256
#define ID_GENERAL 0          /* bit 15: 1 = not an ATA device */
#define ID_GENERAL_NOT_ATA 0x8000u
#define ID_MODEL 27           /* words 27..46, two characters per word, high byte first */
#define ID_MULTIPLE 47        /* bits 7:0: most sectors per block of READ/WRITE MULTIPLE */
#define ID_MULTIPLE_MASK 0x00FFu
#define ID_CAPS 49            /* bit 9: LBA supported, bit 8: DMA supported */
#define ID_CAPS_LBA 0x0200u
#define ID_CAPS_DMA 0x0100u
#define ID_LBA28_SECTORS 60   /* words 60..61 */
#define ID_CMDSET2 83         /* bit 10: 48-bit feature set; bits 15:14 == 01 when valid */
#define ID_CMDSET2_LBA48 0x0400u
#define ID_CMDSET2_VALID_MASK 0xC000u
#define ID_CMDSET2_VALID 0x4000u
#define ID_LBA48_SECTORS 100  /* words 100..103 */

static uint16_t ata_id_buf[ID_WORDS]; /* IDENTIFY data; probing is single-threaded */

int ata_channel_reset(struct ata_channel *ch, bool quiet)
{
	uint8_t devctl = quiet ? DEVCTL_NIEN : 0;
	outb(ch->ctrl, DEVCTL_SRST | devctl);
	for (int i = 0; i < 5; i++) /* SRST must be held 5 us: io_wait takes ~1 us */
		io_wait();
	outb(ch->ctrl, devctl);
	ch->selected = -1; /* reset selects the master; say "unknown" to be safe */
	ata_delay400(ch);
	int st = ata_poll(ch, 0, 0, TIMEOUT_PROBE_MS);
	return st < 0 ? st : 0;
}

static uint16_t ata_signature(struct ata_channel *ch)
{
	return (uint16_t)(inb(ch->base + REG_LBA2) << 8 | inb(ch->base + REG_LBA1));
}

static void ata_copy_model(char *out, const uint16_t *id)
{
	for (int i = 0; i < ATA_MODEL_MAX / 2; i++) {
		out[2 * i] = (char)(id[ID_MODEL + i] >> 8);
		out[2 * i + 1] = (char)(id[ID_MODEL + i] & 0xFF);
	}
	int n = ATA_MODEL_MAX;
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
		n--;
	out[n] = '\0';
}

/* ata_parse_identify - fill @d's kind, size, LBA48 flag, model, PIO block size and DMA
 * capability from IDENTIFY data. */
static void ata_parse_identify(struct ata_dev *d, const uint16_t *id)
{
	struct ata_info *in = &d->info;
	ata_copy_model(in->model, id);
	if (id[ID_GENERAL] & ID_GENERAL_NOT_ATA) {
		in->kind = ATA_KIND_ATAPI;
		return;
	}
	if (!(id[ID_CAPS] & ID_CAPS_LBA)) {
		in->kind = ATA_KIND_OTHER; /* CHS only: not supported */
		return;
	}
	in->lba48 = (id[ID_CMDSET2] & ID_CMDSET2_VALID_MASK) == ID_CMDSET2_VALID &&
		    (id[ID_CMDSET2] & ID_CMDSET2_LBA48);
	uint64_t n = (uint64_t)id[ID_LBA28_SECTORS] | (uint64_t)id[ID_LBA28_SECTORS + 1] << 16;
	if (in->lba48) {
		uint64_t n48 = 0;
		for (int i = 3; i >= 0; i--)
			n48 = n48 << 16 | id[ID_LBA48_SECTORS + i];
		if (n48 > n && n48 <= LBA48_LIMIT)
			n = n48;
	}
	in->nsectors = n;
	in->kind = n ? ATA_KIND_DISK : ATA_KIND_OTHER;
	d->multiple_max = (uint8_t)(id[ID_MULTIPLE] & ID_MULTIPLE_MASK);
	d->dma_capable = (id[ID_CAPS] & ID_CAPS_DMA) != 0;
}

/* ata_kind_from_signature - what a device is that aborted IDENTIFY: ATAPI by its
 * signature, else nothing (QEMU's empty master beside a slave answers 0x41: DRDY|ERR). */
static enum ata_kind ata_kind_from_signature(uint16_t sig)
{
	return sig == SIG_ATAPI || sig == SIG_SATAPI ? ATA_KIND_ATAPI : ATA_KIND_NONE;
}

/* ata_send_identify - issue IDENTIFY DEVICE; returns the STATUS once the device has
 * answered (DRQ, or ERR when it aborted), 0 if nobody is there, or -BLK_ETIMEDOUT. */
static int ata_send_identify(struct ata_channel *ch)
{
	outb(ch->base + REG_SECCOUNT, 0);
	outb(ch->base + REG_LBA0, 0);
	outb(ch->base + REG_LBA1, 0);
	outb(ch->base + REG_LBA2, 0);
	outb(ch->base + REG_COMMAND, CMD_IDENTIFY);
	ata_delay400(ch);
	if (inb(ch->base + REG_STATUS) == 0)
		return 0;
	return ata_poll(ch, ST_DRQ, ST_DRQ, TIMEOUT_PROBE_MS);
}

/*
 * ata_identify - find out what sits at @d's position, by polling (nIEN is set): floating
 * (0xFF) or stuck busy: nothing; an ATAPI signature: a packet device (its STATUS may
 * read 0 after reset); STATUS 0 otherwise: nothing; else IDENTIFY, which a disk answers
 * with data and an empty position or an ATAPI device aborts.
 */
static void ata_identify(struct ata_dev *d)
{
	struct ata_channel *ch = d->ch;
	ata_select(ch, d->slave);
	uint8_t st = inb(ch->base + REG_STATUS);
	if (st == ST_FLOATING || ata_poll(ch, 0, 0, TIMEOUT_PROBE_MS) < 0)
		return;
	uint16_t sig = ata_signature(ch);
	if (sig == SIG_ATAPI || sig == SIG_SATAPI || st == 0) {
		d->info.kind = ata_kind_from_signature(sig);
		return;
	}
	int r = ata_send_identify(ch);
	if (r <= 0)
		return;
	if (r & (ST_ERR | ST_DF)) {
		d->info.kind = ata_kind_from_signature(ata_signature(ch));
		return;
	}
	ata_insw(ch->base + REG_DATA, ata_id_buf, ID_WORDS);
	(void)inb(ch->base + REG_STATUS);
	ata_parse_identify(d, ata_id_buf);
}

/* ata_channel_floating - true when neither device position drives the bus (reads 0xFF). */
static bool ata_channel_floating(struct ata_channel *ch)
{
	for (int slave = 0; slave < 2; slave++) {
		ata_select(ch, slave);
		if (inb(ch->base + REG_STATUS) != ST_FLOATING)
			return false;
	}
	return true;
}

static void ata_log_dev(const struct ata_dev *d)
{
	const struct ata_info *in = &d->info;
	if (in->kind == ATA_KIND_DISK)
		klog(LOG_INFO, "ata: %s: disk '%s', %lu sectors (%lu MiB), %s, PIO blocks up to %u, %s\n", in->name,
		     in->model, in->nsectors, in->nsectors >> 11, in->lba48 ? "LBA48" : "LBA28", d->multiple_max,
		     d->dma_capable ? "DMA-capable" : "no DMA");
	else if (in->kind != ATA_KIND_NONE)
		klog(LOG_INFO, "ata: %s: %s '%s', skipped\n", in->name, ata_kind_name(in->kind), in->model);
}

/* ata_probe_channel - reset @ch with interrupts off and identify its two devices. */
static void ata_probe_channel(int c)
{
	struct ata_channel *ch = &ata_channels[c];
	if (ata_channel_floating(ch)) {
		klog(LOG_DEBUG, "ata: channel %d (0x%x): floating bus, no devices\n", c, ch->base);
		return;
	}
	ch->present = true;
	if (ata_channel_reset(ch, true) < 0)
		klog(LOG_WARN, "ata: channel %d (0x%x): still busy after reset\n", c, ch->base);
	for (int slave = 0; slave < 2; slave++) {
		struct ata_dev *d = &ata_devs[c * 2 + slave];
		ata_identify(d);
		ata_log_dev(d);
	}
}

void ata_probe_all(void)
{
	for (int c = 0; c < 2; c++)
		ata_probe_channel(c);
}

int ata_set_multiple_locked(struct ata_dev *d, unsigned count)
{
	struct ata_channel *ch = d->ch;
	d->info.multiple = 0; /* single sectors unless the device takes @count */
	outb(ch->ctrl, DEVCTL_NIEN);
	int st = ata_start(d, CMD_SET_MULTIPLE, 0, count, false);
	if (st == 0) {
		ata_delay400(ch);
		st = ata_poll(ch, 0, 0, TIMEOUT_PROBE_MS);
	}
	(void)inb(ch->base + REG_STATUS); /* no interrupt left pending */
	outb(ch->ctrl, 0);
	if (st < 0)
		return st;
	if (st & (ST_ERR | ST_DF)) {
		klog(LOG_INFO, "ata: %s: SET MULTIPLE MODE %u refused (status %02x error %02x): single sectors\n",
		     d->info.name, count, st, inb(ch->base + REG_ERROR));
		return -BLK_EIO;
	}
	d->info.multiple = (uint8_t)count;
	return 0;
}

void ata_dev_configure(struct ata_dev *d)
{
	if (d->info.kind != ATA_KIND_DISK)
		return;
	unsigned want = d->multiple_max < ATA_MULTIPLE_MAX ? d->multiple_max : ATA_MULTIPLE_MAX;
	unsigned count = 1;
	while (count * 2 <= want) /* devices take powers of two only */
		count *= 2;
	if (want == 0 || ata_set_multiple_locked(d, count) < 0)
		d->info.multiple = 0;
}
