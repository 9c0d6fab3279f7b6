/*
 * bench - user-side benchmarks in TSC ticks per operation, which under QEMU
 * -icount shift=0 are guest instructions. Prints `BENCH <name> <x.yy> insns/op` lines in
 * the kernel's format (kernel/test/kbench.c) and a final `BENCH-DONE`. Exit status 0.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define SYSCALL_ITERS 10000
#define FAULT_PAGES 1024
#define SWITCH_ITERS 2000
#define SPAWN_ITERS 20
#define THREAD_ITERS 50

static void report(const char *name, uint64_t ticks, uint64_t ops)
{
	uint64_t x100 = ticks * 100 / ops;
	printf("BENCH %s %lu.%02lu insns/op\n", name, x100 / 100, x100 % 100);
}

/* bench_null_syscall - SYS_GETPID round trips. */
static void bench_null_syscall(void)
{
	sys_getpid();
	uint64_t t0 = rdtsc();
	for (int i = 0; i < SYSCALL_ITERS; i++)
		sys_getpid();
	report("user_null_syscall", rdtsc() - t0, SYSCALL_ITERS);
}

/* bench_faults - first touches of a demand area (fault + zero-fill), then re-touches. */
static void bench_faults(void)
{
	unsigned char *p = va_reserve(FAULT_PAGES * PAGE_SIZE, 2 * 1024 * 1024);
	if (!p || area_demand(p, FAULT_PAGES * PAGE_SIZE, QP_RW) < 0) {
		printf("# bench: no demand area\n");
		return;
	}
	uint64_t t0 = rdtsc();
	for (int i = 0; i < FAULT_PAGES; i++)
		*(volatile unsigned char *)(p + (uint64_t)i * PAGE_SIZE) = 1;
	uint64_t t1 = rdtsc();
	for (int i = 0; i < FAULT_PAGES; i++)
		*(volatile unsigned char *)(p + (uint64_t)i * PAGE_SIZE) = 2;
	uint64_t t2 = rdtsc();
	report("user_demand_fault", t1 - t0, FAULT_PAGES);
	report("user_retouch", t2 - t1, FAULT_PAGES);
	area_free(p, FAULT_PAGES * PAGE_SIZE);
}

static int switch_ready;
static uint64_t switch_start[2], switch_end[2];

/* yielder - meet the other thread, then yield SWITCH_ITERS times. */
static int64_t yielder(void *arg)
{
	uint64_t id = (uint64_t)arg;
	__atomic_add_fetch(&switch_ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&switch_ready, __ATOMIC_SEQ_CST) < 2)
		sys_yield();
	switch_start[id] = rdtsc();
	for (int i = 0; i < SWITCH_ITERS; i++)
		sys_yield();
	switch_end[id] = rdtsc();
	return 0;
}

/* bench_switch - two threads yielding to each other: ticks per switch. */
static void bench_switch(void)
{
	int64_t a = thread_create(yielder, (void *)0);
	int64_t b = thread_create(yielder, (void *)1);
	if (a < 0 || b < 0) {
		printf("# bench: thread_create failed (%ld, %ld)\n", a, b);
		return;
	}
	thread_join(a, NULL);
	thread_join(b, NULL);
	uint64_t start = switch_start[0] < switch_start[1] ? switch_start[0] : switch_start[1];
	uint64_t end = switch_end[0] > switch_end[1] ? switch_end[0] : switch_end[1];
	report("user_thread_switch", end - start, 2 * SWITCH_ITERS);
}

static int64_t empty_thread(void *arg)
{
	return (int64_t)arg;
}

/* bench_thread - an extra thread of this process: create, run to its end, join. */
static void bench_thread(void)
{
	uint64_t t0 = rdtsc();
	for (int i = 0; i < THREAD_ITERS; i++) {
		int64_t v = -1, tid = thread_create(empty_thread, (void *)(uint64_t)i);
		if (tid < 0 || thread_join(tid, &v) < 0 || v != i) {
			printf("# bench: thread %d failed (tid %ld, value %ld)\n", i, tid, v);
			return;
		}
	}
	report("user_thread_create_join", rdtsc() - t0, THREAD_ITERS);
}

/* bench_spawn - spawn the `nop` program and wait for it: ticks per create+exit pair. */
static void bench_spawn(void)
{
	int64_t status = 0;
	uint64_t t0 = rdtsc();
	for (int i = 0; i < SPAWN_ITERS; i++) {
		int64_t pid = spawn("nop", 0);
		if (pid < 0 || wait(pid, &status) < 0 || status != 0) {
			printf("# bench: spawn nop failed (pid %ld, status %ld)\n", pid, status);
			return;
		}
	}
	report("user_spawn_exit", rdtsc() - t0, SPAWN_ITERS);
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	printf("# user benchmarks: TSC ticks per operation (instructions under -icount shift=0)\n");
	bench_null_syscall();
	bench_faults();
	bench_switch();
	bench_thread();
	bench_spawn();
	printf("BENCH-DONE\n");
	return 0;
}
