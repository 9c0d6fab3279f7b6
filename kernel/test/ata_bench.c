/*
 * ata_bench.c - disk figures for `make bench` (cmdline `bench=ata` or `bench=all`): in each
 * transfer mode (pio1, pio, dma), reads and writes of 1-page and 16-page requests on hdb,
 * which is overwritten. Three figures each: guest instructions per 4 KiB page with the
 * time halted waiting for the disk left out (measured in halt-wait mode, see
 * ata_set_halt_wait), pages per second of guest time (normal sleeping waits; the median
 * of five passes), and interrupts per page. Under QEMU -icount shift=0 a TSC tick is one instruction and 1 ns.
 */
#include "arch/x86_64/cpu.h"
#include "console.h"
#include "dev/ata.h"
#include "mm/frame.h"
#include "arch/x86_64/layout.h"
#include "test/kbench.h"

#define BENCH_DEV 1              /* hdb */
#define BENCH_PAGES 512          /* pages moved per measurement */
#define BENCH_MAX_REQ_PAGES 16
#define BENCH_LBA 8192           /* the area used: 2 MiB from 4 MiB into the disk */
#define SECTORS_PER_PAGE (PAGE_SIZE / BLOCKDEV_SECTOR_SIZE)
#define BENCH_RATE_PASSES 5

struct bench_result {
	uint64_t ticks, halted, irqs;
};

/* bench_pass - move BENCH_PAGES pages in requests of @pages, sequentially; 0 or the error. */
static int bench_pass(uint8_t *buf, uint32_t pages, bool write, struct bench_result *res)
{
	struct ata_info in;
	uint32_t n = pages * SECTORS_PER_PAGE;
	ata_info(BENCH_DEV, &in);
	uint64_t irqs = in.irqs, h0 = ata_halt_ticks(), t0 = cpu_rdtsc();
	for (uint32_t i = 0; i < BENCH_PAGES / pages; i++) {
		uint64_t lba = BENCH_LBA + (uint64_t)i * n;
		int err = write ? ata_write(BENCH_DEV, lba, n, buf) : ata_read(BENCH_DEV, lba, n, buf);
		if (err)
			return err;
	}
	res->ticks = cpu_rdtsc() - t0;
	res->halted = ata_halt_ticks() - h0;
	ata_info(BENCH_DEV, &in);
	res->irqs = in.irqs - irqs;
	return 0;
}

static void bench_print(const char *mode, const char *dir, uint32_t pages, const char *what, uint64_t x100,
			const char *unit)
{
	kprintf("BENCH ata_%s_%s_%up%s %lu.%02lu %s\n", mode, dir, pages, what, x100 / 100, x100 % 100, unit);
}

static uint64_t bench_rate_x100(const struct bench_result *r)
{
	return BENCH_PAGES * 100000000000ull / r->ticks; /* pages per 1e9 ticks, x100 */
}

/* bench_one - the three figures of one mode, direction and request size. The rate is the
 * median of BENCH_RATE_PASSES passes (all of them on a comment line): it includes the
 * time the guest idles while the emulator works, which passes at the host's speed. */
static void bench_one(enum ata_mode mode, uint32_t pages, bool write, uint8_t *buf)
{
	struct bench_result cpu, rate[BENCH_RATE_PASSES];
	const char *m = ata_mode_name(mode), *dir = write ? "write" : "read";
	bool old = ata_set_halt_wait(true);
	int err = bench_pass(buf, pages, write, &cpu);
	ata_set_halt_wait(old);
	for (int i = 0; !err && i < BENCH_RATE_PASSES; i++)
		err = bench_pass(buf, pages, write, &rate[i]);
	if (err) {
		kprintf("# ata %s %s of %u pages failed: %d (%s)\n", m, dir, pages, err, blockdev_strerror(err));
		return;
	}
	uint64_t r[BENCH_RATE_PASSES];
	kprintf("# ata %s %s %up: pages/s per pass:", m, dir, pages);
	for (int i = 0; i < BENCH_RATE_PASSES; i++) {
		r[i] = bench_rate_x100(&rate[i]);
		kprintf(" %lu", r[i] / 100);
		for (int j = i; j > 0 && r[j - 1] > r[j]; j--) { /* insertion sort */
			uint64_t x = r[j];
			r[j] = r[j - 1];
			r[j - 1] = x;
		}
	}
	kprintf("\n");
	bench_print(m, dir, pages, "", (cpu.ticks - cpu.halted) * 100 / BENCH_PAGES, "insns/page");
	bench_print(m, dir, pages, "_rate", r[BENCH_RATE_PASSES / 2], "pages/s");
	bench_print(m, dir, pages, "_irqs", rate[0].irqs * 100 / BENCH_PAGES, "irqs/page");
}

KBENCH(ata_disk)
{
	struct ata_info in;
	pfn_t pfn;
	ata_init();
	if (ata_info(BENCH_DEV, &in) < 0 || in.kind != ATA_KIND_DISK ||
	    in.nsectors < BENCH_LBA + (uint64_t)BENCH_PAGES * SECTORS_PER_PAGE) {
		kprintf("# ata: no disk of 6 MiB or more at hdb: disk figures skipped\n");
		return;
	}
	if (frame_alloc_contig(BENCH_MAX_REQ_PAGES, FRAME_KERNEL, &pfn) < 0) {
		kprintf("# ata: no frames for the buffer: disk figures skipped\n");
		return;
	}
	uint8_t *buf = phys_to_virt(PFN_TO_PA(pfn));
	kprintf("# ata: %s '%s', %u pages per figure; insns/page leave out the time halted for the disk\n",
		in.name, in.model, BENCH_PAGES);
	for (int m = ATA_MODE_PIO1; m <= ATA_MODE_DMA; m++) {
		if (ata_set_mode(BENCH_DEV, (enum ata_mode)m) < 0) {
			kprintf("# ata: no %s mode here\n", ata_mode_name((enum ata_mode)m));
			continue;
		}
		for (uint32_t pages = 1; pages <= BENCH_MAX_REQ_PAGES; pages *= BENCH_MAX_REQ_PAGES) {
			bench_one((enum ata_mode)m, pages, true, buf);
			bench_one((enum ata_mode)m, pages, false, buf);
		}
	}
	ata_set_mode(BENCH_DEV, in.mode);
	frame_free_contig(pfn, BENCH_MAX_REQ_PAGES);
}
