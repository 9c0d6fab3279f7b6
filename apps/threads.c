/*
 * threads - threads of one process. Part 1: every thread (main + NWORK) maps one page
 * at the same thread-space address in its own thread space, writes its id there, meets
 * the others at a barrier, and reads its own id back: same address, different memory.
 * All add to a process-space global and read the same total: same address, same memory.
 * Part 2: NSPIN threads spin without ever yielding while main sleeps; main must wake on
 * time and see every spinner advance (preemptive round robin, nobody starves).
 * Prints "ok - ..." lines and "PASS threads"; exit status 0 when all checks hold.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define NWORK 3
#define NPART (NWORK + 1) /* with main */
#define NSPIN 3
#define MIB (1UL << 20)

static uint64_t *tls_page;               /* same address in every thread space */
static uint64_t shared_total;            /* process space: one for all threads */
static volatile uint64_t seen_total[NPART];
static int arrived;

static volatile uint64_t spin_count[NSPIN];
static volatile int spin_stop;
static int64_t spin_deadline;            /* ticks: spinners give up then, never hang */

/* pick_tls - a 2 MiB-aligned address in the middle of thread space, clear of the stack. */
static uint64_t *pick_tls(const struct quire_startinfo *info)
{
	uint64_t b = info->thread_space_start;
	uint64_t va = (b + (USER_TOP - b) / 2) & ~(2 * MIB - 1);
	uint64_t stack_lo = info->stack_top - info->stack_size - PAGE_SIZE;
	if (va + PAGE_SIZE > stack_lo && va < info->stack_top)
		va = (stack_lo - 2 * MIB) & ~(2 * MIB - 1);
	return (uint64_t *)va;
}

/* tls_part - one participant: returns 0x100 + id, or a negative step number on failure. */
static int64_t tls_part(void *arg)
{
	uint64_t id = (uint64_t)arg;
	if (area_demand(tls_page, PAGE_SIZE, QP_RW) < 0)
		return -1;
	if (*tls_page != 0) /* a fresh demand page reads as zero */
		return -2;
	*tls_page = 0x7100 + id;
	__atomic_add_fetch(&shared_total, id + 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < NPART)
		sys_yield();
	/* Everyone has written the same address now; ours must still hold our id. */
	if (*tls_page != 0x7100 + id)
		return -3;
	seen_total[id] = __atomic_load_n(&shared_total, __ATOMIC_SEQ_CST);
	if (area_free(tls_page, PAGE_SIZE) < 0)
		return -4;
	return 0x100 + (int64_t)id;
}

static void test_thread_space(const struct quire_startinfo *info)
{
	int64_t tid[NWORK];
	tls_page = pick_tls(info);
	printf("# thread-space page at %p, B %#lx, main stack top %#lx\n", (void *)tls_page,
	       info->thread_space_start, info->stack_top);
	for (int i = 0; i < NWORK; i++) {
		tid[i] = thread_create(tls_part, (void *)(uint64_t)(i + 1));
		test_check(tid[i] > 0, "thread_create", "thread %d: error %ld", i + 1, tid[i]);
	}
	int64_t mine = tls_part((void *)0);
	test_check(mine == 0x100, "main_thread_space", "main thread failed at step %ld", -mine);
	uint64_t want = NPART * (NPART + 1) / 2;
	for (int i = 0; i < NWORK; i++) {
		int64_t v = -99;
		int64_t r = tid[i] > 0 ? thread_join(tid[i], &v) : tid[i];
		test_check(r == 0 && v == 0x101 + i, "thread_space_private",
			   "thread %d: join %ld, value %#lx (negative: failed step)", i + 1, r, v);
	}
	for (int i = 0; i < NPART; i++)
		test_check(seen_total[i] == want, "process_space_shared",
			   "thread %d saw total %lu, want %lu", i, seen_total[i], want);
}

/* spinner - counts without ever yielding until told to stop (or the deadline passes). */
static int64_t spinner(void *arg)
{
	uint64_t id = (uint64_t)arg, n = 0;
	while (!spin_stop) {
		spin_count[id] = ++n;
		if ((n & 0xfffff) == 0 && sys_ticks() > spin_deadline)
			break;
	}
	return (int64_t)n;
}

static void test_round_robin(void)
{
	int64_t tid[NSPIN];
	uint64_t c1[NSPIN];
	spin_deadline = sys_ticks() + 500; /* 5 s */
	for (int i = 0; i < NSPIN; i++)
		tid[i] = thread_create(spinner, (void *)(uint64_t)i);
	int64_t t0 = sys_ticks();
	sleep_ms(100);
	int64_t slept = sys_ticks() - t0;
	test_check(slept < 100, "preempt_wakes_sleeper",
		   "main slept 100 ms but woke after %ld ticks", slept);
	for (int i = 0; i < NSPIN; i++)
		c1[i] = spin_count[i];
	sleep_ms(100);
	for (int i = 0; i < NSPIN; i++) {
		uint64_t c2 = spin_count[i];
		test_check(c2 > c1[i] && c1[i] > 0, "round_robin",
			   "spinner %d: count %lu then %lu", i, c1[i], c2);
	}
	spin_stop = 1;
	for (int i = 0; i < NSPIN; i++) {
		int64_t v = 0;
		int64_t r = tid[i] > 0 ? thread_join(tid[i], &v) : tid[i];
		test_check(r == 0 && v > 0, "spinner_join", "spinner %d: join %ld value %ld", i, r, v);
	}
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	printf("threads: pid %lu tid %lu\n", info->pid, info->tid);
	test_thread_space(info);
	test_round_robin();
	return test_finish("threads");
}
