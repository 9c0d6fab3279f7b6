/*
 * vmspace.c - creating and tearing down address spaces and thread spaces, and the owner
 * registry that turns a frame record's owner id back into a space (vmspace.h).
 * Teardown order (specs/concurrency.md): mark exiting (no new eviction starts), wait for
 * the evictions under way, then release pages and regions under the space's mutex.
 */
#include "vm/vmspace.h"

#include "arch/x86_64/layout.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/spinlock.h"
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "panic.h"
#include "vm/vm_internal.h"

#define REG_BUCKETS 256

/* The registry. Lock legend: (r) reg_lock. */
static struct spinlock reg_lock = SPINLOCK_INIT("vm-registry", RANK_VMREG);
static struct vm_owner *reg_hash[REG_BUCKETS]; /* (r) owner id -> entry */
static struct vm_space *all_spaces;            /* (r) */
static unsigned nspaces;                       /* (r) */

static void *region_kmalloc(size_t n)
{
	return kmalloc(n);
}

const struct region_alloc vm_region_alloc = { region_kmalloc, kfree };

static void reg_add(struct vm_owner *o)
{
	spin_lock(&reg_lock);
	o->hash_next = reg_hash[o->id % REG_BUCKETS];
	reg_hash[o->id % REG_BUCKETS] = o;
	spin_unlock(&reg_lock);
}

static void reg_remove(struct vm_owner *o)
{
	spin_lock(&reg_lock);
	for (struct vm_owner **pp = &reg_hash[o->id % REG_BUCKETS]; *pp; pp = &(*pp)->hash_next) {
		if (*pp == o) {
			*pp = o->hash_next;
			break;
		}
	}
	spin_unlock(&reg_lock);
}

/* reg_find - the entry of owner @id, or NULL. reg_lock held. */
static struct vm_owner *reg_find(uint32_t id)
{
	for (struct vm_owner *o = reg_hash[id % REG_BUCKETS]; o; o = o->hash_next)
		if (o->id == id)
			return o;
	return 0;
}

int vm_owner_pin(uint32_t id, struct vm_space **vs, struct vm_tspace **ts)
{
	int err = -QE_SRCH;
	spin_lock(&reg_lock);
	struct vm_owner *o = reg_find(id);
	if (o && !o->vs->exiting && !(o->ts && o->ts->exiting)) {
		o->vs->io_inflight++;
		*vs = o->vs;
		*ts = o->ts;
		err = 0;
	}
	spin_unlock(&reg_lock);
	return err;
}

void vm_owner_unpin(struct vm_space *vs)
{
	spin_lock(&reg_lock);
	KASSERT(vs->io_inflight > 0, "space %u: unpin without a pin", vs->owner.id);
	bool last = --vs->io_inflight == 0;
	spin_unlock(&reg_lock);
	if (last)
		sched_wake_all(&vs->io_wait);
}

bool vm_owner_peek(uint32_t id, struct vm_space **vs, struct vm_tspace **ts)
{
	spin_lock(&reg_lock);
	struct vm_owner *o = reg_find(id);
	if (o) {
		*vs = o->vs;
		*ts = o->ts;
	}
	spin_unlock(&reg_lock);
	return o != 0;
}

bool vm_space_io_busy(struct vm_space *vs)
{
	spin_lock(&reg_lock);
	bool busy = vs->io_inflight != 0;
	spin_unlock(&reg_lock);
	return busy;
}

void vm_space_wait_io(struct vm_space *vs)
{
	for (;;) {
		spin_lock(&reg_lock);
		uint32_t n = vs->io_inflight;
		spin_unlock(&reg_lock);
		if (!n)
			return;
		sched_block_timeout(&vs->io_wait, 10);
	}
}

struct vm_space *vm_space_create(uint32_t id, vaddr_t boundary, void *proc)
{
	struct vm_space *vs = kzalloc(sizeof *vs);
	if (!vs)
		return 0;
	if (pmap_create(&vs->pmap, boundary) < 0) {
		kfree(vs);
		return 0;
	}
	mutex_init(&vs->lock, "vm-space", MRANK_VM);
	vs->owner = (struct vm_owner){ .id = id, .vs = vs, .ts = 0 };
	vs->boundary = boundary;
	vs->proc = proc;
	reg_add(&vs->owner);
	spin_lock(&reg_lock);
	vs->all_next = all_spaces;
	all_spaces = vs;
	nspaces++;
	spin_unlock(&reg_lock);
	return vs;
}

/* take_spare - the process's parked thread space for thread @id, or NULL. */
static struct vm_tspace *take_spare(struct vm_space *vs, uint32_t id, bool demand)
{
	mutex_lock(&vs->lock);
	struct vm_tspace *ts = demand ? vs->spare : 0;
	if (ts) {
		vs->spare = 0;
		ts->next = vs->tspaces;
		vs->tspaces = ts;
	}
	mutex_unlock(&vs->lock);
	if (!ts)
		return 0;
	ts->owner.id = id; /* none of its frames is left to carry the old id */
	ts->laid_out = true;
	spin_lock(&reg_lock);
	ts->exiting = false;
	spin_unlock(&reg_lock);
	reg_add(&ts->owner);
	return ts;
}

struct vm_tspace *vm_tspace_create(struct vm_space *vs, uint32_t id, bool demand)
{
	uint64_t mark = 0;
	struct vm_tspace *ts = take_spare(vs, id, demand);
	if (ts)
		return ts;
	ts = kzalloc(sizeof *ts);
	if (!ts)
		return 0;
	if (demand && pte_make_demand(PTE_PROT_RW, &mark) < 0)
		panic("vm: no demand mark");
	ts->vs = vs;
	ts->owner = (struct vm_owner){ .id = id, .vs = vs, .ts = ts };
	for (;;) {
		int err = pmap_root_create(&vs->pmap, &ts->root, mark);
		if (err == 0)
			break;
		if (err != -QE_NOMEM || vm_reclaim(vs) < 0) {
			kfree(ts);
			return 0;
		}
	}
	mutex_lock(&vs->lock);
	ts->next = vs->tspaces;
	vs->tspaces = ts;
	mutex_unlock(&vs->lock);
	reg_add(&ts->owner);
	return ts;
}

void vm_tspace_reusable(struct vm_tspace *ts, vaddr_t guard, vaddr_t top)
{
	mutex_lock(&ts->vs->lock);
	ts->reuse_guard = guard;
	ts->reuse_top = top;
	mutex_unlock(&ts->vs->lock);
}

/* layout_intact - @ts's regions are still exactly vm_tspace_reusable's layout (so every
 * entry is a demand mark, a page, a table or the guard: pmap_root_reset makes it new). */
static bool layout_intact(const struct vm_tspace *ts)
{
	const struct vm_region *a = ts->regions.head, *g = a ? a->next : 0, *k = g ? g->next : 0;
	vaddr_t guard = ts->reuse_guard;
	return guard && ts->regions.count == 3 && a->start == ts->vs->boundary && a->end == guard &&
	       a->kind == VM_ANON && a->prot == PTE_PROT_RW && !a->object && g->start == guard &&
	       g->end == guard + PAGE_SIZE && g->kind == VM_GUARD && k->start == g->end &&
	       k->end == ts->reuse_top && k->kind == VM_ANON && k->prot == PTE_PROT_RW && !k->object;
}

/* unlink_tspace - @ts leaves its space's list. The space's mutex is held. */
static void unlink_tspace(struct vm_space *vs, struct vm_tspace *ts)
{
	for (struct vm_tspace **pp = &vs->tspaces; *pp; pp = &(*pp)->next) {
		if (*pp == ts) {
			*pp = ts->next;
			break;
		}
	}
}

/* release_tspace - every page, table and region of @ts goes. The space's mutex is held. */
static void release_tspace(struct vm_space *vs, struct vm_tspace *ts)
{
	pmap_root_release(&vs->pmap, &ts->root, vm_page_release, vs);
	region_clear(&ts->regions, &vm_region_alloc, vm_region_dropped, vs);
}

/* set_exiting - no new eviction of @vs's pages (or @ts's, when given) starts from now on. */
static void set_exiting(struct vm_space *vs, struct vm_tspace *ts)
{
	spin_lock(&reg_lock);
	if (ts)
		ts->exiting = true;
	else
		vs->exiting = true;
	spin_unlock(&reg_lock);
}

void vm_space_set_exiting(struct vm_space *vs)
{
	set_exiting(vs, 0);
}

void vm_tspace_destroy(struct vm_tspace *ts)
{
	struct vm_space *vs = ts->vs;
	uint64_t mark;
	set_exiting(vs, ts);
	vm_space_wait_io(vs);
	mutex_lock(&vs->lock);
	vs->tables_gen++;
	unlink_tspace(vs, ts);
	bool park = !vs->spare && !vs->exiting && layout_intact(ts) && pte_make_demand(PTE_PROT_RW, &mark) == 0;
	if (park) {
		pmap_root_reset(&vs->pmap, &ts->root, ts->reuse_guard, mark, vm_page_release, vs);
		vs->spare = ts;
	} else {
		release_tspace(vs, ts);
	}
	mutex_unlock(&vs->lock);
	reg_remove(&ts->owner);
	if (!park) {
		pmap_root_destroy(&ts->root);
		kfree(ts);
	}
}

void vm_space_destroy(struct vm_space *vs)
{
	KASSERT(!vs->tspaces, "space %u destroyed with thread space %u left", vs->owner.id,
		vs->tspaces->owner.id);
	set_exiting(vs, 0);
	vm_space_wait_io(vs);
	mutex_lock(&vs->lock);
	vs->tables_gen++;
	struct vm_tspace *spare = vs->spare;
	vs->spare = 0;
	if (spare)
		release_tspace(vs, spare);
	pmap_space_release(&vs->pmap, vm_page_release, vs);
	region_clear(&vs->regions, &vm_region_alloc, vm_region_dropped, vs);
	mutex_unlock(&vs->lock);
	KASSERT(vs->cnt.frames == 0 && vs->cnt.swap_blocks == 0,
		"space %u ended holding %lu frames, %lu swap blocks", vs->owner.id, vs->cnt.frames,
		vs->cnt.swap_blocks);
	reg_remove(&vs->owner);
	spin_lock(&reg_lock);
	for (struct vm_space **pp = &all_spaces; *pp; pp = &(*pp)->all_next) {
		if (*pp == vs) {
			*pp = vs->all_next;
			break;
		}
	}
	bool last = --nspaces == 0;
	spin_unlock(&reg_lock);
	if (last) /* nobody left to fault: the zeroed frames go back (leak counts see them free) */
		vm_prezero_drain();
	if (spare) {
		pmap_root_destroy(&spare->root);
		kfree(spare);
	}
	pmap_destroy(&vs->pmap);
	kfree(vs);
}

uint64_t vm_space_size(struct vm_space *vs)
{
	return __atomic_load_n(&vs->cnt.frames, __ATOMIC_RELAXED) +
	       __atomic_load_n(&vs->cnt.swap_blocks, __ATOMIC_RELAXED) + pmap_table_pages(&vs->pmap);
}

struct vm_space *vm_space_largest(void)
{
	struct vm_space *big = 0;
	uint64_t big_size = 0;
	spin_lock(&reg_lock);
	for (struct vm_space *vs = all_spaces; vs; vs = vs->all_next) {
		uint64_t n = vm_space_size(vs);
		if (!vs->exiting && (!big || n > big_size)) {
			big = vs;
			big_size = n;
		}
	}
	if (big)
		big->io_inflight++; /* pinned: its teardown waits for vm_owner_unpin */
	spin_unlock(&reg_lock);
	return big;
}

unsigned vm_space_count(void)
{
	return __atomic_load_n(&nspaces, __ATOMIC_RELAXED);
}

bool vm_space_any_exiting(void)
{
	bool any = false;
	spin_lock(&reg_lock);
	for (struct vm_space *vs = all_spaces; vs && !any; vs = vs->all_next)
		any = vs->exiting;
	spin_unlock(&reg_lock);
	return any;
}

void vm_region_dropped(const struct vm_region *part, void *ctx)
{
	(void)ctx;
	/* anonymous, locked, guard and granted regions hold nothing but their pages, which the
	 * PTEs give back (vm_page_release); a region holding an object must say how it goes */
	if (part->kind == VM_FILE && part->object) {
		filemap_dropped(part); /* teardown: the file's copy is dropped, never committed */
		return;
	}
	KASSERT(!part->object, "region %lx-%lx of kind %s holds an object nobody closes", part->start,
		part->end, region_kind_name(part->kind));
}
