/*
 * stub_spinlock.c - the kernel's spinlock interface for host unit tests, which run the
 * portable kernel code on one thread: taking a lock does nothing. (Some tests jump out of
 * the kernel's panic with longjmp while a lock is held; a real lock would stay taken.)
 */
#include "arch/x86_64/spinlock.h"

void spin_init(struct spinlock *l, const char *name, enum lock_rank rank)
{
	l->locked = 0;
	l->name = name;
	l->rank = (uint8_t)rank;
}

void spin_lock(struct spinlock *l)
{
	(void)l;
}

void spin_unlock(struct spinlock *l)
{
	(void)l;
}

uint64_t spin_lock_irqsave(struct spinlock *l)
{
	(void)l;
	return 0;
}

void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
	(void)l;
	(void)flags;
}

bool spin_held(const struct spinlock *l)
{
	(void)l;
	return true;
}

unsigned spin_depth(void)
{
	return 0;
}

const struct spinlock *spin_innermost(void)
{
	return 0;
}

void spin_lock_slow(struct spinlock *l)
{
	(void)l;
}

void spin_unlock_slow(struct spinlock *l)
{
	(void)l;
}
