/*
 * fbench - file and file-mapping benchmarks (specs/files.md, specs/mappings.md), booted by
 * `make bench` with a fresh file-system disk (root=hdd) and a block cache of 64 blocks
 * (bcache=64). Prints `BENCH <name> <x.yy> <unit>` lines and a final `BENCH-DONE`.
 * Costs are TSC ticks less the ticks the CPU spent halted in the idle loop meanwhile
 * (SYS_PERFINFO): under QEMU -icount shift=0 those are the guest instructions the kernel
 * and the program ran, without the time the CPU waited for the disk. Block counts are the
 * block cache's write counter (every block the file system writes goes through it).
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define PAGE 4096ul
#define SMALL_PAGES 32    /* fits the 64-block cache with room for metadata */
#define BIG_PAGES 1024    /* 4 MiB: 16 times the cache, so every read misses */
#define OPEN_ITERS 200

static uint8_t buf[PAGE];

/* busy time: TSC ticks minus idle ticks since a mark (mark() takes one) */
struct mark {
	uint64_t tsc, idle;
};

static struct mark mark(void)
{
	struct quire_perfinfo pi;
	sys_perfinfo(&pi);
	return (struct mark){ pi.tsc, pi.idle_tsc };
}

static uint64_t busy_since(struct mark m)
{
	struct mark n = mark();
	return (n.tsc - m.tsc) - (n.idle - m.idle);
}

static void report(const char *name, uint64_t ticks, uint64_t ops, const char *unit)
{
	uint64_t x100 = ticks * 100 / ops;
	printf("BENCH %s %lu.%02lu %s\n", name, x100 / 100, x100 % 100, unit);
}

static uint64_t cache_writes(void)
{
	struct quire_statfs st;
	return fs_info(&st) == 0 ? st.cache_writes : 0;
}

static int make_file(const char *path, uint64_t pages)
{
	int64_t h = file_open(path, QO_RDWR | QO_CREAT | QO_TRUNC);
	for (uint64_t p = 0; h >= 0 && p < pages; p++) {
		memset(buf, (int)(p + 1), sizeof buf);
		if (file_write(h, p * PAGE, buf, PAGE) != (int64_t)PAGE)
			return -1;
	}
	return h < 0 ? -1 : file_close(h) > 0 ? 0 : -1;
}

/* read_pass - every page of @path with 4 KiB reads; the ticks. */
static uint64_t read_pass(const char *path, uint64_t pages)
{
	int64_t h = file_open(path, QO_RDONLY);
	struct mark m = mark();
	for (uint64_t p = 0; p < pages; p++)
		file_read(h, p * PAGE, buf, PAGE);
	uint64_t t = busy_since(m);
	file_close(h);
	return t;
}

/* touch_pass - map @path read-only and read one byte of every page; the ticks. */
static uint64_t touch_pass(const char *path, uint64_t pages)
{
	volatile uint8_t *m = map_file(path, QM_RDONLY, 0, 0, 0);
	if (map_file_err((void *)m))
		return 0;
	uint64_t sum = 0;
	struct mark mk = mark();
	for (uint64_t p = 0; p < pages; p++)
		sum += m[p * PAGE];
	uint64_t t = busy_since(mk);
	unmap_file((void *)m, 0);
	return t + (sum & 0);
}

/* commit_blocks - map @path read/write, dirty @n pages spread over it, unmap: blocks the
 * commit wrote (the dirty pages included), and *@ticks the write loop plus the unmap. */
static uint64_t commit_blocks(const char *path, uint64_t pages, uint64_t n, uint64_t *ticks)
{
	volatile uint8_t *m = map_file(path, QM_RDWR, 0, 0, 0);
	if (map_file_err((void *)m))
		return 0;
	for (uint64_t p = 0; p < pages; p++) /* read every page first: only the writes are timed */
		(void)m[p * PAGE];
	uint64_t w0 = cache_writes();
	struct mark mk = mark();
	for (uint64_t i = 0; i < n; i++)
		m[(i * (pages / n)) * PAGE] = (uint8_t)(i + 7);
	int64_t v = unmap_file((void *)m, 0);
	*ticks = busy_since(mk);
	return v > 0 ? cache_writes() - w0 : 0;
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	printf("# file benchmarks: TSC ticks per operation (instructions under -icount shift=0)\n");
	dir_make("bench");
	if (make_file("bench/small", SMALL_PAGES) < 0 || make_file("bench/big", BIG_PAGES) < 0) {
		printf("# fbench: cannot make the files (is a disk mounted?)\n");
		return 1;
	}
	struct mark m0 = mark();
	for (int i = 0; i < OPEN_ITERS; i++)
		file_close(file_open("bench/small", QO_RDONLY));
	report("file_open_close_ro", busy_since(m0), OPEN_ITERS, "insns/op");
	int64_t wh = file_open("bench/w", QO_RDWR | QO_CREAT | QO_TRUNC);
	memset(buf, 0x5a, sizeof buf);
	m0 = mark();
	for (uint64_t p = 0; p < SMALL_PAGES; p++)
		file_write(wh, p * PAGE, buf, PAGE);
	report("file_write_4k", busy_since(m0), SMALL_PAGES, "insns/op");
	file_close(wh);
	read_pass("bench/small", SMALL_PAGES); /* warm */
	report("file_read_4k_hit", read_pass("bench/small", SMALL_PAGES), SMALL_PAGES, "insns/op");
	report("file_read_4k_miss", read_pass("bench/big", BIG_PAGES), BIG_PAGES, "insns/op");

	read_pass("bench/small", SMALL_PAGES); /* its blocks in the cache again */
	report("map_fault_hit", touch_pass("bench/small", SMALL_PAGES), SMALL_PAGES, "insns/page");
	report("map_fault_miss", touch_pass("bench/big", BIG_PAGES), BIG_PAGES, "insns/page");

	/* a read/write open of a 1 MiB file, one block written, closed: what the commit writes */
	make_file("bench/mid", 256);
	int64_t h = file_open("bench/mid", QO_RDWR);
	uint64_t w0 = cache_writes();
	file_write(h, 100 * PAGE, buf, PAGE);
	report("file_commit_blocks_1_of_256", file_close(h) > 0 ? cache_writes() - w0 : 0, 1, "blocks");

	uint64_t ticks = 0, blocks;
	blocks = commit_blocks("bench/big", BIG_PAGES, BIG_PAGES, &ticks);
	report("map_dirty_unmap", ticks, BIG_PAGES, "insns/page");
	report("map_commit_blocks_per_page_1024", blocks, BIG_PAGES, "blocks/page");
	blocks = commit_blocks("bench/big", BIG_PAGES, 1, &ticks);
	report("map_commit_blocks_1", blocks, 1, "blocks");
	blocks = commit_blocks("bench/big", BIG_PAGES, 16, &ticks);
	report("map_commit_blocks_16", blocks, 1, "blocks");
	blocks = commit_blocks("bench/big", BIG_PAGES, 256, &ticks);
	report("map_commit_blocks_256", blocks, 1, "blocks");
	printf("BENCH-DONE\n");
	return 0;
}
