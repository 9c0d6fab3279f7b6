/*
 * leaks - failure paths must give back every frame (issue 16 item 15). Run each mode alone
 * on a machine without swap; the scenario runner compares the kernel's free-frame count
 * before and after init, which catches a single lost frame. ARG = MODE:
 *   1  spawns that run out of memory: lock all but a few free frames, then give them back one
 *      page at a time, trying a spawn at each step, so that spawns fail with -QE_NOMEM at
 *      every point of process creation (and the last ones succeed).
 *   2  threads that run out of memory: the same with thread creation (up to four at each
 *      step), joining whatever was made.
 *   3  a small fork bomb: `leaks:3xx` spawns two copies of itself one level down until the
 *      process table is full, waits for them, and exits 0; the top one checks every spawn
 *      ended with -QE_AGAIN (or -QE_NOMEM) or a child that exited 0.
 * Prints "PASS leaks N" and exits 0 when every failure was a clean error and every child
 * and thread came back.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define CHUNK_PAGES 64
#define STEPS 160      /* pages given back one at a time while trying */
#define LEFT_FRAMES 12 /* free frames left when trying starts: fewer than any spawn needs */

static uint8_t *area;
static uint64_t locked; /* pages locked at area */

static uint64_t free_frames(void)
{
	struct quire_meminfo mi;
	return sys_meminfo(&mi) == 0 ? mi.free_frames : 0;
}

/* exhaust - lock pages at @area until only @left frames are free (QA_FREE itself needs a
 * few free frames for page tables, so memory is not taken to the last frame); returns 0, or
 * the error that stopped it earlier. */
static int64_t exhaust(uint64_t left, uint64_t max_pages)
{
	int64_t r = 0;
	locked = 0;
	while (r == 0 && locked + CHUNK_PAGES <= max_pages && free_frames() > left + 2 * CHUNK_PAGES &&
	       (r = area_lock(area + locked * PAGE_SIZE, CHUNK_PAGES * PAGE_SIZE)) == 0)
		locked += CHUNK_PAGES;
	while (r == 0 && locked < max_pages && free_frames() > left &&
	       (r = area_lock(area + locked * PAGE_SIZE, PAGE_SIZE)) == 0)
		locked++;
	return r;
}

/* give_back - free the last locked page. */
static void give_back(void)
{
	if (locked && area_free(area + (locked - 1) * PAGE_SIZE, PAGE_SIZE) == 0)
		locked--;
}

static int setup(void)
{
	struct quire_meminfo mi;
	sys_meminfo(&mi);
	uint64_t max = mi.total_frames + 1024;
	area = va_reserve(max * PAGE_SIZE, 2UL << 20);
	if (!area)
		return -1;
	int64_t r = exhaust(LEFT_FRAMES, max);
	printf("# leaks: %lu pages locked (%ld); %lu frames free\n", locked, r, free_frames());
	return r == 0 ? 0 : -1;
}

/* try_spawn - one spawn of @name with @arg; a child is waited for. Counts the outcomes. */
static void try_spawn(const char *name, uint64_t arg, unsigned *ok, unsigned *nomem, unsigned *bad)
{
	int64_t pid = spawn(name, arg), st = -1;
	if (pid == -QE_NOMEM)
		(*nomem)++;
	else if (pid >= 0 && wait(pid, &st) == 0 && (st == 0 || st == -1))
		(*ok)++; /* -1: it started but could not get its first pages (killed: out of memory) */
	else
		(*bad)++;
}

static int mode_spawn(void)
{
	test_check(setup() == 0, "exhausted", "could not lock the memory");
	unsigned ok = 0, nomem = 0, bad = 0;
	for (int step = 0; step < STEPS && locked; step++) {
		try_spawn("nop", 0, &ok, &nomem, &bad);
		try_spawn("fpu", 2, &ok, &nomem, &bad); /* a larger image; checks its registers, exits 0 */
		give_back();
	}
	printf("# spawns: %u started, %u refused with -QE_NOMEM, %u otherwise\n", ok, nomem, bad);
	test_check(nomem > 0 && ok > 0 && bad == 0, "spawn_failures_clean", "%u ok, %u nomem, %u bad", ok, nomem, bad);
	area_free(area, locked * PAGE_SIZE);
	return test_finish("leaks 1");
}

static volatile int release;

static int64_t parked(void *arg)
{
	(void)arg;
	while (!release)
		sys_yield();
	return 0;
}

static int mode_threads(void)
{
	test_check(setup() == 0, "exhausted", "could not lock the memory");
	static int64_t tids[4];
	unsigned made = 0, nomem = 0, again = 0, bad = 0;
	for (int step = 0; step < STEPS && locked; step++) {
		int n = 0;
		int64_t r = 0;
		release = 0;
		/* at most four at a time: a thread made gets its first stack page only when it first
		 * runs, and the kernel's reserve at creation covers a few such pages, not 64 */
		while (n < 4 && (r = thread_create(parked, NULL)) >= 0)
			tids[n++] = r;
		nomem += r == -QE_NOMEM;
		again += r == -QE_AGAIN;
		bad += r < 0 && r != -QE_NOMEM && r != -QE_AGAIN;
		release = 1;
		for (int i = 0; i < n; i++)
			bad += thread_join(tids[i], NULL) != 0;
		made += (unsigned)n;
		give_back();
	}
	printf("# threads: %u made; refusals: %u -QE_NOMEM, %u -QE_AGAIN, %u other\n", made, nomem, again, bad);
	test_check(nomem > 0 && made > 0 && bad == 0, "thread_failures_clean", "%u made, %u nomem, %u bad", made, nomem, bad);
	area_free(area, locked * PAGE_SIZE);
	return test_finish("leaks 2");
}

/* mode_bomb - spawn two copies one level down, wait for them. @depth left. */
static int mode_bomb(uint64_t depth, int top)
{
	int64_t pid[2] = { -1, -1 }, r[2] = { 0, 0 };
	unsigned bad = 0;
	for (int i = 0; i < 2 && depth > 0; i++) {
		pid[i] = spawn("leaks", 300 + depth - 1);
		r[i] = pid[i];
		if (pid[i] < 0 && pid[i] != -QE_AGAIN && pid[i] != -QE_NOMEM)
			bad++;
	}
	for (int i = 0; i < 2; i++) {
		int64_t st = -1;
		if (pid[i] >= 0 && (wait(pid[i], &st) != 0 || st != 0))
			bad++;
	}
	if (!top)
		return bad ? 1 : 0;
	printf("# fork bomb: top spawns %ld and %ld\n", r[0], r[1]);
	test_check(bad == 0, "bomb_clean", "%u spawns or children failed", bad);
	return test_finish("leaks 3");
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)info;
	if (arg == 1)
		return mode_spawn();
	if (arg == 2)
		return mode_threads();
	if (arg == 3)
		return mode_bomb(7, 1);
	if (arg >= 300 && arg < 310)
		return mode_bomb(arg - 300, 0);
	printf("FAIL leaks: unknown mode %lu\n", arg);
	return 1;
}
