/*
 * process.c - processes and their threads: a process owns an address space (vm), each
 * thread a thread space in it; thread creation and exit, killing a process alone, joining,
 * waiting and reaping. Lifetimes and the lock legend: process.h.
 */
#include "proc/process.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/pmap.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/trap.h"
#include "bootinfo.h"
#include "console.h"
#include "lib/kfmt.h"
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "mm/kstack.h"
#include "panic.h"
#include "proc/files.h"
#include "proc/msg.h"
#include "proc/memtrace.h"
#include "vm/uaccess.h"
#include "vm/filemap.h"
#include "vm/vm.h"

static struct process *procs[PROC_MAX]; /* (k) */

void enter_user(uint64_t rip, uint64_t rsp, uint64_t rdi, uint64_t rsi) __attribute__((noreturn));

struct process *proc_current(void)
{
	struct thread *t = sched_current();
	return t ? t->proc : 0;
}

bool proc_table_full(void)
{
	for (int i = 0; i < PROC_MAX; i++)
		if (!procs[i])
			return false;
	return true;
}

unsigned proc_count(void)
{
	unsigned n = 0;
	for (int i = 0; i < PROC_MAX; i++)
		n += procs[i] && !procs[i]->ended;
	return n;
}

unsigned proc_mem_snapshot(struct proc_mem *out, unsigned max)
{
	unsigned n = 0;
	for (int i = 0; i < PROC_MAX && n < max; i++) {
		struct process *p = procs[i];
		struct vm_space *vs = p ? p->vm : 0;
		if (!p || p->ended || !vs)
			continue;
		out[n].pid = p->pid;
		kstrlcpy(out[n].name, p->name, sizeof out[n].name);
		out[n].resident = __atomic_load_n(&vs->cnt.frames, __ATOMIC_RELAXED);
		out[n].swapped = __atomic_load_n(&vs->cnt.swap_blocks, __ATOMIC_RELAXED);
		out[n].faults = __atomic_load_n(&vs->cnt.page_faults, __ATOMIC_RELAXED);
		n++;
	}
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
	p->vm = vm_space_create(p->pid, boundary, p);
	if (!p->vm) {
		kfree(p);
		return 0;
	}
	procs[slot] = p;
	return p;
}

struct process *proc_slot(int i)
{
	return i >= 0 && i < PROC_MAX ? procs[i] : 0;
}

static void proc_free(struct process *p)
{
	kfree(p->args);
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i] == p)
			procs[i] = 0;
	kfree(p);
}

/* setup_thread_space - the thread's regions: the rest of thread space (when the note asks
 * for demand there), a guard page, and the stack at the top (demand, or allocated now).
 * With demand, the new root's thread slots already hold demand marks (vm_tspace_create):
 * only the guard changes entries; the other two regions are recorded over them. */
static int setup_thread_space(struct process *p, struct thread *t)
{
	struct vm_tspace *ts = t->vm;
	t->stack_size = p->stack_size;
	t->stack_top = USER_SPACE_END - PAGE_SIZE; /* the top page stays unmapped */
	vaddr_t bottom = t->stack_top - t->stack_size, guard = bottom - PAGE_SIZE;
	int err = 0;
	if (ts->laid_out) /* a parked thread space of this process: the same layout */
		return 0;
	if (p->thread_demand && guard > p->boundary)
		err = vm_map_marked(ts, p->boundary, guard, VM_ANON, PTE_PROT_RW);
	if (!err)
		err = vm_map(ts, guard, bottom, VM_GUARD, 0, false);
	if (!err && p->thread_demand)
		err = vm_map_marked(ts, bottom, t->stack_top, VM_ANON, PTE_PROT_RW);
	else if (!err)
		err = vm_map(ts, bottom, t->stack_top, VM_ANON, PTE_PROT_RW, true);
	if (!err && p->thread_demand && guard > p->boundary)
		vm_tspace_reusable(ts, guard, t->stack_top);
	return err;
}

/* drop_thread_space - the thread stops using its thread space: load the kernel's tables, then
 * release every page of it. The thread may sleep here; it runs on the kernel's tables after. */
static void drop_thread_space(struct thread *t)
{
	struct vm_tspace *ts = t->vm;
	uint64_t f = cpu_irq_save();
	t->root = 0;
	t->vm = 0;
	pmap_activate(0);
	cpu_irq_restore(f);
	if (ts)
		vm_tspace_destroy(ts);
}

static void user_thread_start(void);

/* place_args - @p's argument strings and their argv array below @top on the first thread's
 * stack (startinfo argc/argv); the address for the startinfo below them, or 0 when the stack
 * cannot take them. */
static vaddr_t place_args(struct process *p, vaddr_t top, struct quire_startinfo *si)
{
	uint64_t argv[QUIRE_ARGC_MAX + 1];
	vaddr_t s_va = (top - p->args_len) & ~0xFull, a_va = (s_va - (p->argc + 1) * 8) & ~0xFull;
	for (uint32_t i = 0, off = 0; i < p->argc; i++) {
		argv[i] = s_va + off;
		off += (uint32_t)strlen(p->args + off) + 1;
	}
	argv[p->argc] = 0;
	if (copy_to_user(s_va, p->args, p->args_len) < 0 || copy_to_user(a_va, argv, (p->argc + 1) * 8) < 0)
		return 0;
	si->argc = p->argc;
	si->argv = a_va;
	kfree(p->args);
	p->args = 0;
	return (a_va - sizeof *si) & ~0xFull;
}

/* THREAD_FRAMES - frames a new thread takes before its first fault: a kernel stack, its
 * record, a PML4, the tables under its stack and guard. */
#define THREAD_FRAMES 16

/* thread_fpu_free - give back @t's register area (it will not run again). */
static void thread_fpu_free(struct thread *t)
{
	kfree(t->pcb.fpu_mem);
	t->pcb.fpu_mem = 0;
	t->pcb.fpu = 0;
}

struct thread *proc_new_thread(struct process *p, uint64_t entry, uint64_t arg)
{
	if (p->nlive >= PROC_THREADS_MAX || vm_reserve_frames(p->vm, THREAD_FRAMES) < 0)
		return 0;
	void *fpu = kmalloc(fpu_alloc_bytes());
	struct thread *t = fpu ? thread_alloc(p->name, user_thread_start) : 0;
	if (!t) {
		kfree(fpu);
		return 0;
	}
	t->pcb.fpu_mem = fpu;
	t->pcb.fpu = fpu_area_prepare(fpu); /* a clean state: nothing of its creator */
	t->proc = p;
	t->user_entry = entry;
	t->user_arg = arg;
	t->vm = vm_tspace_create(p->vm, t->tid, p->thread_demand);
	if (t->vm)
		t->root = &t->vm->root;
	if (!t->vm || setup_thread_space(p, t) < 0) {
		if (t->vm)
			vm_tspace_destroy(t->vm);
		t->vm = 0;
		t->root = 0;
		t->state = TS_DEAD;
		thread_fpu_free(t);
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
	} else if (p->args && !(si_va = place_args(p, t->stack_top, &si)))
		proc_kill(p, "no memory for the initial stack");
	if (copy_to_user(si_va, &si, sizeof si) < 0)
		proc_kill(p, "no memory for the initial stack");
	enter_user(t->user_entry, si_va - 8, t->user_arg, si_va);
}

/* free_zombies - free @p's exited, reaped thread records (all but @keep). */
static void free_zombies(struct process *p, struct thread *keep)
{
	struct thread **pp = &p->threads;
	while (*pp) {
		struct thread *t = *pp;
		if (t != keep && t->exited && t->state == TS_DEAD && !t->kstack_top) {
			*pp = t->proc_next;
			kfree(t);
		} else {
			pp = &t->proc_next;
		}
	}
}

/* proc_end - the last thread is leaving: release the address space, tell the parent. */
static void proc_end(struct process *p, struct thread *last)
{
	struct vm_space *vs = p->vm;
	if (!p->killed) /* its process-space mappings: committed, as its files are */
		vm_space_unmap_files(vs, p->name);
	msg_proc_end(p->pid); /* its ports close: senders waiting on them learn it */
	p->vm = 0;
	vm_space_destroy(vs);
	p->ended = true;
	free_zombies(p, last);
	for (int i = 0; i < PROC_MAX; i++) { /* orphans: nobody will wait for them */
		struct process *c = procs[i];
		if (c && c->parent == p) {
			c->parent = 0;
			c->detached = true;
			if (c->ended && !c->reaped) {
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
		vm_tspace_destroy(t->vm);
		t->vm = 0;
		t->root = 0;
		t->state = TS_DEAD;
		p->threads = 0;
		thread_fpu_free(t);
		thread_free(t);
	}
	vm_space_destroy(p->vm);
	proc_free(p);
}

void proc_thread_exit(int64_t value)
{
	struct thread *t = sched_current();
	struct process *p = t->proc;
	t->exit_value = value;
	/* its files: a normal exit commits read/write handles, a killed process never leaves a
	 * half-made version (specs/files.md "Exit") */
	files_thread_exit(t, !p->killed);
	if (!p->killed && t->vm)
		vm_tspace_unmap_files(t->vm, p->name);
	drop_thread_space(t);
	t->exited = true;
	if (--p->nlive == 0)
		proc_end(p, t);
	sched_wake_all(&t->join_wait);
	sched_exit_current();
}

/* begin_dying - @p stops: its memory is not worth evicting, its threads leave at their next return to user mode. */
static void begin_dying(struct process *p, int64_t status)
{
	p->dying = true;
	p->status = status;
	if (p->vm)
		vm_space_set_exiting(p->vm);
	for (struct thread *t = p->threads; t; t = t->proc_next) {
		if (t->exited)
			continue;
		sched_kick(t); /* its system calls return through proc_return_to_user */
		if (t != sched_current())
			sched_wake(t);
	}
}

void proc_exit(int64_t status)
{
	struct process *p = proc_current();
	if (!p->dying)
		begin_dying(p, status);
	proc_thread_exit(p->status);
}

void proc_kill(struct process *p, const char *reason)
{
	if (!p->dying) { /* already on its way out: no second message */
		kprintf("quire: process %u (%s) killed: %s\n", p->pid, p->name, reason);
		p->killed = true;
		begin_dying(p, -1);
	}
	if (proc_current() == p)
		proc_thread_exit(p->status);
}

void proc_return_to_user(void)
{
	struct thread *t = sched_current();
	struct process *p = t->proc;
	if (!p)
		return;
	if (this_cpu()->need_resched)
		sched_preempt_point();
	if (p->dying)
		proc_thread_exit(p->status);
}

/* reap - the scheduler has switched away from dead thread @t for good: its kernel stack goes. */
static void reap(struct thread *t)
{
	kstack_free(t->kstack_top);
	t->kstack_top = 0;
	thread_fpu_free(t); /* its registers were saved for the last time when it left */
	struct process *p = t->proc;
	if (!p) {
		kfree(t);
	} else if (p->ended && p->detached) {
		free_zombies(p, 0);
		if (!p->threads)
			proc_free(p);
	}
}

int64_t proc_thread_create(uint64_t entry, uint64_t arg)
{
	struct process *p = proc_current();
	if (entry >= USER_SPACE_END || entry < 0x1000)
		return -QE_FAULT;
	if (p->nlive >= PROC_THREADS_MAX)
		return -QE_AGAIN;
	struct thread *t = proc_new_thread(p, entry, arg);
	if (!t)
		return -QE_NOMEM;
	sched_make_runnable(t);
	return t->tid;
}

static struct thread *find_thread(struct process *p, uint64_t tid)
{
	if (tid > UINT32_MAX)
		return 0; /* ids are 32 bits: a larger one names nobody */
	struct thread *t = p->threads;
	while (t && t->tid != tid)
		t = t->proc_next;
	return t;
}

int proc_thread_join(uint64_t tid, int64_t *value)
{
	struct process *p = proc_current();
	struct thread *me = sched_current(), *t = find_thread(p, tid);
	if (t == me)
		return -QE_INVAL;
	if (!t || t->joined || t->joiner)
		return -QE_SRCH; /* unknown, joined, or another thread is joining it */
	t->joiner = me;
	while (!t->exited && !p->dying)
		sched_block(&t->join_wait);
	if (!t->exited || t->kstack_top) {
		if (!t->exited) {
			t->joiner = 0;
			return -QE_SRCH;
		}
		while (t->kstack_top) /* exited but not reaped yet: it is about to be */
			sched_yield();
	}
	*value = t->exit_value;
	t->joined = true;
	for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->proc_next) {
		if (*pp == t) {
			*pp = t->proc_next;
			break;
		}
	}
	kfree(t);
	return 0;
}

int proc_wait(struct process *parent, uint32_t pid, int64_t *status)
{
	struct process *c = 0;
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i] && procs[i]->pid == pid && procs[i]->parent == parent)
			c = procs[i];
	if (!c || c->reaped)
		return -QE_SRCH; /* not a child, or another thread is waiting for it */
	c->reaped = true;
	while (!c->ended) {
		if (parent && parent->dying) {
			c->reaped = false;
			return -QE_SRCH;
		}
		sched_block(&c->end_wait);
	}
	*status = c->status;
	free_zombies(c, 0);
	while (c->threads) { /* its last thread is not reaped yet */
		sched_yield();
		free_zombies(c, 0);
	}
	proc_free(c);
	return 0;
}

/* user_fault_kill - a user-mode exception that could not be resolved: the process dies
 * with a message naming it. Out of line: the resolved page fault is the hot path. */
static __attribute__((noinline)) void user_fault_kill(struct trap_frame *tf, uint64_t va, const char *why)
{
	char msg[160];
	if (tf->vector == VEC_PF)
		kfmt_snprintf(msg, sizeof msg, "page fault at %016lx (%s), rip %016lx", va, why, tf->rip);
	else
		kfmt_snprintf(msg, sizeof msg, "%s, rip %016lx, error %lx", trap_vector_name(tf->vector), tf->rip,
			      tf->error);
	proc_kill(proc_current(), msg);
}

static void user_fault(struct trap_frame *tf)
{
	const char *why = 0;
	uint64_t va = 0;
	if (tf->vector == VEC_PF) {
		va = cpu_read_cr2();
		if (vm_fault(sched_current()->vm, va, tf->error, &why) == 0) {
			proc_return_to_user();
			return;
		}
	}
	user_fault_kill(tf, va, why);
}

static void oom_kill(void *proc, const char *why)
{
	proc_kill(proc, why);
}

/* switch_fpu - the scheduler's switch hook: the outgoing thread's registers are saved, the
 * incoming one's loaded (eager: specs/isolation.md). */
static void switch_fpu(struct thread *prev, struct thread *next)
{
	fpu_switch(&prev->pcb, &next->pcb);
}

void proc_init(void)
{
	fpu_init();
	sched_set_switch_hook(switch_fpu);
	trap_set_user_fault_handler(user_fault);
	trap_set_return_to_user_hook(proc_return_to_user);
	sched_set_reaper(reap);
	vm_set_oom_killer(oom_kill);
	memtrace_start(boot_info.cmdline);
}

void proc_print_table(void)
{
	kprintf("  %5s %-16s %7s %8s %8s %6s %10s %s\n", "pid", "name", "threads", "frames", "swapped",
		"tables", "faults", "state");
	for (int i = 0; i < PROC_MAX; i++) {
		struct process *p = procs[i];
		if (!p)
			continue;
		struct vm_counters c = { 0 };
		uint64_t tables = 0;
		if (p->vm) {
			c = p->vm->cnt;
			tables = pmap_table_pages(&p->vm->pmap);
		}
		kprintf("  %5u %-16s %7u %8lu %8lu %6lu %10lu %s\n", p->pid, p->name, p->nlive, c.frames,
			c.swap_blocks, tables, c.page_faults, p->ended ? "ended" : p->dying ? "dying" : "running");
		if (p->vm)
			vm_print_mappings(p->vm);
	}
}
