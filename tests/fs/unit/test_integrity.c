/*
 * test_integrity.c - cmocka tests of the format and of integrity: CRC32C vectors,
 * little-endian helpers, atomic commit under a failing device, the root ring falling
 * back past a torn record (reported, repaired), a damaged free map rebuilt, the backup
 * superblock and images without one, and bad images refused or reported (never a crash).
 * White-box: uses qfs_internal.h to know which blocks are live.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fstest.h"
#include "qfs_internal.h"

struct fx {
	struct qfs_host_mem mem;
	struct qfs_dev dev;
	struct qfs_env env;
	struct qfs *fs;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	fst_env(&x->env);
	assert_int_equal(qfs_host_mem_init(&x->mem, 512, &x->dev), 0);
	assert_int_equal(qfs_mkfs(&x->dev, &x->env, NULL), 0);
	assert_int_equal(qfs_mount(&x->dev, &x->env, &x->fs), 0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	if (x->fs)
		qfs_unmount(x->fs);
	qfs_host_mem_free(&x->mem);
	free(x);
	assert_int_equal(fst_live_allocs, 0);
	return 0;
}

static void crc32c_vectors(void **state)
{
	(void)state;
	assert_int_equal(qfs_crc32c("123456789", 9), 0xE3069283u);
	assert_int_equal(qfs_crc32c("", 0), 0);
	uint8_t z[32] = {0};
	assert_int_equal(qfs_crc32c(z, 32), 0x8A9136AAu);
}

static void little_endian_helpers(void **state)
{
	uint8_t b[8];
	(void)state;
	qfs_put64(b, 0x0102030405060708ull);
	assert_int_equal(b[0], 8);
	assert_int_equal(b[7], 1);
	assert_true(qfs_get64(b) == 0x0102030405060708ull);
	qfs_put32(b, 0xA1B2C3D4u);
	assert_int_equal(qfs_get32(b), 0xA1B2C3D4u);
	assert_int_equal(b[0], 0xD4);
	qfs_put16(b, 0xBEEF);
	assert_int_equal(qfs_get16(b), 0xBEEF);
}

static void header_detects_flips(void **state)
{
	static uint8_t blk[QFS_BLOCK_SIZE];
	(void)state;
	for (size_t i = 0; i < sizeof(blk); i++)
		blk[i] = (uint8_t)i;
	qfs_hdr_seal(blk, QFS_MAGIC_PTR, 77, 5, 1);
	assert_int_equal(qfs_hdr_check(blk, QFS_MAGIC_PTR, 77), 0);
	assert_int_equal(qfs_hdr_check(blk, QFS_MAGIC_PTR, 78), QFS_ECORRUPT);
	assert_int_equal(qfs_hdr_check(blk, QFS_MAGIC_DIR, 77), QFS_ECORRUPT);
	for (size_t i = 0; i < sizeof(blk); i += 97) {
		blk[i] ^= 0x10;
		assert_int_equal(qfs_hdr_check(blk, QFS_MAGIC_PTR, 77), QFS_ECORRUPT);
		blk[i] ^= 0x10;
	}
}

/* A device that fails at every possible write of a commit: old or new state only. */
static void commit_atomic(void **state)
{
	struct fx *x = *state;
	static uint8_t data[30000];
	uint64_t h_old, h_new, h;
	memset(data, 'o', sizeof(data));
	assert_int_equal(fst_put(x->fs, "f", data, sizeof(data)), 1);
	assert_int_equal(fst_state_hash(x->fs, &h_old), 0);
	qfs_unmount(x->fs);
	x->fs = NULL;
	struct qfs_host_mem saved = x->mem;
	saved.data = malloc(512 * QFS_BLOCK_SIZE);
	memcpy(saved.data, x->mem.data, 512 * QFS_BLOCK_SIZE);
	int seen_old = 0, seen_new = 0;
	for (int k = 1; k < 40; k++) {
		memcpy(x->mem.data, saved.data, 512 * QFS_BLOCK_SIZE);
		x->mem.fail_after = 0;
		assert_int_equal(qfs_mount(&x->dev, &x->env, &x->fs), 0);
		x->mem.fail_after = k;
		memset(data, 'n', 100);
		int rc = fst_put(x->fs, "f", data, sizeof(data));
		if (rc > 0)
			assert_int_equal(fst_state_hash(x->fs, &h_new), 0);
		qfs_unmount(x->fs);
		x->mem.fail_after = 0;
		assert_int_equal(fst_fsck(&x->dev, "atomic", 1), 0);
		assert_int_equal(qfs_mount(&x->dev, &x->env, &x->fs), 0);
		assert_int_equal(fst_state_hash(x->fs, &h), 0);
		qfs_unmount(x->fs);
		x->fs = NULL;
		if (rc > 0) {
			assert_true(h == h_new);
			seen_new = 1;
			break;
		}
		assert_true(h == h_old || h == h_new); /* failing flush after the root write */
		seen_old = 1;
	}
	assert_true(seen_old && seen_new);
	free(saved.data);
}

static void torn_root_falls_back(void **state)
{
	struct fx *x = *state;
	uint64_t h1, h;
	assert_int_equal(fst_put(x->fs, "f", "one", 3), 1);
	assert_int_equal(fst_state_hash(x->fs, &h1), 0);
	assert_int_equal(fst_put(x->fs, "f", "two", 3), 2);
	uint64_t gen = x->fs->root.gen, slot = x->fs->sb.ring_start + gen % x->fs->sb.ring_len;
	qfs_unmount(x->fs);
	x->mem.data[slot * QFS_BLOCK_SIZE + 700] ^= 1; /* tear the newest root record */
	assert_int_equal(qfs_mount(&x->dev, &x->env, &x->fs), 0);
	assert_true(x->fs->root.gen == gen - 1);
	assert_int_equal(fst_state_hash(x->fs, &h), 0);
	assert_true(h == h1);
	qfs_unmount(x->fs);
	x->fs = NULL;
	assert_int_equal(fst_fsck(&x->dev, "torn", 1), 0);
}

/* A damaged superblock mounts from the backup (reported); both damaged: refused. */
/* The newest root record damaged: mount falls back and says so; fsck counts it apart
 * from errors; repair commits the older state anew and reports the loss. */
static void rollback_reported_and_repaired(void **state)
{
	struct fx *x = *state;
	struct qfs_mount_info mi;
	struct qfs_fsck_result r;
	uint64_t h1, h;
	for (int i = 0; i < 9; i++) /* past the ring's first round: zeros mean damage */
		assert_true(fst_put(x->fs, "f", "one", 3) > 0);
	assert_int_equal(fst_state_hash(x->fs, &h1), 0);
	assert_true(fst_put(x->fs, "f", "two", 3) > 0);
	uint64_t gen = x->fs->root.gen, slot = x->fs->sb.ring_start + gen % x->fs->sb.ring_len;
	qfs_unmount(x->fs);
	memset(x->mem.data + slot * QFS_BLOCK_SIZE, 0, QFS_BLOCK_SIZE); /* zeroed, not torn */
	assert_int_equal(qfs_mount_ex(&x->dev, &x->env, &x->fs, &mi), 0);
	assert_true(mi.flags & QFS_MI_ROLLED_BACK);
	assert_true(mi.generation == gen - 1 && mi.lost_generation == gen);
	assert_int_equal(fst_state_hash(x->fs, &h), 0);
	assert_true(h == h1);
	qfs_unmount(x->fs);
	x->fs = NULL;
	assert_int_equal(qfs_fsck(&x->dev, &x->env, &r), 0);
	assert_true(r.errors == 0 && r.rolled_back == gen);
	assert_int_equal(qfs_fsck_repair(&x->dev, &x->env, &r), 0);
	assert_true(r.errors == 0 && r.rolled_back == 0 && r.repairs > 0 && r.lost == 1);
	assert_int_equal(qfs_mount_ex(&x->dev, &x->env, &x->fs, &mi), 0);
	assert_int_equal(mi.flags, 0);
	assert_int_equal(fst_state_hash(x->fs, &h), 0);
	assert_true(h == h1);
}

/* A damaged free map: mount rebuilds it from the trees (nothing lost), the next
 * commit writes it out, and the image is clean again. */
static void free_map_rebuilt(void **state)
{
	struct fx *x = *state;
	struct qfs_mount_info mi;
	static uint8_t data[50000];
	uint64_t h1, h;
	memset(data, 'm', sizeof(data));
	assert_int_equal(fst_put(x->fs, "m", data, sizeof(data)), 1);
	assert_int_equal(fst_state_hash(x->fs, &h1), 0);
	uint64_t bm = x->fs->sb.bmap_start[x->fs->root.bmap_area];
	qfs_unmount(x->fs);
	x->mem.data[bm * QFS_BLOCK_SIZE + 2000] ^= 0x08; /* a bit for an unused block */
	assert_int_equal(qfs_mount_ex(&x->dev, &x->env, &x->fs, &mi), 0);
	assert_true(mi.flags & QFS_MI_FMAP_REBUILT);
	assert_true(mi.fmap_block == bm);
	assert_int_equal(fst_state_hash(x->fs, &h), 0);
	assert_true(h == h1);
	assert_true(fst_fsck(&x->dev, "fmap", 0) > 0);
	assert_int_equal(fst_put(x->fs, "n", "x", 1), 1);
	qfs_unmount(x->fs);
	assert_int_equal(fst_fsck(&x->dev, "fmap-after", 1), 0);
	assert_int_equal(qfs_mount_ex(&x->dev, &x->env, &x->fs, &mi), 0);
	assert_int_equal(mi.flags, 0);
}

/* An image from before the backup superblock (feat_compat 0, nblocks = the whole
 * device) mounts, checks clean and takes writes. */
static void image_without_backup_mounts(void **state)
{
	struct fx *x = *state;
	struct qfs_mount_info mi;
	struct qfs_fsck_result r;
	assert_int_equal(fst_put(x->fs, "old", "data", 4), 1);
	qfs_unmount(x->fs);
	x->fs = NULL;
	qfs_put32(x->mem.data + QFS_SB_FCOMPAT, 0);
	qfs_put32(x->mem.data + QFS_HDR_CRC, qfs_block_crc(x->mem.data));
	x->dev.nblocks = 511; /* the backup block cut off: the old layout exactly */
	assert_int_equal(qfs_mount_ex(&x->dev, &x->env, &x->fs, &mi), 0);
	assert_int_equal(mi.flags, QFS_MI_NO_BACKUP);
	assert_int_equal(fst_put(x->fs, "old", "more", 4), 2);
	qfs_unmount(x->fs);
	x->fs = NULL;
	assert_int_equal(qfs_fsck(&x->dev, &x->env, &r), 0);
	assert_true(r.errors == 0 && r.warnings == 0);
	x->dev.nblocks = 512;
}

static void bad_superblock_and_truncation_refused(void **state)
{
	struct fx *x = *state;
	struct qfs *fs;
	struct qfs_mount_info mi;
	uint8_t *backup = x->mem.data + (size_t)511 * QFS_BLOCK_SIZE;
	qfs_unmount(x->fs);
	x->fs = NULL;
	x->mem.data[QFS_SB_NBLOCKS] ^= 4;
	assert_int_equal(qfs_mount_ex(&x->dev, &x->env, &fs, &mi), 0);
	assert_true(mi.flags & QFS_MI_SB_BACKUP);
	qfs_unmount(fs);
	assert_true(fst_fsck(&x->dev, "sb", 0) > 0);
	backup[QFS_SB_NBLOCKS] ^= 4;
	assert_int_equal(qfs_mount_ex(&x->dev, &x->env, &fs, &mi), QFS_ECORRUPT);
	assert_int_equal(mi.refused, QFS_MR_SUPER);
	backup[QFS_SB_NBLOCKS] ^= 4;
	x->mem.data[QFS_SB_NBLOCKS] ^= 4;
	x->dev.nblocks = 300; /* image shorter than the superblock says */
	assert_int_equal(qfs_mount_ex(&x->dev, &x->env, &fs, &mi), QFS_ECORRUPT);
	assert_int_equal(mi.refused, QFS_MR_TRUNCATED);
	x->dev.nblocks = 512;
	assert_int_equal(qfs_mount_ex(&x->dev, &x->env, &fs, &mi), 0);
	assert_int_equal(mi.flags, 0);
	qfs_unmount(fs);
}

static void data_corruption_reported(void **state)
{
	struct fx *x = *state;
	struct qfs_ptr p;
	struct qfs_inode in;
	uint8_t *d;
	size_t n;
	assert_int_equal(fst_put(x->fs, "f", "payload", 7), 1);
	uint64_t ino;
	assert_int_equal(qfs_dir_lookup(x->fs, QFS_ROOT_INO, "f", 1, &ino), 0);
	assert_int_equal(qfs_inode_get(x->fs, ino, &in), 0);
	p = in.v[0].root;
	x->mem.data[p.blk * QFS_BLOCK_SIZE + 2] ^= 0x20;
	assert_int_equal(fst_get(x->fs, "f", &d, &n), QFS_ECORRUPT);
	qfs_unmount(x->fs);
	x->fs = NULL;
	assert_int_equal(fst_fsck(&x->dev, "data", 0), 1);
}

/* Flip one byte in every live block in turn: refused at mount or reported by fsck. */
static void every_live_block_flip_detected(void **state)
{
	struct fx *x = *state;
	static uint8_t data[600000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	assert_int_equal(qfs_mkdir(x->fs, "d"), 0);
	assert_int_equal(fst_put(x->fs, "d/big", data, sizeof(data)), 1);
	assert_int_equal(fst_put(x->fs, "small", "s", 1), 1);
	assert_int_equal(fst_put(x->fs, "small", "t", 1), 2);
	static uint8_t live[512];
	for (uint64_t b = 0; b < 512; b++)
		live[b] = b >= x->fs->sb.data_start && qfs_bit(x->fs->ref, b);
	live[0] = live[511] = 1; /* the superblock and its backup */
	/* the newest root record is not here: damaging it falls back a generation
	 * (torn_root_falls_back) and fsck warns */
	for (uint64_t i = 0; i < x->fs->sb.bmap_n; i++)
		live[x->fs->sb.bmap_start[x->fs->root.bmap_area] + i] = 1;
	qfs_unmount(x->fs);
	x->fs = NULL;
	assert_int_equal(fst_fsck(&x->dev, "before", 1), 0);
	int nlive = 0;
	for (uint64_t b = 0; b < 512; b++) {
		size_t off = b * QFS_BLOCK_SIZE + (b * 131) % QFS_BLOCK_SIZE;
		x->mem.data[off] ^= 0x40;
		uint64_t errs = fst_fsck(&x->dev, "flip", 0);
		if (live[b]) {
			nlive++;
			if (errs == 0)
				fail_msg("flip in live block %llu not detected", (unsigned long long)b);
		}
		x->mem.data[off] ^= 0x40;
	}
	assert_true(nlive > 150);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc32c_vectors),
		cmocka_unit_test(little_endian_helpers),
		cmocka_unit_test(header_detects_flips),
		cmocka_unit_test_setup_teardown(commit_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(torn_root_falls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_superblock_and_truncation_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(data_corruption_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(rollback_reported_and_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(free_map_rebuilt, setup, teardown),
		cmocka_unit_test_setup_teardown(image_without_backup_mounts, setup, teardown),
		cmocka_unit_test_setup_teardown(every_live_block_flip_detected, setup, teardown),
	};
	return cmocka_run_group_tests_name("integrity", tests, NULL, NULL);
}
