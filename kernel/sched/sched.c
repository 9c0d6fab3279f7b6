/*
 * sched.c - round-robin scheduling of kernel and user threads on one CPU.
 * Queues (run, sleep, wait) are touched with interrupts off: the timer interrupt wakes
 * sleepers. A dead thread is handed to the reaper right after the switch away from it,
 * when its kernel stack is no longer in use.
 * Keeps: a thread is on at most one queue, through its `next` link; the running thread
 * is on none; this_cpu()->current and ->pcb name the running thread and its pcb.
 */
#include "sched/sched.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/pmap.h"
#include "arch/x86_64/spinlock.h"
#include "arch/x86_64/timer.h"
#include "console.h"
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "mm/kstack.h"
#include "panic.h"
#include "sched/mutex.h"

void switch_context(uint64_t *old_rsp, uint64_t new_rsp);
void thread_trampoline(void);
void sched_thread_started(void);

static struct thread idle_thread;
static void (*switch_hook)(struct thread *prev, struct thread *next);
static bool (*idle_work)(void);
static struct thread *run_head, *run_tail;
static struct thread *sleepers;
static struct thread *to_reap;
static void (*reaper)(struct thread *t);
static uint32_t next_tid = 1;
static unsigned nthreads = 1;

uint32_t sched_new_id(void)
{
	uint64_t f = cpu_irq_save();
	uint32_t id = next_tid++;
	cpu_irq_restore(f);
	return id;
}

unsigned sched_thread_count(void)
{
	return nthreads;
}

void sched_set_reaper(void (*reap)(struct thread *t))
{
	reaper = reap;
}

void sched_init(void)
{
	idle_thread.tid = 0;
	idle_thread.state = TS_RUNNING;
	kstrlcpy(idle_thread.name, "idle", sizeof idle_thread.name);
	uint64_t rsp;
	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	idle_thread.kstack_top = (rsp + 0x3FFF) & ~0x3FFFull;
	struct cpu *c = this_cpu();
	idle_thread.pcb = *c->pcb; /* the boot code's state moves into thread 0 */
	c->current = &idle_thread;
	c->pcb = &idle_thread.pcb;
	c->kernel_rsp = idle_thread.kstack_top;
}

void sched_set_switch_hook(void (*fn)(struct thread *prev, struct thread *next))
{
	switch_hook = fn;
}

uint64_t sched_idle_tsc(void)
{
	return this_cpu()->idle_tsc;
}

/* check_may_switch - another thread may run before the caller goes on: no spinlock held,
 * not in an interrupt handler (and, for a real sleep, not the idle thread). */
static void check_may_switch(const char *what, bool idle_ok)
{
	struct cpu *c = this_cpu();
	if (c->irq_depth)
		panic("%s may sleep, but it was called from an interrupt handler", what);
	if (c->spin_depth)
		panic("%s may sleep, but spinlock %s is held", what, spin_innermost()->name);
	if (!idle_ok && c->current == &idle_thread)
		panic("%s may sleep, but it runs in the idle thread", what);
}

void might_sleep(const char *what)
{
	check_may_switch(what, false);
}

static void runq_push(struct thread *t)
{
	t->next = 0;
	if (run_tail)
		run_tail->next = t;
	else
		run_head = t;
	run_tail = t;
}

static struct thread *runq_pop(void)
{
	struct thread *t = run_head;
	if (t) {
		run_head = t->next;
		if (!run_head)
			run_tail = 0;
		t->next = 0;
	}
	return t;
}

static void reap_pending(void)
{
	struct thread *t = to_reap;
	to_reap = 0;
	if (t && reaper)
		reaper(t);
	else if (t)
		thread_free(t);
}

/* switch_to - run @next instead of the current thread. Interrupts are off. */
static void switch_to(struct thread *next)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current;
	if (next == prev)
		return;
	KASSERT(c->spin_depth == 0, "switching from thread %u with spinlock %s held", prev->tid,
		spin_innermost()->name);
	next->state = TS_RUNNING;
	next->switches++;
	if (switch_hook)
		switch_hook(prev, next);
	c->current = next;
	c->ret_work |= next->kick;
	c->pcb = &next->pcb;
	c->kernel_rsp = next->kstack_top;
	gdt_set_kernel_stack(next->kstack_top);
	pmap_activate(next->root);
	switch_context(&prev->rsp, next->rsp);
	reap_pending(); /* back in some thread: the one switched away from may be dead */
}

void sched_thread_started(void)
{
	reap_pending();
}

/* schedule - pick the next thread; the current one has already been queued or blocked. */
static void schedule(void)
{
	struct thread *next = runq_pop();
	if (!next)
		next = sched_current()->state == TS_RUNNING ? sched_current() : &idle_thread;
	switch_to(next);
}

void sched_make_runnable(struct thread *t)
{
	uint64_t f = cpu_irq_save();
	KASSERT(t->state != TS_DEAD, "thread %u is dead", t->tid);
	if (t->state != TS_RUNNABLE && t != sched_current()) {
		t->state = TS_RUNNABLE;
		runq_push(t);
	}
	cpu_irq_restore(f);
}

void sched_yield(void)
{
	check_may_switch("sched_yield", true); /* the boot thread yields to new kernel threads */
	uint64_t f = cpu_irq_save();
	struct thread *cur = sched_current();
	if (run_head) {
		if (cur != &idle_thread) {
			cur->state = TS_RUNNABLE;
			runq_push(cur);
		} else {
			cur->state = TS_RUNNABLE;
		}
		schedule();
	}
	cpu_irq_restore(f);
}

static void queue_remove(struct thread **head, struct thread *t)
{
	for (struct thread **p = head; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			t->next = 0;
			return;
		}
	}
}

static void sleep_remove(struct thread *t)
{
	for (struct thread **p = &sleepers; *p; p = &(*p)->sleep_next) {
		if (*p == t) {
			*p = t->sleep_next;
			t->sleep_next = 0;
			return;
		}
	}
}

void sched_block(struct waitq *q)
{
	might_sleep("sched_block");
	uint64_t f = cpu_irq_save();
	struct thread *cur = sched_current();
	cur->state = TS_BLOCKED;
	cur->waiting_on = q;
	if (q) {
		cur->next = q->head;
		q->head = cur;
	}
	schedule();
	cpu_irq_restore(f);
}

void sched_wake(struct thread *t)
{
	uint64_t f = cpu_irq_save();
	if (t->state == TS_BLOCKED) {
		if (t->waiting_on)
			queue_remove(&t->waiting_on->head, t);
		if (t->wake_tick)
			sleep_remove(t);
		t->waiting_on = 0;
		t->wake_tick = 0;
		t->state = TS_RUNNABLE;
		runq_push(t);
	}
	cpu_irq_restore(f);
}

void sched_wake_all(struct waitq *q)
{
	uint64_t f = cpu_irq_save();
	while (q->head)
		sched_wake(q->head);
	cpu_irq_restore(f);
}

bool sched_wake_one(struct waitq *q)
{
	uint64_t f = cpu_irq_save();
	struct thread *first = q->head;
	if (first) /* the queue is pushed at the head: wake the one that waited longest */
		while (first->next)
			first = first->next;
	if (first)
		sched_wake(first);
	cpu_irq_restore(f);
	return first != 0;
}

void sched_sleep_ticks(uint64_t ticks)
{
	might_sleep("sched_sleep_ticks");
	uint64_t f = cpu_irq_save();
	struct thread *cur = sched_current();
	cur->wake_tick = timer_ticks() + (ticks ? ticks : 1);
	cur->sleep_next = sleepers;
	sleepers = cur;
	cur->state = TS_BLOCKED;
	cur->waiting_on = 0;
	schedule();
	cpu_irq_restore(f);
}

void sched_block_timeout(struct waitq *q, uint64_t ticks)
{
	might_sleep("sched_block_timeout");
	uint64_t f = cpu_irq_save();
	struct thread *cur = sched_current();
	cur->wake_tick = timer_ticks() + (ticks ? ticks : 1);
	cur->sleep_next = sleepers;
	sleepers = cur;
	cur->state = TS_BLOCKED;
	cur->waiting_on = q;
	cur->next = q->head;
	q->head = cur;
	schedule();
	cpu_irq_restore(f);
}

bool sched_running(void)
{
	struct thread *cur = sched_current();
	return cur && cur != &idle_thread;
}

void sched_tick(void)
{
	uint64_t now = timer_ticks();
	struct thread **p = &sleepers;
	while (*p) {
		struct thread *t = *p;
		if (t->wake_tick <= now) {
			*p = t->sleep_next;
			t->wake_tick = 0;
			if (t->waiting_on) /* a timed wait: leave the wait queue too */
				queue_remove(&t->waiting_on->head, t);
			t->waiting_on = 0;
			t->state = TS_RUNNABLE;
			runq_push(t);
		} else {
			p = &t->sleep_next;
		}
	}
	if (run_head) {
		this_cpu()->need_resched = true;
		this_cpu()->ret_work = 1;
	}
}

void sched_preempt_point(void)
{
	struct cpu *c = this_cpu();
	if (c->need_resched) {
		c->need_resched = false;
		sched_yield();
	}
}

void sched_kick(struct thread *t)
{
	uint64_t f = cpu_irq_save();
	t->kick = 1;
	if (t == sched_current())
		this_cpu()->ret_work = 1;
	cpu_irq_restore(f);
}

void sched_exit_current(void)
{
	cpu_irq_disable();
	struct thread *cur = sched_current();
	KASSERT(cur != &idle_thread, "the idle thread cannot exit");
	KASSERT(cur->nheld == 0, "thread %u exits holding mutex %s", cur->tid, cur->held[0]->name);
	cur->state = TS_DEAD;
	to_reap = cur;
	nthreads--;
	schedule();
	panic("sched_exit_current: dead thread %u ran again", cur->tid);
}

struct thread *thread_alloc(const char *name, void (*start)(void))
{
	struct thread *t = kzalloc(sizeof *t);
	if (!t)
		return 0;
	t->kstack_top = kstack_alloc();
	if (!t->kstack_top) {
		kfree(t);
		return 0;
	}
	uint64_t *sp = (uint64_t *)t->kstack_top;
	*--sp = 0;                          /* alignment: the start function sees rsp % 16 == 8 */
	*--sp = (uint64_t)start;            /* popped by the trampoline */
	*--sp = (uint64_t)thread_trampoline;/* switch_context's ret */
	*--sp = 0x2;                        /* rflags for switch_context's popfq: IF and AC clear */
	for (int i = 0; i < 6; i++)
		*--sp = 0;                  /* rbp rbx r12-r15 */
	t->rsp = (uint64_t)sp;
	t->root = 0; /* the kernel's tables until the process layer gives it a root */
	t->state = TS_BLOCKED;
	t->tid = sched_new_id();
	uint64_t f = cpu_irq_save();
	nthreads++;
	cpu_irq_restore(f);
	kstrlcpy(t->name, name, sizeof t->name);
	return t;
}

void thread_free(struct thread *t)
{
	KASSERT(t != sched_current() && t->state == TS_DEAD, "freeing live thread %u", t->tid);
	kstack_free(t->kstack_top);
	kfree(t);
}

static void (*kthread_fn)(void *);
static void *kthread_arg;

static void kthread_start(void)
{
	void (*fn)(void *) = kthread_fn;
	void *arg = kthread_arg;
	fn(arg);
	sched_exit_current();
}

struct thread *thread_create_kernel(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = thread_alloc(name, kthread_start);
	if (!t)
		return 0;
	kthread_fn = fn; /* read by kthread_start before any other kernel thread is made */
	kthread_arg = arg;
	sched_make_runnable(t);
	sched_yield(); /* let it pick up its arguments now */
	return t;
}

void sched_set_idle_work(bool (*fn)(void))
{
	idle_work = fn;
}

void sched_idle_loop(void)
{
	for (;;) {
		cpu_irq_disable();
		if (run_head) {
			idle_thread.state = TS_RUNNABLE;
			schedule();
			idle_thread.state = TS_RUNNING;
		}
		if (idle_work && !run_head) { /* work that only idle time pays for, then look again */
			cpu_irq_enable();
			bool did = idle_work();
			if (did)
				continue;
			cpu_irq_disable();
			if (run_head)
				continue;
		}
		uint64_t t0 = cpu_rdtsc();
		__asm__ volatile("sti; hlt" : : : "memory"); /* no wakeup is lost between them */
		this_cpu()->idle_tsc += cpu_rdtsc() - t0;
	}
}
