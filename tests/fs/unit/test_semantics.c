/*
 * test_semantics.c - cmocka tests of the version semantics (specs/fs-format.md):
 * naming, pinning read-only opens, private rw copies, commit order, directories.
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

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	fst_env(&x->env);
	assert_int_equal(qfs_host_mem_init(&x->mem, 1024, &x->dev), 0);
	struct qfs_mkfs_opts o = {8, 0, 1};
	assert_int_equal(qfs_mkfs(&x->dev, &x->env, &o), 0);
	assert_int_equal(qfs_mount(&x->dev, &x->env, &x->fs), 0);
	*state = x;
	return 0;
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

static void expect_content(struct qfs *fs, const char *path, const char *want)
{
	uint8_t *d;
	size_t n;
	assert_int_equal(fst_get(fs, path, &d, &n), 0);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(d, want, n);
	free(d);
}

static void version_names(void **state)
{
	struct fx *x = *state;
	assert_int_equal(fst_put(x->fs, "f", "one", 3), 1);
	assert_int_equal(fst_put(x->fs, "f", "two", 3), 2);
	assert_int_equal(fst_put(x->fs, "f", "three", 5), 3);
	expect_content(x->fs, "f", "three");
	expect_content(x->fs, "f;0", "three");
	expect_content(x->fs, "f;1", "one");
	expect_content(x->fs, "f;2", "two");
	expect_content(x->fs, "f;-1", "two");
	expect_content(x->fs, "f;-2", "one");
	struct qfs_file *f;
	assert_int_equal(qfs_open(x->fs, "f;-3", 0, &f), QFS_ENOENT);
	assert_int_equal(qfs_open(x->fs, "f;9", 0, &f), QFS_ENOENT);
	assert_int_equal(qfs_open(x->fs, "f;x", 0, &f), QFS_EINVAL);
	assert_int_equal(qfs_open(x->fs, "nope", 0, &f), QFS_ENOENT);
}

static void ro_open_pins_version(void **state)
{
	struct fx *x = *state;
	struct qfs_file *ro;
	char buf[16] = {0};
	assert_int_equal(fst_put(x->fs, "f", "old", 3), 1);
	assert_int_equal(qfs_open(x->fs, "f", QFS_O_RDONLY, &ro), 0);
	assert_int_equal(fst_put(x->fs, "f", "newer", 5), 2);
	assert_int_equal(qfs_purge(x->fs, "f", 1), 0); /* v1 pinned: not purged */
	assert_int_equal(qfs_delete(x->fs, "f;1"), QFS_EBUSY);
	assert_int_equal(qfs_delete(x->fs, "f"), QFS_EBUSY);
	assert_int_equal(qfs_read(ro, 0, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "old", 3);
	assert_int_equal(qfs_fversion(ro), 1);
	assert_int_equal(qfs_write(ro, 0, "x", 1), QFS_EROFS);
	assert_int_equal(qfs_close(ro), 0);
	assert_int_equal(qfs_purge(x->fs, "f", 1), 1);
	expect_content(x->fs, "f", "newer");
}

static void many_ro_opens(void **state)
{
	struct fx *x = *state;
	struct qfs_file *h[50];
	assert_int_equal(fst_put(x->fs, "f", "abc", 3), 1);
	for (int i = 0; i < 50; i++)
		assert_int_equal(qfs_open(x->fs, "f", QFS_O_RDONLY, &h[i]), 0);
	for (int i = 0; i < 50; i++)
		assert_int_equal(qfs_close(h[i]), 0);
}

static void concurrent_writers(void **state)
{
	struct fx *x = *state;
	struct qfs_file *a, *b;
	char buf[16] = {0};
	assert_int_equal(fst_put(x->fs, "f", "base", 4), 1);
	assert_int_equal(qfs_open(x->fs, "f", QFS_O_RDWR, &a), 0);
	assert_int_equal(qfs_open(x->fs, "f", QFS_O_RDWR, &b), 0);
	assert_int_equal(qfs_write(a, 0, "AAAA", 4), 4);
	assert_int_equal(qfs_write(b, 4, "bbb", 3), 3);
	assert_int_equal(qfs_read(a, 0, buf, sizeof(buf)), 4); /* a never sees b */
	assert_memory_equal(buf, "AAAA", 4);
	assert_int_equal(qfs_read(b, 0, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "basebbb", 7);
	expect_content(x->fs, "f", "base"); /* nothing visible before close */
	assert_int_equal(qfs_close(b), 2);  /* versions numbered in close order */
	assert_int_equal(qfs_close(a), 3);
	expect_content(x->fs, "f;2", "basebbb");
	expect_content(x->fs, "f;3", "AAAA");
	expect_content(x->fs, "f;1", "base");
}

static void new_file_by_two_writers(void **state)
{
	struct fx *x = *state;
	struct qfs_file *a, *b;
	assert_int_equal(qfs_open(x->fs, "n", QFS_O_RDWR | QFS_O_CREAT, &a), 0);
	assert_int_equal(qfs_open(x->fs, "n", QFS_O_RDWR | QFS_O_CREAT, &b), 0);
	assert_int_equal(qfs_write(a, 0, "a", 1), 1);
	assert_int_equal(qfs_write(b, 0, "b", 1), 1);
	assert_int_equal(qfs_close(a), 1);
	assert_int_equal(qfs_close(b), 2);
	expect_content(x->fs, "n;1", "a");
	expect_content(x->fs, "n", "b");
}

static void rw_open_of_old_version(void **state)
{
	struct fx *x = *state;
	struct qfs_file *f;
	assert_int_equal(fst_put(x->fs, "f", "first", 5), 1);
	assert_int_equal(fst_put(x->fs, "f", "second", 6), 2);
	assert_int_equal(qfs_open(x->fs, "f;1", QFS_O_RDWR, &f), 0);
	assert_int_equal(qfs_write(f, 5, "!", 1), 1);
	assert_int_equal(qfs_close(f), 3);
	expect_content(x->fs, "f", "first!");
}

static void abort_drops_copy(void **state)
{
	struct fx *x = *state;
	struct qfs_file *f;
	struct qfs_statfs before, after;
	assert_int_equal(fst_put(x->fs, "f", "keep", 4), 1);
	qfs_statfs(x->fs, &before);
	assert_int_equal(qfs_open(x->fs, "f", QFS_O_RDWR, &f), 0);
	static char big[40000];
	assert_int_equal(qfs_write(f, 0, big, sizeof(big)), (long)sizeof(big));
	qfs_abort(f);
	qfs_statfs(x->fs, &after);
	assert_int_equal(before.free, after.free);
	expect_content(x->fs, "f", "keep");
}

static void truncate_semantics(void **state)
{
	struct fx *x = *state;
	struct qfs_file *f;
	static uint8_t data[20000], got[20000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(fst_put(x->fs, "t", data, sizeof(data)), 1);
	assert_int_equal(qfs_open(x->fs, "t", QFS_O_RDWR, &f), 0);
	assert_int_equal(qfs_truncate(f, 5000), 0);
	assert_int_equal(qfs_truncate(f, 15000), 0); /* grown back: zeros, not old data */
	assert_int_equal(qfs_read(f, 0, got, sizeof(got)), 15000);
	assert_memory_equal(got, data, 5000);
	for (size_t i = 5000; i < 15000; i++)
		assert_int_equal(got[i], 0);
	assert_int_equal(qfs_close(f), 2);
	uint8_t *d;
	size_t n;
	assert_int_equal(fst_get(x->fs, "t;2", &d, &n), 0);
	assert_int_equal(n, 15000);
	assert_memory_equal(d, got, n);
	free(d);
	assert_int_equal(fst_get(x->fs, "t;1", &d, &n), 0);
	assert_memory_equal(d, data, sizeof(data));
	free(d);
}

static void sparse_and_large_offsets(void **state)
{
	struct fx *x = *state;
	struct qfs_file *f;
	char c = 0;
	uint64_t off = 300ull * 4096 + 17; /* beyond one PTR level */
	assert_int_equal(qfs_open(x->fs, "s", QFS_O_RDWR | QFS_O_CREAT, &f), 0);
	assert_int_equal(qfs_write(f, off, "Z", 1), 1);
	assert_int_equal(qfs_close(f), 1);
	assert_int_equal(qfs_open(x->fs, "s", QFS_O_RDONLY, &f), 0);
	assert_int_equal(qfs_fsize(f), off + 1);
	assert_int_equal(qfs_read(f, off, &c, 1), 1);
	assert_int_equal(c, 'Z');
	assert_int_equal(qfs_read(f, 4096, &c, 1), 1);
	assert_int_equal(c, 0);
	assert_int_equal(qfs_close(f), 0);
}

static void directories(void **state)
{
	struct fx *x = *state;
	struct qfs_stat st;
	assert_int_equal(qfs_mkdir(x->fs, "a"), 0);
	assert_int_equal(qfs_mkdir(x->fs, "a"), QFS_EEXIST);
	assert_int_equal(qfs_mkdir(x->fs, "a/b"), 0);
	assert_int_equal(fst_put(x->fs, "a/b/f", "deep", 4), 1);
	expect_content(x->fs, "/a//b/f", "deep");
	assert_int_equal(qfs_stat(x->fs, "a/b", &st), 0);
	assert_int_equal(st.type, QFS_TYPE_DIR);
	assert_int_equal(qfs_rmdir(x->fs, "a/b"), QFS_ENOTEMPTY);
	assert_int_equal(fst_put(x->fs, "a/b/f/g", "x", 1), QFS_ENOTDIR);
	assert_int_equal(fst_put(x->fs, "a", "x", 1), QFS_EISDIR);
	assert_int_equal(qfs_delete(x->fs, "a/b/f"), 0);
	assert_int_equal(qfs_rmdir(x->fs, "a/b"), 0);
	assert_int_equal(qfs_stat(x->fs, "a/b", &st), QFS_ENOENT);
	assert_int_equal(qfs_rmdir(x->fs, ""), QFS_EBUSY);
	for (int i = 0; i < 70; i++) { /* more than two directory blocks */
		char nm[32];
		snprintf(nm, sizeof(nm), "a/file-%d", i);
		assert_int_equal(fst_put(x->fs, nm, nm, strlen(nm)), 1);
	}
	expect_content(x->fs, "a/file-69", "a/file-69");
}

static void bad_names(void **state)
{
	struct fx *x = *state;
	char longname[200];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	assert_int_equal(fst_put(x->fs, longname, "x", 1), QFS_ENAMETOOLONG);
	assert_int_equal(fst_put(x->fs, "..", "x", 1), QFS_EINVAL);
	assert_int_equal(fst_put(x->fs, "a;b/c", "x", 1), QFS_EINVAL);
	assert_int_equal(fst_put(x->fs, "new;3", "x", 1), QFS_ENOENT);
}

static void persists_across_remount(void **state)
{
	struct fx *x = *state;
	uint64_t h1, h2;
	assert_int_equal(qfs_mkdir(x->fs, "d"), 0);
	assert_int_equal(fst_put(x->fs, "d/f", "v1", 2), 1);
	assert_int_equal(fst_put(x->fs, "d/f", "v2", 2), 2);
	assert_int_equal(fst_state_hash(x->fs, &h1), 0);
	qfs_unmount(x->fs);
	assert_int_equal(qfs_mount(&x->dev, &x->env, &x->fs), 0);
	assert_int_equal(fst_state_hash(x->fs, &h2), 0);
	assert_true(h1 == h2);
	expect_content(x->fs, "d/f;1", "v1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(version_names, setup, teardown),
		cmocka_unit_test_setup_teardown(ro_open_pins_version, setup, teardown),
		cmocka_unit_test_setup_teardown(many_ro_opens, setup, teardown),
		cmocka_unit_test_setup_teardown(concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(new_file_by_two_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(rw_open_of_old_version, setup, teardown),
		cmocka_unit_test_setup_teardown(abort_drops_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(truncate_semantics, setup, teardown),
		cmocka_unit_test_setup_teardown(sparse_and_large_offsets, setup, teardown),
		cmocka_unit_test_setup_teardown(directories, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(persists_across_remount, setup, teardown),
	};
	return cmocka_run_group_tests_name("semantics", tests, NULL, NULL);
}
