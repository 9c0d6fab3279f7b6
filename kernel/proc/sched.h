/*
 * sched.h - threads and the scheduler: kernel and user threads, preemptive round robin
 * for user mode on the timer tick (kernel code is not preempted: it runs until it blocks
 * or returns to user mode), sleeping, wait queues. Uniprocessor; per-CPU data sits
 * behind GS (struct cpu) so a second CPU needs its own instance, not a redesign.
 */
#ifndef QUIRE_PROC_SCHED_H
#define QUIRE_PROC_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/types.h"

struct process;
struct trap_frame;

enum thread_state { TS_RUNNABLE, TS_RUNNING, TS_BLOCKED, TS_DEAD };

struct waitq {
	struct thread *head;
};

struct thread {
	uint64_t rsp;          /* saved kernel stack pointer while switched out */
	vaddr_t kstack_top;
	paddr_t pml4;          /* this thread's own PML4 (the kernel's for kernel threads) */
	uint16_t pcid;         /* its TLB tag (0: shared, flushed on every switch) */
	bool tlb_stale;        /* its tables changed while it was not running: flush its tag */
	struct process *proc;  /* NULL for a kernel thread */
	uint32_t tid;
	enum thread_state state;
	struct thread *next;   /* run queue or wait queue link */
	struct thread *sleep_next; /* sleep list link (a timed wait is on a wait queue too) */
	struct thread *proc_next; /* the process's thread list */
	struct waitq *waiting_on;
	uint64_t wake_tick;    /* when sleeping: the tick to wake at (0: not sleeping) */
	int64_t exit_value;
	bool exited, joined;
	struct waitq join_wait;
	vaddr_t stack_top, stack_size; /* user stack, in the thread's own thread space */
	uint64_t switches;
	uint64_t user_entry, user_arg; /* where a user thread starts */
	char *arg_str;                 /* a string for the first thread's stack (init's command), or NULL */
	char name[24];
};

/* Per-CPU data; GS points at it in kernel mode. Offsets are used by syscall.asm. */
struct cpu {
	uint64_t kernel_rsp;   /* offset 0: top of the current thread's kernel stack */
	uint64_t user_rsp;     /* offset 8: scratch for syscall entry */
	struct thread *current;/* offset 16 */
	bool need_resched;
};

/* sched_init - turn the boot code into thread 0 (the idle thread) on its current stack. */
void sched_init(void);

/* thread_create_kernel - a kernel thread running @fn(@arg); returns it or NULL. */
struct thread *thread_create_kernel(const char *name, void (*fn)(void *), void *arg);

/* thread_alloc - a thread with a kernel stack that will start at @start (for the process layer); NULL if out of memory. */
struct thread *thread_alloc(const char *name, void (*start)(void));

/* thread_free - release a dead thread's kernel stack and record (not the current thread). */
void thread_free(struct thread *t);

/* sched_make_runnable - put @t on the run queue. */
void sched_make_runnable(struct thread *t);

/* sched_yield - let other runnable threads run. */
void sched_yield(void);

/* sched_block - block the current thread on @q until woken (q may be NULL: only a timeout or wake wakes it). */
void sched_block(struct waitq *q);

/* sched_block_timeout - block on @q until woken or @ticks pass (the caller re-checks why it woke). */
void sched_block_timeout(struct waitq *q, uint64_t ticks);

/* sched_running - true in a thread other than the idle/boot one (so blocking is allowed). */
bool sched_running(void);

/* sched_wake_all - make every thread waiting on @q runnable. */
void sched_wake_all(struct waitq *q);

/* sched_wake - make one blocked thread runnable (from whatever it waits on). */
void sched_wake(struct thread *t);

/* sched_sleep_ticks - block the current thread for @ticks timer ticks. */
void sched_sleep_ticks(uint64_t ticks);

/* sched_exit_current - the current thread is dead: switch away for good (its memory is freed later by the reaper). */
void sched_exit_current(void) __attribute__((noreturn));

/* sched_new_id - a new thread or process id: both come from one counter, so a frame's owner field names either. */
uint32_t sched_new_id(void);

/* sched_current - the running thread. */
struct thread *sched_current(void);

/* sched_tick - called from the timer interrupt: wake sleepers, ask for a reschedule. */
void sched_tick(void);

/* sched_preempt_point - called on the way back to user mode from a trap: switch if the tick asked for it. */
void sched_preempt_point(void);

/* sched_set_reaper - who frees dead threads (the process layer). */
void sched_set_reaper(void (*reap)(struct thread *t));

/* sched_idle_loop - thread 0's loop: run others, halt when none can run. */
void sched_idle_loop(void) __attribute__((noreturn));

/* sched_thread_count - threads alive (for tests and `ps`). */
unsigned sched_thread_count(void);

extern struct cpu cpu0;

#endif
