/*
 * filemap.c - versioned file mappings (filemap.h). A mapping is a VM_FILE region whose
 * object is a struct vm_filemap: the open handle (read-only: it pins a version; read/write:
 * a private copy), and the file offset of the region's start. Every page of the range is,
 * from the map call on, either the not-present "file page" value (not read yet, or dropped)
 * or a present frame of page type FILE that is this mapping's own.
 *
 * The three paths that touch file pages:
 *  - a fault (space mutex held) reads the page through the file system into a new frame;
 *  - eviction (no mutex; the space is pinned) drops a clean page and writes a dirty one
 *    into the private copy first, with the PTE in transit meanwhile (as for swap);
 *  - unmap (space mutex held) makes the range read-only, writes every dirty page into the
 *    copy, commits it, then removes the region and its pages.
 * Lock legend for struct vm_filemap: (m) the space's mutex; (c) constant after the map
 * call; (a) atomic counters; (e) read by eviction without the mutex, which is safe because
 * the region cannot change while the space is pinned (area changes wait for evictions).
 */
#include "vm/filemap.h"

#include "arch/x86_64/layout.h"
#include "arch/x86_64/pte.h"
#include "console.h"
#include "lib/kfmt.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "panic.h"
#include "vm/vm.h"
#include "vm/vm_internal.h"

#define FS_FRAMES 4 /* frames kept free before a file-system call: its buffers, the cache's */

struct vm_filemap {
	struct fs_file *file;       /* (m, e) the open handle; NULL once closed */
	char path[FS_PATH_MAX];     /* (c) as the program named it */
	uint32_t version;           /* (c) the version mapped (read/write: the copy's base) */
	bool rw;                    /* (c) a read/write mapping: a private copy */
	bool closing;               /* (m, e) a commit is under way: eviction writes nothing */
	bool write_error_told;      /* (e) an eviction's write error was reported on the console */
	uint64_t size;              /* (c) the file's size as mapped (read/write: grown to cover it) */
	uint64_t reads;             /* (a) pages read from the file by faults */
	uint64_t clean_drops;       /* (a) clean pages dropped by eviction, without a write */
	uint64_t writebacks;        /* (a) dirty pages eviction wrote into the copy */
};

static struct vm_file_counters totals; /* (a) every mapping since boot */

void vm_file_counters_get(struct vm_file_counters *out)
{
	*out = totals;
}

static struct pmap_root *root_of(struct vm_tspace *ts, vaddr_t va)
{
	return va < ts->vs->boundary ? 0 : &ts->root;
}

/* page_bytes - how many bytes of the page at file offset @off are inside the file. */
static size_t page_bytes(const struct vm_filemap *fm, uint64_t off)
{
	if (off >= fm->size)
		return 0;
	return fm->size - off < PAGE_SIZE ? (size_t)(fm->size - off) : PAGE_SIZE;
}

static void close_file(struct vm_filemap *fm, bool discard)
{
	if (!fm->file)
		return;
	if (fm->rw && discard)
		fs_abort(fm->file);
	else
		fs_close(fm->file); /* read-only: unpins its version */
	fm->file = 0;
}

/* ---- faults ---- */

int filemap_fault(struct vm_tspace *ts, struct vm_region *r, vaddr_t va, uint64_t *e)
{
	struct vm_space *vs = ts->vs;
	struct vm_filemap *fm = r->object;
	va = PAGE_ALIGN_DOWN(va);
	for (;;) {
		struct pmap_leaf leaf;
		int err = vm_fault_entry(ts, va, e, &leaf);
		if (err || pte_is_present(*e))
			return err;
		int kind = pte_np_kind(*e, PTE_LEVEL_PT);
		if (kind == PTE_NP_TRANSIT) {
			swap_wait_transit(); /* being written into the copy: then look again */
			continue;
		}
		if (kind != PTE_NP_FILE || !fm || !fm->file)
			return -QE_FAULT;
		if (vm_reserve_frames(vs, FS_FRAMES) < 0)
			return -QE_NOMEM;
		pfn_t pfn = vm_frame_alloc(vs);
		if (pfn == FRAME_NONE)
			return -QE_NOMEM;
		uint64_t off = r->offset + (va - r->start);
		uint8_t *page = phys_to_virt(PFN_TO_PA(pfn));
		long n = fs_read(fm->file, off, page, PAGE_SIZE); /* a copy out of the block cache */
		if (n < 0) {
			frame_free(pfn);
			vm_count(&totals.read_errors, 1);
			return n == -QE_NOMEM ? -QE_NOMEM : n == -QE_CORRUPT ? -QE_CORRUPT : -QE_IO;
		}
		memset(page + n, 0, PAGE_SIZE - (size_t)n);
		err = vm_page_map(ts, va, pfn, pte_np_prot(*e), PTE_TYPE_FILE, false, *e, &leaf, e);
		if (err) {
			frame_free(pfn);
			if (err == -QE_AGAIN)
				continue;
			return err;
		}
		vm_count(&fm->reads, 1);
		vm_count(&totals.reads, 1);
		return 0;
	}
}

/* ---- eviction ---- */

/* file_at - the mapping holding @va of a pinned space and the file offset of @va (region_peek:
 * no mutex, see (e) above); NULL when @va is not in a mapping. */
static struct vm_filemap *file_at(struct vm_space *vs, struct vm_tspace *ts, vaddr_t va, uint64_t *off)
{
	struct region_list *l = va < vs->boundary ? &vs->regions : ts ? &ts->regions : 0;
	struct vm_region *r = l ? region_peek(l, va) : 0;
	if (!r || r->kind != VM_FILE || !r->object)
		return 0;
	*off = r->offset + (va - r->start);
	return r->object;
}

static void evicted(struct vm_space *vs, pfn_t pfn)
{
	vm_count(&vs->cnt.frames, -1);
	frame_clear_mapping(pfn);
	frame_free(pfn);
}

int filemap_evict(struct vm_space *vs, struct vm_tspace *ts, pfn_t pfn, vaddr_t va, uint64_t old)
{
	struct pmap_root *root = ts ? &ts->root : 0;
	uint64_t np, off = 0;
	struct vm_filemap *fm = file_at(vs, ts, va, &off);
	if (!fm || pte_make_file_np(pte_present_prot(old), &np) < 0)
		return -1;
	size_t n = page_bytes(fm, off);
	if (!pte_is_dirty(old) || n == 0) { /* the file (or its copy) has these bytes: no write */
		if (!pmap_replace(&vs->pmap, root, va, old, np))
			return -1;
		vm_count(&fm->clean_drops, 1);
		vm_count(&totals.clean_drops, 1);
		evicted(vs, pfn);
		return 0;
	}
	if (!fm->rw || fm->closing || !fm->file)
		return -1; /* a commit is under way: the page stays until the unmap takes it */
	/* in transit while it is written: a fault on it waits, the unmap waits (pinned) */
	if (!pmap_replace(&vs->pmap, root, va, old, pte_make_transit()))
		return -1;
	long w = fs_write(fm->file, off, phys_to_virt(PFN_TO_PA(pfn)), n);
	if (w < 0) { /* no space or a disk error: the page stays, dirty, in RAM */
		pmap_replace(&vs->pmap, root, va, pte_make_transit(), old);
		pageusage_mapped(pfn, frame_owner(pfn), va);
		swap_wake_transit();
		vm_count(&totals.write_errors, 1);
		if (!fm->write_error_told) {
			fm->write_error_told = true;
			kprintf("vm: writing a page of %s into its copy failed (%s): such pages stay in RAM\n", fm->path,
				qerror_name(w));
		}
		return -1;
	}
	pmap_replace(&vs->pmap, root, va, pte_make_transit(), np); /* (fails only if released meanwhile) */
	swap_wake_transit();
	vm_count(&fm->writebacks, 1);
	vm_count(&totals.writebacks, 1);
	evicted(vs, pfn);
	return 0;
}

/* ---- unmap ---- */

/*
 * write_back - every dirty page of @r into the copy. The range is read-only by now, so a
 * page's bytes cannot change between the copy into @bounce and the write; its D bit is
 * cleared only after the write succeeded (an eviction in between finds it dirty and writes
 * the same bytes). 0, or the write's error with the pages not written still dirty.
 */
static int write_back(struct vm_space *vs, struct pmap_root *root, struct vm_region *r, struct vm_filemap *fm,
		      uint8_t *bounce)
{
	for (vaddr_t va = r->start; va < r->end;) {
		uint64_t e = pmap_entry(&vs->pmap, root, va, 0);
		if (!pte_is_present(e) && pte_np_kind(e, PTE_LEVEL_PT) == PTE_NP_TRANSIT) {
			vm_space_wait_io(vs); /* an eviction is writing it: look again after */
			continue;
		}
		uint64_t off = r->offset + (va - r->start);
		size_t n = page_bytes(fm, off);
		if (pte_is_present(e) && pte_is_dirty(e) && n) {
			memcpy(bounce, phys_to_virt(pte_pa(e)), PAGE_SIZE);
			long w = fs_write(fm->file, off, bounce, n);
			if (w < 0)
				return (int)w;
			pmap_replace(&vs->pmap, root, va, e, pte_clear_dirty(e)); /* (an eviction may have won: same bytes) */
			vm_count(&totals.commit_pages, 1);
		}
		va += PAGE_SIZE;
	}
	return 0;
}

/* drop_resident - every clean page of @r leaves RAM (the copy has its bytes): the memory
 * comes back before the commit, which needs some, and the unmap would free it anyway. */
static void drop_resident(struct vm_space *vs, struct pmap_root *root, struct vm_region *r)
{
	uint64_t np;
	if (pte_make_file_np(r->prot, &np) < 0)
		return;
	for (vaddr_t va = r->start; va < r->end; va += PAGE_SIZE) {
		uint64_t e = pmap_entry(&vs->pmap, root, va, 0);
		if (pte_is_present(e) && !pte_is_dirty(e) && pmap_replace(&vs->pmap, root, va, e, np))
			vm_page_release(e, va, vs);
	}
}

/* commit - write @r's dirty pages into its copy and commit it: the new version, or -QE_*
 * with the mapping as it was (read/write again, its pages clean or dirty as written). */
static int64_t commit(struct vm_space *vs, struct pmap_root *root, struct vm_region *r, struct vm_filemap *fm)
{
	int64_t err = vm_reserve_frames(vs, FS_FRAMES);
	uint8_t *bounce = err ? 0 : kmalloc(PAGE_SIZE);
	if (!bounce)
		return -QE_NOMEM;
	err = pmap_range_protect(&vs->pmap, root, r->start, r->end, PTE_PROT_R); /* no more writes */
	if (!err)
		err = write_back(vs, root, r, fm, bounce);
	kfree(bounce);
	if (!err) {
		drop_resident(vs, root, r);
		fm->closing = true;
		vm_space_wait_io(vs); /* no eviction writes into the copy from here on */
		err = fs_commit(fm->file);
		fm->closing = false;
		if (err >= 0)
			fm->file = 0; /* committed and closed */
	}
	if (err < 0)
		pmap_range_protect(&vs->pmap, root, r->start, r->end, PTE_PROT_RW); /* (no tables needed) */
	else
		vm_count(&totals.commits, 1);
	return err;
}

int64_t filemap_unmap_locked(struct vm_space *vs, struct pmap_root *root, struct region_list *l, struct vm_region *r,
			     bool discard)
{
	struct vm_filemap *fm = r->object;
	int64_t version = 0;
	if (fm->file && fm->rw && !discard) {
		version = commit(vs, root, r, fm);
		if (version < 0)
			return version;
	}
	close_file(fm, discard);
	/* the region and its pages go; the tables exist, so nothing allocates or sleeps after
	 * the wait (specs/concurrency.md "Eviction, faults and teardown") */
	vaddr_t start = r->start, end = r->end;
	vm_space_wait_io(vs);
	r->object = 0;
	int err = region_replace(l, &vm_region_alloc, start, end, 0, 0, 0);
	KASSERT(err == 0, "mapping %lx-%lx: removing its region failed (%d)", start, end, err);
	vs->tables_gen++;
	err = pmap_range_np(&vs->pmap, root, start, end, 0, vm_page_release, vs);
	KASSERT(err == 0, "mapping %lx-%lx: releasing its pages failed (%d)", start, end, err);
	kfree(fm);
	return version;
}

int64_t vm_file_unmap(struct vm_tspace *ts, vaddr_t addr, bool discard)
{
	struct vm_space *vs = ts->vs;
	if (addr >= USER_SPACE_END)
		return -QE_INVAL;
	mutex_lock(&vs->lock);
	vm_space_wait_io(vs);
	struct region_list *l = vm_regions_of(ts, addr);
	struct vm_region *r = region_find(l, addr);
	int64_t ret = -QE_INVAL; /* no mapping starts there (half a mapping cannot be unmapped) */
	if (r && r->kind == VM_FILE && r->object && r->start == addr)
		ret = filemap_unmap_locked(vs, root_of(ts, addr), l, r, discard);
	mutex_unlock(&vs->lock);
	return ret;
}

void filemap_dropped(const struct vm_region *part)
{
	struct vm_filemap *fm = part->object;
	close_file(fm, true); /* a killed process (or a failed commit at exit): never committed */
	kfree(fm);
}

/* unmap_all - unmap every mapping in @l (committing), reporting failed commits. */
static void unmap_all(struct vm_space *vs, struct pmap_root *root, struct region_list *l, const char *who)
{
	mutex_lock(&vs->lock);
	vm_space_wait_io(vs);
	for (;;) {
		struct vm_region *r = l->head;
		while (r && !(r->kind == VM_FILE && r->object))
			r = r->next;
		if (!r)
			break;
		struct vm_filemap *fm = r->object;
		int64_t v = filemap_unmap_locked(vs, root, l, r, false);
		if (v < 0) {
			kprintf("quire: %s: its read/write mapping of %s could not be committed (%s): the copy is dropped\n",
				who, fm->path, qerror_name(v));
			filemap_unmap_locked(vs, root, l, r, true);
		}
	}
	mutex_unlock(&vs->lock);
}

void vm_space_unmap_files(struct vm_space *vs, const char *who)
{
	unmap_all(vs, 0, &vs->regions, who);
}

void vm_tspace_unmap_files(struct vm_tspace *ts, const char *who)
{
	unmap_all(ts->vs, &ts->root, &ts->regions, who);
}

/* ---- map ---- */

/* tables_for - page-table pages a new range of @span bytes may need (every level, both ends). */
static unsigned tables_for(uint64_t span)
{
	return (unsigned)((span >> 21) + (span >> 30) + 6);
}

/* place - the range for the mapping: the caller's (checked) or a free one. Mutex held. */
static int place(struct vm_tspace *ts, unsigned flags, vaddr_t *addr, uint64_t span)
{
	vaddr_t b = ts->vs->boundary, a = *addr;
	if (a == 0) {
		bool thread = flags & VM_MAP_THREAD;
		struct region_list *l = thread ? &ts->regions : &ts->vs->regions;
		a = region_find_gap(l, thread ? b : USER_SPACE_LOW, thread ? USER_SPACE_END - PAGE_SIZE : b, span,
				    VM_MAP_HOLE);
		if (a == 0)
			return -QE_NOMEM; /* no free range that large there */
		*addr = a;
		return 0;
	}
	if (a < USER_SPACE_LOW || a >= USER_SPACE_END || span > USER_SPACE_END - a)
		return -QE_FAULT;
	if ((a < b && a + span > b) || ((flags & VM_MAP_THREAD) && a < b))
		return -QE_INVAL; /* over B: process space or thread space, not both */
	if (region_first_in(vm_regions_of(ts, a), a, a + span))
		return -QE_EXIST;
	return 0;
}

/* install - the region and its not-present file PTEs at [addr, addr + span). Mutex held. */
static int install(struct vm_tspace *ts, vaddr_t addr, uint64_t span, uint64_t offset, struct vm_filemap *fm)
{
	struct vm_space *vs = ts->vs;
	unsigned prot = fm->rw ? PTE_PROT_RW : PTE_PROT_R;
	uint64_t np;
	int err = pte_make_file_np(prot, &np);
	if (!err)
		err = vm_reserve_tables(vs, tables_for(span));
	struct region_list *l = vm_regions_of(ts, addr);
	struct vm_region tmpl = { .kind = VM_FILE, .prot = (uint8_t)prot, .flags = fm->rw ? VM_RF_WRITABLE_FILE : 0,
				  .offset = offset, .object = fm };
	if (!err && region_first_in(l, addr, addr + span))
		err = -QE_EXIST; /* (the reserve slept: someone else mapped it meanwhile) */
	if (!err)
		err = region_replace(l, &vm_region_alloc, addr, addr + span, &tmpl, 0, 0);
	if (err)
		return err;
	vs->tables_gen++;
	err = pmap_range_np(&vs->pmap, root_of(ts, addr), addr, addr + span, np, vm_page_release, vs);
	if (err) { /* more tables than reserved: undo */
		pmap_range_np(&vs->pmap, root_of(ts, addr), addr, addr + span, 0, vm_page_release, vs);
		region_find(l, addr)->object = 0;
		region_replace(l, &vm_region_alloc, addr, addr + span, 0, 0, 0);
	}
	return err;
}

/* open_file - open @path for a mapping and take from the kernel heap now all that the
 * mapping will need (its record, the handle, a read/write copy's block map): *@span gets
 * the bytes to map. 0, or -QE_* with nothing left open. */
static int64_t open_file(struct vm_tspace *ts, const char *path, unsigned flags, uint64_t offset, uint64_t len,
			 uint64_t *span, struct vm_filemap **out)
{
	bool rw = flags & VM_MAP_RDWR;
	struct fs_file *f;
	struct vm_filemap *fm = kzalloc(sizeof *fm);
	if (!fm)
		return -QE_NOMEM;
	int64_t err = fs_open(path, rw ? FS_O_RDWR | (flags & VM_MAP_CREAT ? FS_O_CREAT : 0) : 0, &f);
	if (err < 0) {
		kfree(fm);
		return err;
	}
	uint64_t size = fs_size(f);
	if (len == 0 && offset >= size)
		err = -QE_INVAL; /* nothing to map */
	else if (len == 0)
		len = size - offset;
	*span = PAGE_ALIGN_UP(len);
	if (!err && offset > UINT64_MAX - *span)
		err = -QE_RANGE;
	else if (!err && !rw && offset + len > PAGE_ALIGN_UP(size))
		err = -QE_RANGE; /* a read-only mapping stays inside the file's last page */
	else if (!err && rw && offset + len > size)
		err = fs_truncate(f, offset + len); /* the copy grows to cover it (zeros) */
	if (!err && rw) { /* the copy's block map, in pieces of a page, now rather than under pressure later */
		err = vm_reserve_frames(ts->vs, FS_FRAMES + (unsigned)(*span / PAGE_SIZE / 64));
		if (!err)
			err = fs_reserve(f, *span / PAGE_SIZE + 1);
	}
	if (err) {
		if (rw)
			fs_abort(f);
		else
			fs_close(f);
		kfree(fm);
		return err;
	}
	fm->file = f;
	fm->rw = rw;
	fm->version = fs_version(f);
	fm->size = fs_size(f);
	kstrlcpy(fm->path, path, sizeof fm->path);
	*out = fm;
	return 0;
}

int64_t vm_file_map(struct vm_tspace *ts, const char *path, unsigned flags, vaddr_t addr, uint64_t offset,
		    uint64_t len)
{
	if ((flags & ~VM_MAP_FLAGS) || ((flags & VM_MAP_CREAT) && !(flags & VM_MAP_RDWR)) ||
	    ((addr | offset) & PAGE_MASK) || len > USER_SPACE_END)
		return -QE_INVAL;
	struct vm_filemap *fm = 0;
	uint64_t span = 0;
	int64_t err = 0;
	/* the heap takes no frame by evicting: frames are made free first, and taken again when
	 * a sleep on the file system's mutex let another process use them up */
	for (int tries = 0; tries < 4; tries++) {
		err = vm_reserve_frames(ts->vs, FS_FRAMES + 4);
		if (!err)
			err = open_file(ts, path, flags, offset, len, &span, &fm);
		if (err != -QE_NOMEM)
			break;
	}
	if (err)
		return err;
	struct vm_space *vs = ts->vs;
	mutex_lock(&vs->lock);
	err = place(ts, flags, &addr, span);
	if (!err)
		err = install(ts, addr, span, offset, fm);
	mutex_unlock(&vs->lock);
	if (err) {
		close_file(fm, true);
		kfree(fm);
		return err;
	}
	vm_count(&totals.maps, 1);
	return (int64_t)addr;
}

/* ---- what a mapping holds ---- */

static void fill_info(struct vm_space *vs, struct pmap_root *root, const struct vm_region *r, struct vm_mapinfo *out)
{
	const struct vm_filemap *fm = r->object;
	memset(out, 0, sizeof *out);
	out->start = r->start;
	out->end = r->end;
	out->offset = r->offset;
	out->size = fm->size;
	out->version = fm->version;
	out->rw = fm->rw;
	out->reads = fm->reads;
	out->clean_drops = fm->clean_drops;
	out->writebacks = fm->writebacks;
	kstrlcpy(out->path, fm->path, sizeof out->path);
	for (vaddr_t va = r->start; va < r->end; va += PAGE_SIZE) {
		uint64_t e = pmap_entry(&vs->pmap, root, va, 0);
		if (pte_is_present(e)) {
			out->resident++;
			out->dirty += pte_is_dirty(e);
		} else if (pte_np_kind(e, PTE_LEVEL_PT) == PTE_NP_FILE) {
			out->not_read++;
		}
	}
}

int vm_file_info(struct vm_tspace *ts, vaddr_t addr, struct vm_mapinfo *out)
{
	struct vm_space *vs = ts->vs;
	if (addr >= USER_SPACE_END)
		return -QE_INVAL;
	mutex_lock(&vs->lock);
	struct vm_region *r = region_find(vm_regions_of(ts, addr), addr);
	int err = -QE_INVAL;
	if (r && r->kind == VM_FILE && r->object) {
		fill_info(vs, root_of(ts, addr), r, out);
		err = 0;
	}
	mutex_unlock(&vs->lock);
	return err;
}

static void print_list(struct vm_space *vs, struct pmap_root *root, struct region_list *l, uint32_t tid)
{
	struct vm_mapinfo mi;
	for (struct vm_region *r = l->head; r; r = r->next) {
		if (r->kind != VM_FILE || !r->object)
			continue;
		fill_info(vs, root, r, &mi);
		char where[24] = "process space";
		if (tid)
			kfmt_snprintf(where, sizeof where, "thread %u", tid);
		kprintf("    map %lx-%lx %s;%u %s (%s) offset %lu: %lu resident (%lu dirty), %lu not read; "
			"%lu read, %lu dropped clean, %lu written to the copy\n",
			mi.start, mi.end, mi.path, mi.version, mi.rw ? "read/write copy" : "read-only", where, mi.offset,
			mi.resident, mi.dirty, mi.not_read, mi.reads, mi.clean_drops, mi.writebacks);
	}
}

void vm_print_mappings(struct vm_space *vs)
{
	/* without the mutex (the caller walks the process table, which must not change under
	 * it): nothing here sleeps, so on one CPU no region list changes meanwhile */
	print_list(vs, 0, &vs->regions, 0);
	for (struct vm_tspace *ts = vs->tspaces; ts; ts = ts->next)
		print_list(vs, &ts->root, &ts->regions, ts->owner.id);
}
