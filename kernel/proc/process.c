/*
 * process.c - processes and their threads: address spaces built from per-thread PML4s
 * (process-space slots shared, thread-space slots private, kernel slots global), thread
 * creation and exit, killing a process alone, and reaping.
 */
#include "proc/process.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pmap.h"
#include "arch/x86_64/pmap_internal.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/trap.h"
#include "console.h"
#include "lib/kfmt.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/swap.h"
#include "mm/vm.h"
#include "panic.h"
#include "proc/uaccess.h"

#define SLOT_SIZE (1ull << 39)

static struct process *procs[PROC_MAX];

void enter_user(uint64_t rip, uint64_t rsp, uint64_t rdi, uint64_t rsi) __attribute__((noreturn));

struct process *proc_current(void)
{
	struct thread *t = sched_current();
	return t ? t->proc : 0;
}

unsigned proc_count(void)
{
	unsigned n = 0;
	for (int i = 0; i < PROC_MAX; i++)
		n += procs[i] && !procs[i]->ended;
	return n;
}

struct process *proc_alloc(const char *name, struct process *parent, vaddr_t boundary)
{
	int slot = -1;
	for (int i = 0; i < PROC_MAX && slot < 0; i++)
		if (!procs[i])
			slot = i;
	struct process *p = slot < 0 ? 0 : kzalloc(sizeof *p);
	if (!p)
		return 0;
	p->pid = sched_new_id();
	kstrlcpy(p->name, name, sizeof p->name);
	p->parent = parent;
	p->boundary = boundary;
	p->nslots = (unsigned)(boundary / SLOT_SIZE);
	procs[slot] = p;
	return p;
}

static void proc_free(struct process *p)
{
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i] == p)
			procs[i] = 0;
	kfree(p);
}

int proc_ensure_slots(struct process *p, vaddr_t start, vaddr_t end)
{
	for (unsigned s = (unsigned)(start / SLOT_SIZE); s < p->nslots && (vaddr_t)s * SLOT_SIZE < end; s++) {
		if (p->pdpt[s])
			continue;
		paddr_t pa = pmap_new_table();
		if (!pa)
			return -QE_NOMEM;
		p->pdpt[s] = pa;
		for (struct thread *t = p->threads; t; t = t->proc_next)
			if (!t->exited)
				KASSERT(pte_make_table(pa, true, &pmap_table_va(t->pml4)[s]) == 0, "pdpt %lx", pa);
	}
	return 0;
}

/* new_root - a PML4 for a thread of @p: kernel slots, the process's PDPTs, a private thread space. */
static paddr_t new_root(struct process *p)
{
	paddr_t root = pmap_new_table();
	if (!root)
		return 0;
	uint64_t *r = pmap_table_va(root), *k = pmap_table_va(pmap_kernel_root());
	for (int i = 256; i < 512; i++)
		r[i] = k[i];
	for (unsigned s = 0; s < p->nslots; s++)
		if (p->pdpt[s])
			KASSERT(pte_make_table(p->pdpt[s], true, &r[s]) == 0, "pdpt");
	uint64_t mark = 0;
	if (p->thread_demand)
		KASSERT(pte_make_demand(PTE_PROT_RW, &mark) == 0, "demand mark");
	for (unsigned s = p->nslots; s < 256; s++)
		r[s] = mark; /* 512 GiB per entry, O(1) each */
	return root;
}

/* setup_stack - the thread's stack at the top of its own thread space, a guard page below. */
static int setup_stack(struct process *p, struct thread *t)
{
	t->stack_size = p->stack_size;
	t->stack_top = USER_SPACE_END - PAGE_SIZE; /* the top page stays unmapped */
	vaddr_t bottom = t->stack_top - t->stack_size;
	if (pmap_range_np(t->pml4, bottom - PAGE_SIZE, bottom, pte_make_guard(), true, vm_release, p) < 0)
		return -QE_NOMEM;
	if (p->thread_demand)
		return 0;
	for (vaddr_t va = bottom; va < t->stack_top; va += PAGE_SIZE)
		if (vm_map_zero(p, t->tid, t->pml4, va, PTE_PROT_RW, PTE_TYPE_NORMAL, 0) < 0)
			return -QE_NOMEM;
	return 0;
}

/* release_thread_space - every page of @t's own thread space goes back; its slots are emptied. */
static void release_thread_space(struct thread *t)
{
	struct process *p = t->proc;
	if (p->boundary < USER_SPACE_END)
		pmap_range_np(t->pml4, p->boundary, USER_SPACE_END, 0, true, vm_release, p);
}

static void user_thread_start(void);

struct thread *proc_new_thread(struct process *p, uint64_t entry, uint64_t arg)
{
	struct thread *t = thread_alloc(p->name, user_thread_start);
	if (!t)
		return 0;
	t->proc = p;
	t->pcid = pmap_pcid_alloc();
	t->tlb_stale = true; /* the tag may hold translations of its last owner */
	t->user_entry = entry;
	t->user_arg = arg;
	t->pml4 = new_root(p);
	if (!t->pml4 || setup_stack(p, t) < 0) {
		if (t->pml4) {
			release_thread_space(t);
			frame_free(PA_TO_PFN(t->pml4));
		}
		t->state = TS_DEAD;
		pmap_pcid_free(t->pcid);
		thread_free(t);
		return 0;
	}
	t->proc_next = p->threads;
	p->threads = t;
	p->nlive++;
	return t;
}

/* user_thread_start - first run of a user thread: its startinfo on its stack, then ring 3. */
static void user_thread_start(void)
{
	struct thread *t = sched_current();
	struct process *p = t->proc;
	struct quire_startinfo si = {
		.pid = p->pid, .tid = t->tid, .heap_start = p->heap_start, .heap_end = p->heap_end,
		.thread_space_start = p->boundary, .stack_top = t->stack_top, .stack_size = t->stack_size,
		.arg = t->user_arg,
	};
	vaddr_t si_va = (t->stack_top - sizeof si) & ~0xFull;
	if (t->arg_str) { /* the string goes above the startinfo; arg points at it */
		size_t n = strlen(t->arg_str) + 1;
		vaddr_t s_va = (t->stack_top - n) & ~0xFull;
		si_va = (s_va - sizeof si) & ~0xFull;
		si.arg = t->user_arg = s_va;
		int err = copy_to_user(s_va, t->arg_str, n);
		kfree(t->arg_str);
		t->arg_str = 0;
		if (err < 0)
			proc_kill(p, "no memory for the initial stack");
	}
	if (copy_to_user(si_va, &si, sizeof si) < 0)
		proc_kill(p, "no memory for the initial stack");
	enter_user(t->user_entry, si_va - 8, t->user_arg, si_va);
}

static void free_zombies(struct process *p, struct thread *keep)
{
	struct thread **pp = &p->threads;
	while (*pp) {
		struct thread *t = *pp;
		if (t != keep && t->exited && t->state == TS_DEAD) {
			*pp = t->proc_next;
			kfree(t);
		} else {
			pp = &t->proc_next;
		}
	}
}

/* proc_end - the last thread is leaving: release process space and the PDPTs, tell the parent. */
static void proc_end(struct process *p, struct thread *last)
{
	for (unsigned s = 0; s < p->nslots; s++) {
		if (!p->pdpt[s])
			continue;
		pmap_range_np(last->pml4, (vaddr_t)s * SLOT_SIZE, (vaddr_t)(s + 1) * SLOT_SIZE, 0, false, vm_release, p);
		frame_free(PA_TO_PFN(p->pdpt[s]));
		pmap_table_va(last->pml4)[s] = 0;
		p->pdpt[s] = 0;
	}
	KASSERT(p->cnt.frames == 0 && p->cnt.swap_blocks == 0, "process %u ended holding %lu frames, %lu swap blocks",
		p->pid, p->cnt.frames, p->cnt.swap_blocks);
	p->ended = true;
	free_zombies(p, last);
	for (int i = 0; i < PROC_MAX; i++) { /* orphans: nobody will wait for them */
		struct process *c = procs[i];
		if (c && c->parent == p) {
			c->parent = 0;
			c->detached = true;
			if (c->ended) {
				free_zombies(c, 0);
				proc_free(c);
			}
		}
	}
	klog(LOG_INFO, "quire: process %u (%s) ended with status %ld\n", p->pid, p->name, p->status);
	sched_wake_all(&p->end_wait);
}

void proc_discard(struct process *p)
{
	struct thread *t = p->threads;
	if (t) {
		release_thread_space(t);
		proc_end(p, t);
		frame_free(PA_TO_PFN(t->pml4));
		pmap_pcid_free(t->pcid);
		t->state = TS_DEAD;
		p->threads = 0;
		thread_free(t);
	}
	proc_free(p);
}

void proc_thread_exit(int64_t value)
{
	struct thread *t = sched_current();
	struct process *p = t->proc;
	swap_wait_idle(p); /* no page of p may be half-way to or from swap while tables go */
	t->exit_value = value;
	t->exited = true;
	release_thread_space(t);
	if (--p->nlive == 0)
		proc_end(p, t);
	sched_wake_all(&t->join_wait);
	sched_exit_current();
}

void proc_exit(int64_t status)
{
	struct process *p = proc_current();
	if (!p->dying) {
		p->dying = true;
		p->status = status;
	}
	for (struct thread *t = p->threads; t; t = t->proc_next)
		if (!t->exited && t != sched_current())
			sched_wake(t); /* it leaves at its next return to user mode */
	proc_thread_exit(status);
}

void proc_kill(struct process *p, const char *reason)
{
	if (p->dying) { /* already on its way out: no second message */
		if (proc_current() == p)
			proc_thread_exit(p->status);
		return;
	}
	kprintf("quire: process %u (%s) killed: %s\n", p->pid, p->name, reason);
	if (!p->dying) {
		p->dying = true;
		p->status = -1;
	}
	for (struct thread *t = p->threads; t; t = t->proc_next)
		if (!t->exited && t != sched_current())
			sched_wake(t);
	if (proc_current() == p)
		proc_thread_exit(-1);
}

void proc_return_to_user(void)
{
	struct process *p = proc_current();
	if (!p)
		return;
	sched_preempt_point();
	if (p->dying)
		proc_thread_exit(p->status);
}

static void reap(struct thread *t)
{
	if (t->proc) {
		frame_free(PA_TO_PFN(t->pml4));
		t->pml4 = 0;
		pmap_pcid_free(t->pcid);
		t->pcid = 0;
	}
	kstack_free(t->kstack_top);
	t->kstack_top = 0;
	struct process *p = t->proc;
	if (!p) {
		kfree(t);
	} else if (p->ended && p->detached) {
		free_zombies(p, 0);
		proc_free(p);
	}
}

int64_t proc_thread_create(uint64_t entry, uint64_t arg)
{
	struct process *p = proc_current();
	if (entry >= USER_SPACE_END || entry < 0x1000)
		return -QE_FAULT;
	struct thread *t = proc_new_thread(p, entry, arg);
	if (!t)
		return -QE_NOMEM;
	sched_make_runnable(t);
	return t->tid;
}

int proc_thread_join(uint32_t tid, int64_t *value)
{
	struct process *p = proc_current();
	struct thread *t = p->threads;
	while (t && t->tid != tid)
		t = t->proc_next;
	if (t == sched_current())
		return -QE_INVAL;
	if (!t || t->joined)
		return -QE_SRCH;
	while (!t->exited && !p->dying)
		sched_block(&t->join_wait);
	if (!t->exited)
		return -QE_SRCH;
	*value = t->exit_value;
	t->joined = true;
	for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->proc_next) {
		if (*pp == t) {
			*pp = t->proc_next;
			break;
		}
	}
	kfree(t); /* dead and reaped: it ran its exit before this thread woke */
	return 0;
}

int proc_wait(struct process *parent, uint32_t pid, int64_t *status)
{
	struct process *c = 0;
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i] && procs[i]->pid == pid && procs[i]->parent == parent)
			c = procs[i];
	if (!c)
		return -QE_SRCH;
	while (!c->ended) {
		if (parent && parent->dying)
			return -QE_SRCH;
		sched_block(&c->end_wait);
	}
	*status = c->status;
	free_zombies(c, 0);
	proc_free(c);
	return 0;
}

static void user_fault(struct trap_frame *tf)
{
	struct thread *t = sched_current();
	const char *why = 0;
	char msg[160];
	if (tf->vector == VEC_PF) {
		uint64_t va = cpu_read_cr2();
		if (vm_fault(t, va, tf->error, &why) == 0) {
			proc_return_to_user();
			return;
		}
		kfmt_snprintf(msg, sizeof msg, "page fault at %016lx (%s), rip %016lx", va, why, tf->rip);
	} else {
		kfmt_snprintf(msg, sizeof msg, "%s, rip %016lx, error %lx", trap_vector_name(tf->vector), tf->rip,
			      tf->error);
	}
	proc_kill(t->proc, msg);
}

/* kernel_pf - a kernel-mode page fault on a user address inside a checked copy: resolve demand pages. */
static int kernel_pf(struct trap_frame *tf)
{
	struct thread *t = sched_current();
	uint64_t va = cpu_read_cr2();
	const char *why;
	if (!t->proc || va >= USER_SPACE_END || !uaccess_active())
		return 0;
	return vm_fault(t, va, tf->error | PF_USER, &why) == 0;
}

void proc_init(void)
{
	trap_set_user_fault_handler(user_fault);
	trap_set_kernel_pf_hook(kernel_pf);
	trap_set_return_to_user_hook(proc_return_to_user);
	sched_set_reaper(reap);
}

void proc_print_table(void)
{
	kprintf("  %5s %-16s %8s %8s %10s %s\n", "pid", "name", "threads", "frames", "faults", "state");
	for (int i = 0; i < PROC_MAX; i++) {
		struct process *p = procs[i];
		if (p)
			kprintf("  %5u %-16s %8u %8lu %10lu %s\n", p->pid, p->name, p->nlive, p->cnt.frames,
				p->cnt.page_faults, p->ended ? "ended" : p->dying ? "dying" : "running");
	}
}

int proc_page_root(uint32_t owner, vaddr_t va, paddr_t *root, struct process **pp)
{
	for (int i = 0; i < PROC_MAX; i++) {
		struct process *p = procs[i];
		if (!p || p->ended)
			continue;
		for (struct thread *t = p->threads; t; t = t->proc_next) {
			if (t->exited || !t->pml4)
				continue;
			if ((p->pid == owner && va < p->boundary) || (t->tid == owner && va >= p->boundary)) {
				*root = t->pml4;
				*pp = p;
				return 0;
			}
		}
	}
	return -1;
}

struct process *proc_largest(void)
{
	struct process *big = 0;
	for (int i = 0; i < PROC_MAX; i++) {
		struct process *p = procs[i];
		if (p && !p->ended && !p->dying &&
		    (!big || p->cnt.frames + p->cnt.swap_blocks > big->cnt.frames + big->cnt.swap_blocks))
			big = p;
	}
	return big;
}

bool proc_any_dying(void)
{
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i] && procs[i]->dying && !procs[i]->ended)
			return true;
	return false;
}

void proc_tlb_stale(struct process *p, vaddr_t va, uint32_t owner)
{
	for (struct thread *t = p->threads; t; t = t->proc_next)
		if (!t->exited && (va < p->boundary || t->tid == owner))
			t->tlb_stale = true;
}
