/*
 * frame.c - the frame database and allocator. Free frames sit on doubly-linked lists
 * threaded through their own records (32-bit frame numbers), one list for frames below
 * FRAME_LOW_LIMIT_PA (kept for DMA) and one above, so one frame is O(1) to take or give
 * back; contiguous runs are found by scanning the records.
 * Keeps: a frame is on a free list exactly when its state is FREE; free_count is the sum
 * of both lists' lengths. Lock legend: the lists, free_count and every frame's state are
 * under frame_lock (a spinlock: allocation never sleeps). Context: any but interrupt handlers.
 */
#include "frame.h"

#include "arch/x86_64/spinlock.h"
#include "lib/kstring.h"
#include "panic.h"

#define NIL 0xFFFFFFFFu
#define INFO_STATE_MASK 0xFull
#define INFO_FLAGS_SHIFT 4
#define INFO_FLAGS_MASK (0xFFFull << INFO_FLAGS_SHIFT)
#define INFO_VPN_SHIFT 28
#define INFO_VPN_MASK ((uint64_t)~0ull << INFO_VPN_SHIFT)
_Static_assert((INFO_STATE_MASK & INFO_FLAGS_MASK) == 0, "state and flags overlap");
_Static_assert(INFO_VPN_SHIFT + 36 == 64, "36 bits of virtual page number: 48-bit addresses");

enum { LIST_LOW = 0, LIST_HIGH = 1, NLISTS = 2 };

static struct spinlock frame_lock = SPINLOCK_INIT("frames", RANK_FRAME);

static struct {
	struct frame *db;
	pfn_t nframes;
	uint32_t head[NLISTS];
	uint64_t free_count;
	uint64_t usable_bytes, fragment_bytes;
	uint64_t by_state[FRAME_STATE_COUNT]; /* kept by set_st: frame_stats walks nothing */
} fdb;

static enum frame_state st(const struct frame *f)
{
	return (enum frame_state)(f->info & INFO_STATE_MASK);
}

static void set_st(struct frame *f, enum frame_state s, unsigned flags)
{
	fdb.by_state[st(f)]--;
	fdb.by_state[s]++;
	f->info = (uint64_t)s | ((uint64_t)flags << INFO_FLAGS_SHIFT);
	f->next_free = 0;
	f->prev_free = 0;
}

static int list_of(pfn_t pfn)
{
	return PFN_TO_PA(pfn) < FRAME_LOW_LIMIT_PA ? LIST_LOW : LIST_HIGH;
}

static void list_push(pfn_t pfn)
{
	struct frame *f = &fdb.db[pfn];
	int l = list_of(pfn);
	set_st(f, FRAME_FREE, 0);
	f->next_free = fdb.head[l];
	f->prev_free = NIL;
	if (fdb.head[l] != NIL)
		fdb.db[fdb.head[l]].prev_free = (uint32_t)pfn;
	fdb.head[l] = (uint32_t)pfn;
	fdb.free_count++;
}

static void list_unlink(pfn_t pfn)
{
	struct frame *f = &fdb.db[pfn];
	int l = list_of(pfn);
	if (f->prev_free != NIL)
		fdb.db[f->prev_free].next_free = f->next_free;
	else
		fdb.head[l] = f->next_free;
	if (f->next_free != NIL)
		fdb.db[f->next_free].prev_free = f->prev_free;
	fdb.free_count--;
}

size_t frame_db_bytes(pfn_t nframes)
{
	return (size_t)nframes * sizeof(struct frame);
}

static bool overlaps_reserved(paddr_t pa, const struct frame_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (pa < r[i].end && pa + PAGE_SIZE > r[i].start)
			return true;
	}
	return false;
}

/* add_range - account one usable range: whole pages become FREE or RESERVED. */
static void add_range(const struct frame_range *u, const struct frame_range *res, size_t nres)
{
	if (u->end <= u->start)
		return;
	paddr_t s = PAGE_ALIGN_UP(u->start), e = PAGE_ALIGN_DOWN(u->end);
	fdb.usable_bytes += u->end - u->start;
	if (e <= s) {
		fdb.fragment_bytes += u->end - u->start;
		return;
	}
	fdb.fragment_bytes += (s - u->start) + (u->end - e);
	for (paddr_t pa = s; pa < e; pa += PAGE_SIZE) {
		pfn_t pfn = PA_TO_PFN(pa);
		if (pfn >= fdb.nframes) {
			fdb.fragment_bytes += PAGE_SIZE; /* beyond the database: counted, not used */
			continue;
		}
		if (st(&fdb.db[pfn]) != FRAME_ABSENT)
			panic("frame_db_init: memory map ranges overlap at frame %lx", pfn);
		if (overlaps_reserved(pa, res, nres))
			set_st(&fdb.db[pfn], FRAME_RESERVED, 0);
		else
			list_push(pfn);
	}
}

int frame_db_init(struct frame *db, pfn_t nframes, const struct frame_range *usable, size_t nusable,
		  const struct frame_range *reserved, size_t nreserved)
{
	if (nframes > FRAME_MAX_PFN + 1)
		return -1;
	fdb.db = db;
	fdb.nframes = nframes;
	fdb.head[LIST_LOW] = fdb.head[LIST_HIGH] = NIL;
	fdb.free_count = fdb.usable_bytes = fdb.fragment_bytes = 0;
	memset(db, 0, frame_db_bytes(nframes)); /* every frame ABSENT */
	memset(fdb.by_state, 0, sizeof fdb.by_state);
	fdb.by_state[FRAME_ABSENT] = nframes;
	for (size_t i = 0; i < nusable; i++)
		add_range(&usable[i], reserved, nreserved);
	return 0;
}

static pfn_t take(pfn_t pfn, enum frame_state state, unsigned flags)
{
	list_unlink(pfn);
	set_st(&fdb.db[pfn], state, flags);
	return pfn;
}

pfn_t frame_alloc(enum frame_state state)
{
	KASSERT(state == FRAME_KERNEL || state == FRAME_PAGETABLE || state == FRAME_USER, "state %d", state);
	pfn_t got = FRAME_NONE;
	spin_lock(&frame_lock);
	for (int l = LIST_HIGH; l >= LIST_LOW && got == FRAME_NONE; l--)
		if (fdb.head[l] != NIL)
			got = take(fdb.head[l], state, 0);
	spin_unlock(&frame_lock);
	return got;
}

/* find_run - first run of @n FREE frames in [lo, hi) whose first frame is a multiple of @align_pfns. */
static pfn_t find_run(size_t n, pfn_t lo, pfn_t hi, pfn_t align_pfns)
{
	if (hi > fdb.nframes)
		hi = fdb.nframes;
	for (pfn_t start = (lo + align_pfns - 1) / align_pfns * align_pfns; start + n <= hi;) {
		size_t k = 0;
		while (k < n && st(&fdb.db[start + k]) == FRAME_FREE)
			k++;
		if (k == n)
			return start;
		start = (start + k + 1 + align_pfns - 1) / align_pfns * align_pfns;
	}
	return FRAME_NONE;
}

static int alloc_run(size_t n, pfn_t hi, pfn_t align_pfns, enum frame_state state, unsigned flags, pfn_t *out)
{
	if (n == 0 || n > fdb.free_count || align_pfns == 0 || (align_pfns & (align_pfns - 1)))
		return -1;
	/* prefer frames above the DMA-friendly low range */
	pfn_t low_end = PA_TO_PFN(FRAME_LOW_LIMIT_PA);
	pfn_t start = FRAME_NONE;
	if (!(flags & FRAME_FLAG_DMA))
		start = find_run(n, low_end, hi, align_pfns);
	if (start == FRAME_NONE)
		start = find_run(n, 0, hi, align_pfns);
	if (start == FRAME_NONE)
		return -1;
	for (size_t k = 0; k < n; k++)
		take(start + k, state, flags);
	*out = start;
	return 0;
}

int frame_alloc_contig(size_t n, enum frame_state state, pfn_t *out)
{
	KASSERT(state == FRAME_KERNEL || state == FRAME_PAGETABLE || state == FRAME_USER, "state %d", state);
	spin_lock(&frame_lock);
	int err = alloc_run(n, fdb.nframes, 1, state, 0, out);
	spin_unlock(&frame_lock);
	return err;
}

int frame_alloc_dma(size_t n, paddr_t limit_pa, paddr_t align, pfn_t *out)
{
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	pfn_t hi = PA_TO_PFN(limit_pa + 1);
	if (hi > fdb.nframes)
		hi = fdb.nframes;
	spin_lock(&frame_lock);
	int err = alloc_run(n, hi, PA_TO_PFN(align), FRAME_KERNEL, FRAME_FLAG_DMA, out);
	spin_unlock(&frame_lock);
	return err;
}

static unsigned flags_of(const struct frame *f)
{
	return (unsigned)((f->info & INFO_FLAGS_MASK) >> INFO_FLAGS_SHIFT);
}

static vaddr_t va_of(const struct frame *f)
{
	vaddr_t va = (f->info >> INFO_VPN_SHIFT) << PAGE_SHIFT;
	return (va & (1ull << 47)) ? va | 0xFFFF000000000000ull : va; /* canonical */
}

void frame_free(pfn_t pfn)
{
	spin_lock(&frame_lock);
	if (pfn >= fdb.nframes)
		panic("frame_free: frame %lx is beyond the database (%lx frames)", pfn, fdb.nframes);
	struct frame *f = &fdb.db[pfn];
	enum frame_state s = st(f);
	if (s == FRAME_FREE)
		panic("frame_free: double free of frame %lx (pa %lx)", pfn, PFN_TO_PA(pfn));
	if (s != FRAME_KERNEL && s != FRAME_PAGETABLE && s != FRAME_USER)
		panic("frame_free: frame %lx is %s, not allocated", pfn, frame_state_name(s));
	if (flags_of(f) & FRAME_FLAG_MAPPED)
		panic("frame_free: frame %lx is still mapped (owner %u va %lx)", pfn, f->owner,
		      va_of(f));
	list_push(pfn);
	spin_unlock(&frame_lock);
}

void frame_free_contig(pfn_t pfn, size_t n)
{
	for (size_t k = 0; k < n; k++)
		frame_free(pfn + k);
}

uint64_t frame_free_count(void)
{
	return fdb.free_count;
}

pfn_t frame_nframes(void)
{
	return fdb.nframes;
}

struct frame *frame_get(pfn_t pfn)
{
	return pfn < fdb.nframes ? &fdb.db[pfn] : 0;
}

enum frame_state frame_state(pfn_t pfn)
{
	return pfn < fdb.nframes ? st(&fdb.db[pfn]) : FRAME_ABSENT;
}

void frame_set_mapping(pfn_t pfn, uint32_t owner, vaddr_t va)
{
	struct frame *f = frame_get(pfn);
	KASSERT(f && st(f) == FRAME_USER, "frame %lx state %d", pfn, f ? (int)st(f) : -1);
	KASSERT(!(flags_of(f) & FRAME_FLAG_MAPPED), "frame %lx already mapped at %lx", pfn,
		va_of(f));
	f->owner = owner;
	f->info = (f->info & ~INFO_VPN_MASK) | (((va & 0xFFFFFFFFFFFFull) >> PAGE_SHIFT) << INFO_VPN_SHIFT);
	f->info |= (uint64_t)FRAME_FLAG_MAPPED << INFO_FLAGS_SHIFT;
}

void frame_clear_mapping(pfn_t pfn)
{
	struct frame *f = frame_get(pfn);
	KASSERT(f && (flags_of(f) & FRAME_FLAG_MAPPED), "frame %lx is not mapped", pfn);
	f->owner = 0;
	f->info &= ~(INFO_VPN_MASK | ((uint64_t)FRAME_FLAG_MAPPED << INFO_FLAGS_SHIFT));
}

uint32_t frame_owner(pfn_t pfn)
{
	struct frame *f = frame_get(pfn);
	return f && (flags_of(f) & FRAME_FLAG_MAPPED) ? f->owner : 0;
}

vaddr_t frame_va(pfn_t pfn)
{
	struct frame *f = frame_get(pfn);
	if (!f || !(flags_of(f) & FRAME_FLAG_MAPPED))
		return 0;
	return va_of(f);
}

void frame_stats(struct frame_stats *out)
{
	memset(out, 0, sizeof *out);
	out->nframes = fdb.nframes;
	out->usable_bytes = fdb.usable_bytes;
	out->fragment_bytes = fdb.fragment_bytes;
	out->db_bytes = frame_db_bytes(fdb.nframes);
	spin_lock(&frame_lock);
	memcpy(out->by_state, fdb.by_state, sizeof out->by_state);
	spin_unlock(&frame_lock);
}

const char *frame_state_name(enum frame_state s)
{
	static const char *const names[FRAME_STATE_COUNT] = { "absent", "free", "reserved",
							      "kernel", "pagetable", "user" };
	return (unsigned)s < FRAME_STATE_COUNT ? names[s] : "?";
}
