/*
 * swap.c - swap blocks on a block device, the staging buffer that lets one request carry a
 * cluster of pages, swap-in (with readahead of the blocks that follow), and the page-out
 * thread. Eviction is in swap_evict.c. A page in swap is recorded only in its PTE (pte.h); a
 * frame's clean copy in its frame record. Every sleep happens with no spinlock held
 * (specs/concurrency.md); specs/swap.md describes the whole.
 * Lock legend: the block bitmap, nfree_blocks and hint under map_lock; the counters are
 * atomic; swap_dev, nblocks and the staging buffer's address are constant after swap_init;
 * stage_busy is an atomic flag; drop_cursor belongs to whoever runs drop_clean_copies (one
 * CPU, and it does not sleep between reading and writing it).
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
#include "panic.h"
#include "sched/sched.h"
#include "vm/filemap.h"
#include "vm/swap_internal.h"
#include "vm/vm_internal.h"

#define LOW_WATERMARK 64
#define HIGH_WATERMARK 128
#define READAHEAD_FLOOR 16 /* readahead takes no frame when this few are free */
#define DROP_SCAN 4096 /* frames one drop_clean_copies pass looks at, at most */
#define DROP_ENOUGH 64 /* blocks after which a pass stops */

struct blockdev *swap_dev;
unsigned swap_readahead_max = SWAP_CLUSTER;
struct swap_counters swap_cnt;
struct waitq swap_transit_wait;
uint64_t swap_fault_count;
static uint64_t nblocks;
static struct spinlock map_lock = SPINLOCK_INIT("swap-map", RANK_SWAPMAP);
static uint8_t *bitmap;               /* (map_lock) one bit per block, set: in use */
static uint64_t nfree_blocks, hint;   /* (map_lock) */
static uint8_t *stage;                /* SWAP_CLUSTER pages, DMA-able in place */
static int stage_busy;                /* atomic */
static pfn_t drop_cursor;
static uint64_t fail_read_at, reads;  /* `swap.fail_read=N`: see inject_read_error */

void swap_wait_transit(void)
{
	sched_block_timeout(&swap_transit_wait, 10);
}

void swap_wake_transit(void)
{
	sched_wake_all(&swap_transit_wait);
}

bool swap_enabled(void)
{
	return swap_dev != 0;
}

uint64_t swap_free_blocks(void)
{
	return nfree_blocks;
}

uint64_t swap_total_blocks(void)
{
	return nblocks;
}

void swap_count_in(void)
{
	swap_count(&swap_cnt.swap_ins);
}

void swap_count_readahead(void)
{
	swap_count(&swap_cnt.readahead);
}

void swap_counters_get(struct swap_counters *out)
{
	*out = swap_cnt;
	out->page_faults = __atomic_load_n(&swap_fault_count, __ATOMIC_RELAXED);
}

static bool block_used(uint64_t b)
{
	return bitmap[b / 8] & (1u << (b % 8));
}

static void block_take(uint64_t b)
{
	bitmap[b / 8] |= (uint8_t)(1u << (b % 8));
	nfree_blocks--;
}

unsigned swap_blocks_alloc(unsigned n, uint64_t *first)
{
	unsigned got = 0;
	spin_lock(&map_lock);
	for (uint64_t k = 0; k < nblocks && !got; k++) {
		uint64_t b = (hint + k) % nblocks;
		if (block_used(b))
			continue;
		*first = b;
		while (got < n && b + got < nblocks && !block_used(b + got))
			block_take(b + got++);
		hint = b + got;
	}
	spin_unlock(&map_lock);
	return got;
}

void swap_block_release(uint64_t b)
{
	spin_lock(&map_lock);
	KASSERT(b < nblocks && block_used(b), "swap block %lu is not in use", b);
	bitmap[b / 8] &= (uint8_t) ~(1u << (b % 8));
	nfree_blocks++;
	spin_unlock(&map_lock);
}

uint8_t *swap_stage_get(void)
{
	if (!stage || __atomic_exchange_n(&stage_busy, 1, __ATOMIC_ACQUIRE))
		return 0;
	return stage;
}

void swap_stage_put(void)
{
	__atomic_store_n(&stage_busy, 0, __ATOMIC_RELEASE);
}

int swap_io(uint64_t block, unsigned n, void *buf, bool write)
{
	int err = write ? blockdev_write(swap_dev, block * SECTORS_PER_BLOCK, n * SECTORS_PER_BLOCK, buf)
			: blockdev_read(swap_dev, block * SECTORS_PER_BLOCK, n * SECTORS_PER_BLOCK, buf);
	swap_count(write ? &swap_cnt.write_requests : &swap_cnt.read_requests);
	if (err < 0) {
		swap_count(&swap_cnt.io_errors);
		return -QE_IO;
	}
	return 0;
}

static void pageout_thread(void *arg);
static int inject_read_error(uint64_t block);

/* stage_alloc - the staging buffer: SWAP_CLUSTER frames, physically contiguous and aligned to
 * their size, below 4 GiB (so one DMA request uses them in place). Without it every request
 * carries one page. */
static void stage_alloc(void)
{
	pfn_t pfn;
	if (frame_alloc_dma(SWAP_CLUSTER, 0xFFFFFFFFull, SWAP_CLUSTER * PAGE_SIZE, &pfn) == 0)
		stage = phys_to_virt(PFN_TO_PA(pfn));
	else
		kprintf("swap: no staging buffer: one page per request\n");
}

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
	swap_dev = bd;
	stage_alloc();
	cmdline_get_u64(cmdline, "swap.fail_read", &fail_read_at);
	uint64_t ra = SWAP_CLUSTER;
	if (cmdline_get_u64(cmdline, "swap.readahead", &ra) == 0)
		swap_readahead_max = ra < 1 ? 1 : ra > SWAP_CLUSTER ? SWAP_CLUSTER : (unsigned)ra;
	swap_evict_init(cmdline);
	kprintf("swap: %s, %lu blocks (%lu MiB), page-usage policy %s, %u pages per request, readahead %u\n",
		name, n, (n << PAGE_SHIFT) >> 20, pageusage_policy(), stage ? SWAP_CLUSTER : 1, swap_readahead_max);
	thread_create_kernel("pageout", pageout_thread, 0);
}

/* drop_copy - release @pfn's clean copy if the page is still mapped as it was: its D bit is
 * set, since its bytes are then only in RAM (specs/swap.md "Zero pages"). 1 if released. */
static int drop_copy(pfn_t pfn, struct frame *f)
{
	struct vm_space *vs;
	struct vm_tspace *ts;
	if (vm_owner_pin(frame_owner(pfn), &vs, &ts) < 0)
		return 0;
	struct pmap_root *root = ts ? &ts->root : 0;
	uint64_t e = pmap_entry(&vs->pmap, root, frame_va(pfn), 0);
	int n = 0;
	if (pte_is_present(e) && pte_pfn(e) == pfn && f->swap_copy &&
	    pmap_replace(&vs->pmap, root, frame_va(pfn), e, pte_set_dirty(e))) {
		swap_block_release(f->swap_copy - 1);
		f->swap_copy = 0;
		vm_count(&vs->cnt.swap_blocks, -1);
		n = 1;
	}
	vm_owner_unpin(vs);
	return n;
}

uint64_t swap_drop_clean_copies(void)
{
	uint64_t n = 0;
	pfn_t nframes = frame_nframes();
	for (unsigned k = 0; k < DROP_SCAN && n < DROP_ENOUGH && nframes; k++) {
		pfn_t pfn = drop_cursor;
		drop_cursor = pfn + 1 < nframes ? pfn + 1 : 0;
		struct frame *f = frame_get(pfn);
		if (frame_state(pfn) == FRAME_USER && f->swap_copy)
			n += (uint64_t)drop_copy(pfn, f);
	}
	__atomic_fetch_add(&swap_cnt.copies_dropped, n, __ATOMIC_RELAXED);
	return n;
}

/* read_blocks - @n adjacent blocks from @b into the frames @pfns: through the staging buffer
 * when there are several, straight into the frame when one (or when another request has the
 * staging buffer). How many were read, or -QE_IO. */
static int read_blocks(uint64_t b, unsigned n, const pfn_t *pfns)
{
	uint8_t *buf = n > 1 ? swap_stage_get() : 0;
	if (!buf) {
		int err = swap_io(b, 1, phys_to_virt(PFN_TO_PA(pfns[0])), false);
		return err ? err : 1;
	}
	int err = swap_io(b, n, buf, false);
	for (unsigned i = 0; !err && i < n; i++)
		memcpy(phys_to_virt(PFN_TO_PA(pfns[i])), buf + i * PAGE_SIZE, PAGE_SIZE);
	swap_stage_put();
	return err ? err : (int)n;
}

/* ahead_frame - a frame for a page read ahead: evicting for it only when @evict (the reads
 * are sequential), else only while frames are free anyway. FRAME_NONE when there is none. */
static pfn_t ahead_frame(struct vm_space *vs, bool evict)
{
	if (evict && frame_free_count() <= READAHEAD_FLOOR)
		vm_reclaim(vs);
	return frame_free_count() > READAHEAD_FLOOR ? frame_alloc(FRAME_USER) : FRAME_NONE;
}

int swap_in_frames(struct vm_space *vs, uint64_t b, unsigned n, bool evict, pfn_t *pfns)
{
	KASSERT(swap_dev && n >= 1 && n <= SWAP_CLUSTER && b + n <= nblocks, "swap-in of %u blocks at %lu", n, b);
	pfns[0] = vm_frame_alloc(vs); /* may sleep (evicting); the caller's mutex keeps the entries */
	if (pfns[0] == FRAME_NONE)
		return -QE_NOMEM;
	unsigned got = 1;
	while (got < n && (pfns[got] = ahead_frame(vs, evict)) != FRAME_NONE)
		got++;
	int r = inject_read_error(b);
	if (!r)
		r = read_blocks(b, got, pfns);
	unsigned kept = r > 0 ? (unsigned)r : 0;
	for (unsigned i = kept; i < got; i++)
		frame_free(pfns[i]);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < kept; i++)
		frame_get(pfns[i])->swap_copy = (uint32_t)(b + i + 1); /* kept while the page is clean */
	return (int)kept;
}

/* inject_read_error - `swap.fail_read=N` on the command line: the Nth swap-in read fails
 * (through the disk driver's error injection), to show a disk error kills only the
 * process that needs the page. */
static int inject_read_error(uint64_t block)
{
	if (fail_read_at && __atomic_add_fetch(&reads, 1, __ATOMIC_RELAXED) == fail_read_at) {
		ata_inject_error(ata_blockdev_index(swap_dev), block * SECTORS_PER_BLOCK, 1);
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
	if (!swap_dev) {
		kprintf("no swap (boot with swap=hdb and a disk)\n");
		return;
	}
	struct swap_counters c;
	swap_counters_get(&c);
	kprintf("swap on %s: %lu of %lu blocks free; policy %s, %lu frames tracked, %lu free frames\n",
		swap_dev->name, nfree_blocks, nblocks, pageusage_policy(), pageusage_tracked(), frame_free_count());
	kprintf("  page faults %lu, swap-ins %lu (readahead %lu), swap-outs %lu (clean drops %lu, write-backs %lu, zero pages %lu)\n",
		c.page_faults, c.swap_ins, c.readahead, c.swap_outs, c.clean_drops, c.write_backs, c.zero_drops);
	kprintf("  disk requests: %lu writes, %lu reads; I/O errors %lu, copies dropped %lu\n", c.write_requests,
		c.read_requests, c.io_errors, c.copies_dropped);
	struct vm_file_counters fc;
	vm_file_counters_get(&fc);
	kprintf("  file mappings: %lu made, %lu committed; pages read %lu, dropped clean %lu, written to copies by eviction %lu and at unmap %lu; errors %lu read, %lu write\n",
		fc.maps, fc.commits, fc.reads, fc.clean_drops, fc.writebacks, fc.commit_pages, fc.read_errors,
		fc.write_errors);
}
MONITOR_CMD(swap, "swap space, page-usage policy and paging counters", cmd_swap);
