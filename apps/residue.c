/*
 * residue - no data outlives its process (specs/isolation.md, "Memory"): a frame or swap
 * block one process used reaches the next one holding nothing of it. ARG = MODE:
 *   1  the driver: runs two `residue:2` writers at once, waits for them, then runs a
 *      `residue:3` reader, and checks every child exited 0.
 *      "PASS residue", exit 0.
 *   2  a writer: fills 12 MiB of its heap, its stack and a locked area with marker words
 *      naming itself (some of it goes to swap on a small machine), then exits 0.
 *   3  a reader: takes 24 MiB of demand memory (more than a small machine's RAM, so it
 *      reuses the writers' frames and swap blocks) and checks each page reads as zero
 *      before it writes it, and that its own pages read back right after; exit 0, or 1 with
 *      the first pages that held something.
 */
#include "quire.h"

APP_NOTE(QUIRE_NOTE_MIB(64), QUIRE_NOTE_KIB(64));

#define MIB (1UL << 20)
#define WRITE_BYTES (12 * MIB)
#define READ_BYTES (24 * MIB)
#define LOCK_BYTES (1 * MIB)
#define TAG 0x5245534944554531ull /* "RESIDUE1" */

static uint64_t mark(uint64_t pid, uint64_t i)
{
	return TAG ^ (pid << 40) ^ i;
}

static void fill(uint64_t *p, size_t nwords, uint64_t pid)
{
	for (size_t i = 0; i < nwords; i++)
		p[i] = mark(pid, i);
}

static int writer(uint64_t pid)
{
	uint64_t *heap = malloc(WRITE_BYTES);
	void *locked = va_reserve(LOCK_BYTES, PAGE_SIZE);
	volatile uint64_t stack[1024];
	if (!heap || !locked || area_lock(locked, LOCK_BYTES) < 0) {
		printf("FAIL residue writer %lu: no memory to fill\n", pid);
		return 1;
	}
	fill(heap, WRITE_BYTES / 8, pid);
	fill(locked, LOCK_BYTES / 8, pid);
	uint64_t sum = 0;
	for (size_t i = 0; i < 1024; i++)
		stack[i] = mark(pid, i);
	for (size_t i = 0; i < 1024; i++)
		sum += stack[i];
	printf("# residue: writer %lu filled %lu MiB (stack sum %#lx)\n", pid, (WRITE_BYTES + LOCK_BYTES) >> 20, sum);
	return 0; /* exit with everything still filled: the kernel frees it */
}

static int reader(uint64_t pid)
{
	uint8_t *area = va_reserve(READ_BYTES, 2 * MIB);
	if (!area || area_demand(area, READ_BYTES, QP_RW) < 0) {
		printf("FAIL residue reader: no area\n");
		return 1;
	}
	unsigned dirty = 0;
	for (size_t off = 0; off < READ_BYTES; off += PAGE_SIZE) {
		const uint64_t *w = (const uint64_t *)(area + off);
		for (size_t i = 0; i < PAGE_SIZE / 8; i++) {
			if (w[i] && dirty++ < 4)
				printf("# residue: page at %p word %lu holds %#lx\n", (void *)w, i, w[i]);
			if (w[i])
				break;
		}
		fill((uint64_t *)(area + off), PAGE_SIZE / 8, pid); /* make it dirty: it may be swapped */
	}
	unsigned lost = 0;
	for (size_t off = 0; off < READ_BYTES; off += PAGE_SIZE)
		lost += ((const uint64_t *)(area + off))[7] != mark(pid, 7);
	printf("# residue: reader saw %u pages not zero, %u of its own pages wrong\n", dirty, lost);
	return dirty || lost ? 1 : 0;
}

static int driver(void)
{
	int64_t w1 = spawn("residue", 2), w2 = spawn("residue", 2), s1 = -1, s2 = -1, s3 = -1;
	int ok = w1 > 0 && w2 > 0 && wait(w1, &s1) == 0 && wait(w2, &s2) == 0;
	test_check(ok && s1 == 0 && s2 == 0, "writers", "writers %ld %ld ended %ld %ld", w1, w2, s1, s2);
	int64_t r = spawn("residue", 3);
	test_check(r > 0 && wait(r, &s3) == 0 && s3 == 0, "reader", "reader %ld ended %ld", r, s3);
	return test_finish("residue");
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	switch (arg) {
	case 1: return driver();
	case 2: return writer(info->pid);
	case 3: return reader(info->pid);
	default: printf("FAIL residue: unknown mode %lu\n", arg); return 1;
	}
}
