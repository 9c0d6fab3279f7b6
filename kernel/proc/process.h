/*
 * process.h - sealed processes: an address space (vm/vmspace.h) split at the boundary B
 * into process space (shared by the threads) and thread space (each thread's own), threads,
 * and the end of a process (by exit or by a fault that kills it alone).
 * Lifetimes: a process record lives until its parent waits for it (or at once when it has
 * no parent); a thread record until it is joined or its process ends.
 * Lock legend (specs/concurrency.md): the process table and the fields marked (k) change only
 * in code that does not sleep between reading and writing them (one CPU, kernel not
 * preempted: proc_lock on SMP); (c) constant after spawn; (a) atomic counters in vm.
 */
#ifndef QUIRE_PROC_PROCESS_H
#define QUIRE_PROC_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/types.h"
#include "proc/abi.h"
#include "sched/sched.h"

#define PROC_MAX 64
#define PROC_THREADS_MAX 64 /* threads of one process alive at once */

struct vm_space;

struct process {
	uint32_t pid;                   /* (c) */
	char name[32];                  /* (c) */
	struct process *parent;         /* (k) NULL: the kernel, or orphaned */
	struct vm_space *vm;            /* (c) its address space (counters inside) */
	vaddr_t boundary;               /* (c) B */
	vaddr_t heap_start, heap_end;   /* (c) */
	uint64_t stack_size;            /* (c) */
	bool thread_demand;             /* (c) */
	struct thread *threads;         /* (k) linked by proc_next; exited ones stay until joined */
	unsigned nlive;                 /* (k) threads not yet exited */
	bool dying, ended;              /* (k) */
	bool killed;                    /* (k) ended by a fault, a kill or out of memory: drop, never commit */
	bool detached;                  /* (k) orphaned: freed when it ends, nobody waits */
	bool reaped;                    /* (k) a wait has claimed it */
	int64_t status;                 /* (k) */
	struct waitq end_wait;          /* the parent waits here */
	char *args;                     /* (k) SYS_SPAWN_ARGS: argc NUL-terminated strings for the first thread's stack, or NULL */
	uint32_t args_len, argc;        /* (k) */
};

/* struct proc_args - the strings of SYS_SPAWN_ARGS: @argc NUL-terminated strings in @len bytes. */
struct proc_args {
	const char *blk;
	uint32_t len, argc;
};

/* proc_init - the process table, fault hooks, reaper, OOM killer. Context: boot, after sched_init. */
void proc_init(void);

/* proc_spawn - start the boot module @name as a new process with @arg (and @arg_str copied to its stack, passed as arg when non-NULL); returns the pid or a negative QE_ code. */
int64_t proc_spawn(const char *name, uint64_t arg, const char *arg_str, struct process *parent);

/* proc_spawn_args - proc_spawn with an argument list instead of a number: the strings of @a
 * are copied to the first thread's stack and given as startinfo argc/argv (the argument is 0). */
int64_t proc_spawn_args(const char *name, const struct proc_args *a, struct process *parent);

/* proc_slot - the process in table slot @i (0 .. PROC_MAX - 1), or NULL: for listing and
 * lookups by the process-control calls (proc_ctl.c). Context: no sleep while it is used. */
struct process *proc_slot(int i);

/* proc_wait - wait for child @pid of @parent (NULL: the kernel) to end; its status in *status; 0 or -QE_SRCH. */
int proc_wait(struct process *parent, uint32_t pid, int64_t *status);

/* proc_current - the process of the running thread, or NULL in a kernel thread. */
struct process *proc_current(void);

/* proc_kill - end @p because of @reason (printed on the console); the current thread does not return if it belongs to @p. */
void proc_kill(struct process *p, const char *reason);

/* proc_exit - end the calling process with @status. */
void proc_exit(int64_t status) __attribute__((noreturn));

/* proc_thread_create - a new thread in the current process at @entry(@arg); its tid or -QE_ code. */
int64_t proc_thread_create(uint64_t entry, uint64_t arg);

/* proc_thread_exit - end the calling thread with @value (the last one ends the process). */
void proc_thread_exit(int64_t value) __attribute__((noreturn));

/* proc_thread_join - wait for thread @tid of the current process; its value in *value. */
int proc_thread_join(uint64_t tid, int64_t *value);

/* proc_alloc - a new process record with its address space (for the loader); NULL when the table or memory is full. */
struct process *proc_alloc(const char *name, struct process *parent, vaddr_t boundary);

/* proc_new_thread - a thread of @p starting at @entry(@arg) in user mode, not yet runnable (for the loader). */
struct thread *proc_new_thread(struct process *p, uint64_t entry, uint64_t arg);

/* proc_discard - undo proc_alloc for a process that never ran a thread. */
void proc_discard(struct process *p);

/* proc_print_table - the process table on the console (monitor `ps`). */
void proc_print_table(void);

/* proc_table_full - every process slot is taken (by live processes or ones not yet waited for). */
bool proc_table_full(void);

/* proc_count - processes alive (not yet ended). */
unsigned proc_count(void);

/* One live process's memory, as memtrace prints it. */
struct proc_mem {
	uint32_t pid;
	char name[32];
	uint64_t resident, swapped, faults; /* frames mapped, swap blocks held, page faults */
};

/* proc_mem_snapshot - up to @max live processes (not ended) into @out, in pid order of
 * their slots; how many. Never sleeps. */
unsigned proc_mem_snapshot(struct proc_mem *out, unsigned max);

/* proc_return_to_user - checks on the way back to user mode: preemption, a dying process. */
void proc_return_to_user(void);

#endif
