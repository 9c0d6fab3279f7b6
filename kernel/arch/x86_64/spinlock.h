/*
 * spinlock.h - locks that never sleep, with a checked lock order. Holding one, code must not
 * sleep (sched's might_sleep check panics and names the lock). Every lock has a rank; a CPU
 * may take a lock only while every lock it holds has a lower rank, so the order written in
 * specs/concurrency.md is enforced at run time, not only documented. On one CPU a lock is
 * never contended (the kernel is not preempted), but it is a real test-and-set lock, so the
 * code is right the day a second CPU arrives.
 */
#ifndef QUIRE_ARCH_SPINLOCK_H
#define QUIRE_ARCH_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Ranks, outermost first (specs/concurrency.md: "Lock order"). */
enum lock_rank {
	RANK_PMAP = 10,     /* one process's page tables (struct pmap) */
	RANK_PUM = 20,      /* the page-usage manager's state */
	RANK_VMREG = 25,    /* vm's owner registry: owner id -> address space */
	RANK_SWAPMAP = 30,  /* the swap-block bitmap */
	RANK_KHEAP = 35,    /* the kernel heap's slabs */
	RANK_KSTACK = 36,   /* the kernel-stack slots */
	RANK_PREZERO = 37,  /* vm's pool of zeroed frames */
	RANK_FRAME = 40,    /* the frame allocator's free lists */
	RANK_PCID = 45,     /* the PCID allocator */
	RANK_IRQ = 60,      /* locks shared with interrupt handlers (irqsave only) */
};

struct spinlock {
	volatile uint32_t locked; /* 1 while held */
	uint8_t rank;             /* enum lock_rank */
	const char *name;         /* for panics: "pmap", "frames", ... */
};

#define SPINLOCK_INIT(lname, lrank) { 0, (lrank), (lname) }

/* spin_init - set up @l with @name and @rank (for locks inside allocated records). */
void spin_init(struct spinlock *l, const char *name, enum lock_rank rank);

/* spin_lock_slow, spin_unlock_slow - the general cases of spin_lock/spin_unlock (other locks
 * held: the order check; contention; a bad release). */
void spin_lock_slow(struct spinlock *l);
void spin_unlock_slow(struct spinlock *l);

#ifdef QUIRE_HOST
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
#else
#include "arch/x86_64/percpu.h"

/* spin_lock - take @l; interrupts stay as they are (only for locks no interrupt handler takes).
 * Panics (naming both locks) when a held lock does not rank below @l. The common case (no
 * other lock held, not contended) is inline. */
static inline void spin_lock(struct spinlock *l)
{
	struct cpu *c = this_cpu();
	if (c->spin_depth || __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		spin_lock_slow(l);
		return;
	}
	c->spin_held[0] = l;
	c->spin_depth = 1;
}

/* spin_unlock - release @l, which this CPU holds. */
static inline void spin_unlock(struct spinlock *l)
{
	struct cpu *c = this_cpu();
	if (c->spin_depth != 1 || c->spin_held[0] != l) {
		spin_unlock_slow(l);
		return;
	}
	c->spin_depth = 0;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}
#endif

/* spin_lock_irqsave - interrupts off, then take @l; returns the flags to restore. */
uint64_t spin_lock_irqsave(struct spinlock *l);

/* spin_unlock_irqrestore - release @l, then restore the interrupt flag from @flags. */
void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags);

/* spin_held - true when this CPU holds @l (for assertions). */
bool spin_held(const struct spinlock *l);

/* spin_depth - how many spinlocks this CPU holds; spin_innermost - the last one taken (or NULL). */
unsigned spin_depth(void);
const struct spinlock *spin_innermost(void);

#endif
