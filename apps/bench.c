/*
 * bench - user-side benchmarks in TSC ticks per operation, which under QEMU
 * -icount shift=0 are guest instructions. Prints `BENCH <name> <x.yy> <unit>` lines in
 * the kernel's format (kernel/test/kbench.c) and a final `BENCH-DONE`. Exit status 0.
 * Messages: a copy of this program (ARG 1) serves a port; the figures are a small round
 * trip (call + receive + reply), and beyond it the cost per 4 KiB page copied (4 KiB each
 * way) and per 4 KiB page granted (64 resident pages granted there and back).
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

static void report(const char *name, uint64_t ticks, uint64_t ops)
{
	report_unit(name, ticks, ops, "insns/op");
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
	printf("# user benchmarks: TSC ticks per operation (instructions under -icount shift=0)\n");
	bench_null_syscall();
	bench_faults();
	bench_switch();
	bench_spawn();
	bench_messages();
	printf("BENCH-DONE\n");
	return 0;
}
