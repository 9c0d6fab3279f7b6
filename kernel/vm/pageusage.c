/*
 * pageusage.c - the kernel's side of the page-usage manager (modules/pum, specs/pum.md):
 * the page-usage lock around every policy call, the bitmap of tracked frames (so freeing or
 * locking a frame the manager does not track changes nothing), the page key, and the
 * environment callbacks that read a frame's one mapping through the frame record and pmap.
 * Lock legend: everything below under pum_lock (RANK_PUM; taken under a pmap lock by the
 * release path, so the callbacks use pmap's lockless A-bit and peek functions).
 */
#include "arch/x86_64/pte.h"
#include "arch/x86_64/spinlock.h"
#include "console.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "panic.h"
#include "pum/pum.h"
#include "vm/vm.h"
#include "vm/vm_internal.h"

static struct spinlock pum_lock = SPINLOCK_INIT("page-usage", RANK_PUM);
static struct pum_state pum;
static uint8_t *tracked; /* one bit per frame; NULL: the manager is not running */
static pfn_t nframes;

static bool is_tracked(pfn_t pfn)
{
	return tracked[pfn / 8] & (1u << (pfn % 8));
}

static void set_tracked(pfn_t pfn, bool on)
{
	if (on)
		tracked[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
	else
		tracked[pfn / 8] &= (uint8_t) ~(1u << (pfn % 8));
}

/* mapping_of - the space and thread space holding @pfn's one mapping, and its address. */
static bool mapping_of(pfn_t pfn, struct vm_space **vs, struct vm_tspace **ts, vaddr_t *va)
{
	if (frame_state(pfn) != FRAME_USER)
		return false;
	*va = frame_va(pfn);
	return vm_owner_peek(frame_owner(pfn), vs, ts);
}

/* leaf - the PTE mapping @pfn now (0 when it is not mapped there any more). */
static uint64_t leaf(pfn_t pfn, struct vm_space **vs)
{
	struct vm_tspace *ts;
	vaddr_t va;
	if (!mapping_of(pfn, vs, &ts, &va))
		return 0;
	uint64_t e = pmap_leaf_peek(&(*vs)->pmap, ts ? &ts->root : 0, va);
	return pte_is_present(e) && pte_pfn(e) == pfn ? e : 0;
}

static bool env_accessed(void *ctx, pfn_t pfn)
{
	(void)ctx;
	struct vm_space *vs;
	struct vm_tspace *ts;
	vaddr_t va;
	if (!mapping_of(pfn, &vs, &ts, &va))
		return false;
	return pmap_test_clear_accessed(&vs->pmap, ts ? &ts->root : 0, va, pfn);
}

/* env_dirty - evicting it now costs a write (specs/pum.md): D set. A page whose D bit is
 * clear either has a clean copy in swap or was never written since its zero fill (pages
 * whose bytes exist nowhere else are installed dirty, and dropping a copy sets D): both go
 * without a write. */
static bool env_dirty(void *ctx, pfn_t pfn)
{
	(void)ctx;
	struct vm_space *vs;
	uint64_t e = leaf(pfn, &vs);
	return e && pte_is_dirty(e);
}

/* env_page_key - the key pum_mapped was given for @pfn's page (its one mapping). */
static uint64_t env_page_key(void *ctx, pfn_t pfn)
{
	(void)ctx;
	return pum_page_key(frame_owner(pfn), frame_va(pfn));
}

static bool env_evictable(void *ctx, pfn_t pfn)
{
	(void)ctx;
	struct vm_space *vs;
	uint64_t e = leaf(pfn, &vs);
	return e && (pte_type(e) == PTE_TYPE_NORMAL || pte_type(e) == PTE_TYPE_FILE) && !vs->exiting;
}

int pageusage_start(const char *policy_name)
{
	const struct pum_policy *pol = pum_default();
	if (policy_name && !(pol = pum_find(policy_name))) {
		kprintf("swap: no page-usage policy '%s'; using %s\n", policy_name, pum_default()->name);
		pol = pum_default();
	}
	pfn_t n = frame_nframes(); /* (not frame_stats: that walks every frame) */
	size_t mem = pum_mem_bytes(pol, n);
	void *pmem = kzalloc(mem);
	uint8_t *bits = kzalloc((n + 7) / 8);
	struct pum_env env = { env_accessed, env_dirty, env_evictable, env_page_key, 0 };
	if (!pmem || !bits || pum_init(&pum, pol, n, &env, pmem, mem) < 0) {
		kfree(pmem);
		kfree(bits);
		return -QE_NOMEM;
	}
	nframes = n;
	tracked = bits;
	uint64_t x100 = (mem * 8 + (n + 7) / 8 * 8) * 100 / 8 / (n ? n : 1);
	kprintf("page-usage: policy %s, %lu KiB of state and %lu KiB of tracked bits for %lu frames (%lu.%02lu bytes per frame)\n",
		pol->name, (uint64_t)mem >> 10, (uint64_t)((n + 7) / 8) >> 10, (uint64_t)n, x100 / 100, x100 % 100);
	return 0;
}

void pageusage_mapped(pfn_t pfn, uint32_t owner, vaddr_t va)
{
	if (!tracked || pfn >= nframes)
		return;
	spin_lock(&pum_lock);
	KASSERT(!is_tracked(pfn), "frame %lx tracked twice", pfn);
	set_tracked(pfn, true);
	pum_mapped(&pum, pfn, pum_page_key(owner, va));
	spin_unlock(&pum_lock);
}

void pageusage_freed(pfn_t pfn)
{
	if (!tracked || pfn >= nframes)
		return;
	spin_lock(&pum_lock);
	if (is_tracked(pfn)) {
		set_tracked(pfn, false);
		pum_freed(&pum, pfn);
	}
	spin_unlock(&pum_lock);
}

pfn_t pageusage_pick(void)
{
	if (!tracked)
		return FRAME_NONE;
	spin_lock(&pum_lock);
	pfn_t pfn = pum_pick_victim(&pum);
	if (pfn != FRAME_NONE) {
		KASSERT(pfn < nframes && is_tracked(pfn), "policy %s picked untracked frame %lx",
			pum.policy->name, pfn);
		set_tracked(pfn, false);
	}
	spin_unlock(&pum_lock);
	return pfn;
}

void pageusage_tick(void)
{
	if (!tracked)
		return;
	spin_lock(&pum_lock);
	pum_tick(&pum);
	spin_unlock(&pum_lock);
}

uint64_t pageusage_tracked(void)
{
	return tracked ? pum.nresident : 0;
}

const char *pageusage_policy(void)
{
	return tracked ? pum.policy->name : "none";
}

void vm_pageusage_info(uint64_t *tracked_frames, const char **policy)
{
	*tracked_frames = pageusage_tracked();
	*policy = pageusage_policy();
}
