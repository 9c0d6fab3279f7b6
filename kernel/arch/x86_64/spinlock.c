/*
 * spinlock.c - test-and-set locks with a rank check (spinlock.h). The per-CPU list of held
 * locks is what the might_sleep check and the lock-order check read.
 */
#include "spinlock.h"

#include "cpu.h"
#include "panic.h"
#include "percpu.h"

void spin_init(struct spinlock *l, const char *name, enum lock_rank rank)
{
	l->locked = 0;
	l->rank = (uint8_t)rank;
	l->name = name;
}

static void check_order(const struct cpu *c, const struct spinlock *l)
{
	if (c->spin_depth == PERCPU_MAX_SPIN)
		panic("spinlock %s: %u spinlocks held already", l->name, c->spin_depth);
	for (unsigned i = 0; i < c->spin_depth; i++) {
		const struct spinlock *h = c->spin_held[i];
		if (h == l)
			panic("spinlock %s taken twice by one CPU", l->name);
		if (h->rank >= l->rank)
			panic("lock order: spinlock %s (rank %u) taken while holding %s (rank %u)", l->name,
			      l->rank, h->name, h->rank);
	}
}

void spin_lock_slow(struct spinlock *l)
{
	struct cpu *c = this_cpu();
	check_order(c, l);
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
	c->spin_held[c->spin_depth++] = l;
}

void spin_unlock_slow(struct spinlock *l)
{
	struct cpu *c = this_cpu();
	if (c->spin_depth == 0 || c->spin_held[c->spin_depth - 1] != l)
		panic("spinlock %s released out of order (innermost held: %s)", l->name,
		      c->spin_depth ? c->spin_held[c->spin_depth - 1]->name : "none");
	c->spin_depth--;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

uint64_t spin_lock_irqsave(struct spinlock *l)
{
	uint64_t f = cpu_irq_save();
	spin_lock(l);
	return f;
}

void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
	spin_unlock(l);
	cpu_irq_restore(flags);
}

bool spin_held(const struct spinlock *l)
{
	const struct cpu *c = this_cpu();
	for (unsigned i = 0; i < c->spin_depth; i++)
		if (c->spin_held[i] == l)
			return true;
	return false;
}

unsigned spin_depth(void)
{
	return this_cpu()->spin_depth;
}

const struct spinlock *spin_innermost(void)
{
	const struct cpu *c = this_cpu();
	return c->spin_depth ? c->spin_held[c->spin_depth - 1] : 0;
}
