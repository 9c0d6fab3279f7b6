/*
 * memhog - takes memory until it is refused, checks the refusal is clean, gives it all back.
 * 1. malloc 1 MiB blocks until malloc returns NULL (the 256 MiB heap of its note is
 *    exhausted; only each block's first page is touched), free them, and check the
 *    same number can be had again.
 * 2. area_lock 4 MiB chunks (frames taken at once) until the kernel says -QE_NOMEM,
 *    then area_free them all and check the free-frame count comes back.
 * Exit status 0 when every refusal was a clean error and everything came back.
 */
#include "quire.h"

APP_NOTE(QUIRE_NOTE_MIB(256), QUIRE_NOTE_KIB(64));

#define MIB (1UL << 20)
#define BLOCK_BYTES (MIB - 64)
#define MAX_BLOCKS 1024
#define CHUNK (4 * MIB)
#define LOCK_SPAN (64UL << 30) /* 64 GiB of addresses: far more than any test machine */
#define SLACK 64               /* frames others may take meanwhile, page tables */

static void *blocks[MAX_BLOCKS];

/* grab_blocks - malloc until NULL or MAX_BLOCKS; returns how many. */
static int grab_blocks(void)
{
	int n = 0;
	while (n < MAX_BLOCKS) {
		unsigned char *p = malloc(BLOCK_BYTES);
		if (!p)
			break;
		p[0] = (unsigned char)n; /* one page per block: the heap stays mostly untouched */
		blocks[n++] = p;
	}
	return n;
}

static void free_blocks(int n)
{
	for (int i = 0; i < n; i++)
		free(blocks[i]);
}

static void test_malloc(void)
{
	int n = grab_blocks();
	printf("# malloc: %d blocks of 1 MiB before NULL\n", n);
	test_check(n > 0 && n < MAX_BLOCKS, "malloc_refused_cleanly",
		   "%d blocks (NULL never came, or nothing at all)", n);
	int ok = 1;
	for (int i = 0; i < n; i++)
		ok &= ((unsigned char *)blocks[i])[0] == (unsigned char)i;
	test_check(ok, "malloc_blocks_intact", "a block lost its first byte");
	free_blocks(n);
	int again = grab_blocks();
	test_check(again == n, "malloc_after_free", "%d blocks the second time, %d the first",
		   again, n);
	free_blocks(again);
	void *small = malloc(64);
	test_check(small != NULL, "malloc_small_after", "malloc(64) refused after freeing all");
	free(small);
}

static void test_lock(void)
{
	struct quire_meminfo m0, m1, m2;
	sys_meminfo(&m0);
	unsigned char *base = va_reserve(LOCK_SPAN, 2 * MIB);
	test_check(base != NULL, "lock_reserve", "no room for %lu GiB of addresses", LOCK_SPAN >> 30);
	if (!base)
		return;
	uint64_t n = 0;
	int64_t r = 0;
	while ((n + 1) * CHUNK <= LOCK_SPAN) {
		r = area_lock(base + n * CHUNK, CHUNK);
		if (r < 0)
			break;
		n++;
	}
	sys_meminfo(&m1);
	printf("# area_lock: %lu MiB locked before error %ld; free frames %lu of %lu\n",
	       n * CHUNK / MIB, -r, m1.free_frames, m1.total_frames);
	test_check(r == -QE_NOMEM, "lock_refused_nomem", "last area_lock returned %ld", r);
	test_check(n > 0, "lock_some", "not even one 4 MiB chunk could be locked");
	/* Free the refused chunk too: whatever it half-did must go back. */
	int64_t bad = 0;
	for (uint64_t i = 0; i <= n && (i + 1) * CHUNK <= LOCK_SPAN; i++) {
		int64_t fr = area_free(base + i * CHUNK, CHUNK);
		if (fr < 0)
			bad = fr;
	}
	test_check(bad == 0, "lock_free_all", "area_free returned %ld", bad);
	sys_meminfo(&m2);
	printf("# after freeing: free frames %lu (started with %lu)\n", m2.free_frames,
	       m0.free_frames);
	test_check(m2.free_frames + SLACK >= m0.free_frames, "lock_frames_back",
		   "free frames %lu at start, %lu after freeing", m0.free_frames, m2.free_frames);
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	printf("memhog: pid %lu, heap [%#lx, %#lx)\n", info->pid, info->heap_start, info->heap_end);
	test_malloc();
	test_lock();
	return test_finish("memhog");
}
