/*
 * percpu.h - per-CPU data behind one accessor, and the per-thread machine state the trap
 * code needs (struct pcb). One CPU today; a second one gets its own struct cpu and GS base.
 * GS points at the running CPU's struct cpu in kernel mode (syscall_entry.asm and isr.asm
 * swap it on every entry from user mode). Lock legend: a struct cpu is touched only by its
 * own CPU, with interrupts off where an interrupt handler also touches the field.
 */
#ifndef QUIRE_ARCH_PERCPU_H
#define QUIRE_ARCH_PERCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ktrap_catch;
struct spinlock;
struct fpu_area;
struct pmap_root;

/*
 * struct pcb - one thread's machine state that outlives a context switch and that trap
 * handling reads: FreeBSD keeps pcb_onfault here. Every field is the thread's own: a
 * thread that sleeps in the middle of a checked copy finds it as it left it.
 */
struct pcb {
	struct ktrap_catch *onfault; /* armed catch point: a kernel-mode fault resumes there */
	bool uaccess;                /* a checked user copy is running (user faults may be resolved) */
	struct fpu_area *fpu;        /* x87/SSE/AVX registers while switched out (NULL: kernel thread) */
	void *fpu_mem;               /* the allocation holding fpu (fpu.h: it is aligned inside) */
};

#define PERCPU_MAX_SPIN 8 /* spinlocks one CPU may hold at once */

struct cpu {
	uint64_t kernel_rsp;       /* offset 0: top of the running thread's kernel stack (syscall entry) */
	uint64_t user_rsp;         /* offset 8: scratch for the syscall entry */
	void *current;             /* offset 16: the running thread (struct thread, sched/sched.h) */
	struct cpu *self;          /* offset 24: what this_cpu() reads through GS */
	uint8_t ret_work;          /* offset 32: a system call returns through the slow exit
	                            * (syscall_entry.asm): set with need_resched and when a
	                            * thread whose `kick` is set is switched to; cleared there */
	struct pcb *pcb;           /* the running thread's pcb */
	unsigned irq_depth;        /* interrupt handlers running (nested) */
	unsigned spin_depth;       /* spinlocks held now */
	const struct spinlock *spin_held[PERCPU_MAX_SPIN]; /* in the order taken */
	struct pmap_root *active_root; /* the user root loaded in CR3 (NULL: the kernel's) */
	bool need_resched;         /* the timer asked for a switch at the next return to user mode */
	uint64_t idle_tsc;         /* TSC ticks spent halted in the idle loop */
};
_Static_assert(offsetof(struct cpu, kernel_rsp) == 0 && offsetof(struct cpu, user_rsp) == 8 &&
		       offsetof(struct cpu, current) == 16 && offsetof(struct cpu, self) == 24 &&
		       offsetof(struct cpu, ret_work) == 32,
	       "syscall_entry.asm and this_cpu() use these offsets");

/* percpu_init - make GS point at @c for this CPU (boot, before the first lock is taken). */
void percpu_init(struct cpu *c);

/* this_cpu - the running CPU's data. Context: any, kernel mode. */
static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("mov %%gs:24, %0" : "=r"(c));
	return c;
}

/* pcb_current - the running thread's pcb. */
static inline struct pcb *pcb_current(void)
{
	return this_cpu()->pcb;
}

#endif
