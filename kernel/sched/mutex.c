/*
 * mutex.c - sleeping locks with a rank check (mutex.h). The owner test and set happen with
 * interrupts off, which on one CPU makes them atomic (no interrupt handler takes a mutex);
 * a second CPU would put them under a spinlock per mutex.
 */
#include "sched/mutex.h"

#include "arch/x86_64/cpu.h"
#include "panic.h"

void mutex_init(struct mutex *m, const char *name, enum mutex_rank rank)
{
	m->owner = 0;
	m->waiters.head = 0;
	m->name = name;
	m->rank = rank;
}

/* check_order - @t may take @m: not held already, and every mutex it holds ranks lower. */
static void check_order(const struct thread *t, const struct mutex *m)
{
	if (t->nheld == THREAD_MAX_MUTEXES)
		panic("mutex %s: thread %u holds %u mutexes already", m->name, t->tid, t->nheld);
	for (unsigned i = 0; i < t->nheld; i++) {
		if (t->held[i] == m)
			panic("mutex %s taken twice by thread %u", m->name, t->tid);
		if (t->held[i]->rank >= m->rank)
			panic("lock order: mutex %s (rank %u) taken while holding %s (rank %u)", m->name, m->rank,
			      t->held[i]->name, t->held[i]->rank);
	}
}

/* lock_slow - mutex_lock when the fast path's conditions do not all hold: the checks, then
 * sleep until @m is free. Out of line, so the fast path saves no registers. */
static __attribute__((noinline)) void lock_slow(struct mutex *m, struct thread *me)
{
	might_sleep(m->name);
	check_order(me, m);
	uint64_t f = cpu_irq_save();
	while (m->owner)
		sched_block(&m->waiters);
	m->owner = me;
	cpu_irq_restore(f);
	me->held[me->nheld++] = m;
}

void mutex_lock(struct mutex *m)
{
	struct cpu *c = this_cpu();
	struct thread *me = c->current, *none = 0;
	/* fast path: free, nothing held, no spinlock, not in an interrupt, not the idle thread
	 * (tid 0): every check of lock_slow would pass, and taking it cannot sleep */
	if (!me->nheld && !c->spin_depth && !c->irq_depth && me->tid &&
	    __atomic_compare_exchange_n(&m->owner, &none, me, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		me->held[0] = m;
		me->nheld = 1;
		return;
	}
	lock_slow(m, me);
}

/* unlock_slow - mutex_unlock with other mutexes held or a waiter to wake. */
static __attribute__((noinline)) void unlock_slow(struct mutex *m, struct thread *me)
{
	KASSERT(m->owner == me, "mutex %s released by thread %u, held by %u", m->name, me->tid,
		m->owner ? m->owner->tid : 0);
	unsigned i = 0;
	while (i < me->nheld && me->held[i] != m)
		i++;
	KASSERT(i < me->nheld, "mutex %s is not on thread %u's held list", m->name, me->tid);
	for (; i + 1 < me->nheld; i++)
		me->held[i] = me->held[i + 1];
	me->nheld--;
	uint64_t f = cpu_irq_save();
	m->owner = 0;
	sched_wake_one(&m->waiters);
	cpu_irq_restore(f);
}

void mutex_unlock(struct mutex *m)
{
	struct thread *me = sched_current();
	if (me->nheld == 1 && me->held[0] == m && m->owner == me && !m->waiters.head) {
		me->nheld = 0; /* fast path: the only one held, nobody waiting (one CPU) */
		__atomic_store_n(&m->owner, (struct thread *)0, __ATOMIC_RELEASE);
		return;
	}
	unlock_slow(m, me);
}

bool mutex_held(const struct mutex *m)
{
	return m->owner == sched_current();
}
