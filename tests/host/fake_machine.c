/*
 * fake_machine.c - what the portable vm and pmap code needs from the rest of the kernel,
 * for host unit tests (tests/host/test_vm.c): physical memory as an array (the "direct
 * map"), pmap.c's internal helpers, a scheduler with one thread that never really sleeps,
 * mutexes that check their use, a memory disk standing in for the ATA driver that counts
 * its reads and writes, kmalloc on malloc, and a panic the tests can catch.
 * Single-threaded: a "sleep" returns at once.
 */
#include "fake_machine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/layout.h"
#include "core/qfs.h"
#include "arch/x86_64/pmap_internal.h"
#include "arch/x86_64/trap.h"
#include "dev/ata.h"
#include "lib/qerror.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "sched/mutex.h"

uint8_t *host_phys_base;
struct fake_machine fm;

static struct frame *fm_db;
static uint64_t kernel_pml4_page[512] __attribute__((aligned(4096)));

/* ---- machine ---- */

void fake_machine_init(unsigned ram_mib, unsigned disk_mib)
{
	size_t bytes = (size_t)ram_mib << 20;
	host_phys_base = aligned_alloc(4096, bytes);
	memset(host_phys_base, 0, bytes);
	pfn_t nframes = bytes / PAGE_SIZE;
	fm_db = malloc(frame_db_bytes(nframes));
	struct frame_range usable = { 0, bytes };
	struct frame_range reserved = { 0, PAGE_SIZE }; /* frame 0: pa 0 means "no table" */
	if (frame_db_init(fm_db, nframes, &usable, 1, &reserved, 1) < 0)
		abort();
	memset(&fm, 0, sizeof fm);
	fm.table_allocs_left = -1;
	fm.disk_bytes = (size_t)disk_mib << 20;
	fm.disk = disk_mib ? calloc(1, fm.disk_bytes) : NULL;
}

void fake_machine_free(void)
{
	free(host_phys_base);
	free(fm_db);
	free(fm.disk);
	free(fm.fsdisk);
	host_phys_base = NULL;
}

/* ---- pmap.c's side (pmap_internal.h) ---- */

uint64_t *pmap_table_va(paddr_t pa)
{
	if (pa == (paddr_t)-1)
		return kernel_pml4_page;
	return phys_to_virt(pa);
}

paddr_t pmap_new_table(void)
{
	if (fm.table_allocs_left == 0)
		return 0;
	if (fm.table_allocs_left > 0)
		fm.table_allocs_left--;
	pfn_t pfn = frame_alloc(FRAME_PAGETABLE);
	if (pfn == FRAME_NONE)
		return 0;
	memset(phys_to_virt(PFN_TO_PA(pfn)), 0, PAGE_SIZE);
	return PFN_TO_PA(pfn);
}

paddr_t pmap_new_table_raw(void)
{
	paddr_t pa = pmap_new_table();
	if (pa) /* garbage, as a real frame may hold: every entry must be written */
		memset(phys_to_virt(pa), 0xA5, PAGE_SIZE);
	return pa;
}

void pmap_free_table(paddr_t pa)
{
	frame_free(PA_TO_PFN(pa));
}

paddr_t pmap_kernel_pml4(void)
{
	return (paddr_t)-1; /* pmap_table_va knows it: the kernel half is not in fake RAM */
}

uint16_t pmap_pcid_alloc(void)
{
	return 0;
}

void pmap_pcid_free(uint16_t pcid)
{
	(void)pcid;
}

void pmap_flush_local(vaddr_t va)
{
	(void)va;
	fm.flushes++;
}

void pmap_invalidate(struct pmap *pm, struct pmap_root *r, vaddr_t va)
{
	(void)pm;
	(void)r;
	(void)va;
	fm.flushes++;
}

void pmap_invalidate_range(struct pmap *pm, struct pmap_root *r, vaddr_t start)
{
	(void)pm;
	(void)r;
	(void)start;
	fm.flushes++;
}

void trap_set_kernel_pf_hook(int (*fn)(struct trap_frame *tf))
{
	(void)fn;
}

/* ---- scheduler and mutexes ---- */

static struct thread the_thread;
static struct thread *current_thread = &the_thread;

struct thread *sched_current(void)
{
	return current_thread;
}

void fake_set_current(struct thread *t)
{
	current_thread = t ? t : &the_thread;
}

void might_sleep(const char *what)
{
	(void)what;
	fm.sleeps_allowed++;
}

void sched_set_idle_work(bool (*fn)(void))
{
	fm.idle_work = fn;
}

void sched_block(struct waitq *q)
{
	(void)q;
}

void sched_block_timeout(struct waitq *q, uint64_t ticks)
{
	(void)q;
	(void)ticks;
}

void sched_sleep_ticks(uint64_t ticks)
{
	(void)ticks;
}

void sched_wake_all(struct waitq *q)
{
	(void)q;
}

bool sched_wake_one(struct waitq *q)
{
	(void)q;
	return false;
}

struct thread *thread_create_kernel(const char *name, void (*fn)(void *), void *arg)
{
	(void)name;
	(void)fn;
	(void)arg;
	return &the_thread; /* the page-out thread does not run here: tests evict by hand */
}

void mutex_init(struct mutex *m, const char *name, enum mutex_rank rank)
{
	m->owner = NULL;
	m->name = name;
	m->rank = rank;
}

void mutex_lock(struct mutex *m)
{
	if (m->owner)
		panic("mutex %s taken twice", m->name);
	m->owner = current_thread;
}

void mutex_unlock(struct mutex *m)
{
	if (m->owner != current_thread)
		panic("mutex %s released but not held", m->name);
	m->owner = NULL;
}

bool mutex_held(const struct mutex *m)
{
	return m->owner == current_thread;
}

/* ---- the memory disk (ata.h's surface) ---- */

static int disk_rw(uint64_t lba, uint32_t count, void *buf, bool write)
{
	if ((lba + count) * 512 > fm.disk_bytes)
		return -QE_RANGE;
	if (fm.fail_next_read && !write) {
		fm.fail_next_read = false;
		return -QE_IO;
	}
	uint8_t *p = fm.disk + lba * 512;
	if (write)
		memcpy(p, buf, (size_t)count * 512);
	else
		memcpy(buf, p, (size_t)count * 512);
	if (write)
		fm.disk_writes++;
	else
		fm.disk_reads++;
	return 0;
}

static int disk_read(struct blockdev *bd, uint64_t lba, uint32_t count, void *buf)
{
	(void)bd;
	return disk_rw(lba, count, buf, false);
}

static int disk_write(struct blockdev *bd, uint64_t lba, uint32_t count, const void *buf)
{
	(void)bd;
	return disk_rw(lba, count, (void *)buf, true);
}

static int disk_flush(struct blockdev *bd)
{
	(void)bd;
	return 0;
}

static const struct blockdev_ops disk_ops = { disk_read, disk_write, disk_flush };
static struct blockdev disk = { "hdb", 0, 512, &disk_ops, NULL };

static int fsdisk_rw(uint64_t lba, uint32_t count, void *buf, bool write)
{
	if ((lba + count) * 512 > fm.fsdisk_bytes)
		return -QE_RANGE;
	uint8_t *p = fm.fsdisk + lba * 512;
	if (write) {
		memcpy(p, buf, (size_t)count * 512);
		fm.fs_writes++;
	} else {
		memcpy(buf, p, (size_t)count * 512);
		fm.fs_reads++;
	}
	return 0;
}

static int fsdisk_read(struct blockdev *bd, uint64_t lba, uint32_t count, void *buf)
{
	(void)bd;
	return fsdisk_rw(lba, count, buf, false);
}

static int fsdisk_write(struct blockdev *bd, uint64_t lba, uint32_t count, const void *buf)
{
	(void)bd;
	return fsdisk_rw(lba, count, (void *)buf, true);
}

static const struct blockdev_ops fsdisk_ops = { fsdisk_read, fsdisk_write, disk_flush };
static struct blockdev fsdisk = { "hdd", 0, 512, &fsdisk_ops, NULL };

void fake_machine_add_fsdisk(unsigned mib)
{
	fm.fsdisk_bytes = (size_t)mib << 20;
	fm.fsdisk = calloc(1, fm.fsdisk_bytes);
}

struct blockdev *ata_find(const char *name)
{
	if (fm.fsdisk && strcmp(name, "hdd") == 0) {
		fsdisk.nsectors = fm.fsdisk_bytes / 512;
		return &fsdisk;
	}
	if (!fm.disk || strcmp(name, "hdb") != 0)
		return NULL;
	disk.nsectors = fm.disk_bytes / 512;
	return &disk;
}

int ata_blockdev_index(const struct blockdev *bd)
{
	return bd == &disk ? 1 : -1;
}

void ata_inject_error(int dev, uint64_t lba, int count)
{
	(void)dev;
	(void)lba;
	fm.fail_next_read = count > 0;
}

/* ---- console, panic, heap ---- */

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (getenv("FAKE_VERBOSE"))
		vprintf(fmt, ap);
	va_end(ap);
}

void klog(enum log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fm.panic_msg, sizeof fm.panic_msg, fmt, ap);
	va_end(ap);
	if (fm.panic_armed) {
		fm.panic_armed = false;
		longjmp(fm.panic_jmp, 1);
	}
	fprintf(stderr, "PANIC: %s\n", fm.panic_msg);
	abort();
}

void *kmalloc(size_t nbytes)
{
	return nbytes ? malloc(nbytes) : NULL;
}

void *kzalloc(size_t nbytes)
{
	return nbytes ? calloc(1, nbytes) : NULL;
}

void kfree(void *p)
{
	free(p);
}

/* kstrlcpy - the kernel's (lib/string.c, which also defines memcpy and friends the host has). */
size_t kstrlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);
	if (size) {
		size_t k = n < size - 1 ? n : size - 1;
		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return n;
}

/* rtc_now - a fixed wall-clock time for file times (arch/x86_64/rtc.h). */
uint64_t rtc_now(void)
{
	return 1700000000;
}

/* ---- fake_mkfs: the core's mkfs on a memory disk ---- */
static int mem_read(void *ctx, uint64_t b, void *buf)
{
	memcpy(buf, (uint8_t *)ctx + b * 4096, 4096);
	return 0;
}

static int mem_write(void *ctx, uint64_t b, const void *buf)
{
	memcpy((uint8_t *)ctx + b * 4096, buf, 4096);
	return 0;
}

static int mem_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static void *mem_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return malloc(n);
}

static void mem_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static uint64_t mem_now(void *ctx)
{
	(void)ctx;
	return 1700000000;
}

int fake_mkfs(uint8_t *mem, size_t bytes)
{
	struct qfs_dev dev = { mem, bytes / 4096, mem_read, mem_write, mem_flush };
	struct qfs_env env = { 0, mem_alloc, mem_free, mem_now, 0 };
	struct qfs_mkfs_opts o = { 0, 0, 0 };
	return qfs_mkfs(&dev, &env, &o);
}
