/*
 * loader.c - start a program from a boot module: check the ELF (elf.c), make the process
 * and its first thread, copy the segments into fresh frames, and mark the uninitialised
 * area allocate-on-demand (or allocate it now, if the executable's note says so).
 */
#include "arch/x86_64/layout.h"
#include "arch/x86_64/pte.h"
#include "bootinfo.h"
#include "console.h"
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "proc/elf.h"
#include "proc/process.h"
#include "vm/vm.h"

static const struct boot_module *find_module(const char *name)
{
	for (uint32_t i = 0; i < boot_info.nmods; i++)
		if (strcmp(boot_info.mods[i].name, name) == 0)
			return &boot_info.mods[i];
	return 0;
}

/* load_segment - a region for @s, and a page for each of its pages: the file bytes, the rest zero. */
static int load_segment(struct vm_tspace *ts, const uint8_t *img, const struct exec_segment *s)
{
	vaddr_t first = PAGE_ALIGN_DOWN(s->va), end = PAGE_ALIGN_UP(s->va + s->memsz);
	int err = vm_map(ts, first, end, VM_ANON, s->prot, false);
	for (vaddr_t va = first; !err && va < end; va += PAGE_SIZE) {
		/* the part of the file image that lands in this page */
		vaddr_t lo = va > s->va ? va : s->va, hi = va + PAGE_SIZE;
		if (hi > s->va + s->filesz)
			hi = s->va + s->filesz;
		err = vm_load_page(ts, va, img + s->offset + (lo - s->va), lo - va, lo < hi ? hi - lo : 0);
	}
	return err == -QE_EXIST ? -QE_NOEXEC : err; /* two segments in one page */
}

static int load_image(struct vm_tspace *ts, const uint8_t *img, const struct exec_image *x)
{
	for (unsigned i = 0; i < x->nsegs; i++) {
		for (unsigned j = 0; j < i; j++) /* regions of two segments must not meet in a page */
			if (PAGE_ALIGN_DOWN(x->seg[i].va) < PAGE_ALIGN_UP(x->seg[j].va + x->seg[j].memsz) &&
			    PAGE_ALIGN_DOWN(x->seg[j].va) < PAGE_ALIGN_UP(x->seg[i].va + x->seg[i].memsz))
				return -QE_NOEXEC;
		int err = load_segment(ts, img, &x->seg[i]);
		if (err)
			return err;
	}
	if (x->segs_end >= x->heap_end)
		return 0;
	return vm_map(ts, x->segs_end, x->heap_end, VM_ANON, PTE_PROT_RW, !x->process_demand);
}

int64_t proc_spawn(const char *name, uint64_t arg, const char *arg_str, struct process *parent)
{
	const struct boot_module *m = find_module(name);
	if (!m)
		return -QE_NOENT;
	if (proc_table_full())
		return -QE_AGAIN; /* the process limit (specs/syscalls.md), not a lack of memory */
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
	struct thread *t = proc_new_thread(p, x->entry, arg);
	if (t)
		err = load_image(t->vm, img, x);
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
