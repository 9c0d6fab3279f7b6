/*
 * swap.c - swap blocks on a block device, swap-in, and eviction. Eviction asks the
 * page-usage manager for a victim frame, finds its one mapping through the frame record
 * (owner and virtual page: no reverse-map search), and either drops it (its clean copy is
 * still in swap and the PTE's dirty bit is clear) or writes it to a block first. The PTE
 * then holds the block number (pte.h) with the page's protection. Every PTE change goes
 * through pmap; every sleep happens with no spinlock held (specs/concurrency.md).
 * Lock legend: the block bitmap, nfree_blocks and hint under map_lock; the counters are
 * atomic; dev and nblocks are constant after swap_init.
 */
#include "vm/swap.h"

#include "arch/x86_64/pte.h"
#include "arch/x86_64/spinlock.h"
#include "console.h"
#include "dev/ata.h"
#include "dev/blockdev.h"
#include "lib/cmdline.h"
#include "lib/kstring.h"
#include "lib/moncmd.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "arch/x86_64/layout.h"
#include "panic.h"
#include "sched/sched.h"
#include "vm/filemap.h"
#include "vm/vm_internal.h"

#define SECTORS_PER_BLOCK (PAGE_SIZE / BLOCKDEV_SECTOR_SIZE)
#define LOW_WATERMARK 64
#define HIGH_WATERMARK 128

static struct blockdev *dev;
static uint64_t nblocks;
static struct spinlock map_lock = SPINLOCK_INIT("swap-map", RANK_SWAPMAP);
static uint8_t *bitmap;               /* (map_lock) one bit per block, set: in use */
static uint64_t nfree_blocks, hint;   /* (map_lock) */
static struct swap_counters cnt;      /* atomic adds */
static uint64_t fail_read_at, reads;  /* `swap.fail_read=N`: see inject_read_error */
static bool skip_writes; /* `debug.swap_skip_write`: a broken swap, for the scenario self-check */
static struct waitq transit_wait; /* faults on pages in transit */

static void count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

void swap_wait_transit(void)
{
	sched_block_timeout(&transit_wait, 10);
}

void swap_wake_transit(void)
{
	sched_wake_all(&transit_wait);
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

uint64_t swap_fault_count;

void swap_count_in(void)
{
	count(&cnt.swap_ins);
}

void swap_counters_get(struct swap_counters *out)
{
	*out = cnt;
	out->page_faults = __atomic_load_n(&swap_fault_count, __ATOMIC_RELAXED);
}

static int64_t block_alloc(void)
{
	int64_t got = -1;
	spin_lock(&map_lock);
	for (uint64_t k = 0; k < nblocks && got < 0; k++) {
		uint64_t b = (hint + k) % nblocks;
		if (!(bitmap[b / 8] & (1u << (b % 8)))) {
			bitmap[b / 8] |= (uint8_t)(1u << (b % 8));
			nfree_blocks--;
			hint = b + 1;
			got = (int64_t)b;
		}
	}
	spin_unlock(&map_lock);
	return got;
}

void swap_block_release(uint64_t b)
{
	spin_lock(&map_lock);
	KASSERT(b < nblocks && (bitmap[b / 8] & (1u << (b % 8))), "swap block %lu is not in use", b);
	bitmap[b / 8] &= (uint8_t) ~(1u << (b % 8));
	nfree_blocks++;
	spin_unlock(&map_lock);
}

static void pageout_thread(void *arg);
static int inject_read_error(uint64_t block);

void swap_init(const char *cmdline)
{
	char name[16], pname[16];
	if (cmdline_get(cmdline, "swap", name, sizeof name) < 0)
		return;
	struct blockdev *bd = ata_find(name);
	if (!bd || bd->nsectors < SECTORS_PER_BLOCK) {
		kprintf("swap: no usable disk '%s': running without swap\n", name);
		return;
	}
	uint64_t n = bd->nsectors / SECTORS_PER_BLOCK;
	bitmap = kzalloc((n + 7) / 8);
	bool have_policy = cmdline_get(cmdline, "pum", pname, sizeof pname) >= 0;
	if (!bitmap || pageusage_start(have_policy ? pname : 0) < 0) {
		kprintf("swap: out of memory for %lu blocks; running without swap\n", n);
		kfree(bitmap);
		return;
	}
	nblocks = nfree_blocks = n;
	dev = bd;
	cmdline_get_u64(cmdline, "swap.fail_read", &fail_read_at);
	if ((skip_writes = cmdline_has(cmdline, "debug.swap_skip_write")))
		kprintf("swap: debug.swap_skip_write: pages are NOT written on purpose\n");
	kprintf("swap: %s, %lu blocks (%lu MiB), page-usage policy %s\n", name, n, (n << PAGE_SHIFT) >> 20,
		pageusage_policy());
	thread_create_kernel("pageout", pageout_thread, 0);
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
		struct vm_space *vs;
		struct vm_tspace *ts;
		if (frame_state(pfn) != FRAME_USER || !f->swap_copy || vm_owner_pin(frame_owner(pfn), &vs, &ts) < 0)
			continue;
		struct pmap_root *root = ts ? &ts->root : 0;
		uint64_t e = pmap_entry(&vs->pmap, root, frame_va(pfn), 0);
		/* the page's bytes are then only in RAM: its D bit says so (specs/swap.md "Zero pages") */
		if (pte_is_present(e) && pte_pfn(e) == pfn && f->swap_copy &&
		    pmap_replace(&vs->pmap, root, frame_va(pfn), e, pte_set_dirty(e))) {
			swap_block_release(f->swap_copy - 1);
			f->swap_copy = 0;
			vm_count(&vs->cnt.swap_blocks, -1);
			n++;
		}
		vm_owner_unpin(vs);
	}
	__atomic_fetch_add(&cnt.copies_dropped, n, __ATOMIC_RELAXED);
	return n;
}

/* write_out - the page in @pfn to its stale copy's block, or a fresh one; the block or -1. */
static int64_t write_out(struct vm_space *vs, pfn_t pfn, struct frame *f)
{
	int64_t b = f->swap_copy ? (int64_t)(f->swap_copy - 1) : block_alloc();
	if (b < 0 && drop_clean_copies())
		b = block_alloc();
	if (b < 0)
		return -1;
	int werr = skip_writes ? 0 : /* the self-check's broken swap: the page is lost */
		blockdev_write(dev, (uint64_t)b * SECTORS_PER_BLOCK, SECTORS_PER_BLOCK, phys_to_virt(PFN_TO_PA(pfn)));
	if (werr < 0) {
		count(&cnt.io_errors);
		if (!f->swap_copy)
			swap_block_release((uint64_t)b);
		return -1;
	}
	if (!f->swap_copy)
		vm_count(&vs->cnt.swap_blocks, 1);
	return b;
}

/* drop_zero - @pfn holds a page nobody wrote since its zero fill: its PTE becomes a demand
 * mark again (no block, no write; the next touch zero-fills it). */
static int drop_zero(struct vm_space *vs, struct pmap_root *root, pfn_t pfn, vaddr_t va, uint64_t old)
{
	uint64_t mark;
	if (pte_make_demand(pte_present_prot(old), &mark) < 0 || !pmap_replace(&vs->pmap, root, va, old, mark))
		return -1;
	count(&cnt.zero_drops);
	count(&cnt.swap_outs);
	vm_count(&vs->cnt.swap_outs, 1);
	vm_count(&vs->cnt.frames, -1);
	frame_clear_mapping(pfn);
	frame_free(pfn);
	return 0;
}

/* evict_frame - page out @pfn, which the manager just gave up, from its pinned space. */
static int evict_frame(struct vm_space *vs, struct vm_tspace *ts, pfn_t pfn)
{
	struct pmap_root *root = ts ? &ts->root : 0;
	struct frame *f = frame_get(pfn);
	vaddr_t va = frame_va(pfn);
	uint64_t old = pmap_entry(&vs->pmap, root, va, 0), swp;
	if (!pte_is_present(old) || pte_pfn(old) != pfn)
		return -1; /* no longer mapped as it was: the manager's view was stale */
	if (pte_type(old) == PTE_TYPE_FILE)
		return filemap_evict(vs, ts, pfn, va, old); /* dropped, or written into its copy */
	if (pte_type(old) != PTE_TYPE_NORMAL)
		return -1;
	if (!f->swap_copy && !pte_is_dirty(old))
		return drop_zero(vs, root, pfn, va, old);
	bool clean = f->swap_copy && !pte_is_dirty(old);
	/* in transit while it is written: nothing can change it under the write, a fault on it
	 * waits, and its space cannot end until the PTE is final (it is pinned) */
	if (!pmap_replace(&vs->pmap, root, va, old, pte_make_transit()))
		return -1;
	int64_t b = clean ? (int64_t)(f->swap_copy - 1) : write_out(vs, pfn, f);
	if (b < 0 || pte_make_swap((uint64_t)b, pte_present_prot(old), &swp) < 0) {
		pmap_replace(&vs->pmap, root, va, pte_make_transit(), old); /* keep it */
		pageusage_mapped(pfn, frame_owner(pfn), va);
		sched_wake_all(&transit_wait);
		return -2;
	}
	f->swap_copy = 0; /* the block belongs to the PTE now */
	if (!pmap_replace(&vs->pmap, root, va, pte_make_transit(), swp)) {
		/* released while it was written (a range operation won: vm waits for evictions
		 * before it changes a range, so only another CPU could): the block goes too */
		swap_block_release((uint64_t)b);
		vm_count(&vs->cnt.swap_blocks, -1);
	}
	sched_wake_all(&transit_wait);
	count(clean ? &cnt.clean_drops : &cnt.write_backs);
	vm_count(clean ? &vs->cnt.clean_drops : &vs->cnt.write_backs, 1);
	count(&cnt.swap_outs);
	vm_count(&vs->cnt.swap_outs, 1);
	vm_count(&vs->cnt.frames, -1);
	frame_clear_mapping(pfn);
	frame_free(pfn);
	return 0;
}

int swap_evict_one(void)
{
	if (!dev)
		return -1;
	might_sleep("swap_evict_one");
	for (int tries = 0; tries < 16; tries++) {
		pfn_t pfn = pageusage_pick();
		if (pfn == FRAME_NONE)
			return -1;
		struct vm_space *vs;
		struct vm_tspace *ts;
		if (vm_owner_pin(frame_owner(pfn), &vs, &ts) < 0)
			continue; /* its space is ending: the frame comes back with it */
		int err = evict_frame(vs, ts, pfn);
		vm_owner_unpin(vs);
		if (err == 0)
			return 0;
		if (err == -2)
			return -1; /* no block or a write error: stop for now */
	}
	return -1;
}

int swap_in_frame(struct vm_space *vs, uint64_t e, pfn_t *pfn_out)
{
	uint64_t b = pte_swap_block(e);
	KASSERT(dev && b < nblocks, "swap entry %lx without swap", e);
	pfn_t pfn = vm_frame_alloc(vs); /* may sleep (evicting); the caller's mutex keeps e */
	if (pfn == FRAME_NONE)
		return -QE_NOMEM;
	int err = inject_read_error(b);
	if (!err)
		err = blockdev_read(dev, b * SECTORS_PER_BLOCK, SECTORS_PER_BLOCK, phys_to_virt(PFN_TO_PA(pfn)));
	if (err < 0) {
		count(&cnt.io_errors);
		frame_free(pfn);
		return -QE_IO;
	}
	frame_get(pfn)->swap_copy = (uint32_t)(b + 1); /* the copy stays while the page is clean */
	*pfn_out = pfn;
	return 0;
}

/* inject_read_error - `swap.fail_read=N` on the command line: the Nth swap-in read fails
 * (through the disk driver's error injection), to show a disk error kills only the
 * process that needs the page. */
static int inject_read_error(uint64_t block)
{
	if (fail_read_at && __atomic_add_fetch(&reads, 1, __ATOMIC_RELAXED) == fail_read_at) {
		ata_inject_error(ata_blockdev_index(dev), block * SECTORS_PER_BLOCK, 1);
		kprintf("swap: injecting a disk error into swap-in number %lu (block %lu)\n", reads, block);
	}
	return 0;
}

static void pageout_thread(void *arg)
{
	(void)arg;
	for (;;) {
		pageusage_tick();
		if (frame_free_count() < LOW_WATERMARK)
			while (frame_free_count() < HIGH_WATERMARK && swap_evict_one() == 0)
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
		nfree_blocks, nblocks, pageusage_policy(), pageusage_tracked(), frame_free_count());
	kprintf("  page faults %lu, swap-ins %lu, swap-outs %lu (clean drops %lu, write-backs %lu, zero pages %lu), I/O errors %lu, copies dropped %lu\n",
		swap_fault_count, cnt.swap_ins, cnt.swap_outs, cnt.clean_drops, cnt.write_backs, cnt.zero_drops,
		cnt.io_errors, cnt.copies_dropped);
	struct vm_file_counters fc;
	vm_file_counters_get(&fc);
	kprintf("  file mappings: %lu made, %lu committed; pages read %lu, dropped clean %lu, written to copies by eviction %lu and at unmap %lu; errors %lu read, %lu write\n",
		fc.maps, fc.commits, fc.reads, fc.clean_drops, fc.writebacks, fc.commit_pages, fc.read_errors,
		fc.write_errors);
}
MONITOR_CMD(swap, "swap space, page-usage policy and paging counters", cmd_swap);
