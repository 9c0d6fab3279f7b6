/*
 * mutex.h - sleeping locks. A mutex may be held across a sleep (a disk transfer, a page
 * fault's swap-in); a thread that finds it taken sleeps until it is released. Every mutex has
 * a rank: a thread may take one only while every mutex it holds ranks lower, so the order in
 * specs/concurrency.md is checked at run time. Taking a mutex may sleep: never with a
 * spinlock held or in an interrupt handler (might_sleep panics, naming both).
 */
#ifndef QUIRE_SCHED_MUTEX_H
#define QUIRE_SCHED_MUTEX_H

#include <stdbool.h>

#include "sched/sched.h"

/* Mutex ranks, outermost first (specs/concurrency.md: "Lock order"). */
enum mutex_rank {
	MRANK_PORT = 10,  /* the message ports and their queues: one lock (proc/msg.c) */
	MRANK_VM = 20,    /* one process's address space: regions, faults (vm/vmspace.h) */
	MRANK_FS = 30,    /* the mounted file system (fs/) */
	MRANK_BCACHE = 40,/* the block cache */
};

struct mutex {
	struct thread *owner;      /* (s) NULL when free */
	struct waitq waiters;      /* (s) */
	const char *name;
	unsigned rank;
};

/* mutex_init - set up @m, free, with @name and @rank. */
void mutex_init(struct mutex *m, const char *name, enum mutex_rank rank);

/* mutex_lock - take @m, sleeping while another thread holds it. Panics on a second lock by
 * the same thread, on a rank out of order, with a spinlock held or in an interrupt. */
void mutex_lock(struct mutex *m);

/* mutex_unlock - release @m, which the current thread holds; wakes one waiter. */
void mutex_unlock(struct mutex *m);

/* mutex_held - true when the current thread holds @m (for assertions). */
bool mutex_held(const struct mutex *m);

#endif
