/*
 * test_space.c - cmocka tests of space: versions share unchanged blocks, purge,
 * delete and version limits give blocks back, a full disk fails commits cleanly
 * while purge and delete still work from the reserve.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fstest.h"

struct fx {
	struct qfs_host_mem mem;
	struct qfs_dev dev;
	struct qfs_env env;
	struct qfs *fs;
};

static int setup_n(void **state, uint64_t nblocks, uint32_t limit)
{
	struct fx *x = calloc(1, sizeof(*x));
	fst_env(&x->env);
	assert_int_equal(qfs_host_mem_init(&x->mem, nblocks, &x->dev), 0);
	struct qfs_mkfs_opts o = {limit, 0, 1};
	assert_int_equal(qfs_mkfs(&x->dev, &x->env, &o), 0);
	assert_int_equal(qfs_mount(&x->dev, &x->env, &x->fs), 0);
	*state = x;
	return 0;
}

static int setup(void **state)
{
	return setup_n(state, 4096, 32);
}

static int setup_small(void **state)
{
	return setup_n(state, 300, 32);
}

static int teardown(void **state)
{
	struct fx *x = *state;
	if (x->fs)
		qfs_unmount(x->fs);
	assert_int_equal(fst_fsck(&x->dev, "teardown", 1), 0);
	qfs_host_mem_free(&x->mem);
	free(x);
	assert_int_equal(fst_live_allocs, 0);
	return 0;
}

static uint64_t used(struct qfs *fs)
{
	struct qfs_statfs st;
	qfs_statfs(fs, &st);
	return st.used;
}

static uint8_t big[1 << 20];

static void fill(uint32_t seed)
{
	uint64_t s = seed | 1;
	for (size_t i = 0; i < sizeof(big); i += 8) {
		uint64_t r = fst_rand(&s);
		memcpy(big + i, &r, 8);
	}
}

/* A one-block change to a 1 MiB file costs the block, its path and the inode. */
static void versions_share_blocks(void **state)
{
	struct fx *x = *state;
	struct qfs_file *f;
	fill(1);
	assert_int_equal(fst_put(x->fs, "big", big, sizeof(big)), 1);
	uint64_t u1 = used(x->fs);
	assert_int_equal(qfs_open(x->fs, "big", QFS_O_RDWR, &f), 0);
	assert_int_equal(qfs_write(f, 123456, "changed", 7), 7);
	assert_int_equal(qfs_close(f), 2);
	uint64_t u2 = used(x->fs);
	assert_true(u2 - u1 <= 4); /* data + level-1 PTR + level-2 PTR + inode */
	uint8_t *d;
	size_t n;
	assert_int_equal(fst_get(x->fs, "big;1", &d, &n), 0);
	assert_memory_equal(d, big, sizeof(big));
	free(d);
}

static void purge_returns_space(void **state)
{
	struct fx *x = *state;
	/* the inode table and root directory grow once and keep their blocks */
	assert_int_equal(fst_put(x->fs, "first", "x", 1), 1);
	assert_int_equal(qfs_delete(x->fs, "first"), 0);
	uint64_t u0 = used(x->fs);
	for (uint32_t v = 1; v <= 5; v++) {
		fill(v);
		assert_int_equal(fst_put(x->fs, "f", big, 100000), (int)v);
	}
	assert_true(used(x->fs) > u0 + 5 * 24);
	assert_int_equal(qfs_purge(x->fs, "f", 2), 3);
	struct qfs_vinfo vi[8];
	assert_int_equal(qfs_versions(x->fs, "f", vi, 8), 2);
	assert_int_equal(vi[0].vnum, 4);
	assert_int_equal(qfs_delete(x->fs, "f;4"), 0);
	assert_int_equal(qfs_delete(x->fs, "f"), 0);
	assert_int_equal(used(x->fs), u0);
}

static void delete_shared_version_keeps_others(void **state)
{
	struct fx *x = *state;
	struct qfs_file *f;
	fill(7);
	assert_int_equal(fst_put(x->fs, "f", big, 300000), 1);
	for (int v = 2; v <= 4; v++) {
		assert_int_equal(qfs_open(x->fs, "f;1", QFS_O_RDWR, &f), 0);
		assert_int_equal(qfs_write(f, (uint64_t)v * 5000, "v", 1), 1);
		assert_int_equal(qfs_close(f), v);
	}
	assert_int_equal(qfs_delete(x->fs, "f;1"), 0);
	assert_int_equal(qfs_delete(x->fs, "f;3"), 0);
	uint8_t *d;
	size_t n;
	assert_int_equal(fst_get(x->fs, "f;4", &d, &n), 0);
	assert_int_equal(d[20000], 'v');
	d[20000] = big[20000];
	assert_memory_equal(d, big, 300000);
	free(d);
}

static void version_limit(void **state)
{
	struct fx *x = *state;
	for (int v = 1; v <= 6; v++)
		assert_int_equal(fst_put(x->fs, "f", &v, sizeof(v)), v);
	assert_int_equal(qfs_set_limit(x->fs, "f", 3), 0);
	struct qfs_vinfo vi[8];
	assert_int_equal(qfs_versions(x->fs, "f", vi, 8), 3);
	assert_int_equal(vi[0].vnum, 4);
	assert_int_equal(fst_put(x->fs, "f", "x", 1), 7);
	assert_int_equal(qfs_versions(x->fs, "f", vi, 8), 3);
	assert_int_equal(vi[0].vnum, 5);
	assert_int_equal(qfs_set_limit(x->fs, "f", 0), QFS_EINVAL);
	assert_int_equal(qfs_set_limit(x->fs, "f", 65), QFS_EINVAL);
}

static void disk_full_commit_fails_cleanly(void **state)
{
	struct fx *x = *state;
	uint64_t h1, h2;
	fill(3);
	assert_int_equal(fst_put(x->fs, "a", big, 200000), 1);
	assert_int_equal(fst_put(x->fs, "a", big + 10, 200000), 2);
	assert_int_equal(fst_state_hash(x->fs, &h1), 0);
	int rc = fst_put(x->fs, "b", big, sizeof(big)); /* 1 MiB on a 1.2 MiB disk */
	assert_int_equal(rc, QFS_ENOSPC);
	assert_int_equal(fst_state_hash(x->fs, &h2), 0);
	assert_true(h1 == h2);
	/* fill up to the last block with small files until a commit fails */
	int i = 0;
	char nm[32];
	do {
		snprintf(nm, sizeof(nm), "fill%d", i++);
		rc = fst_put(x->fs, nm, big, 4096 * 3);
	} while (rc > 0);
	assert_int_equal(rc, QFS_ENOSPC);
	struct qfs_statfs st;
	qfs_statfs(x->fs, &st);
	assert_true(st.free < 16); /* too little for another 3-block file */
	/* purge and delete work on the full disk */
	assert_int_equal(qfs_purge(x->fs, "a", 1), 1);
	assert_int_equal(qfs_delete(x->fs, "fill0"), 0);
	assert_int_equal(fst_put(x->fs, "after", "ok", 2), 1);
	qfs_unmount(x->fs);
	assert_int_equal(fst_fsck(&x->dev, "full", 1), 0);
	assert_int_equal(qfs_mount(&x->dev, &x->env, &x->fs), 0);
}

static void free_space_accounting_roundtrip(void **state)
{
	struct fx *x = *state;
	struct qfs_statfs a, b;
	assert_int_equal(fst_put(x->fs, "first", "x", 1), 1);
	assert_int_equal(qfs_delete(x->fs, "first"), 0);
	qfs_statfs(x->fs, &a);
	assert_int_equal(qfs_mkdir(x->fs, "d"), 0);
	fill(9);
	for (int i = 0; i < 10; i++) {
		char nm[32];
		snprintf(nm, sizeof(nm), "d/f%d", i);
		assert_int_equal(fst_put(x->fs, nm, big, 50000 + (size_t)i * 1000), 1);
		assert_int_equal(fst_put(x->fs, nm, big + 1, 50000), 2);
	}
	for (int i = 0; i < 10; i++) {
		char nm[32];
		snprintf(nm, sizeof(nm), "d/f%d", i);
		assert_int_equal(qfs_delete(x->fs, nm), 0);
	}
	assert_int_equal(qfs_rmdir(x->fs, "d"), 0);
	qfs_statfs(x->fs, &b);
	assert_int_equal(a.used, b.used);
	assert_int_equal(a.free, b.free);
	assert_int_equal(b.nfiles, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(versions_share_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(purge_returns_space, setup, teardown),
		cmocka_unit_test_setup_teardown(delete_shared_version_keeps_others, setup, teardown),
		cmocka_unit_test_setup_teardown(version_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(disk_full_commit_fails_cleanly, setup_small, teardown),
		cmocka_unit_test_setup_teardown(free_space_accounting_roundtrip, setup, teardown),
	};
	return cmocka_run_group_tests_name("space", tests, NULL, NULL);
}
