/*
 * process.h - sealed processes: an address space split at the boundary B into process
 * space (shared by the threads) and thread space (each thread's own PML4 slots), threads,
 * and the end of a process (by exit or by a fault that kills it alone).
 * Lifetimes: a process record lives until its parent waits for it (or at once when it has
 * no parent); a thread record until it is joined or its process ends.
 */
#ifndef QUIRE_PROC_PROCESS_H
#define QUIRE_PROC_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/types.h"
#include "proc/abi.h"
#include "proc/sched.h"

#define PROC_MAX 64
#define PROC_SLOTS 256 /* PML4 slots of the user half */

struct proc_counters {
	uint64_t page_faults;  /* user page faults handled or fatal */
	uint64_t demand_zero;  /* frames given on first touch */
	uint64_t frames;       /* frames mapped now */
	uint64_t swap_ins, swap_outs, clean_drops, write_backs;
	uint64_t swap_blocks;  /* swap blocks held now: pages in swap and clean copies */
};

struct process {
	uint32_t pid;
	char name[32];
	struct process *parent;
	vaddr_t boundary;               /* B */
	unsigned nslots;                /* B / 512 GiB */
	paddr_t pdpt[PROC_SLOTS];       /* process-space PDPTs, shared by every thread's PML4 */
	vaddr_t heap_start, heap_end;
	uint64_t stack_size;
	bool thread_demand;
	struct thread *threads;         /* linked by proc_next; exited ones stay until joined */
	unsigned nlive;                 /* threads not yet exited */
	bool dying, ended;
	bool detached;                  /* orphaned: freed when it ends, nobody waits */
	unsigned io_inflight;           /* swap I/O under way on its pages (swap.c) */
	int64_t status;
	struct waitq end_wait;          /* the parent waits here */
	struct proc_counters cnt;
};

/* proc_init - the process table, fault hooks, reaper. Context: boot, after sched_init. */
void proc_init(void);

/* proc_spawn - start the boot module @name as a new process with @arg (and @arg_str copied to its stack, passed as arg when non-NULL); returns the pid or a negative QE_ code. */
int64_t proc_spawn(const char *name, uint64_t arg, const char *arg_str, struct process *parent);

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
int proc_thread_join(uint32_t tid, int64_t *value);

/* proc_ensure_slots - make the process-space PDPTs covering [start, end) and put them in every thread. */
int proc_ensure_slots(struct process *p, vaddr_t start, vaddr_t end);

/* proc_alloc - a new process record (for the loader); NULL when the table or memory is full. */
struct process *proc_alloc(const char *name, struct process *parent, vaddr_t boundary);

/* proc_new_thread - a thread of @p starting at @entry(@arg) in user mode, not yet runnable (for the loader). */
struct thread *proc_new_thread(struct process *p, uint64_t entry, uint64_t arg);

/* proc_discard - undo proc_alloc for a process that never ran a thread. */
void proc_discard(struct process *p);

/* proc_print_table - the process table on the console (monitor `ps`). */
void proc_print_table(void);

/* proc_page_root - the page-table root holding the mapping of frame owner @owner at @va (a pid for process space, a tid for thread space); 0 or -1. */
int proc_page_root(uint32_t owner, vaddr_t va, paddr_t *root, struct process **pp);

/* proc_largest - the live process holding the most memory (frames + swap blocks), or NULL. */
struct process *proc_largest(void);

/* proc_any_dying - true while a killed process has not finished ending. */
bool proc_any_dying(void);

/* proc_tlb_stale - page tables of @p changed at @va (thread space: of thread @owner) while
 * its threads may hold cached translations: each one flushes its TLB tag when it next runs. */
void proc_tlb_stale(struct process *p, vaddr_t va, uint32_t owner);

/* proc_count - processes alive (not yet ended). */
unsigned proc_count(void);

/* proc_return_to_user - checks on the way back to user mode: preemption, a dying process. */
void proc_return_to_user(void);

#endif
