/*
 * bench - user-side benchmarks in TSC ticks per operation, which under QEMU
 * -icount shift=0 are guest instructions. Prints `BENCH <name> <x.yy> <unit>` lines in
 * the kernel's format (kernel/test/kbench.c) and a final `BENCH-DONE`. Exit status 0.
 * Messages: a copy of this program (ARG 1) serves a port; the figures are a small round
 * trip (call + receive + reply), and beyond it the cost per 4 KiB page copied (4 KiB each
 * way) and per 4 KiB page granted (64 resident pages granted there and back).
 * With argument 2 (profile mode, tests/bench/insnprof.py) each timed loop runs fewer times
 * between calls of prof_begin and prof_end, and a `# profile NAME OPS` line before it says
 * which loop the instructions between the two belong to.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define SYSCALL_ITERS 10000
#define FAULT_PAGES 1024
#define SWITCH_ITERS 2000
#define SPAWN_ITERS 20
#define MSG_ITERS 2000
#define COPY_ITERS 1000
#define GRANT_ITERS 200
#define GRANT_PAGES 64
#define MSG_PORT "bench.msg"

static void report_unit(const char *name, uint64_t ticks, uint64_t ops, const char *unit)
{
	uint64_t x100 = ticks * 100 / ops;
	printf("BENCH %s %lu.%02lu %s\n", name, x100 / 100, x100 % 100, unit);
}

#define THREAD_ITERS 50

static int profiling; /* profile mode: fewer iterations, markers around the loops */

/* prof_begin, prof_end - the markers insnprof.py counts between (by their addresses). */
void prof_begin(void);
void prof_end(void);

__attribute__((noinline)) void prof_begin(void)
{
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void prof_end(void)
{
	__asm__ volatile("" ::: "memory");
}

/* iters - @n, or @p in profile mode (with its `# profile` line). */
static int iters(const char *name, int n, int p)
{
	if (!profiling)
		return n;
	printf("# profile %s %d\n", name, p);
	return p;
}

static void report(const char *name, uint64_t ticks, uint64_t ops)
{
	report_unit(name, ticks, ops, "insns/op");
}

/* bench_null_syscall - SYS_GETPID round trips. */
static void bench_null_syscall(void)
{
	int n = iters("syscall", SYSCALL_ITERS, 100);
	sys_getpid();
	prof_begin();
	uint64_t t0 = rdtsc();
	for (int i = n; i; i--) /* counts down: the loop costs what the constant-bound one did */
		sys_getpid();
	uint64_t t1 = rdtsc();
	prof_end();
	report("user_null_syscall", t1 - t0, (uint64_t)n);
}

/* bench_faults - first touches of a demand area (fault + zero-fill), then re-touches. */
static void bench_faults(void)
{
	int n = iters("fault", FAULT_PAGES, 256);
	unsigned char *p = va_reserve(FAULT_PAGES * PAGE_SIZE, 2 * 1024 * 1024);
	if (!p || area_demand(p, FAULT_PAGES * PAGE_SIZE, QP_RW) < 0) {
		printf("# bench: no demand area\n");
		return;
	}
	struct quire_perfinfo z0, z1;
	sys_perfinfo(&z0);
	prof_begin();
	uint64_t t0 = rdtsc();
	for (int i = 0; i < n; i++)
		*(volatile unsigned char *)(p + (uint64_t)i * PAGE_SIZE) = 1;
	uint64_t t1 = rdtsc();
	prof_end();
	sys_perfinfo(&z1);
	if (z1.prezeroed_faults != z0.prezeroed_faults) /* the figure is zeroing included */
		printf("# bench: %lu of these faults took frames zeroed in idle time\n",
		       z1.prezeroed_faults - z0.prezeroed_faults);
	uint64_t best = ~0ull; /* re-touch: the best of three passes, so that a timer tick in one
				* (a few hundred instructions) is not taken for the cost of a touch */
	for (int pass = 0; pass < 3; pass++) {
		uint64_t r0 = rdtsc();
		for (int i = 0; i < n; i++)
			*(volatile unsigned char *)(p + (uint64_t)i * PAGE_SIZE) = (unsigned char)(2 + pass);
		uint64_t r1 = rdtsc();
		best = r1 - r0 < best ? r1 - r0 : best;
	}
	report("user_demand_fault", t1 - t0, (uint64_t)n);
	report("user_retouch", best, (uint64_t)n);
	area_free(p, FAULT_PAGES * PAGE_SIZE);
}

/* bench_prezeroed - demand-zero faults after the CPU idled (100 ms asleep): their frames were
 * zeroed in idle time (the kernel keeps up to 256): zeroing moved off the fault path. */
static void bench_prezeroed(void)
{
	const int n = 256;
	unsigned char *p = va_reserve((uint64_t)n * PAGE_SIZE, 2 * 1024 * 1024);
	if (!p || area_demand(p, (uint64_t)n * PAGE_SIZE, QP_RW) < 0) {
		printf("# bench: no demand area\n");
		return;
	}
	*(volatile unsigned char *)p = 1; /* the page table first (not timed) */
	sleep_ms(100);
	struct quire_perfinfo z0, z1;
	sys_perfinfo(&z0);
	uint64_t t0 = rdtsc();
	for (int i = 1; i < n; i++)
		*(volatile unsigned char *)(p + (uint64_t)i * PAGE_SIZE) = 1;
	uint64_t t1 = rdtsc();
	sys_perfinfo(&z1);
	printf("# %lu of %d faults took a frame zeroed in idle time\n", z1.prezeroed_faults - z0.prezeroed_faults, n - 1);
	report("user_demand_fault_prezeroed", t1 - t0, (uint64_t)n - 1);
	area_free(p, (uint64_t)n * PAGE_SIZE);
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

/* bench_thread - an extra thread of this process: create, run to its end, join (after one
 * such thread untimed: the process's first extra thread builds what the next ones reuse). */
static void bench_thread(void)
{
	int n = iters("thread", THREAD_ITERS, 10);
	int64_t first = thread_create(empty_thread, 0); /* the first costs more: it makes the spare */
	if (first < 0 || thread_join(first, 0) < 0) {
		printf("# bench: first thread failed (%ld)\n", first);
		return;
	}
	prof_begin();
	uint64_t t0 = rdtsc();
	for (int i = 0; i < n; i++) {
		int64_t v = -1, tid = thread_create(empty_thread, (void *)(uint64_t)i);
		if (tid < 0 || thread_join(tid, &v) < 0 || v != i) {
			printf("# bench: thread %d failed (tid %ld, value %ld)\n", i, tid, v);
			return;
		}
	}
	uint64_t t1 = rdtsc();
	prof_end();
	report("user_thread_create_join", t1 - t0, (uint64_t)n);
}

/* bench_spawn - spawn the `nop` program and wait for it: ticks per create+exit pair (after
 * one untimed). */
static void bench_spawn(void)
{
	int64_t status = 0;
	int n = iters("spawn", SPAWN_ITERS, 4);
	int64_t first = spawn("nop", 0); /* as for threads: time the ones after the first */
	if (first < 0 || wait(first, &status) < 0) {
		printf("# bench: first spawn of nop failed (%ld)\n", first);
		return;
	}
	prof_begin();
	uint64_t t0 = rdtsc();
	for (int i = 0; i < n; i++) {
		int64_t pid = spawn("nop", 0);
		if (pid < 0 || wait(pid, &status) < 0 || status != 0) {
			printf("# bench: spawn nop failed (pid %ld, status %ld)\n", pid, status);
			return;
		}
	}
	uint64_t t1 = rdtsc();
	prof_end();
	report("user_spawn_exit", t1 - t0, (uint64_t)n);
}

/* msg_server - ARG 1: answer every call with as many bytes as it brought, and grant back
 * the pages it granted (they arrive in one window); "quit" ends it. */
static int msg_server(void)
{
	static char buf[QUIRE_MSG_MAX];
	int64_t port = port_create(MSG_PORT);
	void *win = va_reserve(GRANT_PAGES * PAGE_SIZE, 2 * 1024 * 1024);
	for (;;) {
		struct quire_msg m = { .data = (uint64_t)buf, .len = sizeof buf, .grant_va = (uint64_t)win,
				       .grant_len = GRANT_PAGES * PAGE_SIZE };
		int64_t n = port < 0 || !win ? -1 : sys_msg_receive(port, &m, QUIRE_WAIT_FOREVER);
		if (n < 0)
			return 1;
		struct quire_msg r = { .data = (uint64_t)buf, .len = (uint64_t)n, .grant_va = (uint64_t)win,
				       .grant_len = m.grant_len };
		sys_msg_reply(m.token, &r);
		if (n == 4 && !memcmp(buf, "quit", 4))
			return 0;
	}
}

/* timed_calls - @iters calls sending @len bytes (and granting @grant_len from @grant, which
 * comes back in the reply); TSC ticks, or 0 when a call failed. */
static uint64_t timed_calls(int64_t port, uint64_t iters, void *data, uint64_t len, void *grant, uint64_t grant_len)
{
	uint64_t t0 = rdtsc();
	for (uint64_t i = 0; i < iters; i++) {
		struct quire_msg s = { .data = (uint64_t)data, .len = len, .grant_va = (uint64_t)grant, .grant_len = grant_len };
		struct quire_msg r = { .data = (uint64_t)data, .len = len, .grant_va = (uint64_t)grant, .grant_len = grant_len };
		int64_t n = sys_msg_call(port, &s, &r);
		if (n != (int64_t)len || r.grant_len != grant_len) {
			printf("# bench: message call %lu failed: %ld (%s)\n", i, n, n < 0 ? qerror_name(n) : "short");
			return 0;
		}
	}
	return rdtsc() - t0;
}

/* bench_messages - round trips to a server process: small, 4 KiB copied, 64 pages granted. */
static void bench_messages(void)
{
	static char page[PAGE_SIZE];
	int64_t spid = spawn("bench", 1), st = -1, port = port_wait_open(MSG_PORT, 5000);
	uint64_t *area = va_reserve(GRANT_PAGES * PAGE_SIZE, 2 * 1024 * 1024);
	if (spid < 0 || port < 0 || !area || area_demand(area, GRANT_PAGES * PAGE_SIZE, QP_RW) < 0) {
		printf("# bench: no message server (spawn %ld, port %ld)\n", spid, port);
		return;
	}
	for (uint64_t p = 0; p < GRANT_PAGES; p++)
		area[p * PAGE_SIZE / 8] = p; /* resident and dirty */
	timed_calls(port, 20, page, 8, 0, 0); /* warm up */
	uint64_t rt = timed_calls(port, MSG_ITERS, page, 8, 0, 0);
	uint64_t cp = timed_calls(port, COPY_ITERS, page, PAGE_SIZE, 0, 0);
	uint64_t gr = timed_calls(port, GRANT_ITERS, page, 8, area, GRANT_PAGES * PAGE_SIZE);
	msg_call(port, "quit", 4, page, sizeof page);
	wait(spid, &st);
	uint64_t rt1 = rt / MSG_ITERS;
	if (rt)
		report("msg_roundtrip", rt, MSG_ITERS);
	if (rt && cp) /* beyond the round trip: one page copied in, one out */
		report_unit("msg_copy_page", cp - rt1 * COPY_ITERS, 2 * COPY_ITERS, "insns/page");
	if (rt && gr) /* beyond the round trip: 64 pages granted there and 64 back */
		report_unit("msg_grant_page", gr - rt1 * GRANT_ITERS, 2 * GRANT_PAGES * GRANT_ITERS, "insns/page");
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)info;
	if (arg == 1)
		return msg_server();
	profiling = arg == 2;
	printf("# user benchmarks: TSC ticks per operation (instructions under -icount shift=0)%s\n",
	       profiling ? ", profile mode" : "");
	bench_null_syscall();
	bench_faults();
	if (!profiling) {
		bench_prezeroed();
		bench_switch();
	}
	bench_thread();
	bench_spawn();
	bench_messages();
	printf("BENCH-DONE\n");
	return 0;
}
