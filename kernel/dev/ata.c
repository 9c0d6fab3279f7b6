/*
 * ata.c - ATA (IDE) disks on the legacy PC ports: probe, IDENTIFY, interrupt-driven PIO
 * reads and writes (LBA28, LBA48 when needed), cache flush, error injection, and the
 * `disks` monitor command. PC-specific (port I/O), so it includes arch/x86_64/cpu.h.
 * Invariants and the probe algorithm: specs/ata.md.
 */
#include "dev/ata.h"

#include "sched/sched.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/trap.h"
#include "console.h"
#include "lib/kstring.h"
#include "lib/moncmd.h"

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

#define CMD_READ 0x20u
#define CMD_READ_EXT 0x24u
#define CMD_WRITE 0x30u
#define CMD_WRITE_EXT 0x34u
#define CMD_FLUSH 0xE7u
#define CMD_FLUSH_EXT 0xEAu
#define CMD_IDENTIFY 0xECu

/* Signatures left in LBA1/LBA2 by reset or by an aborted IDENTIFY */
/* an ATA disk shows 0x0000; an empty position may show anything (QEMU: 0xFFFF) */
#define SIG_ATAPI 0xEB14u  /* LBA2 << 8 | LBA1 */
#define SIG_SATAPI 0x9669u

/* IDENTIFY DEVICE data (256 words) */
#define ID_WORDS 256
#define ID_GENERAL 0          /* bit 15: 1 = not an ATA device */
#define ID_GENERAL_NOT_ATA 0x8000u
#define ID_MODEL 27           /* words 27..46, two characters per word, high byte first */
#define ID_CAPS 49            /* bit 9: LBA supported */
#define ID_CAPS_LBA 0x0200u
#define ID_LBA28_SECTORS 60   /* words 60..61 */
#define ID_CMDSET2 83         /* bit 10: 48-bit feature set; bits 15:14 == 01 when valid */
#define ID_CMDSET2_LBA48 0x0400u
#define ID_CMDSET2_VALID_MASK 0xC000u
#define ID_CMDSET2_VALID 0x4000u
#define ID_LBA48_SECTORS 100  /* words 100..103 */

#define SECTOR_WORDS (BLOCKDEV_SECTOR_SIZE / 2)
#define LBA28_LIMIT (1ull << 28)
#define LBA48_LIMIT (1ull << 48)
#define MAX_SECTORS_PER_CMD 256u /* LBA28 writes 256 as a count of 0 */

/* Waits, in milliseconds; each is the longest a healthy device may take */
#define TIMEOUT_PROBE_MS 1000u
#define TIMEOUT_IO_MS 5000u
#define TIMEOUT_FLUSH_MS 30000u
#define TIMEOUT_BUSY_MS 30000u
/* Upper bound on ALTSTATUS reads per millisecond of timeout, for waits with interrupts off
 * (the tick counter stands still then): a register read takes at least ~100 ns. */
#define SPINS_PER_MS 10000ull
#define RFLAGS_IF (1ull << 9)

struct ata_channel {
	uint16_t base, ctrl;         /* command block and control ports */
	uint8_t irq;
	bool present;                /* something drives the registers */
	volatile bool irq_pending;   /* set by the IRQ handler, consumed by ata_wait_irq */
	volatile uint8_t irq_status; /* STATUS read (and so acknowledged) by the handler */
	volatile bool busy;          /* a request owns the channel; see ata_channel_acquire */
	struct waitq irq_wait;       /* the thread waiting for this channel's interrupt */
	struct waitq lock_wait;      /* threads waiting to own the channel */
	uint64_t irqs;               /* interrupts taken */
};

struct ata_dev {
	struct ata_channel *ch;
	struct ata_info info;        /* name, kind, size, model, counters */
	bool slave;
	uint64_t inject_lba;         /* ata_inject_error: requests touching it fail ... */
	int inject_count;            /* ... this many more times */
	struct blockdev bd;
};

static struct ata_channel ata_channels[2] = {
	{ .base = 0x1F0, .ctrl = 0x3F6, .irq = 14 },
	{ .base = 0x170, .ctrl = 0x376, .irq = 15 },
};
static struct ata_dev ata_devs[ATA_NDEVS];
static bool ata_ready;
static bool ata_lba48_always;
static unsigned ata_io_timeout_ms = TIMEOUT_IO_MS;
static uint16_t ata_id_buf[ID_WORDS]; /* IDENTIFY data; probing is single-threaded */

static uint64_t ms_to_ticks(unsigned ms)
{
	return ((uint64_t)ms * TIMER_HZ + 999) / 1000 + 1;
}

static void ata_insw(uint16_t port, void *buf, uint32_t nwords)
{
	__asm__ volatile("rep insw" : "+D"(buf), "+c"(nwords) : "d"(port) : "memory");
}

static void ata_outsw(uint16_t port, const void *buf, uint32_t nwords)
{
	__asm__ volatile("rep outsw" : "+S"(buf), "+c"(nwords) : "d"(port) : "memory");
}

/* The 400 ns a device may take to show a new STATUS: four ALTSTATUS reads. */
static void ata_delay400(struct ata_channel *ch)
{
	for (int i = 0; i < 4; i++)
		(void)inb(ch->ctrl);
}

/*
 * ata_poll - spin on ALTSTATUS until BSY is clear and (status & @mask) == @want, or ERR or
 * DF is set. Returns the status, or -BLK_ETIMEDOUT after @timeout_ms (counted in timer
 * ticks, and in reads when interrupts are off). Context: any; for short waits only.
 */
static int ata_poll(struct ata_channel *ch, uint8_t mask, uint8_t want, unsigned timeout_ms)
{
	uint64_t deadline = timer_ticks() + ms_to_ticks(timeout_ms);
	uint64_t spins = (uint64_t)timeout_ms * SPINS_PER_MS;
	for (;;) {
		uint8_t st = inb(ch->ctrl);
		if (!(st & ST_BSY) && ((st & mask) == want || (st & (ST_ERR | ST_DF))))
			return st;
		if (timer_ticks() > deadline || spins-- == 0)
			return -BLK_ETIMEDOUT;
	}
}

/*
 * ata_wait_irq - wait for the channel's next interrupt; returns the STATUS the handler
 * read, or -BLK_ETIMEDOUT after @timeout_ms. The caller cleared ch->irq_pending before
 * starting the command. This is the ONE place a request waits: today it halts until the
 * handler sets the flag (sti;hlt cannot miss it); the scheduler will replace the body with
 * "sleep on the channel's wait queue", woken by ata_irq. With interrupts off (early boot)
 * it polls ALTSTATUS instead. In a thread (sched_running) the caller sleeps on the
 * channel's wait queue until ata_irq wakes it, so other threads run meanwhile; before the
 * scheduler runs it halts. Context: thread; interrupts on.
 */
static int ata_wait_irq(struct ata_channel *ch, unsigned timeout_ms)
{
	uint64_t flags = cpu_irq_save();
	if (!(flags & RFLAGS_IF)) {
		ata_delay400(ch);
		int st = ata_poll(ch, 0, 0, timeout_ms);
		return st < 0 ? st : inb(ch->base + REG_STATUS);
	}
	uint64_t deadline = timer_ticks() + ms_to_ticks(timeout_ms);
	while (!ch->irq_pending) {
		if (timer_ticks() > deadline) {
			cpu_irq_restore(flags);
			return -BLK_ETIMEDOUT;
		}
		if (sched_running()) /* sleep: other threads run during the transfer */
			sched_block_timeout(&ch->irq_wait, deadline - timer_ticks() + 1);
		else
			__asm__ volatile("sti; hlt; cli" : : : "memory");
	}
	ch->irq_pending = false;
	uint8_t st = ch->irq_status;
	cpu_irq_restore(flags);
	if (st & ST_BSY) /* raised early: let the device settle */
		return ata_poll(ch, 0, 0, timeout_ms);
	return st;
}

/* ata_irq - IRQ 14/15: read STATUS (acknowledging the device) and wake the waiter. */
static void ata_irq(struct ata_channel *ch)
{
	ch->irq_status = inb(ch->base + REG_STATUS);
	ch->irqs++;
	ch->irq_pending = true;
	sched_wake_all(&ch->irq_wait);
}

static void ata_irq_primary(struct trap_frame *tf)
{
	(void)tf;
	ata_irq(&ata_channels[0]);
}

static void ata_irq_secondary(struct trap_frame *tf)
{
	(void)tf;
	ata_irq(&ata_channels[1]);
}

/*
 * ata_channel_acquire - own @ch for one request. Requests are serialised per channel by a
 * busy flag; a thread that finds it taken sleeps until the owner releases it. Returns 0, or -BLK_EBUSY after TIMEOUT_BUSY_MS.
 */
static int ata_channel_acquire(struct ata_channel *ch)
{
	uint64_t deadline = timer_ticks() + ms_to_ticks(TIMEOUT_BUSY_MS);
	uint64_t flags = cpu_irq_save();
	while (ch->busy) {
		if (!(flags & RFLAGS_IF) || timer_ticks() > deadline) {
			cpu_irq_restore(flags);
			return -BLK_EBUSY;
		}
		if (sched_running())
			sched_block_timeout(&ch->lock_wait, deadline - timer_ticks() + 1);
		else
			__asm__ volatile("sti; hlt; cli" : : : "memory");
	}
	ch->busy = true;
	cpu_irq_restore(flags);
	return 0;
}

static void ata_channel_release(struct ata_channel *ch)
{
	ch->busy = false;
	sched_wake_all(&ch->lock_wait);
}

/* ata_select - make @slave the selected device of @ch and give it 400 ns to answer. */
static void ata_select(struct ata_channel *ch, bool slave)
{
	outb(ch->base + REG_DRIVE, DRIVE_OBS | DRIVE_LBA | (slave ? DRIVE_SLAVE : 0));
	ata_delay400(ch);
}

/* ata_channel_reset - software reset of both devices; interrupts stay off (nIEN) when
 * @quiet. Returns 0, or -BLK_ETIMEDOUT if the master stays busy. */
static int ata_channel_reset(struct ata_channel *ch, bool quiet)
{
	uint8_t devctl = quiet ? DEVCTL_NIEN : 0;
	outb(ch->ctrl, DEVCTL_SRST | devctl);
	for (int i = 0; i < 5; i++) /* SRST must be held 5 us: io_wait takes ~1 us */
		io_wait();
	outb(ch->ctrl, devctl);
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

/* ata_parse_identify - fill @d's kind, size, LBA48 flag and model from IDENTIFY data. */
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
		klog(LOG_INFO, "ata: %s: disk '%s', %lu sectors (%lu MiB), %s\n", in->name, in->model,
		     in->nsectors, in->nsectors >> 11, in->lba48 ? "LBA48" : "LBA28");
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

static int ata_bd_read(struct blockdev *bd, uint64_t lba, uint32_t count, void *buf);
static int ata_bd_write(struct blockdev *bd, uint64_t lba, uint32_t count, const void *buf);
static int ata_bd_flush(struct blockdev *bd);

static const struct blockdev_ops ata_bd_ops = { ata_bd_read, ata_bd_write, ata_bd_flush };

static void ata_dev_setup(int dev)
{
	struct ata_dev *d = &ata_devs[dev];
	memset(d, 0, sizeof *d);
	d->ch = &ata_channels[dev / 2];
	d->slave = dev & 1;
	d->info.name[0] = 'h';
	d->info.name[1] = 'd';
	d->info.name[2] = (char)('a' + dev);
	d->bd = (struct blockdev){ d->info.name, 0, BLOCKDEV_SECTOR_SIZE, &ata_bd_ops, d };
}

void ata_init(void)
{
	if (ata_ready)
		return;
	for (int dev = 0; dev < ATA_NDEVS; dev++)
		ata_dev_setup(dev);
	for (int c = 0; c < 2; c++) {
		struct ata_channel *ch = &ata_channels[c];
		ata_probe_channel(c);
		if (!ch->present)
			continue;
		ata_devs[c * 2].bd.nsectors = ata_devs[c * 2].info.nsectors;
		ata_devs[c * 2 + 1].bd.nsectors = ata_devs[c * 2 + 1].info.nsectors;
		ch->irq_pending = false;
		irq_register(ch->irq, c == 0 ? ata_irq_primary : ata_irq_secondary);
		outb(ch->ctrl, 0); /* nIEN clear: the devices interrupt from now on */
	}
	ata_ready = true;
}

/* ata_status_error - turn a bad STATUS into an error code, and say what happened. */
static int ata_status_error(const struct ata_dev *d, int st, uint64_t lba, const char *what)
{
	if (st < 0) {
		klog(LOG_WARN, "ata: %s: %s at lba %lu: %s\n", d->info.name, what, lba, blockdev_strerror(st));
		return st;
	}
	uint8_t err = inb(d->ch->base + REG_ERROR);
	klog(LOG_WARN, "ata: %s: %s at lba %lu: status %02x error %02x%s%s%s\n", d->info.name, what, lba,
	     st, err, err & ERR_UNC ? " UNC" : "", err & ERR_IDNF ? " IDNF" : "", err & ERR_ABRT ? " ABRT" : "");
	return -BLK_EIO;
}

/* ata_start - select @d, wait until it is ready, and issue @cmd for @n sectors at @lba. */
static int ata_start(struct ata_dev *d, uint8_t cmd, uint64_t lba, uint32_t n, bool ext)
{
	struct ata_channel *ch = d->ch;
	uint16_t b = ch->base;
	ata_select(ch, d->slave);
	int st = ata_poll(ch, ST_DRDY | ST_DRQ, ST_DRDY, TIMEOUT_IO_MS);
	if (st < 0 || (st & (ST_DRDY | ST_DRQ)) != ST_DRDY)
		return ata_status_error(d, st < 0 ? st : st | ST_ERR, lba, "not ready");
	uint8_t drive = DRIVE_OBS | DRIVE_LBA | (d->slave ? DRIVE_SLAVE : 0);
	if (ext) {
		outb(b + REG_DRIVE, drive);
		outb(b + REG_SECCOUNT, (uint8_t)(n >> 8));
		outb(b + REG_LBA0, (uint8_t)(lba >> 24));
		outb(b + REG_LBA1, (uint8_t)(lba >> 32));
		outb(b + REG_LBA2, (uint8_t)(lba >> 40));
	} else {
		outb(b + REG_DRIVE, drive | (uint8_t)((lba >> 24) & DRIVE_LBA28_HI));
	}
	outb(b + REG_SECCOUNT, (uint8_t)n); /* LBA28: 256 is written as 0 */
	outb(b + REG_LBA0, (uint8_t)lba);
	outb(b + REG_LBA1, (uint8_t)(lba >> 8));
	outb(b + REG_LBA2, (uint8_t)(lba >> 16));
	ch->irq_pending = false;
	outb(b + REG_COMMAND, cmd);
	return 0;
}

/* ata_pio_in - after a READ: one interrupt, then one sector of data, @n times. */
static int ata_pio_in(struct ata_dev *d, uint64_t lba, uint32_t n, uint8_t *buf)
{
	for (uint32_t i = 0; i < n; i++) {
		int st = ata_wait_irq(d->ch, ata_io_timeout_ms);
		if (st < 0 || (st & (ST_ERR | ST_DF)) || !(st & ST_DRQ))
			return ata_status_error(d, st, lba + i, "read");
		ata_insw(d->ch->base + REG_DATA, buf + (uint64_t)i * BLOCKDEV_SECTOR_SIZE, SECTOR_WORDS);
	}
	return 0;
}

/* ata_pio_out - after a WRITE: the first sector when DRQ shows (no interrupt), each
 * further sector after an interrupt, and a last interrupt when all is on the device. */
static int ata_pio_out(struct ata_dev *d, uint64_t lba, uint32_t n, const uint8_t *buf)
{
	int st = ata_poll(d->ch, ST_DRQ, ST_DRQ, ata_io_timeout_ms);
	for (uint32_t i = 0;; i++) {
		if (st < 0 || (st & (ST_ERR | ST_DF)))
			return ata_status_error(d, st, lba + i, "write");
		if (i == n)
			break;
		if (!(st & ST_DRQ))
			return ata_status_error(d, st | ST_ERR, lba + i, "write (no DRQ)");
		ata_outsw(d->ch->base + REG_DATA, buf + (uint64_t)i * BLOCKDEV_SECTOR_SIZE, SECTOR_WORDS);
		st = ata_wait_irq(d->ch, ata_io_timeout_ms);
	}
	return (st & ST_DRQ) ? ata_status_error(d, st | ST_ERR, lba + n, "write (DRQ after the end)") : 0;
}

/* ata_xfer - one command of at most MAX_SECTORS_PER_CMD sectors. LBA48 only when the
 * range needs it (or ata_lba48_always). */
static int ata_xfer(struct ata_dev *d, uint64_t lba, uint32_t n, void *buf, bool write)
{
	bool ext = lba + n > LBA28_LIMIT || (ata_lba48_always && d->info.lba48);
	if (ext && !d->info.lba48)
		return -BLK_ERANGE; /* cannot happen: such a disk has at most 2^28 sectors */
	uint8_t cmd = write ? (ext ? CMD_WRITE_EXT : CMD_WRITE) : (ext ? CMD_READ_EXT : CMD_READ);
	int err = ata_start(d, cmd, lba, n, ext);
	if (err)
		return err;
	return write ? ata_pio_out(d, lba, n, buf) : ata_pio_in(d, lba, n, buf);
}

/* ata_check - validate a request: 0 and *out = the disk, or the error. */
static int ata_check(int dev, uint64_t lba, uint32_t count, const void *buf, struct ata_dev **out)
{
	if (dev < 0 || dev >= ATA_NDEVS || ata_devs[dev].info.kind != ATA_KIND_DISK)
		return -BLK_ENODEV;
	struct ata_dev *d = &ata_devs[dev];
	if (count == 0 || !buf)
		return -BLK_EINVAL;
	if (lba >= d->info.nsectors || count > d->info.nsectors - lba)
		return -BLK_ERANGE;
	*out = d;
	return 0;
}

/* ata_injected - true (and one fewer to go) when an injected error covers the request. */
static bool ata_injected(struct ata_dev *d, uint64_t lba, uint32_t count)
{
	if (d->inject_count <= 0 || d->inject_lba < lba || d->inject_lba - lba >= count)
		return false;
	d->inject_count--;
	klog(LOG_DEBUG, "ata: %s: injected error at lba %lu (%d more)\n", d->info.name, d->inject_lba,
	     d->inject_count);
	return true;
}

static void ata_account(struct ata_dev *d, int err, uint32_t count, bool write)
{
	if (err)
		d->info.errors++;
	else if (write)
		d->info.writes++, d->info.sectors_written += count;
	else
		d->info.reads++, d->info.sectors_read += count;
}

/* ata_request - check, then transfer @count sectors in commands of at most 256. */
static int ata_request(int dev, uint64_t lba, uint32_t count, void *buf, bool write)
{
	struct ata_dev *d = 0;
	int err = ata_check(dev, lba, count, buf, &d);
	if (err)
		return err;
	if (ata_injected(d, lba, count)) {
		ata_account(d, -BLK_EIO, count, write);
		return -BLK_EIO;
	}
	err = ata_channel_acquire(d->ch);
	if (err) {
		ata_account(d, err, count, write);
		return err;
	}
	for (uint32_t done = 0, n; !err && done < count; done += n) {
		n = count - done < MAX_SECTORS_PER_CMD ? count - done : MAX_SECTORS_PER_CMD;
		err = ata_xfer(d, lba + done, n, (uint8_t *)buf + (uint64_t)done * BLOCKDEV_SECTOR_SIZE, write);
	}
	if (err == -BLK_ETIMEDOUT)
		(void)ata_channel_reset(d->ch, false); /* leave the channel usable */
	ata_channel_release(d->ch);
	ata_account(d, err, count, write);
	return err;
}

int ata_read(int dev, uint64_t lba, uint32_t count, void *buf)
{
	return ata_request(dev, lba, count, buf, false);
}

int ata_write(int dev, uint64_t lba, uint32_t count, const void *buf)
{
	return ata_request(dev, lba, count, (void *)buf, true);
}

/* ata_flush_locked - FLUSH CACHE (EXT): no data, one interrupt at the end. */
static int ata_flush_locked(struct ata_dev *d)
{
	bool ext = d->info.lba48;
	int err = ata_start(d, ext ? CMD_FLUSH_EXT : CMD_FLUSH, 0, 0, ext);
	if (err)
		return err;
	int st = ata_wait_irq(d->ch, TIMEOUT_FLUSH_MS);
	if (st < 0 || (st & (ST_ERR | ST_DF)))
		return ata_status_error(d, st, 0, "flush");
	return 0;
}

int ata_flush(int dev)
{
	if (dev < 0 || dev >= ATA_NDEVS || ata_devs[dev].info.kind != ATA_KIND_DISK)
		return -BLK_ENODEV;
	struct ata_dev *d = &ata_devs[dev];
	int err = ata_channel_acquire(d->ch);
	if (err)
		return err;
	err = ata_flush_locked(d);
	if (err == -BLK_ETIMEDOUT)
		(void)ata_channel_reset(d->ch, false);
	ata_channel_release(d->ch);
	if (err)
		d->info.errors++;
	return err;
}

int ata_info(int dev, struct ata_info *out)
{
	if (dev < 0 || dev >= ATA_NDEVS)
		return -BLK_ENODEV;
	if (!ata_ready) /* before ata_init: nothing found yet */
		ata_dev_setup(dev);
	*out = ata_devs[dev].info;
	return 0;
}

void ata_inject_error(int dev, uint64_t lba, int count)
{
	if (dev < 0 || dev >= ATA_NDEVS)
		return;
	ata_devs[dev].inject_lba = lba;
	ata_devs[dev].inject_count = count > 0 ? count : 0;
}

struct blockdev *ata_blockdev(int dev)
{
	if (dev < 0 || dev >= ATA_NDEVS || ata_devs[dev].info.kind != ATA_KIND_DISK)
		return 0;
	return &ata_devs[dev].bd;
}

struct blockdev *ata_find(const char *name)
{
	for (int dev = 0; dev < ATA_NDEVS; dev++) {
		if (ata_devs[dev].info.kind == ATA_KIND_DISK && strcmp(ata_devs[dev].info.name, name) == 0)
			return &ata_devs[dev].bd;
	}
	return 0;
}

bool ata_set_lba48_always(bool on)
{
	bool old = ata_lba48_always;
	ata_lba48_always = on;
	return old;
}

unsigned ata_set_io_timeout_ms(unsigned ms)
{
	unsigned old = ata_io_timeout_ms;
	ata_io_timeout_ms = ms ? ms : TIMEOUT_IO_MS;
	return old;
}

const char *ata_kind_name(enum ata_kind kind)
{
	switch (kind) {
	case ATA_KIND_NONE: return "none";
	case ATA_KIND_DISK: return "disk";
	case ATA_KIND_ATAPI: return "atapi";
	case ATA_KIND_OTHER: return "other";
	}
	return "?";
}

static int ata_bd_dev(const struct blockdev *bd)
{
	return (int)((const struct ata_dev *)bd->priv - ata_devs);
}

static int ata_bd_read(struct blockdev *bd, uint64_t lba, uint32_t count, void *buf)
{
	return ata_read(ata_bd_dev(bd), lba, count, buf);
}

static int ata_bd_write(struct blockdev *bd, uint64_t lba, uint32_t count, const void *buf)
{
	return ata_write(ata_bd_dev(bd), lba, count, buf);
}

static int ata_bd_flush(struct blockdev *bd)
{
	return ata_flush(ata_bd_dev(bd));
}

/* `disks`: every device position, what answered there, and the request counters. */
static void ata_cmd_disks(const char *args)
{
	(void)args;
	if (!ata_ready) {
		kprintf("ata: not probed (ata_init has not run)\n");
		return;
	}
	kprintf("%-4s %-8s %-6s %12s %8s %-5s %s\n", "name", "position", "kind", "sectors", "MiB", "lba48",
		"model");
	for (int dev = 0; dev < ATA_NDEVS; dev++) {
		const struct ata_info *in = &ata_devs[dev].info;
		kprintf("%-4s %s/%-6s %-6s %12lu %8lu %-5s %s\n", in->name, dev < 2 ? "pri" : "sec",
			dev & 1 ? "slave" : "master", ata_kind_name(in->kind), in->nsectors, in->nsectors >> 11,
			in->kind != ATA_KIND_DISK ? "-" : in->lba48 ? "yes" : "no", in->model);
		if (in->kind == ATA_KIND_DISK)
			kprintf("     reads %lu (%lu sectors), writes %lu (%lu sectors), errors %lu\n", in->reads,
				in->sectors_read, in->writes, in->sectors_written, in->errors);
	}
	for (int c = 0; c < 2; c++)
		kprintf("channel %d: ports 0x%x/0x%x irq %u: %s, %lu interrupts\n", c, ata_channels[c].base,
			ata_channels[c].ctrl, ata_channels[c].irq, ata_channels[c].present ? "present" : "floating",
			ata_channels[c].irqs);
}
MONITOR_CMD(disks, "ATA disks: what each IDE position holds, sizes, request counters", ata_cmd_disks);

int ata_blockdev_index(const struct blockdev *bd)
{
	for (int i = 0; i < ATA_NDEVS; i++)
		if (&ata_devs[i].bd == bd)
			return i;
	return -1;
}
