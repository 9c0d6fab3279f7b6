/*
 * vmrace - threads racing on the kernel's memory paths while other processes push pages to
 * swap (run it beside swappers on a small machine). ARG = MODE:
 *   1  checked copies: two threads each make the kernel copy into (SYS_MEMINFO) and out of
 *      (SYS_WRITE of 16 bytes) user buffers that straddle two pages, over and over, while
 *      those pages are being swapped out: a copy sleeps on the disk in the middle; the
 *      other thread's copies must not disturb it (per-thread fault-catch state).
 *   2  faults racing on page tables and pages: four threads touch the same pages of one
 *      allocate-on-demand 1 GiB area (one upper-level mark, split by the first fault in
 *      each 2 MiB piece) under memory pressure, each its own word; each checks its words;
 *      the area is freed and made again three times.
 *   3  QA_LOCK keeps contents: pages written (some pushed to swap meanwhile) are locked;
 *      every byte must still be there, and the locked pages must stay while others swap.
 * Prints "PASS vmrace N" and exits 0 when every check held.
 */
#include "quire.h"

APP_NOTE(QUIRE_NOTE_MIB(64), QUIRE_NOTE_KIB(64));

#define MIB (1UL << 20)
#define GIB (1UL << 30)

static uint64_t pattern(uint64_t tag, uint64_t page)
{
	return (tag << 40) ^ (page * 0x9E3779B97F4A7C15ull) ^ 0x7661636Full;
}

/* ---- mode 1: checked copies into swapped-out buffers ---- */
#define COPY_PAGES 3072 /* 12 MiB per thread: two processes of two threads hold 48 MiB */
#define COPY_ROUNDS 2

struct copier {
	volatile uint8_t *buf;
	uint64_t tag, calls, errors;
};

/* copier_run - fill the pages, then make the kernel copy across every page boundary. */
static int64_t copier_run(void *arg)
{
	struct copier *c = arg;
	for (uint64_t p = 0; p < COPY_PAGES; p++) /* mid-page: clear of the copies at the edges */
		*(volatile uint64_t *)(c->buf + p * PAGE_SIZE + 2048) = pattern(c->tag, p);
	for (int round = 0; round < COPY_ROUNDS; round++) {
		for (uint64_t p = 0; p + 1 < COPY_PAGES; p += 1 + (uint64_t)round) {
			uint8_t *edge = (uint8_t *)c->buf + (p + 1) * PAGE_SIZE;
			struct quire_meminfo *mi = (struct quire_meminfo *)(edge - 16);
			if (sys_meminfo(mi) < 0 || mi->total_frames == 0)
				c->errors++;
			if ((p & 63) == 0) {
				memcpy(edge - 8, "vmrace: ", 8);
				memcpy(edge, "copy ok\n", 8);
				if (sys_write(1, edge - 8, 16) != 16)
					c->errors++;
			}
			c->calls++;
		}
	}
	for (uint64_t p = 0; p < COPY_PAGES; p++)
		if (*(volatile uint64_t *)(c->buf + p * PAGE_SIZE + 2048) != pattern(c->tag, p))
			c->errors++;
	return (int64_t)c->errors;
}

/* Shared with the threads: in process space (a thread's stack is in its own thread space,
 * which the other threads cannot see). */
static struct copier c[2];

static int mode_copies(uint64_t pid)
{
	int64_t tid[2];
	for (int i = 0; i < 2; i++) {
		c[i].buf = va_reserve(COPY_PAGES * PAGE_SIZE, 2 * MIB);
		c[i].tag = pid * 2 + (uint64_t)i;
		c[i].calls = c[i].errors = 0;
		if (!c[i].buf || area_demand((void *)c[i].buf, COPY_PAGES * PAGE_SIZE, QP_RW) < 0) {
			printf("FAIL vmrace 1: no buffer\n");
			return 1;
		}
	}
	for (int i = 0; i < 2; i++)
		tid[i] = thread_create(copier_run, &c[i]);
	for (int i = 0; i < 2; i++) {
		int64_t v = -1;
		int64_t j = tid[i] >= 0 ? thread_join(tid[i], &v) : tid[i];
		test_check(j == 0 && v == 0, "copier", "thread %d (tid %ld, join %ld): %lu calls, %lu errors", i,
			   tid[i], j, c[i].calls, c[i].errors);
	}
	return 0;
}

/* ---- mode 2: faults racing to split one upper-level mark ---- */
#define FAULT_THREADS 4
#define FAULT_PIECES 512 /* 2 MiB pieces of the 1 GiB area */
#define FAULT_PAGES 12   /* pages per piece, touched by every thread: 24 MiB in all */
#define FAULT_ROUNDS 3   /* demand, touch, verify, free: the marks are split afresh each round */

struct toucher {
	volatile uint64_t *area;
	int index;
	uint64_t bad;
};

/* toucher_run - every thread writes its own word in the same pages (FAULT_PAGES in each
 * 2 MiB piece), so faults of several threads land on one page at once; then each checks its
 * words: a page mapped twice (the second frame replacing the first) loses the others' words. */
static int64_t toucher_run(void *arg)
{
	struct toucher *t = arg;
	const uint64_t words_per_piece = (2 * MIB) / 8, page_words = PAGE_SIZE / 8;
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t n = 0; n < FAULT_PIECES; n++) {
			uint64_t k = (n + (uint64_t)t->index * 7) % FAULT_PIECES; /* start apart, then meet */
			for (uint64_t j = 0; j < FAULT_PAGES; j++) {
				uint64_t i = k * words_per_piece + j * page_words + (uint64_t)t->index * 8;
				if (pass == 0)
					t->area[i] = pattern((uint64_t)t->index + 1, k * FAULT_PAGES + j);
				else
					t->bad += t->area[i] != pattern((uint64_t)t->index + 1, k * FAULT_PAGES + j);
			}
		}
	}
	return (int64_t)t->bad;
}

static struct toucher t[FAULT_THREADS]; /* process space, as c[] above */

static int mode_faults(void)
{
	volatile uint64_t *area = va_reserve(GIB, GIB);
	int64_t tid[FAULT_THREADS];
	if (!area) {
		printf("FAIL vmrace 2: no 1 GiB of addresses\n");
		return 1;
	}
	for (int round = 0; round < FAULT_ROUNDS; round++) {
		test_check(area_demand((void *)area, GIB, QP_RW) == 0, "demand", "round %d: area_demand", round);
		for (int i = 0; i < FAULT_THREADS; i++) {
			t[i] = (struct toucher){ .area = area, .index = i, .bad = 0 };
			tid[i] = thread_create(toucher_run, &t[i]);
		}
		for (int i = 0; i < FAULT_THREADS; i++) {
			int64_t v = -1;
			test_check(tid[i] >= 0 && thread_join(tid[i], &v) == 0 && v == 0, "toucher",
				   "round %d thread %d: %lu wrong words", round, i, t[i].bad);
		}
		test_check(area_free((void *)area, GIB) == 0, "free", "round %d: area_free", round);
	}
	return 0;
}

/* ---- mode 3: QA_LOCK keeps what the pages hold ---- */
#define LOCK_PAGES 2048 /* 8 MiB: some of it goes to swap before the lock */

static int mode_lock(uint64_t pid)
{
	volatile uint64_t *area = va_reserve(LOCK_PAGES * PAGE_SIZE, 2 * MIB);
	const uint64_t pw = PAGE_SIZE / 8;
	if (!area || area_demand((void *)area, LOCK_PAGES * PAGE_SIZE, QP_RW) < 0) {
		printf("FAIL vmrace 3: no area\n");
		return 1;
	}
	for (uint64_t p = 0; p < LOCK_PAGES; p++) /* every other page written, the rest untouched */
		if (p % 2 == 0)
			area[p * pw] = pattern(pid, p);
	sleep_ms(300); /* the swappers beside us push some of them out */
	int64_t r = area_lock((void *)area, LOCK_PAGES * PAGE_SIZE);
	test_check(r == 0, "lock", "area_lock returned %ld", r);
	uint64_t bad = 0, zero_bad = 0;
	for (uint64_t p = 0; p < LOCK_PAGES; p++) {
		if (p % 2 == 0)
			bad += area[p * pw] != pattern(pid, p);
		else
			zero_bad += area[p * pw + 7] != 0;
	}
	test_check(bad == 0, "kept", "%lu of %d written pages lost their contents", bad, LOCK_PAGES / 2);
	test_check(zero_bad == 0, "zero", "%lu untouched pages were not zero", zero_bad);
	struct quire_swapinfo s0, s1;
	sys_swapinfo(&s0);
	sleep_ms(300);
	for (uint64_t p = 0; p < LOCK_PAGES; p++)
		bad += p % 2 == 0 && area[p * pw] != pattern(pid, p);
	sys_swapinfo(&s1);
	test_check(bad == 0 && s1.process.swap_ins - s0.process.swap_ins < 16, "stays",
		   "%lu wrong after waiting, %lu swap-ins", bad, s1.process.swap_ins - s0.process.swap_ins);
	return 0;
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	char name[16];
	if (arg_number(arg, info, &arg) < 0)
		return 2;
	snprintf(name, sizeof name, "vmrace %lu", arg);
	int early;
	switch (arg) {
	case 1: early = mode_copies(info->pid); break;
	case 2: early = mode_faults(); break;
	case 3: early = mode_lock(info->pid); break;
	default: printf("FAIL vmrace: unknown mode %lu\n", arg); return 1;
	}
	return early ? early : test_finish(name);
}
