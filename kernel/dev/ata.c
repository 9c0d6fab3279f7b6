/*
 * ata.c - the ATA (IDE) driver's core: waiting for the device (polling, the interrupt,
 * the channel lock), issuing commands, ata_init, and the request path that checks a
 * request and moves it in commands of the disk's mode (ata_pio.c, ata_dma.c). Register
 * maps: ata_internal.h. Invariants, modes and errors: specs/ata.md.
 */
#include "dev/ata_internal.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/trap.h"
#include "bootinfo.h"
#include "console.h"
#include "lib/cmdline.h"

/* Upper bound on ALTSTATUS reads per millisecond of timeout, for waits with interrupts off
 * (the tick counter stands still then): a register read takes at least ~100 ns. */
#define SPINS_PER_MS 10000ull
#define RFLAGS_IF (1ull << 9)

struct ata_channel ata_channels[2] = {
	{ .base = 0x1F0, .ctrl = 0x3F6, .irq = 14, .selected = -1 },
	{ .base = 0x170, .ctrl = 0x376, .irq = 15, .selected = -1 },
};
struct ata_dev ata_devs[ATA_NDEVS];
unsigned ata_io_timeout_ms = TIMEOUT_IO_MS;
bool ata_lba48_always;
bool ata_halt_wait;           /* ata_set_halt_wait */
uint64_t ata_halted;          /* ata_halt_ticks */
bool ata_ready;               /* ata_init has run */

static uint64_t ms_to_ticks(unsigned ms)
{
	return ((uint64_t)ms * TIMER_HZ + 999) / 1000 + 1;
}

void ata_delay400(struct ata_channel *ch)
{
	for (int i = 0; i < 4; i++)
		(void)inb(ch->ctrl);
}

int ata_poll(struct ata_channel *ch, uint8_t mask, uint8_t want, unsigned timeout_ms)
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

/* ata_halt - halt until an interrupt, with interrupts off around it (sti;hlt cannot miss
 * the wake-up); in halt-wait mode, count the halted TSC ticks up to the handler's entry. */
static void ata_halt(struct ata_channel *ch)
{
	uint64_t t0 = cpu_rdtsc();
	__asm__ volatile("sti; hlt; cli" : : : "memory");
	if (ata_halt_wait)
		ata_halted += (ch->irq_pending ? ch->irq_tsc : cpu_rdtsc()) - t0;
}

/*
 * ata_wait_irq - wait for the channel's next interrupt; returns the STATUS the handler
 * read, or -BLK_ETIMEDOUT after @timeout_ms. The caller cleared ch->irq_pending before
 * starting the command. This is the ONE place a request waits for the device: in a thread
 * (sched_running) it sleeps on the channel's wait queue until ata_irq wakes it, so other
 * threads run meanwhile; before the scheduler runs (or in halt-wait mode) it halts; with
 * interrupts off (early boot) it polls ALTSTATUS. Context: thread; interrupts on.
 */
int ata_wait_irq(struct ata_channel *ch, unsigned timeout_ms)
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
		if (sched_running() && !ata_halt_wait) /* sleep: other threads run meanwhile */
			sched_block_timeout(&ch->irq_wait, deadline - timer_ticks() + 1);
		else
			ata_halt(ch);
	}
	ch->irq_pending = false;
	uint8_t st = ch->irq_status;
	cpu_irq_restore(flags);
	if (st & ST_BSY) /* raised early: let the device settle */
		return ata_poll(ch, 0, 0, timeout_ms);
	return st;
}

/*
 * ata_irq - IRQ 14/15. With a bus-master engine: while a DMA command runs, an interrupt
 * without BMSTATUS.INTR is not the command's and is ignored; otherwise BMSTATUS is saved
 * and its INTR/ERR cleared. Then STATUS is read (acknowledging the device) and the waiter
 * woken.
 */
static void ata_irq(struct ata_channel *ch)
{
	uint64_t tsc = cpu_rdtsc();
	if (ch->bm) {
		uint8_t bms = inb(ch->bm + BM_STATUS);
		if (ch->dma_active && !(bms & BMS_INTR)) {
			ch->irqs_ignored++;
			return;
		}
		outb(ch->bm + BM_STATUS, (uint8_t)(bms & (BMS_DMA_CAPABLE | BMS_INTR | BMS_ERR)));
		ch->irq_bmstatus |= bms;
	}
	ch->irq_status = inb(ch->base + REG_STATUS);
	ch->irqs++;
	ch->irq_tsc = tsc;
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
 * busy flag; a thread that finds it taken sleeps until the owner releases it. Returns 0,
 * or -BLK_EBUSY after TIMEOUT_BUSY_MS.
 */
int ata_channel_acquire(struct ata_channel *ch)
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

void ata_channel_release(struct ata_channel *ch)
{
	ch->busy = false;
	sched_wake_all(&ch->lock_wait);
}

/* ata_channel_recover - after a timeout: stop the DMA engine, reset both devices, and set
 * them up again (by polling, so a dead interrupt line cannot stall it). Owner only. */
void ata_channel_recover(struct ata_channel *ch)
{
	ata_dma_stop(ch);
	(void)ata_channel_reset(ch, true);
	int c = (int)(ch - ata_channels);
	ata_dev_configure(&ata_devs[2 * c]);
	ata_dev_configure(&ata_devs[2 * c + 1]);
	outb(ch->ctrl, 0); /* nIEN clear: interrupts again */
}

void ata_select(struct ata_channel *ch, bool slave)
{
	if (ch->selected == (int8_t)slave)
		return;
	outb(ch->base + REG_DRIVE, DRIVE_OBS | DRIVE_LBA | (slave ? DRIVE_SLAVE : 0));
	ata_delay400(ch);
	ch->selected = (int8_t)slave;
}

int ata_status_error(const struct ata_dev *d, int st, uint64_t lba, const char *what)
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

int ata_start(struct ata_dev *d, uint8_t cmd, uint64_t lba, uint32_t n, bool ext)
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

bool ata_dma_possible(const struct ata_dev *d)
{
	return d->ch->bm != 0 && d->dma_capable;
}

/* ata_mode_for - the mode @d gets when @want is asked for: @want if the disk has it, else
 * the best below it (DMA needs the controller; PIO without a block size is single sectors). */
static enum ata_mode ata_mode_for(const struct ata_dev *d, enum ata_mode want)
{
	if (want == ATA_MODE_DMA && !ata_dma_possible(d)) {
		klog(LOG_INFO, "ata: %s: no bus-master DMA: PIO\n", d->info.name);
		return ATA_MODE_PIO;
	}
	return want;
}

/* ata_cmdline_mode - the mode `ata.mode=` asks for, or DMA (the best) when absent or bad. */
static enum ata_mode ata_cmdline_mode(void)
{
	char val[8];
	enum ata_mode m = ATA_MODE_DMA;
	if (cmdline_get(boot_info.cmdline, "ata.mode", val, sizeof val) < 0)
		return m;
	if (ata_mode_parse(val, &m) < 0) {
		klog(LOG_WARN, "ata: ata.mode=%s is not pio1, pio or dma: ignored\n", val);
		return ATA_MODE_DMA;
	}
	return m;
}

void ata_init(void)
{
	if (ata_ready)
		return;
	for (int dev = 0; dev < ATA_NDEVS; dev++)
		ata_dev_setup(dev);
	ata_probe_all();
	ata_dma_setup();
	for (int c = 0; c < 2; c++) {
		struct ata_channel *ch = &ata_channels[c];
		if (!ch->present)
			continue;
		ch->irq_pending = false;
		irq_register(ch->irq, c == 0 ? ata_irq_primary : ata_irq_secondary);
		outb(ch->ctrl, 0); /* nIEN clear: the devices interrupt from now on */
	}
	enum ata_mode want = ata_cmdline_mode();
	for (int dev = 0; dev < ATA_NDEVS; dev++) {
		struct ata_dev *d = &ata_devs[dev];
		if (d->info.kind != ATA_KIND_DISK)
			continue;
		d->bd.nsectors = d->info.nsectors;
		ata_dev_configure(d);
		d->info.dma = ata_dma_possible(d);
		d->info.mode = ata_mode_for(d, want);
		klog(LOG_INFO, "ata: %s: mode %s (multiple %u, dma %s)\n", d->info.name, ata_mode_name(d->info.mode),
		     d->info.multiple, d->info.dma ? "yes" : "no");
	}
	ata_ready = true;
}

/* ata_xfer - one command of at most MAX_SECTORS_PER_CMD sectors in @d's mode. LBA48 only
 * when the range needs it (or ata_lba48_always). @inject: send it past the end of the disk
 * so that the device refuses it (ata_inject_device_error). */
static int ata_xfer(struct ata_dev *d, uint64_t lba, uint32_t n, void *buf, bool write, bool inject)
{
	uint64_t cmd_lba = inject ? d->info.nsectors : lba;
	bool ext = cmd_lba + n > LBA28_LIMIT || (ata_lba48_always && d->info.lba48);
	if (ext && !d->info.lba48)
		return inject ? -BLK_EIO : -BLK_ERANGE; /* no address past the end: fail here */
	if (d->info.mode == ATA_MODE_DMA)
		return ata_dma_xfer(d, lba, cmd_lba, n, ext, buf, write);
	uint32_t block = d->info.mode == ATA_MODE_PIO ? d->info.multiple : 1;
	return ata_pio_xfer(d, lba, cmd_lba, n, block, ext, buf, write);
}

/* ata_cmd_sectors - how many of the @left sectors at @buf the next command carries. */
static uint32_t ata_cmd_sectors(const struct ata_dev *d, const void *buf, uint32_t left)
{
	uint32_t max = d->info.mode == ATA_MODE_DMA ? ata_dma_max_sectors(buf, left) : MAX_SECTORS_PER_CMD;
	return left < max ? left : max;
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

/* ata_injected - whether an injected error covers the request (one fewer to go if so):
 * 0 no, 1 fail before the device, 2 fail at the device. */
static int ata_injected(struct ata_dev *d, uint64_t lba, uint32_t count)
{
	if (d->inject_count <= 0 || d->inject_lba < lba || d->inject_lba - lba >= count)
		return 0;
	d->inject_count--;
	klog(LOG_DEBUG, "ata: %s: injected %s error at lba %lu (%d more)\n", d->info.name,
	     d->inject_device ? "device" : "host", d->inject_lba, d->inject_count);
	return d->inject_device ? 2 : 1;
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

/* ata_request - check, then transfer @count sectors in commands of the disk's mode. */
static int ata_request(int dev, uint64_t lba, uint32_t count, void *buf, bool write)
{
	struct ata_dev *d = 0;
	int err = ata_check(dev, lba, count, buf, &d);
	if (err)
		return err;
	int inject = ata_injected(d, lba, count);
	if (inject == 1) {
		ata_account(d, -BLK_EIO, count, write);
		return -BLK_EIO;
	}
	err = ata_channel_acquire(d->ch);
	if (err) {
		ata_account(d, err, count, write);
		return err;
	}
	for (uint32_t done = 0, n; !err && done < count; done += n) {
		uint8_t *p = (uint8_t *)buf + (uint64_t)done * BLOCKDEV_SECTOR_SIZE;
		n = ata_cmd_sectors(d, p, count - done);
		err = ata_xfer(d, lba + done, n, p, write, inject == 2 && done == 0);
	}
	if (err == -BLK_ETIMEDOUT)
		ata_channel_recover(d->ch); /* leave the channel usable */
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
		ata_channel_recover(d->ch);
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
	out->irqs = ata_devs[dev].ch ? ata_devs[dev].ch->irqs : 0;
	return 0;
}
