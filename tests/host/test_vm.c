/*
 * test_vm.c - the kernel's vm and pmap code (kernel/vm, kernel/arch/x86_64/pmap_user.c and
 * pmap_range.c, the real page-usage policies) on a fake machine (fake_machine.c): 16 MiB of
 * "RAM" in an array, a memory swap disk that counts its reads and writes. The CPU's part is
 * played by the test: it writes page contents through the direct map and sets the D bit
 * with pmap_replace. Checks faults, eviction and swap-in with their contents, clean drops
 * that write nothing, QA_LOCK keeping contents (and undoing itself when it fails), marks in
 * upper levels, and that every frame, table and swap block comes back.
 */
#include "hosttest.h"

#include "arch/x86_64/layout.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/trap.h"
#include "fake_machine.h"
#include "fake_space.h"
#include "fs/fs.h"
#include "mm/frame.h"
#include "mm/shrink.h"
#include "vm/filemap.h"
#include "vm/swap.h"
#include "vm/vm.h"
#include "vm/vm_internal.h"

#define B (1ull << 39)
#define AREA 0x40000000ull /* 1 GiB: a whole PDPT entry */
#define RW PTE_PROT_RW

static uint64_t free0, blocks0;

static int setup_group(void **state)
{
	(void)state;
	fake_machine_init(16, 8);
	vm_init("");
	swap_init("swap=hdb pum=clock");
	return swap_enabled() ? 0 : -1;
}

static int teardown_group(void **state)
{
	(void)state;
	return 0;
}

static struct space make_space(uint32_t id)
{
	struct space s;
	free0 = frame_free_count();
	blocks0 = swap_free_blocks();
	s.vs = vm_space_create(id, B, NULL);
	assert_non_null(s.vs);
	s.ts = vm_tspace_create(s.vs, id + 1, false);
	assert_non_null(s.ts);
	return s;
}

/* end_space - tear it down; every frame, table and block must be back. */
static void end_space(struct space *s)
{
	vm_tspace_destroy(s->ts);
	vm_space_destroy(s->vs);
	assert_int_equal(frame_free_count(), free0);
	assert_int_equal(swap_free_blocks(), blocks0);
}


/* evict_all - evict until nothing more can be; how many pages left RAM (swap_evict_one
 * takes a cluster per call). */
static unsigned evict_all(void)
{
	struct swap_counters c0, c1;
	swap_counters_get(&c0);
	while (swap_evict_one() == 0)
		;
	swap_counters_get(&c1);
	return (unsigned)(c1.swap_outs - c0.swap_outs);
}

static void test_demand_fault(void **state)
{
	(void)state;
	struct space s = make_space(100);
	const char *why = NULL;
	assert_int_equal(vm_map(s.ts, AREA, AREA + 16 * PAGE_SIZE, VM_ANON, RW, false), 0);
	assert_int_equal(vm_fault(s.ts, AREA + 0x3123, PF_USER | PF_WRITE, &why), 0);
	uint64_t e = entry(&s, AREA + 0x3000);
	assert_true(pte_is_present(e) && pte_is_writable(e) && pte_type(e) == PTE_TYPE_NORMAL);
	for (int i = 0; i < 512; i++)
		assert_int_equal(page_words(&s, AREA + 0x3000)[i], 0);
	assert_int_equal(s.vs->cnt.frames, 1);
	assert_int_equal(s.vs->cnt.demand_zero, 1);
	assert_int_equal(frame_owner(pte_pfn(e)), 100); /* process space: the pid owns it */
	assert_int_equal(vm_fault(s.ts, AREA + 0x100000, PF_USER, &why), -1);
	assert_string_equal(why, "no memory is mapped there");
	assert_int_equal(vm_map(s.ts, AREA + 0x20000, AREA + 0x21000, VM_ANON, PTE_PROT_R, false), 0);
	assert_int_equal(vm_fault(s.ts, AREA + 0x20000, PF_USER | PF_WRITE, &why), -1);
	assert_string_equal(why, "write to a read-only area");
	assert_int_equal(vm_map(s.ts, AREA + 0x30000, AREA + 0x31000, VM_GUARD, 0, false), 0);
	assert_int_equal(vm_fault(s.ts, AREA + 0x30008, PF_USER, &why), -1);
	assert_string_equal(why, "stack overflow (guard page)");
	/* a thread-space page belongs to the thread: its tid owns the frame */
	assert_int_equal(vm_map(s.ts, B + AREA, B + AREA + PAGE_SIZE, VM_ANON, RW, false), 0);
	touch(&s, B + AREA, 7);
	assert_int_equal(frame_owner(pte_pfn(entry(&s, B + AREA))), 101);
	end_space(&s);
}

static void test_evict_swap_in_clean_drop(void **state)
{
	(void)state;
	struct space s = make_space(200);
	const int n = 32;
	assert_int_equal(vm_map(s.ts, AREA, AREA + n * PAGE_SIZE, VM_ANON, RW, false), 0);
	for (int i = 0; i < n; i++)
		touch(&s, AREA + i * PAGE_SIZE, 0x5000 + (uint64_t)i);
	uint64_t w0 = fm.disk_writes, r0 = fm.disk_reads;
	assert_int_equal(evict_all(), n);
	assert_int_equal(fm.disk_writes - w0, n / SWAP_CLUSTER); /* dirty: written once, in clusters */
	assert_int_equal(s.vs->cnt.frames, 0);
	assert_int_equal(s.vs->cnt.swap_blocks, n);
	assert_int_equal(s.vs->cnt.write_backs, n);
	for (int i = 0; i < n; i++)
		assert_true(pte_swap_block(entry(&s, AREA + i * PAGE_SIZE)) != PTE_SWAP_NONE);
	assert_int_equal(read_word(&s, AREA), 0x5000); /* and the cluster after it, read ahead */
	assert_int_equal(fm.disk_reads - r0, 1);
	for (int i = 1; i < SWAP_CLUSTER; i++)
		assert_true(pte_is_present(entry(&s, AREA + i * PAGE_SIZE)));
	assert_false(pte_is_present(entry(&s, AREA + SWAP_CLUSTER * PAGE_SIZE)));
	for (int i = 0; i < n; i++) /* read them back: contents kept, copies stay in swap */
		assert_int_equal(read_word(&s, AREA + i * PAGE_SIZE), 0x5000 + (uint64_t)i);
	assert_int_equal(fm.disk_reads - r0, n / SWAP_CLUSTER);
	assert_int_equal(s.vs->cnt.swap_ins, n);
	assert_int_equal(s.vs->cnt.swap_blocks, n);
	uint64_t w1 = fm.disk_writes;
	assert_int_equal(evict_all(), n);
	assert_int_equal(fm.disk_writes, w1); /* not written since: clean drops, no write */
	assert_int_equal(s.vs->cnt.clean_drops, n);
	assert_int_equal(read_word(&s, AREA), 0x5000);
	touch(&s, AREA, 0x6000); /* written again: its next eviction costs one write */
	assert_int_equal(evict_all(), SWAP_CLUSTER); /* with the pages read ahead: clean drops */
	assert_int_equal(fm.disk_writes, w1 + 1);
	assert_int_equal(read_word(&s, AREA), 0x6000);
	assert_int_equal(vm_area(s.ts, VM_AREA_FREE, AREA, n * PAGE_SIZE, 0), 0);
	assert_int_equal(s.vs->cnt.swap_blocks, 0);
	assert_int_equal(s.vs->cnt.frames, 0);
	end_space(&s);
}

static void test_lock_keeps_contents(void **state)
{
	(void)state;
	struct space s = make_space(300);
	const int n = 8;
	assert_int_equal(vm_map(s.ts, AREA, AREA + n * PAGE_SIZE, VM_ANON, RW, false), 0);
	for (int i = 0; i < n; i += 2) /* the odd pages stay untouched (demand) */
		touch(&s, AREA + i * PAGE_SIZE, 0x7000 + (uint64_t)i);
	assert_int_equal(swap_evict_one(), 0); /* all four in swap: one cluster */
	assert_int_equal(swap_evict_one(), -1);
	assert_int_equal(vm_area(s.ts, VM_AREA_LOCK, AREA, n * PAGE_SIZE, RW), 0);
	for (int i = 0; i < n; i++) {
		uint64_t e = entry(&s, AREA + i * PAGE_SIZE);
		assert_true(pte_is_present(e) && pte_type(e) == PTE_TYPE_LOCKED);
		assert_int_equal(page_words(&s, AREA + i * PAGE_SIZE)[0], i % 2 ? 0 : 0x7000 + (uint64_t)i);
	}
	assert_int_equal(s.vs->cnt.swap_blocks, 0); /* locked pages keep no copies */
	assert_int_equal(swap_evict_one(), -1);      /* and are never chosen */
	end_space(&s);
}

static void test_lock_failure_undoes(void **state)
{
	(void)state;
	struct space s = make_space(400);
	const int n = 8;
	assert_int_equal(vm_map(s.ts, AREA, AREA + n * PAGE_SIZE, VM_ANON, RW, false), 0);
	for (int i = 0; i < 4; i++)
		touch(&s, AREA + i * PAGE_SIZE, 0x8000 + (uint64_t)i);
	pfn_t hog[4096];
	int nhog = 0;
	for (pfn_t p; nhog < 4096 && (p = frame_alloc(FRAME_KERNEL)) != FRAME_NONE;)
		hog[nhog++] = p; /* nothing left for the untouched pages 4..7 */
	assert_int_equal(vm_area(s.ts, VM_AREA_LOCK, AREA, n * PAGE_SIZE, RW), -QE_NOMEM);
	while (nhog)
		frame_free(hog[--nhog]);
	for (int i = 0; i < n; i++) { /* nothing locked (some went to swap to make room), nothing lost */
		uint64_t e = entry(&s, AREA + i * PAGE_SIZE);
		assert_true(!pte_is_present(e) || pte_type(e) == PTE_TYPE_NORMAL);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(read_word(&s, AREA + i * PAGE_SIZE), 0x8000 + (uint64_t)i);
	assert_int_equal(evict_all(), 4); /* tracked again: evictable */
	end_space(&s);
}

static void test_upper_level_marks(void **state)
{
	(void)state;
	struct space s = make_space(500);
	uint64_t t0 = pmap_table_pages(&s.vs->pmap);
	assert_int_equal(vm_map(s.ts, AREA, 2 * AREA, VM_ANON, RW, false), 0); /* one PDPTE mark */
	assert_int_equal(pmap_table_pages(&s.vs->pmap), t0 + 1);               /* the slot's PDPT */
	touch(&s, AREA + 0x12345000, 1);
	assert_int_equal(pmap_table_pages(&s.vs->pmap), t0 + 3); /* split: a PD and a PT */
	unsigned level;
	uint64_t far = pmap_entry(&s.vs->pmap, NULL, AREA + 0x40000000 - 0x1000, &level);
	assert_int_equal(level, PTE_LEVEL_PD); /* the rest of the area: still one mark per 2 MiB */
	assert_int_equal(pte_np_kind(far, level), PTE_NP_DEMAND);
	assert_int_equal(vm_area(s.ts, VM_AREA_FREE, AREA, AREA, 0), 0);
	assert_int_equal(pmap_table_pages(&s.vs->pmap), t0 + 1);
	end_space(&s);
}

static unsigned np_kind(struct space *s, vaddr_t va)
{
	return (unsigned)pte_np_kind(entry(s, va), PTE_LEVEL_PT);
}

/* Range operations step over runs of equal entries (pmap_range.c): a range that starts and
 * ends inside runs, over present, swapped, guard and demand pages, changes exactly its own
 * entries and gives back exactly what they held. */
static void test_range_runs(void **state)
{
	(void)state;
	struct space s = make_space(800);
	const vaddr_t p = PAGE_SIZE;
	assert_int_equal(vm_map(s.ts, AREA, AREA + 64 * p, VM_ANON, RW, false), 0);
	assert_int_equal(vm_map(s.ts, AREA + 20 * p, AREA + 21 * p, VM_GUARD, 0, false), 0);
	touch(&s, AREA + 3 * p, 3);
	touch(&s, AREA + 10 * p, 10);
	touch(&s, AREA + 40 * p, 40);
	assert_int_equal(evict_all(), 3);
	assert_int_equal(read_word(&s, AREA + 3 * p), 3);   /* back in RAM (clean copy) */
	assert_int_equal(read_word(&s, AREA + 40 * p), 40); /* 10 stays in swap */
	uint64_t frames = s.vs->cnt.frames, blocks = s.vs->cnt.swap_blocks;
	assert_int_equal(vm_area(s.ts, VM_AREA_FREE, AREA + 5 * p, 40 * p, 0), 0); /* pages 5..44 */
	assert_int_equal(s.vs->cnt.frames, frames - 1);       /* page 40 */
	assert_int_equal(s.vs->cnt.swap_blocks, blocks - 2);  /* page 10's block, page 40's copy */
	assert_int_equal(read_word(&s, AREA + 3 * p), 3);
	for (int i = 0; i < 64; i++) {
		unsigned want = i == 3 ? 0 : (i >= 5 && i < 45) ? PTE_NP_NONE : PTE_NP_DEMAND;
		if (i != 3)
			assert_int_equal(np_kind(&s, AREA + i * p), want);
	}
	/* a demand range over part of that hole and part of the demand run after it */
	assert_int_equal(vm_area(s.ts, VM_AREA_DEMAND, AREA + 30 * p, 20 * p, RW), 0);
	for (int i = 4; i < 64; i++)
		assert_int_equal(np_kind(&s, AREA + i * p), i >= 5 && i < 30 ? PTE_NP_NONE : PTE_NP_DEMAND);
	/* whole 2 MiB entries inside a range that starts and ends inside others */
	const vaddr_t m2 = 2ull << 20, far = AREA + 64 * m2;
	assert_int_equal(vm_map(s.ts, far, far + 8 * m2, VM_ANON, RW, false), 0);
	touch(&s, far + 5 * m2 + 7 * p, 57);
	assert_int_equal(vm_area(s.ts, VM_AREA_FREE, far + m2 + 3 * p, 6 * m2, 0), 0);
	assert_int_equal(np_kind(&s, far + m2 + 2 * p), PTE_NP_DEMAND);
	assert_int_equal(np_kind(&s, far + m2 + 3 * p), PTE_NP_NONE);
	assert_int_equal(np_kind(&s, far + 5 * m2 + 7 * p), PTE_NP_NONE);
	assert_int_equal(np_kind(&s, far + 7 * m2 + 2 * p), PTE_NP_NONE);
	assert_int_equal(np_kind(&s, far + 7 * m2 + 3 * p), PTE_NP_DEMAND);
	assert_int_equal(s.vs->cnt.frames, frames - 1); /* page 3 only: page 57 went too */
	end_space(&s);
}

/* lay_out - a thread space as the process layer makes it (proc/process.c): demand marks from
 * the root, a guard page below a 16-page stack under the top page; reusable. */
static void lay_out(struct vm_tspace *ts, vaddr_t *guard, vaddr_t *top)
{
	*top = USER_SPACE_END - PAGE_SIZE;
	*guard = *top - 17 * PAGE_SIZE;
	assert_int_equal(vm_map_marked(ts, B, *guard, VM_ANON, RW), 0);
	assert_int_equal(vm_map(ts, *guard, *guard + PAGE_SIZE, VM_GUARD, 0, false), 0);
	assert_int_equal(vm_map_marked(ts, *guard + PAGE_SIZE, *top, VM_ANON, RW), 0);
	vm_tspace_reusable(ts, *guard, *top);
}

/* A thread space that ends with its layout intact is parked for the next thread: its pages
 * and the tables off the stack's walk go, the rest is as new; one whose layout changed is
 * freed. Every frame and block comes back with the process. */
static void test_thread_space_reuse(void **state)
{
	(void)state;
	free0 = frame_free_count();
	blocks0 = swap_free_blocks();
	struct space s = { vm_space_create(900, B, NULL), 0 };
	assert_non_null(s.vs);
	s.ts = vm_tspace_create(s.vs, 901, true);
	assert_non_null(s.ts);
	assert_false(s.ts->laid_out);
	vaddr_t guard, top, far = B + 3 * AREA + 0x5000;
	lay_out(s.ts, &guard, &top);
	touch(&s, top - PAGE_SIZE, 1);
	touch(&s, top - 2 * PAGE_SIZE, 2);
	touch(&s, far, 3); /* thread-space data away from the stack: tables of its own */
	assert_int_equal(evict_all(), 3);
	assert_int_equal(read_word(&s, top - PAGE_SIZE), 1); /* in RAM again, the others in swap */
	uint64_t tables = pmap_table_pages(&s.vs->pmap);
	struct vm_tspace *old = s.ts;
	vm_tspace_destroy(s.ts);
	assert_ptr_equal(s.vs->spare, old);
	assert_int_equal(s.vs->cnt.frames, 0);
	assert_int_equal(s.vs->cnt.swap_blocks, 0);
	assert_int_equal(pmap_table_pages(&s.vs->pmap), tables - 3); /* far's PDPT, PD, PT */
	s.ts = vm_tspace_create(s.vs, 902, true);
	assert_ptr_equal(s.ts, old);
	assert_true(s.ts->laid_out);
	assert_int_equal(s.ts->owner.id, 902);
	for (vaddr_t va = guard + PAGE_SIZE; va < top; va += PAGE_SIZE)
		assert_int_equal(np_kind(&s, va), PTE_NP_DEMAND);
	assert_int_equal(np_kind(&s, guard), PTE_NP_GUARD);
	unsigned level;
	uint64_t e = pmap_entry(&s.vs->pmap, &s.ts->root, far, &level);
	assert_int_equal(level, PTE_LEVEL_PML4); /* the 512 GiB mark again */
	assert_int_equal(pte_np_kind(e, level), PTE_NP_DEMAND);
	touch(&s, top - PAGE_SIZE, 4);
	assert_int_equal(read_word(&s, top - PAGE_SIZE), 4);
	assert_int_equal(frame_owner(pte_pfn(entry(&s, top - PAGE_SIZE))), 902);
	/* a layout that changed is not parked */
	assert_int_equal(vm_area(s.ts, VM_AREA_FREE, guard - PAGE_SIZE, PAGE_SIZE, 0), 0);
	vm_tspace_destroy(s.ts);
	assert_null(s.vs->spare);
	/* a parked one goes with its process */
	s.ts = vm_tspace_create(s.vs, 903, true);
	lay_out(s.ts, &guard, &top);
	touch(&s, top - PAGE_SIZE, 5);
	vm_tspace_destroy(s.ts);
	assert_non_null(s.vs->spare);
	vm_space_destroy(s.vs);
	assert_int_equal(frame_free_count(), free0);
	assert_int_equal(swap_free_blocks(), blocks0);
}

/* The idle loop's work zeroes frames ahead while a space exists; a demand-zero fault takes
 * one (all zero: the frame was dirty before); vm_reclaim and the last space's end give the
 * pool back. */
static void test_prezeroed_frames(void **state)
{
	(void)state;
	struct space s = make_space(950);
	assert_non_null(fm.idle_work);
	static pfn_t dirty[1000];
	for (int i = 0; i < 1000; i++) { /* dirty the frames the pool will take */
		dirty[i] = frame_alloc(FRAME_USER);
		memset(phys_to_virt(PFN_TO_PA(dirty[i])), 0xEE, PAGE_SIZE);
	}
	for (int i = 999; i >= 0; i--)
		frame_free(dirty[i]);
	int filled = 0;
	while (fm.idle_work())
		filled++;
	uint64_t pool, used0, used1;
	vm_prezero_stats(&pool, &used0);
	assert_true(filled > 0 && pool == (uint64_t)filled);
	assert_int_equal(vm_free_frames(), frame_free_count() + pool);
	assert_int_equal(vm_map(s.ts, AREA, AREA + 4 * PAGE_SIZE, VM_ANON, RW, false), 0);
	const char *why = NULL;
	for (int i = 0; i < 4; i++)
		assert_int_equal(vm_fault(s.ts, AREA + i * PAGE_SIZE, PF_USER | PF_WRITE, &why), 0);
	vm_prezero_stats(&pool, &used1);
	assert_int_equal(used1 - used0, 4);
	for (int i = 0; i < 4; i++)
		for (int w = 0; w < 512; w++)
			assert_int_equal(page_words(&s, AREA + i * PAGE_SIZE)[w], 0);
	assert_int_equal(vm_reclaim(s.vs), 0); /* gives the pool back first */
	vm_prezero_stats(&pool, &used1);
	assert_int_equal(pool, 0);
	while (fm.idle_work())
		;
	end_space(&s); /* the last space: the pool goes back, every frame is free again */
}

static void test_zero_pages_dropped(void **state)
{
	(void)state;
	struct space s = make_space(700);
	const char *why = NULL;
	const int n = 16;
	assert_int_equal(vm_map(s.ts, AREA, AREA + n * PAGE_SIZE, VM_ANON, RW, false), 0);
	for (int i = 0; i < n; i++) /* read faults: zero pages nobody wrote */
		assert_int_equal(vm_fault(s.ts, AREA + i * PAGE_SIZE, PF_USER, &why), 0);
	touch(&s, AREA, 0x77); /* one of them written */
	uint64_t w0 = fm.disk_writes, b0 = swap_free_blocks();
	assert_int_equal(evict_all(), n);
	assert_int_equal(fm.disk_writes - w0, 1); /* only the written one costs a write */
	assert_int_equal(b0 - swap_free_blocks(), 1);
	for (int i = 1; i < n; i++) /* the others are demand marks again */
		assert_int_equal(pte_np_kind(entry(&s, AREA + i * PAGE_SIZE), PTE_LEVEL_PT), PTE_NP_DEMAND);
	assert_int_equal(read_word(&s, AREA), 0x77);
	assert_int_equal(read_word(&s, AREA + PAGE_SIZE), 0);
	/* a page filled from an image is installed dirty: evicting it writes it */
	static const char img[] = "image bytes";
	assert_int_equal(vm_map(s.ts, AREA + 0x100000, AREA + 0x101000, VM_ANON, RW, false), 0);
	assert_int_equal(vm_load_page(s.ts, AREA + 0x100000, img, 8, sizeof img), 0);
	uint64_t w1 = fm.disk_writes;
	assert_int_equal(evict_all(), 3); /* the image page, page 0 (clean copy), page 1 (zero) */
	assert_int_equal(fm.disk_writes - w1, 1);
	assert_int_equal(read_word(&s, AREA + 0x100000), 0); /* brought back; bytes 0-7 were zero */
	assert_memory_equal((char *)page_words(&s, AREA + 0x100000) + 8, img, sizeof img);
	end_space(&s);
}

static void test_swap_read_error(void **state)
{
	(void)state;
	struct space s = make_space(600);
	const char *why = NULL;
	assert_int_equal(vm_map(s.ts, AREA, AREA + PAGE_SIZE, VM_ANON, RW, false), 0);
	touch(&s, AREA, 42);
	assert_int_equal(evict_all(), 1);
	fm.fail_next_read = true;
	assert_int_equal(vm_fault(s.ts, AREA, PF_USER, &why), -1);
	assert_string_equal(why, "disk error while reading the page from swap");
	assert_int_equal(read_word(&s, AREA), 42); /* the block is still there */
	end_space(&s);
}

/* ---- file mappings (vm/filemap.c) over the kernel's file system on a memory disk ---- */


/* file_word - word 0 of page @page of @path through the file system. */
static uint64_t file_word(const char *path, unsigned page)
{
	struct fs_file *f;
	uint64_t w = ~0ull;
	assert_int_equal(fs_open(path, 0, &f), 0);
	assert_int_equal(fs_read(f, (uint64_t)page * PAGE_SIZE, &w, 8), 8);
	fs_close(f);
	return w;
}

static void test_file_mapping(void **state)
{
	(void)state;
	fake_machine_add_fsdisk(8);
	assert_int_equal(fake_mkfs(fm.fsdisk, fm.fsdisk_bytes), 0);
	fs_init("root=hdd bcache=16");
	assert_true(fs_mounted());
	struct fs_file *f;
	assert_int_equal(fs_open("f", FS_O_RDWR | FS_O_CREAT, &f), 0);
	for (unsigned p = 0; p < 8; p++) {
		uint64_t page[512] = { 0x1000 + p };
		assert_int_equal(fs_write(f, (uint64_t)p * PAGE_SIZE, page, PAGE_SIZE), PAGE_SIZE);
	}
	assert_int_equal(fs_close(f), 1);
	mm_shrink_all();
	struct space s = make_space(700);
	const char *why = NULL;

	/* read-only: every page a FILE entry, read on the fault into a FILE frame */
	int64_t ro = vm_file_map(s.ts, "f", 0, 0, 0, 0);
	assert_true(ro > 0 && (vaddr_t)ro < B);
	assert_int_equal(pte_np_kind(entry(&s, (vaddr_t)ro), PTE_LEVEL_PT), PTE_NP_FILE);
	for (unsigned p = 0; p < 8; p++)
		assert_int_equal(read_word(&s, (vaddr_t)ro + p * PAGE_SIZE), 0x1000 + p);
	assert_int_equal(pte_type(entry(&s, (vaddr_t)ro)), PTE_TYPE_FILE);
	assert_int_equal(vm_fault(s.ts, (vaddr_t)ro, PF_USER | PF_WRITE, &why), -1);
	assert_string_equal(why, "write to a read-only area");

	/* read/write: pages 0-3 written, 4-7 only read */
	int64_t rw = vm_file_map(s.ts, "f", VM_MAP_RDWR, 0, 0, 0);
	assert_true(rw > 0 && rw != ro);
	for (unsigned p = 0; p < 8; p++)
		if (p < 4)
			touch(&s, (vaddr_t)rw + p * PAGE_SIZE, 0x2000 + p);
		else
			assert_int_equal(read_word(&s, (vaddr_t)rw + p * PAGE_SIZE), 0x1000 + p);
	/* one mapping per frame: the two mappings' page 4 are two frames */
	assert_true(pte_pfn(entry(&s, (vaddr_t)rw + 4 * PAGE_SIZE)) != pte_pfn(entry(&s, (vaddr_t)ro + 4 * PAGE_SIZE)));

	/* eviction: the 12 clean pages go without a write, the 4 dirty ones into the copy,
	 * none to swap */
	uint64_t sw = fm.disk_writes, fw = fm.fs_writes;
	assert_int_equal(s.vs->cnt.frames, 16);
	assert_int_equal(evict_all(), 0); /* (it counts swap-outs: file pages are never one) */
	assert_int_equal(fm.disk_writes, sw);
	assert_int_equal(fm.fs_writes - fw, 4);
	assert_int_equal(s.vs->cnt.frames, 0);
	assert_int_equal(pte_np_kind(entry(&s, (vaddr_t)rw), PTE_LEVEL_PT), PTE_NP_FILE);
	struct vm_mapinfo mi;
	assert_int_equal(vm_file_info(s.ts, (vaddr_t)rw + 5, &mi), 0);
	assert_true(mi.rw && mi.version == 1 && mi.writebacks == 4 && mi.clean_drops == 4 && mi.not_read == 8);
	/* read back: the copy has the written pages, the file the rest; nobody else sees them */
	for (unsigned p = 0; p < 8; p++)
		assert_int_equal(read_word(&s, (vaddr_t)rw + p * PAGE_SIZE), p < 4 ? 0x2000 + p : 0x1000 + p);
	assert_int_equal(read_word(&s, (vaddr_t)ro), 0x1000);
	assert_int_equal(file_word("f", 0), 0x1000);

	/* unmap commits: version 2 has both the evicted and the resident dirty page */
	touch(&s, (vaddr_t)rw + 6 * PAGE_SIZE, 0x2006);
	assert_int_equal(vm_area(s.ts, VM_AREA_FREE, (vaddr_t)rw, PAGE_SIZE, 0), -QE_INVAL); /* half */
	assert_int_equal(vm_file_unmap(s.ts, (vaddr_t)rw + PAGE_SIZE, false), -QE_INVAL);
	assert_int_equal(vm_file_unmap(s.ts, (vaddr_t)rw, false), 2);
	for (unsigned p = 0; p < 8; p++)
		assert_int_equal(file_word("f;2", p), p < 4 || p == 6 ? 0x2000 + p : 0x1000 + p);
	assert_int_equal(read_word(&s, (vaddr_t)ro + 6 * PAGE_SIZE), 0x1006); /* pinned: version 1 */
	assert_int_equal(vm_file_info(s.ts, (vaddr_t)rw, &mi), -QE_INVAL);
	assert_int_equal(vm_file_unmap(s.ts, (vaddr_t)ro, false), 0);

	/* a space torn down with a read/write mapping (a kill) commits nothing */
	rw = vm_file_map(s.ts, "f", VM_MAP_RDWR, 0, 0, 0);
	touch(&s, (vaddr_t)rw, 0x3000);
	evict_all();
	mm_shrink_all(); /* the block cache's frames */
	end_space(&s);
	struct qfs_stat st;
	assert_int_equal(fs_stat("f", &st), 0);
	assert_int_equal(st.newest, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demand_fault),
		cmocka_unit_test(test_evict_swap_in_clean_drop),
		cmocka_unit_test(test_lock_keeps_contents),
		cmocka_unit_test(test_lock_failure_undoes),
		cmocka_unit_test(test_upper_level_marks),
		cmocka_unit_test(test_range_runs),
		cmocka_unit_test(test_thread_space_reuse),
		cmocka_unit_test(test_prezeroed_frames),
		cmocka_unit_test(test_zero_pages_dropped),
		cmocka_unit_test(test_swap_read_error),
		cmocka_unit_test(test_file_mapping),
	};
	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
