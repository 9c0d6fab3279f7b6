/*
 * swap.c - swap blocks on a block device, swap-in, and eviction. Eviction asks the
 * page-usage manager for a victim frame, finds its one mapping through the frame record
 * (owner and virtual page: no reverse-map search), and either drops it (its clean copy is
 * still in swap and the PTE's dirty bit is clear) or writes it to a free block first. The
 * PTE then holds the block number (pte.h) with the page's protection.
 * Context: thread context; the kernel is not preempted, so no lock is needed on one CPU.
 */
#include "mm/swap.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pmap.h"
#include "arch/x86_64/pte.h"
#include "console.h"
#include "dev/ata.h"
#include "dev/blockdev.h"
#include "lib/cmdline.h"
#include "lib/kfmt.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "monitor.h"
#include "panic.h"
#include "proc/abi.h"
#include "proc/process.h"
#include "proc/sched.h"
#include "pum/pum.h"

#define SECTORS_PER_BLOCK (PAGE_SIZE / BLOCKDEV_SECTOR_SIZE)
#define LOW_WATERMARK 64
#define HIGH_WATERMARK 128

static struct blockdev *dev;
static uint64_t nblocks, nfree_blocks, hint;
static uint8_t *bitmap;
static struct pum_state pum;
static struct swap_counters cnt;
static uint64_t fail_read_at, reads; /* `swap.fail_read=N`: see inject_read_error */
static bool skip_writes; /* `debug.swap_skip_write`: a broken swap, for the scenario self-check */
static struct waitq transit_wait; /* faults on pages in transit, and exits waiting for I/O */

/* io_begin, io_end - a page of @p is in transit: its PTE says so, and @p cannot end meanwhile. */
static void io_begin(struct process *p)
{
	p->io_inflight++;
}

static void io_end(struct process *p)
{
	p->io_inflight--;
	sched_wake_all(&transit_wait);
}

void swap_wait_transit(void)
{
	sched_block_timeout(&transit_wait, 10);
}

void swap_wait_idle(struct process *p)
{
	while (p->io_inflight)
		sched_block_timeout(&transit_wait, 10);
}

bool swap_enabled(void)
{
	return dev != 0;
}

uint64_t swap_free_blocks(void)
{
	return nfree_blocks;
}

uint64_t swap_total_blocks(void)
{
	return nblocks;
}

void swap_count_fault(void)
{
	cnt.page_faults++;
}

void swap_counters_get(struct swap_counters *out)
{
	*out = cnt;
}

static int64_t block_alloc(void)
{
	for (uint64_t k = 0; k < nblocks; k++) {
		uint64_t b = (hint + k) % nblocks;
		if (!(bitmap[b / 8] & (1u << (b % 8)))) {
			bitmap[b / 8] |= (uint8_t)(1u << (b % 8));
			nfree_blocks--;
			hint = b + 1;
			return (int64_t)b;
		}
	}
	return -1;
}

static void block_free(uint64_t b)
{
	KASSERT(b < nblocks && (bitmap[b / 8] & (1u << (b % 8))), "swap block %lu is not in use", b);
	bitmap[b / 8] &= (uint8_t) ~(1u << (b % 8));
	nfree_blocks++;
}

/* leaf_of - the PTE that maps @pfn (its one mapping), and its process; NULL if none. */
static uint64_t *leaf_of(pfn_t pfn, struct process **pp)
{
	paddr_t root;
	vaddr_t va = frame_va(pfn);
	if (frame_state(pfn) != FRAME_USER || proc_page_root(frame_owner(pfn), va, &root, pp) < 0)
		return 0;
	uint64_t *e = pmap_leaf_ptr(root, va);
	return e && pte_is_present(*e) && pte_pfn(*e) == pfn ? e : 0;
}

static bool env_accessed(void *ctx, pfn_t pfn)
{
	(void)ctx;
	struct process *p;
	uint64_t *e = leaf_of(pfn, &p);
	if (!e || !(*e & PTE_A))
		return false;
	*e = pte_clear_accessed(*e);
	cpu_invlpg(frame_va(pfn));
	return true;
}

static bool env_dirty(void *ctx, pfn_t pfn)
{
	(void)ctx;
	struct process *p;
	uint64_t *e = leaf_of(pfn, &p);
	return e && (*e & PTE_D);
}

static bool env_evictable(void *ctx, pfn_t pfn)
{
	(void)ctx;
	struct process *p;
	uint64_t *e = leaf_of(pfn, &p);
	return e && pte_type(*e) == PTE_TYPE_NORMAL && !p->dying;
}

static void pageout_thread(void *arg);
static int evict_one(void);
static int inject_read_error(uint64_t block);

void swap_init(const char *cmdline)
{
	char name[16];
	if (cmdline_get(cmdline, "swap", name, sizeof name) < 0)
		return;
	struct blockdev *bd = ata_find(name);
	const struct pum_policy *pol = pum_default();
	char pname[16];
	if (cmdline_get(cmdline, "pum", pname, sizeof pname) >= 0 && !(pol = pum_find(pname)))
		kprintf("swap: no page-usage policy '%s'; using %s\n", pname, (pol = pum_default())->name);
	if (!bd || bd->nsectors < SECTORS_PER_BLOCK) {
		kprintf("swap: no usable disk '%s': running without swap\n", name);
		return;
	}
	uint64_t n = bd->nsectors / SECTORS_PER_BLOCK;
	struct frame_stats fs;
	frame_stats(&fs);
	size_t mem = pum_mem_bytes(pol, fs.nframes);
	bitmap = kzalloc((n + 7) / 8);
	void *pmem = kzalloc(mem);
	struct pum_env env = { env_accessed, env_dirty, env_evictable, 0 };
	if (!bitmap || !pmem || pum_init(&pum, pol, fs.nframes, &env, pmem, mem) < 0) {
		kprintf("swap: out of memory for %lu blocks; running without swap\n", n);
		kfree(bitmap);
		kfree(pmem);
		return;
	}
	nblocks = nfree_blocks = n;
	dev = bd;
	cmdline_get_u64(cmdline, "swap.fail_read", &fail_read_at);
	if ((skip_writes = cmdline_has(cmdline, "debug.swap_skip_write")))
		kprintf("swap: debug.swap_skip_write: pages are NOT written on purpose\n");
	kprintf("swap: %s, %lu blocks (%lu MiB), page-usage policy %s\n", name, n, (n << PAGE_SHIFT) >> 20, pol->name);
	pmap_set_reclaim_hook(evict_one);
	thread_create_kernel("pageout", pageout_thread, 0);
}

void swap_page_mapped(pfn_t pfn, vaddr_t va)
{
	if (dev)
		pum_mapped(&pum, pfn, va >> PAGE_SHIFT);
}

void swap_page_freed(struct process *p, pfn_t pfn)
{
	if (!dev)
		return;
	struct frame *f = frame_get(pfn);
	if (f->a) {
		block_free(f->a - 1);
		f->a = 0;
		if (p)
			p->cnt.swap_blocks--;
	}
	pum_freed(&pum, pfn);
}

void swap_entry_freed(struct process *p, uint64_t entry)
{
	uint64_t b = pte_swap_block(entry);
	if (dev && b != PTE_SWAP_NONE) {
		block_free(b);
		if (p)
			p->cnt.swap_blocks--;
	}
}

/*
 * drop_clean_copies - swap ran short: release the blocks that only hold copies of pages
 * still in RAM (their frames keep the data). Returns how many blocks came back.
 */
static uint64_t drop_clean_copies(void)
{
	uint64_t n = 0;
	struct frame_stats fs;
	frame_stats(&fs);
	for (pfn_t pfn = 0; pfn < fs.nframes; pfn++) {
		struct frame *f = frame_get(pfn);
		struct process *p;
		if (frame_state(pfn) != FRAME_USER || !f->a || !leaf_of(pfn, &p))
			continue;
		block_free(f->a - 1);
		f->a = 0;
		p->cnt.swap_blocks--;
		n++;
	}
	cnt.copies_dropped += n;
	return n;
}

/* write_out - @pfn's page (of @p) to a fresh block (its old copy, now stale, is released); the block or -1. */
static int64_t write_out(struct process *p, pfn_t pfn, struct frame *f)
{
	if (f->a) {
		block_free(f->a - 1);
		f->a = 0;
		p->cnt.swap_blocks--;
	}
	int64_t b = block_alloc();
	if (b < 0 && drop_clean_copies())
		b = block_alloc();
	if (b < 0)
		return -1;
	int werr = skip_writes ? 0 : /* the self-check's broken swap: the page is lost */
		blockdev_write(dev, (uint64_t)b * SECTORS_PER_BLOCK, SECTORS_PER_BLOCK, phys_to_virt(PFN_TO_PA(pfn)));
	if (werr < 0) {
		cnt.io_errors++;
		block_free((uint64_t)b);
		return -1;
	}
	p->cnt.swap_blocks++;
	return b;
}

/* evict_one - page out one victim; 0 on success, -1 when nothing can be evicted. */
static int evict_one(void)
{
	for (int tries = 0; tries < 16; tries++) {
		pfn_t pfn = pum_pick_victim(&pum);
		if (pfn == FRAME_NONE)
			return -1;
		struct process *p;
		uint64_t *e = leaf_of(pfn, &p);
		if (!e)
			continue; /* no longer mapped as it was: the manager's view was stale */
		struct frame *f = frame_get(pfn);
		vaddr_t va = frame_va(pfn);
		unsigned prot = pte_present_prot(*e);
		uint64_t old = *e, swp;
		bool clean = f->a && !(old & PTE_D);
		/* in transit while it is written: no one can change it under the write, a fault
		 * on it waits, and its process cannot end until the PTE is final */
		*e = pte_make_transit();
		cpu_invlpg(va);
		proc_tlb_stale(p, va, frame_owner(pfn)); /* before anyone else runs: no cached way in */
		io_begin(p);
		int64_t b = clean ? (int64_t)(f->a - 1) : write_out(p, pfn, f);
		if (b < 0 || pte_make_swap((uint64_t)b, prot, &swp) < 0) {
			*e = old; /* keep it; tell the manager it is resident again */
			pum_mapped(&pum, pfn, va >> PAGE_SHIFT);
			io_end(p);
			return -1;
		}
		*e = swp;
		io_end(p);
		if (clean) {
			cnt.clean_drops++;
			p->cnt.clean_drops++;
		} else {
			cnt.write_backs++;
			p->cnt.write_backs++;
		}
		cnt.swap_outs++;
		p->cnt.swap_outs++;
		p->cnt.frames--;
		f->a = 0; /* the block now belongs to the PTE */
		frame_clear_mapping(pfn);
		frame_free(pfn);
		return 0;
	}
	return -1;
}

/* kill_largest - RAM and swap are full: end the process holding the most; false if that is the caller's. */
static bool kill_largest(void)
{
	struct process *big = proc_largest();
	if (!big || big == proc_current())
		return false;
	char why[96];
	kfmt_snprintf(why, sizeof why, "out of memory and swap: the largest process (%lu frames, %lu swap blocks)",
		      big->cnt.frames, big->cnt.swap_blocks);
	proc_kill(big, why);
	return true;
}

pfn_t swap_alloc_frame(void)
{
	for (int i = 0; i < 400; i++) {
		pfn_t pfn = frame_alloc(FRAME_USER);
		if (pfn != FRAME_NONE || !dev)
			return pfn;
		if (evict_one() == 0)
			continue;
		struct process *me = proc_current();
		if ((me && me->dying) || (!proc_any_dying() && !kill_largest()))
			return FRAME_NONE;
		sched_sleep_ticks(1); /* let the dying process run its exit and free its memory */
	}
	return FRAME_NONE;
}

int swap_in(struct process *p, paddr_t root, vaddr_t va, uint64_t entry, pfn_t *pfn_out)
{
	uint64_t b = pte_swap_block(entry);
	KASSERT(dev && b < nblocks, "swap entry %lx without swap", entry);
	pfn_t pfn = swap_alloc_frame(); /* may sleep on the disk: look at the PTE only after */
	if (pfn == FRAME_NONE)
		return -QE_NOMEM;
	uint64_t *pte = pmap_leaf_ptr(root, va);
	if (!pte || *pte != entry) { /* it changed meanwhile (another fault got it in, or it was freed) */
		frame_free(pfn);
		return -QE_AGAIN;
	}
	*pte = pte_make_transit();
	io_begin(p);
	int err = inject_read_error(b);
	if (!err)
		err = blockdev_read(dev, b * SECTORS_PER_BLOCK, SECTORS_PER_BLOCK, phys_to_virt(PFN_TO_PA(pfn)));
	*pte = entry; /* the caller maps the frame over it, or the block stays with the PTE */
	io_end(p);
	if (err < 0) {
		cnt.io_errors++;
		frame_free(pfn);
		return -QE_FAULT;
	}
	frame_get(pfn)->a = (uint32_t)(b + 1); /* the copy stays while the page is clean */
	cnt.swap_ins++;
	*pfn_out = pfn;
	return 0;
}

/* inject_read_error - `swap.fail_read=N` on the command line: the Nth swap-in read fails
 * (through the disk driver's error injection), to show a disk error kills only the
 * process that needs the page. */
static int inject_read_error(uint64_t block)
{
	if (fail_read_at && ++reads == fail_read_at) {
		ata_inject_error(ata_blockdev_index(dev), block * SECTORS_PER_BLOCK, 1);
		kprintf("swap: injecting a disk error into swap-in number %lu (block %lu)\n", reads, block);
	}
	return 0;
}

static void pageout_thread(void *arg)
{
	(void)arg;
	for (;;) {
		pum_tick(&pum);
		if (frame_free_count() < LOW_WATERMARK)
			while (frame_free_count() < HIGH_WATERMARK && evict_one() == 0)
				;
		sched_sleep_ticks(2);
	}
}

static void cmd_swap(const char *args)
{
	(void)args;
	if (!dev) {
		kprintf("no swap (boot with swap=hdb and a disk)\n");
		return;
	}
	kprintf("swap on %s: %lu of %lu blocks free; policy %s, %lu frames tracked, %lu free frames\n", dev->name,
		nfree_blocks, nblocks, pum.policy->name, pum.nresident, frame_free_count());
	kprintf("  page faults %lu, swap-ins %lu, swap-outs %lu (clean drops %lu, write-backs %lu), I/O errors %lu, copies dropped %lu\n",
		cnt.page_faults, cnt.swap_ins, cnt.swap_outs, cnt.clean_drops, cnt.write_backs, cnt.io_errors,
		cnt.copies_dropped);
}
MONITOR_CMD(swap, "swap space, page-usage policy and paging counters", cmd_swap);
