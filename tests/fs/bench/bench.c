/*
 * bench.c - figures for the versioned file system (`make fs-bench`):
 *   1. device blocks written per commit, by blocks changed and file size;
 *   2. host write and read throughput (memory device and an image file);
 *   3. space used by N versions of a large file with small changes.
 * Prints "name value unit" lines, then a readable table.
 * usage: bench [SCRATCH_DIR]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fstest.h"
#include "qfs_format.h"

static uint8_t *pat;
static char table[8192];
static size_t tlen;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fig(const char *name, double v, const char *unit)
{
	printf("%s %.6g %s\n", name, v, unit);
}

static struct qfs *fresh(struct qfs_host_mem *m, struct qfs_dev *dev, struct qfs_env *env,
			 uint64_t nblocks)
{
	struct qfs *fs;
	struct qfs_mkfs_opts o = {64, 0, 1};
	if (qfs_host_mem_init(m, nblocks, dev) || qfs_mkfs(dev, env, &o) ||
	    qfs_mount(dev, env, &fs))
		exit(2);
	return fs;
}

/* Blocks the device wrote for one rw open that changes `changed` scattered blocks. */
static void commit_cost(struct qfs_env *env)
{
	static const uint64_t sizes[] = {16, 256, 4096}; /* blocks: 64 KiB, 1 MiB, 16 MiB */
	static const uint64_t changes[] = {1, 4, 16, 64, 256};
	tlen += (size_t)snprintf(table + tlen, sizeof(table) - tlen,
				 "\nBlocks written per commit (data + metadata + free map + root)\n"
				 "  file size   changed:%6s%6s%6s%6s%6s\n", "1", "4", "16", "64", "256");
	for (size_t si = 0; si < 3; si++) {
		struct qfs_host_mem m;
		struct qfs_dev dev;
		struct qfs *fs = fresh(&m, &dev, env, 8192);
		uint64_t nb = sizes[si];
		fst_put(fs, "f", pat, nb * QFS_BLOCK_SIZE);
		tlen += (size_t)snprintf(table + tlen, sizeof(table) - tlen, "  %6llu KiB          ",
					 (unsigned long long)nb * 4);
		for (size_t ci = 0; ci < 5; ci++) {
			uint64_t ch = changes[ci] < nb ? changes[ci] : nb;
			struct qfs_file *f;
			uint64_t w0 = m.nwrites;
			qfs_open(fs, "f", QFS_O_RDWR, &f);
			for (uint64_t k = 0; k < ch; k++)
				qfs_write(f, (k * nb / ch) * QFS_BLOCK_SIZE + 5, pat + 77 * k, 1);
			qfs_close(f);
			uint64_t w = m.nwrites - w0;
			char name[96];
			snprintf(name, sizeof(name), "commit_blocks_written_size%lluKiB_changed%llu",
				 (unsigned long long)nb * 4, (unsigned long long)changes[ci]);
			fig(name, (double)w, "blocks");
			tlen += (size_t)snprintf(table + tlen, sizeof(table) - tlen, "%6llu",
						 (unsigned long long)w);
		}
		tlen += (size_t)snprintf(table + tlen, sizeof(table) - tlen, "\n");
		qfs_unmount(fs);
		qfs_host_mem_free(&m);
	}
}

/* Sequential write (one commit) and read of a 64 MiB file. */
static void throughput(struct qfs_env *env, struct qfs_dev *dev, const char *what)
{
	struct qfs *fs;
	struct qfs_file *f;
	struct qfs_mkfs_opts o = {8, 0, 1};
	const size_t total = 64u << 20, chunk = 1u << 20;
	if (qfs_mkfs(dev, env, &o) || qfs_mount(dev, env, &fs))
		exit(2);
	double t0 = now_s();
	qfs_open(fs, "big", QFS_O_RDWR | QFS_O_CREAT, &f);
	for (size_t off = 0; off < total; off += chunk)
		qfs_write(f, off, pat + (off / chunk) % 7 * 4096, chunk);
	qfs_close(f);
	double t1 = now_s();
	static uint8_t buf[1 << 20];
	qfs_open(fs, "big", QFS_O_RDONLY, &f);
	for (size_t off = 0; off < total; off += chunk)
		qfs_read(f, off, buf, chunk);
	qfs_close(f);
	double t2 = now_s();
	qfs_unmount(fs);
	char name[64];
	double wr = (double)total / (1 << 20) / (t1 - t0), rd = (double)total / (1 << 20) / (t2 - t1);
	snprintf(name, sizeof(name), "write_throughput_%s", what);
	fig(name, wr, "MiB/s");
	snprintf(name, sizeof(name), "read_throughput_%s", what);
	fig(name, rd, "MiB/s");
	tlen += (size_t)snprintf(table + tlen, sizeof(table) - tlen,
				 "  %-12s write %8.1f MiB/s   read %8.1f MiB/s  (64 MiB file)\n",
				 what, wr, rd);
}

/* N versions of a 16 MiB file, each changing one 4 KiB block. */
static void version_space(struct qfs_env *env)
{
	struct qfs_host_mem m;
	struct qfs_dev dev;
	struct qfs_statfs st;
	struct qfs *fs = fresh(&m, &dev, env, 16384);
	const uint64_t nb = 4096, n = 32;
	qfs_statfs(fs, &st);
	uint64_t u0 = st.used;
	fst_put(fs, "f", pat, nb * QFS_BLOCK_SIZE);
	uint64_t s = 99;
	for (uint64_t v = 1; v < n; v++) {
		struct qfs_file *f;
		qfs_open(fs, "f", QFS_O_RDWR, &f);
		qfs_write(f, fst_rand(&s) % nb * QFS_BLOCK_SIZE, pat + v * 13, 100);
		qfs_close(f);
	}
	qfs_statfs(fs, &st);
	double used = (double)(st.used - u0), naive = (double)(n * nb);
	fig("versions_32x16MiB_one_block_changed_used", used, "blocks");
	fig("versions_32x16MiB_full_copies_would_use", naive, "blocks");
	fig("versions_32x16MiB_space_ratio", used / naive, "ratio");
	tlen += (size_t)snprintf(table + tlen, sizeof(table) - tlen,
				 "\nSpace for 32 versions of a 16 MiB file, one 4 KiB block changed "
				 "per version\n  used %.0f blocks (%.1f MiB); 32 full copies: %.0f "
				 "blocks (%.0f MiB); ratio %.4f\n",
				 used, used / 256, naive, naive / 256, used / naive);
	qfs_unmount(fs);
	qfs_host_mem_free(&m);
}

int main(int argc, char **argv)
{
	struct qfs_env env;
	struct qfs_host_mem m;
	struct qfs_dev dev;
	char path[512];
	fst_env(&env);
	pat = malloc(16u << 20);
	uint64_t s = 7;
	for (size_t i = 0; i < (16u << 20); i += 8) {
		uint64_t v = fst_rand(&s);
		memcpy(pat + i, &v, 8);
	}
	commit_cost(&env);
	tlen += (size_t)snprintf(table + tlen, sizeof(table) - tlen, "\nHost throughput\n");
	if (qfs_host_mem_init(&m, 20000, &dev) == 0) {
		throughput(&env, &dev, "memory");
		qfs_host_mem_free(&m);
	}
	snprintf(path, sizeof(path), "%s/bench.img", argc > 1 ? argv[1] : ".");
	if (qfs_host_img_open(path, 1, 20000, &dev) == 0) {
		throughput(&env, &dev, "image_file");
		qfs_host_img_close(&dev);
		remove(path);
	}
	version_space(&env);
	fputs(table, stdout);
	free(pat);
	return 0;
}
