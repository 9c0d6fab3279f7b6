/*
 * loader.c - start a program: find its image (a file of the mounted file system — `bin/NAME`
 * for a bare name, or the path given — else a GRUB boot module of that name, the fallback
 * for booting without a disk), check the ELF (elf.c), make the process and its first thread,
 * copy the segments into fresh frames, and mark the uninitialised area allocate-on-demand
 * (or allocate it now, if the executable's note says so).
 */
#include "arch/x86_64/layout.h"
#include "arch/x86_64/pte.h"
#include "bootinfo.h"
#include "console.h"
#include "fs/fs.h"
#include "lib/kfmt.h"
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "proc/elf.h"
#include "proc/process.h"
#include "vm/vm.h"

#define PROGRAM_MAX (16u << 20) /* bytes of an executable read from the file system */

static const struct boot_module *find_module(const char *name)
{
	for (uint32_t i = 0; i < boot_info.nmods; i++)
		if (strcmp(boot_info.mods[i].name, name) == 0)
			return &boot_info.mods[i];
	return 0;
}

/*
 * find_program - the image of program @name: *@img, *@len; *@owned is a kmalloc'd copy the
 * caller frees (a file), or NULL (a boot module). A name with '/' or ';' is a path in the
 * file system only; a bare name is bin/NAME there, then a boot module. 0 or -QE_*.
 */
static int find_program(const char *name, const uint8_t **img, size_t *len, void **owned)
{
	bool is_path = strchr(name, '/') || strchr(name, ';');
	*owned = 0;
	if (fs_mounted()) {
		char path[FS_PATH_MAX];
		if (kfmt_snprintf(path, sizeof path, is_path ? "%s" : "bin/%s", name) >= (int)sizeof path)
			return -QE_NAMETOOLONG;
		int err = fs_read_file(path, PROGRAM_MAX, owned, len);
		if (err == 0) {
			*img = *owned;
			return 0;
		}
		if (is_path || err != -QE_NOENT)
			return err;
	} else if (is_path) {
		return -QE_NOENT; /* no file system: only boot modules */
	}
	const struct boot_module *m = find_module(name);
	if (!m)
		return -QE_NOENT;
	*img = phys_to_virt(m->start_pa);
	*len = m->end_pa - m->start_pa;
	return 0;
}

/* base_name - the last path component of @name (what ps shows). */
static const char *base_name(const char *name)
{
	const char *s = strchr(name, '/');
	while (s) {
		name = s + 1;
		s = strchr(name, '/');
	}
	return name;
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

/* set_args - @p's first thread gets the strings of @a on its stack (process.c places them). */
static int set_args(struct process *p, const struct proc_args *a)
{
	if (!a->len)
		return 0;
	if (!(p->args = kmalloc(a->len)))
		return -QE_NOMEM;
	memcpy(p->args, a->blk, a->len);
	p->args_len = a->len;
	p->argc = a->argc;
	return 0;
}

/* spawn - start boot module @name: the number @arg, or the string @arg_str, or the strings @a. */
static int64_t spawn(const char *name, uint64_t arg, const char *arg_str, const struct proc_args *a,
		     struct process *parent)
{
	const uint8_t *img = 0;
	size_t len = 0;
	void *owned = 0;
	if (proc_table_full())
		return -QE_AGAIN; /* the process limit (specs/syscalls.md), not a lack of memory */
	int found = find_program(name, &img, &len, &owned);
	if (found < 0)
		return found;
	struct exec_image *x = kmalloc(sizeof *x);
	const char *why = "";
	if (!x) {
		kfree(owned);
		return -QE_NOMEM;
	}
	if (elf_parse(img, len, x, &why) < 0) {
		kprintf("quire: cannot run %s: %s\n", name, why);
		kfree(x);
		kfree(owned);
		return -QE_NOEXEC;
	}
	struct process *p = proc_alloc(base_name(name), parent, x->boundary);
	if (!p) {
		kfree(x);
		kfree(owned);
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
	if (!err && a)
		err = set_args(p, a);
	kfree(x);
	kfree(owned);
	if (err) {
		proc_discard(p);
		return err;
	}
	if (arg_str)
		memcpy(t->arg_str, arg_str, strlen(arg_str) + 1);
	sched_make_runnable(t);
	return p->pid;
}

int64_t proc_spawn(const char *name, uint64_t arg, const char *arg_str, struct process *parent)
{
	return spawn(name, arg, arg_str, 0, parent);
}

int64_t proc_spawn_args(const char *name, const struct proc_args *a, struct process *parent)
{
	return spawn(name, 0, 0, a, parent);
}
