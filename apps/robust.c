/*
 * robust - regression checks for the system-call findings of issues 16 and 17 (run it
 * alone: it fills the process table). ARG = MODE:
 *   1  the checks below; "PASS robust" and exit 0 when all hold.
 *   2  a child for them: sleeps 100 ms, exits 5.
 * Checks:
 *   - two threads joining one thread: one gets its value, the other -QE_SRCH (no double
 *     free); two threads waiting for one child: likewise;
 *   - ids that do not fit in 32 bits name nobody: join(tid + 2^32), wait(pid + 2^32) give
 *     -QE_SRCH and the real id still works after;
 *   - SYS_WRITE checks the whole buffer before writing a byte (a buffer whose second page
 *     is unmapped prints nothing), pointer checks before the fd check, length 0 returns 0
 *     without looking at the buffer;
 *   - the thread limit and the process limit give -QE_AGAIN, and everything comes back;
 *   - `init` spawned with a number (not its list) says so and exits 1, it is not killed;
 *   - SYS_SLEEP of 0 only yields; one of 2^64 - 1 ms does not wrap round to a short sleep.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define ID_HIGH (1UL << 32)

/* ---- two joiners, two waiters ---- */
static int64_t sleeper(void *arg)
{
	sleep_ms(100);
	return (int64_t)(uint64_t)arg;
}

struct joiner {
	int64_t tid, result, value;
};

static int64_t join_it(void *arg)
{
	struct joiner *j = arg;
	j->value = -1;
	j->result = thread_join(j->tid, &j->value);
	return 0;
}

static int64_t wait_it(void *arg)
{
	struct joiner *j = arg;
	j->value = -1;
	j->result = wait(j->tid, &j->value);
	return 0;
}

/* race_two - two threads of this process run @fn on the same @id; exactly one must get 0
 * and @want, the other -QE_SRCH. */
static void race_two(const char *name, thread_fn fn, int64_t id, int64_t want)
{
	static struct joiner j[2];
	int64_t t[2];
	for (int i = 0; i < 2; i++) {
		j[i].tid = id;
		t[i] = thread_create(fn, &j[i]);
	}
	for (int i = 0; i < 2; i++)
		thread_join(t[i], NULL);
	int won = (j[0].result == 0) + (j[1].result == 0);
	int lost = (j[0].result == -QE_SRCH) + (j[1].result == -QE_SRCH);
	int64_t v = j[0].result == 0 ? j[0].value : j[1].value;
	test_check(won == 1 && lost == 1 && v == want, name, "results %ld and %ld, value %ld (want one 0 with %ld, one -QE_SRCH)",
		   j[0].result, j[1].result, v, want);
}

static void test_double(void)
{
	int64_t tid = thread_create(sleeper, (void *)7);
	race_two("double_join", join_it, tid, 7);
	int64_t v;
	test_check(thread_join(tid, &v) == -QE_SRCH, "join_after_join", "a third join did not get -QE_SRCH");
	int64_t pid = spawn("robust", 2);
	race_two("double_wait", wait_it, pid, 5);
	test_check(wait(pid, &v) == -QE_SRCH, "wait_after_wait", "a third wait did not get -QE_SRCH");
}

/* ---- ids above 32 bits ---- */
static void test_high_ids(void)
{
	int64_t v = -1, st = -1;
	int64_t tid = thread_create(sleeper, (void *)9);
	int64_t r = sys_thread_join(tid + (int64_t)ID_HIGH, &v);
	test_check(r == -QE_SRCH, "join_high_id", "join(tid + 2^32) returned %ld", r);
	r = sys_thread_join(tid - (int64_t)ID_HIGH, &v);
	test_check(r == -QE_SRCH, "join_negative_id", "join(tid - 2^32) returned %ld", r);
	r = thread_join(tid, &v);
	test_check(r == 0 && v == 9, "join_real_id", "then join(tid) returned %ld value %ld", r, v);
	int64_t pid = spawn("robust", 2);
	r = sys_wait(pid + (int64_t)ID_HIGH, &st);
	test_check(r == -QE_SRCH, "wait_high_id", "wait(pid + 2^32) returned %ld", r);
	r = sys_wait(pid - (int64_t)ID_HIGH, &st);
	test_check(r == -QE_SRCH, "wait_negative_id", "wait(pid - 2^32) returned %ld", r);
	r = wait(pid, &st);
	test_check(r == 0 && st == 5, "wait_real_id", "then wait(pid) returned %ld status %ld", r, st);
}

/* ---- SYS_WRITE: no side effect on failure, order of checks, length 0 ---- */
static void test_write(void)
{
	char *buf = va_reserve(2 * PAGE_SIZE, PAGE_SIZE); /* page 1 mapped, page 2 not */
	if (!buf || area_demand(buf, PAGE_SIZE, QP_RW) < 0) {
		test_check(0, "write_setup", "no buffer");
		return;
	}
	static const char line[] = "robust: this text must never be printed\n";
	for (size_t i = 0; i + sizeof line - 1 <= PAGE_SIZE; i += sizeof line - 1)
		memcpy(buf + i, line, sizeof line - 1);
	int64_t r = sys_write(1, buf, 2 * PAGE_SIZE);
	test_check(r == -QE_FAULT, "write_second_page_unmapped", "returned %ld", r);
	r = sys_write(1, buf + PAGE_SIZE - 16, 32);
	test_check(r == -QE_FAULT, "write_straddles_into_unmapped", "returned %ld", r);
	r = sys_write(7, NULL, 16);
	test_check(r == -QE_FAULT, "write_bad_fd_null", "write(7, NULL, 16) returned %ld", r);
	r = sys_write(7, buf + PAGE_SIZE, 16);
	test_check(r == -QE_FAULT, "write_bad_fd_unmapped", "returned %ld", r);
	r = sys_write(7, buf, 16);
	test_check(r == -QE_INVAL, "write_bad_fd", "returned %ld", r);
	r = sys_write(1, NULL, 0);
	test_check(r == 0, "write_len0_null", "write(1, NULL, 0) returned %ld", r);
	r = sys_write(2, (void *)0xFFFF800000000000UL, 0);
	test_check(r == 0, "write_len0_kernel", "write(2, kernel, 0) returned %ld", r);
	r = sys_write(7, NULL, 0);
	test_check(r == -QE_INVAL, "write_len0_bad_fd", "write(7, NULL, 0) returned %ld", r);
}

/* ---- limits ---- */
static volatile int release;

static int64_t parked(void *arg)
{
	(void)arg;
	while (!release)
		sys_yield();
	return 1;
}

static void test_thread_limit(void)
{
	static int64_t tids[80];
	int n = 0;
	int64_t r = 0;
	release = 0;
	while (n < 80 && (r = thread_create(parked, NULL)) >= 0)
		tids[n++] = r;
	release = 1;
	int joined = 0;
	for (int i = 0; i < n; i++)
		joined += thread_join(tids[i], NULL) == 0;
	printf("# thread limit: %d threads made, then %ld\n", n, r);
	test_check(r == -QE_AGAIN, "thread_limit_again", "after %d threads: %ld, want -QE_AGAIN", n, r);
	test_check(joined == n, "thread_limit_joined", "%d of %d joined", joined, n);
	r = thread_create(sleeper, (void *)3);
	int64_t v = -1;
	test_check(r >= 0 && thread_join(r, &v) == 0 && v == 3, "thread_after_limit", "create %ld value %ld", r, v);
}

static void test_process_limit(void)
{
	static int64_t pids[80];
	int n = 0;
	int64_t r = 0;
	while (n < 80 && (r = spawn("nop", 0)) >= 0) /* ended children keep their slot until waited */
		pids[n++] = r;
	int waited = 0;
	for (int i = 0; i < n; i++) {
		int64_t st = -1;
		waited += wait(pids[i], &st) == 0 && st == 0;
	}
	printf("# process limit: %d processes made, then %ld\n", n, r);
	test_check(r == -QE_AGAIN, "process_limit_again", "after %d spawns: %ld, want -QE_AGAIN", n, r);
	test_check(waited == n, "process_limit_waited", "%d of %d waited for", waited, n);
	int64_t st = -1;
	r = spawn("nop", 0);
	test_check(r >= 0 && wait(r, &st) == 0 && st == 0, "spawn_after_limit", "spawn %ld status %ld", r, st);
}

/* ---- SYS_SLEEP: 0 only yields; a huge value does not wrap round to a short sleep ---- */
static volatile int slept;

static int64_t sleep_forever(void *arg)
{
	(void)arg;
	sys_sleep(~0UL); /* ends when the process does */
	slept = 1;
	return 0;
}

static void test_sleep(void)
{
	int64_t t0 = sys_ticks();
	for (int i = 0; i < 50; i++)
		sys_sleep(0);
	int64_t dt = sys_ticks() - t0;
	test_check(dt < 25, "sleep_0_yields", "50 sleeps of 0 ms took %ld ticks", dt);
	int64_t tid = thread_create(sleep_forever, NULL);
	sleep_ms(100);
	test_check(tid >= 0 && !slept, "sleep_huge_stays", "a sleep of 2^64-1 ms returned within 100 ms");
}

/* ---- init must not trust its argument ---- */
static void test_init_arg(void)
{
	static const uint64_t args[] = { 12345, 0xFFFF800000000000UL, 0x500000, 0x7FFFFFFFFFF8UL };
	for (unsigned i = 0; i < sizeof args / sizeof args[0]; i++) {
		int64_t st = 99, pid = spawn("init", args[i]);
		int64_t r = pid < 0 ? pid : wait(pid, &st);
		char name[32];
		snprintf(name, sizeof name, "init_arg_%#lx", args[i]);
		test_check(r == 0 && st == 1, name, "spawn %ld, wait %ld, status %ld (want 1: refused, not killed)",
			   pid, r, st);
	}
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	if (arg == 2) {
		sleep_ms(100);
		return 5;
	}
	printf("robust: pid %lu\n", info->pid);
	test_double();
	test_high_ids();
	test_write();
	test_thread_limit();
	test_process_limit();
	test_init_arg();
	test_sleep(); /* last: its thread sleeps until the process ends */
	return test_finish("robust");
}
