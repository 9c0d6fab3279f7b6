/*
 * fuzz_mount.c - libFuzzer harness: mount + operations + fsck on a damaged image.
 * A valid image with directories, versions, a deep sparse file is made once; each
 * input is a list of patches (u32 offset, u8 length, bytes) applied to a copy. With
 * QFS_FUZZ_REPAIR=1 every header crc and every pointer crc is then recomputed, so the
 * damage gets past the checksums into the decoders. Then fsck --repair runs on it: when
 * it ends clean, a second repair must find nothing to do. Any crash, hang, leak or UB is a
 * finding; refusals and fsck errors are the expected outcome.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "fstest.h"
#include "qfs_format.h"

#define FZ_BLOCKS 96

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t base[FZ_BLOCKS * QFS_BLOCK_SIZE];
static uint8_t img[FZ_BLOCKS * QFS_BLOCK_SIZE];
static int repair;

static void make_base(void)
{
	struct qfs_host_mem m;
	struct qfs_dev dev;
	struct qfs_env env;
	struct qfs *fs;
	struct qfs_file *f;
	static uint8_t d[9000];
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 31);
	fst_env(&env);
	qfs_host_mem_wrap(&m, base, FZ_BLOCKS, &dev);
	struct qfs_mkfs_opts o = {4, 8, 1};
	if (qfs_mkfs(&dev, &env, &o) || qfs_mount(&dev, &env, &fs))
		abort();
	qfs_mkdir(fs, "d");
	fst_put(fs, "d/f", d, sizeof(d));
	fst_put(fs, "d/f", d + 5, sizeof(d) - 5);
	fst_put(fs, "top", "hello", 5);
	if (qfs_open(fs, "sparse", QFS_O_RDWR | QFS_O_CREAT, &f) == 0) {
		qfs_write(f, 256ull * QFS_BLOCK_SIZE, "deep", 4);
		qfs_close(f);
	}
	qfs_unmount(fs);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *r = getenv("QFS_FUZZ_REPAIR");
	repair = r && *r == '1';
	make_base();
	return 0;
}

/* CRC a pointer should hold for block b: its header crc if metadata, else the data crc. */
static uint32_t target_crc(uint64_t b)
{
	const uint8_t *p = img + b * QFS_BLOCK_SIZE;
	uint32_t m = qfs_get32(p);
	if (m == QFS_MAGIC_PTR || m == QFS_MAGIC_INODE || m == QFS_MAGIC_DIR)
		return qfs_get32(p + QFS_HDR_CRC);
	return qfs_crc32c(p, QFS_BLOCK_SIZE);
}

static void fix_ptr(uint8_t *slot_blk, uint8_t *slot_crc)
{
	uint64_t b = qfs_get64(slot_blk);
	if (b && b < FZ_BLOCKS)
		qfs_put32(slot_crc, target_crc(b));
}

/* Recompute pointer crcs bottom-up (a few passes) and every header crc. */
static void repair_all(void)
{
	for (int pass = 0; pass < 12; pass++) {
		for (uint64_t b = 0; b < FZ_BLOCKS; b++) {
			uint8_t *p = img + b * QFS_BLOCK_SIZE;
			uint32_t m = qfs_get32(p);
			if (m == QFS_MAGIC_PTR)
				for (unsigned i = 0; i < QFS_PTRS_PER_BLOCK; i++) {
					uint8_t *s = p + QFS_HDR_SIZE + i * QFS_PTR_SIZE;
					fix_ptr(s, s + 8);
				}
			if (m == QFS_MAGIC_INODE)
				for (unsigned i = 0; i < QFS_MAX_VERSIONS; i++) {
					uint8_t *v = p + QFS_IN_VERS + i * QFS_VE_SIZE;
					fix_ptr(v + QFS_VE_ROOT, v + QFS_VE_ROOTCRC);
				}
			if (m == QFS_MAGIC_ROOT)
				fix_ptr(p + QFS_RT_ITAB, p + QFS_RT_ITABCRC);
			if (m == QFS_MAGIC_SUPER || m == QFS_MAGIC_ROOT || m == QFS_MAGIC_BMAP ||
			    m == QFS_MAGIC_PTR || m == QFS_MAGIC_INODE || m == QFS_MAGIC_DIR)
				qfs_put32(p + QFS_HDR_CRC, qfs_block_crc(p));
		}
	}
}

static void apply(const uint8_t *data, size_t size)
{
	memcpy(img, base, sizeof(img));
	while (size >= 5) {
		uint32_t off = qfs_get32(data) % sizeof(img);
		size_t len = data[4] % 33;
		data += 5, size -= 5;
		if (len > size)
			len = size;
		if (len > sizeof(img) - off)
			len = sizeof(img) - off;
		memcpy(img + off, data, len);
		data += len, size -= len;
	}
	if (repair)
		repair_all();
}

static void exercise(struct qfs *fs)
{
	uint64_t h;
	struct qfs_file *f;
	struct qfs_statfs st;
	char buf[64];
	fst_state_hash(fs, &h);
	qfs_statfs(fs, &st);
	if (qfs_open(fs, "d/f;-1", QFS_O_RDONLY, &f) == 0) {
		qfs_read(f, 4090, buf, sizeof(buf));
		qfs_close(f);
	}
	if (qfs_open(fs, "d/f", QFS_O_RDWR, &f) == 0) {
		qfs_write(f, 100, "fuzz", 4);
		qfs_truncate(f, 5000);
		qfs_close(f);
	}
	fst_put(fs, "new", "n", 1);
	qfs_mkdir(fs, "d2");
	qfs_purge(fs, "d/f", 1);
	qfs_delete(fs, "top");
	qfs_delete(fs, "sparse;1");
	qfs_rmdir(fs, "d2");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qfs_host_mem m;
	struct qfs_dev dev;
	struct qfs_env env;
	struct qfs_fsck_result r;
	struct qfs *fs;
	apply(data, size);
	fst_env(&env);
	env.ctx = NULL;
	qfs_host_mem_wrap(&m, img, FZ_BLOCKS, &dev);
	qfs_fsck(&dev, &env, &r);
	if (qfs_mount(&dev, &env, &fs) == 0) {
		exercise(fs);
		qfs_unmount(fs);
		qfs_fsck(&dev, &env, &r);
	}
	if (qfs_fsck_repair(&dev, &env, &r) == 0 && r.errors == 0 &&
	    (r.rolled_back || qfs_fsck_repair(&dev, &env, &r) || r.repairs || r.errors))
		abort(); /* a repair that ends clean must leave nothing for a second one */
	if (fst_live_allocs != 0)
		abort(); /* a leak on some error path */
	return 0;
}
