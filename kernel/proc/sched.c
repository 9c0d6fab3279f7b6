/*
 * sched.c - round-robin scheduling of kernel and user threads on one CPU.
 * Queues (run, sleep, wait) are touched with interrupts off: the timer interrupt wakes
 * sleepers. A dead thread is handed to the reaper right after the switch away from it,
 * when its kernel stack is no longer in use.
 * Keeps: a thread is on at most one queue, through its `next` link; the running thread
 * is on none.
 */
#include "proc/sched.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/pmap.h"
#include "arch/x86_64/timer.h"
#include "console.h"
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "mm/kstack.h"
#include "panic.h"

void switch_context(uint64_t *old_rsp, uint64_t new_rsp);
void thread_trampoline(void);
void sched_thread_started(void);

struct cpu cpu0;
static struct thread idle_thread;
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

struct thread *sched_current(void)
{
	return cpu0.current;
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
	idle_thread.pml4 = pmap_kernel_root();
	kstrlcpy(idle_thread.name, "idle", sizeof idle_thread.name);
	uint64_t rsp;
	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	idle_thread.kstack_top = (rsp + 0x3FFF) & ~0x3FFFull;
	cpu0.current = &idle_thread;
	cpu0.kernel_rsp = idle_thread.kstack_top;
	cpu_wrmsr(MSR_GS_BASE, (uint64_t)&cpu0);
	cpu_wrmsr(MSR_KERNEL_GS_BASE, 0);
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
	struct thread *prev = cpu0.current;
	if (next == prev)
		return;
	next->state = TS_RUNNING;
	next->switches++;
	cpu0.current = next;
	cpu0.kernel_rsp = next->kstack_top;
	gdt_set_kernel_stack(next->kstack_top);
	pmap_switch(next->pml4, next->pcid, next->tlb_stale);
	next->tlb_stale = false;
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
		next = cpu0.current->state == TS_RUNNING ? cpu0.current : &idle_thread;
	switch_to(next);
}

void sched_make_runnable(struct thread *t)
{
	uint64_t f = cpu_irq_save();
	KASSERT(t->state != TS_DEAD, "thread %u is dead", t->tid);
	if (t->state != TS_RUNNABLE && t != cpu0.current) {
		t->state = TS_RUNNABLE;
		runq_push(t);
	}
	cpu_irq_restore(f);
}

void sched_yield(void)
{
	uint64_t f = cpu_irq_save();
	struct thread *cur = cpu0.current;
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
	uint64_t f = cpu_irq_save();
	struct thread *cur = cpu0.current;
	KASSERT(cur != &idle_thread, "the idle thread cannot block");
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

void sched_sleep_ticks(uint64_t ticks)
{
	uint64_t f = cpu_irq_save();
	struct thread *cur = cpu0.current;
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
	uint64_t f = cpu_irq_save();
	struct thread *cur = cpu0.current;
	KASSERT(cur != &idle_thread, "the idle thread cannot block");
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
	return cpu0.current && cpu0.current != &idle_thread;
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
	if (run_head)
		cpu0.need_resched = true;
}

void sched_preempt_point(void)
{
	if (cpu0.need_resched) {
		cpu0.need_resched = false;
		sched_yield();
	}
}

void sched_exit_current(void)
{
	cpu_irq_disable();
	struct thread *cur = cpu0.current;
	KASSERT(cur != &idle_thread, "the idle thread cannot exit");
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
	for (int i = 0; i < 6; i++)
		*--sp = 0;                  /* rbp rbx r12-r15 */
	t->rsp = (uint64_t)sp;
	t->pml4 = pmap_kernel_root();
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
	KASSERT(t != cpu0.current && t->state == TS_DEAD, "freeing live thread %u", t->tid);
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

void sched_idle_loop(void)
{
	for (;;) {
		cpu_irq_disable();
		if (run_head) {
			idle_thread.state = TS_RUNNABLE;
			schedule();
			idle_thread.state = TS_RUNNING;
		}
		__asm__ volatile("sti; hlt" : : : "memory"); /* no wakeup is lost between them */
	}
}
