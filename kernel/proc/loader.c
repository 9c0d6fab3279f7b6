/*
 * loader.c - start a program from a boot module: check the ELF (elf.c), make the process
 * and its first thread, copy the segments into fresh frames, and mark the uninitialised
 * area allocate-on-demand (or allocate it now, if the executable's note says so).
 */
#include "arch/x86_64/pmap.h"
#include "arch/x86_64/pte.h"
#include "bootinfo.h"
#include "console.h"
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/vm.h"
#include "proc/elf.h"
#include "proc/process.h"

static const struct boot_module *find_module(const char *name)
{
	for (uint32_t i = 0; i < boot_info.nmods; i++)
		if (strcmp(boot_info.mods[i].name, name) == 0)
			return &boot_info.mods[i];
	return 0;
}

/* load_segment - fresh frames for every page of @s, the file bytes copied in, the rest zero. */
static int load_segment(struct process *p, paddr_t root, const uint8_t *img, const struct exec_segment *s)
{
	vaddr_t first = PAGE_ALIGN_DOWN(s->va), end = PAGE_ALIGN_UP(s->va + s->memsz);
	for (vaddr_t va = first; va < end; va += PAGE_SIZE) {
		paddr_t pa;
		if (pte_is_present(pmap_lookup(root, va, 0)))
			return -QE_NOEXEC; /* two segments in one page */
		if (vm_map_zero(p, p->pid, root, va, s->prot, PTE_TYPE_NORMAL, &pa) < 0)
			return -QE_NOMEM;
		/* the part of the file image that lands in this page */
		vaddr_t lo = va > s->va ? va : s->va, hi = va + PAGE_SIZE;
		if (hi > s->va + s->filesz)
			hi = s->va + s->filesz;
		if (lo < hi)
			memcpy((uint8_t *)phys_to_virt(pa) + (lo - va), img + s->offset + (lo - s->va), hi - lo);
	}
	return 0;
}

static int load_image(struct process *p, paddr_t root, const uint8_t *img, const struct exec_image *x)
{
	for (unsigned i = 0; i < x->nsegs; i++) {
		int err = load_segment(p, root, img, &x->seg[i]);
		if (err)
			return err;
	}
	if (x->segs_end >= x->heap_end)
		return 0;
	if (x->process_demand) {
		uint64_t mark;
		pte_make_demand(PTE_PROT_RW, &mark);
		return pmap_range_np(root, x->segs_end, x->heap_end, mark, false, vm_release, p) < 0 ? -QE_NOMEM : 0;
	}
	for (vaddr_t va = x->segs_end; va < x->heap_end; va += PAGE_SIZE)
		if (vm_map_zero(p, p->pid, root, va, PTE_PROT_RW, PTE_TYPE_NORMAL, 0) < 0)
			return -QE_NOMEM;
	return 0;
}

int64_t proc_spawn(const char *name, uint64_t arg, const char *arg_str, struct process *parent)
{
	const struct boot_module *m = find_module(name);
	if (!m)
		return -QE_NOENT;
	const uint8_t *img = phys_to_virt(m->start_pa);
	struct exec_image *x = kmalloc(sizeof *x);
	const char *why = "";
	if (!x)
		return -QE_NOMEM;
	if (elf_parse(img, m->end_pa - m->start_pa, x, &why) < 0) {
		kprintf("quire: cannot run %s: %s\n", name, why);
		kfree(x);
		return -QE_NOEXEC;
	}
	struct process *p = proc_alloc(name, parent, x->boundary);
	if (!p) {
		kfree(x);
		return -QE_NOMEM;
	}
	p->heap_start = x->segs_end;
	p->heap_end = x->heap_end;
	p->stack_size = x->stack_size;
	p->thread_demand = x->thread_demand;
	int64_t err = -QE_NOMEM;
	struct thread *t = 0;
	if (proc_ensure_slots(p, x->code_start, x->heap_end) == 0 && (t = proc_new_thread(p, x->entry, arg)))
		err = load_image(p, t->pml4, img, x);
	if (!err && arg_str && !(t->arg_str = kmalloc(strlen(arg_str) + 1)))
		err = -QE_NOMEM;
	kfree(x);
	if (err) {
		proc_discard(p);
		return err;
	}
	if (arg_str)
		memcpy(t->arg_str, arg_str, strlen(arg_str) + 1);
	sched_make_runnable(t);
	return p->pid;
}
