/*
 * sched.h - threads and the scheduler: kernel and user threads, preemptive round robin for
 * user mode on the timer tick (kernel code is not preempted: it runs until it blocks or
 * returns to user mode), sleeping, wait queues, and the might-sleep check that keeps the
 * concurrency contract (specs/concurrency.md). One CPU; per-CPU data sits behind
 * this_cpu() (arch/x86_64/percpu.h), so a second CPU needs its own instance, not a redesign.
 */
#ifndef QUIRE_SCHED_SCHED_H
#define QUIRE_SCHED_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/percpu.h"
#include "lib/types.h"

struct process;
struct vm_tspace;
struct pmap_root;
struct mutex;
struct file_table;

enum thread_state { TS_RUNNABLE, TS_RUNNING, TS_BLOCKED, TS_DEAD };

/* A wait queue: threads blocked until someone wakes them. (s) */
struct waitq {
	struct thread *head;
};

#define THREAD_MAX_MUTEXES 4 /* sleeping locks one thread may hold at once */

/*
 * struct thread - lock legend:
 *   (s) the scheduler's: touched with interrupts off (one CPU; a run-queue lock on SMP)
 *   (c) constant once the thread runs
 *   (t) the thread's own: only the thread itself reads or writes it
 *   (p) the process layer's (proc/process.c), under its rules
 */
struct thread {
	uint64_t rsp;                  /* (s) saved kernel stack pointer while switched out */
	vaddr_t kstack_top;            /* (c) */
	enum thread_state state;       /* (s) */
	struct thread *next;           /* (s) run queue or wait queue link */
	struct thread *sleep_next;     /* (s) sleep list link (a timed wait is on a wait queue too) */
	struct waitq *waiting_on;      /* (s) */
	uint64_t wake_tick;            /* (s) when sleeping: the tick to wake at (0: not sleeping) */
	uint64_t switches;             /* (s) times it was switched to */
	uint8_t kick;                  /* (s) leave system calls through the checks (its process is dying) */
	uint32_t tid;                  /* (c) */
	char name[24];                 /* (c) */
	struct pmap_root *root;        /* (c) its PML4 (NULL: the kernel's, for kernel threads) */
	struct pcb pcb;                /* (t) machine state: fault catch point, FPU registers */
	const struct mutex *held[THREAD_MAX_MUTEXES]; /* (t) sleeping locks held, in order */
	unsigned nheld;                /* (t) */
	struct process *proc;          /* (c) NULL for a kernel thread */
	struct vm_tspace *vm;          /* (c) its thread space (and its process's address space) */
	struct thread *proc_next;      /* (p) the process's thread list */
	int64_t exit_value;            /* (p) */
	bool exited, joined;           /* (p) */
	struct thread *joiner;         /* (p) the one thread allowed to join it, once it claimed it */
	struct waitq join_wait;        /* (p) */
	vaddr_t stack_top, stack_size; /* (p) user stack, in the thread's own thread space */
	uint64_t user_entry, user_arg; /* (p) where a user thread starts */
	char *arg_str;                 /* (p) a string for the first thread's stack, or NULL */
	struct file_table *files;      /* (t) its open file handles (proc/files.c), or NULL */
};

/* sched_init - turn the boot code into thread 0 (the idle thread) on its current stack. */
void sched_init(void);

/* thread_create_kernel - a kernel thread running @fn(@arg); returns it or NULL. */
struct thread *thread_create_kernel(const char *name, void (*fn)(void *), void *arg);

/* thread_alloc - a thread with a kernel stack that will start at @start (for the process layer); NULL if out of memory. */
struct thread *thread_alloc(const char *name, void (*start)(void));

/* thread_free - release a dead thread's kernel stack and record (not the current thread). */
void thread_free(struct thread *t);

/* sched_make_runnable - put @t on the run queue. Context: any (interrupts may be off). */
void sched_make_runnable(struct thread *t);

/* sched_yield - let other runnable threads run. May sleep. */
void sched_yield(void);

/* sched_block - block the current thread on @q until woken (q may be NULL: only a timeout or wake wakes it). Sleeps. */
void sched_block(struct waitq *q);

/* sched_block_timeout - block on @q until woken or @ticks pass (the caller re-checks why it woke). Sleeps. */
void sched_block_timeout(struct waitq *q, uint64_t ticks);

/* sched_running - true in a thread other than the idle/boot one (so blocking is allowed). */
bool sched_running(void);

/* sched_wake_all - make every thread waiting on @q runnable. Context: any, interrupt handlers too. */
void sched_wake_all(struct waitq *q);

/* sched_wake_one - make the first thread waiting on @q runnable; false if none waited. Context: any. */
bool sched_wake_one(struct waitq *q);

/* sched_wake - make one blocked thread runnable (from whatever it waits on). Context: any. */
void sched_wake(struct thread *t);

/* sched_sleep_ticks - block the current thread for @ticks timer ticks. Sleeps. */
void sched_sleep_ticks(uint64_t ticks);

/* might_sleep - the caller may sleep now: panics, naming @what and the lock, when a
 * spinlock is held or an interrupt handler is running (the contract's debug check). */
void might_sleep(const char *what);

/* sched_exit_current - the current thread is dead: switch away for good (its memory is freed later by the reaper). */
void sched_exit_current(void) __attribute__((noreturn));

/* sched_new_id - a new thread or process id: both come from one counter, so a frame's owner field names either. */
uint32_t sched_new_id(void);

/* sched_current - the running thread. Inline: the system-call and fault paths ask often. */
#ifdef QUIRE_HOST
struct thread *sched_current(void); /* the host tests' fake machine has its own */
#else
static inline struct thread *sched_current(void)
{
	return this_cpu()->current;
}
#endif

/* sched_tick - called from the timer interrupt: wake sleepers, ask for a reschedule. */
void sched_tick(void);

/* sched_preempt_point - called on the way back to user mode from a trap: switch if the tick asked for it. */
void sched_preempt_point(void);

/* sched_kick - @t's system calls return through the checks from now on (its process is
 * dying: the fast return path of syscall_entry.asm must not skip them). Context: any. */
void sched_kick(struct thread *t);

/* sched_set_reaper - who frees dead threads (the process layer). */
void sched_set_reaper(void (*reap)(struct thread *t));

/* sched_idle_loop - thread 0's loop: run others, halt when none can run. */
void sched_idle_loop(void) __attribute__((noreturn));

/* sched_thread_count - threads alive (for tests and `ps`). */
unsigned sched_thread_count(void);

/* sched_set_idle_work - @fn is called by the idle loop, interrupts on, before it halts, as
 * long as no thread can run and @fn returns true (it did some work: zeroing frames ahead of
 * page faults). It must not sleep; it may take spinlocks. */
void sched_set_idle_work(bool (*fn)(void));

/* sched_idle_tsc - TSC ticks the CPU spent halted in the idle loop since boot. */
uint64_t sched_idle_tsc(void);

/* sched_set_switch_hook - called with the outgoing and incoming thread at every switch,
 * interrupts off (the FPU save/restore of the process layer). */
void sched_set_switch_hook(void (*fn)(struct thread *prev, struct thread *next));

#endif
