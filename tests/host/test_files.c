/*
 * test_files.c - the kernel's file-system glue on a fake machine (fake_machine.c): the core
 * mounted over the block cache over a memory disk (kernel/fs), and the system calls with
 * their per-thread handle tables (kernel/proc/files.c). User pointers are host pointers here
 * (the fake copy functions below check them as the kernel's do). Checks handle ownership
 * (another thread's handle is -QE_BADF), error translation (QFS_E* -> QE_*), the exit rule
 * (commit on a normal exit, drop on a kill), the block cache's hits and shrinking.
 */
#include "hosttest.h"

#include "arch/x86_64/layout.h"
#include "core/qfs.h"
#include "fake_machine.h"
#include "fs/fs.h"
#include "mm/frame.h"
#include "mm/shrink.h"
#include "proc/abi.h"
#include "proc/files.h"
#include "sched/sched.h"
#include "vm/uaccess.h"

/* ---- what files.c needs from vm and arch: checked copies of host memory ---- */
int uaccess_check(uint64_t uaddr, size_t len)
{
	if (uaddr < 0x1000 || uaddr >= USER_SPACE_END || len > USER_SPACE_END - uaddr)
		return -QE_FAULT;
	return 0;
}

int copy_from_user(void *dst, uint64_t src, size_t len)
{
	if (len && uaccess_check(src, len) < 0)
		return -QE_FAULT;
	memcpy(dst, (const void *)src, len);
	return 0;
}

int copy_to_user(uint64_t dst, const void *src, size_t len)
{
	if (len && uaccess_check(dst, len) < 0)
		return -QE_FAULT;
	memcpy((void *)dst, src, len);
	return 0;
}


static struct thread t1, t2;

static int setup(void **state)
{
	(void)state;
	fake_machine_init(16, 8);
	if (fake_mkfs(fm.disk, fm.disk_bytes) < 0)
		return -1;
	fs_init("root=hdb bcache=16");
	fake_set_current(&t1);
	return fs_mounted() ? 0 : -1;
}

static int64_t sys(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return sys_files(nr, a0, a1, a2, a3, 0);
}

static int64_t open_path(const char *p, int flags)
{
	return sys(SYS_OPEN, (uint64_t)p, strlen(p), (uint64_t)flags, 0);
}

static int64_t write_all(int64_t h, const char *s)
{
	return sys(SYS_PWRITE, (uint64_t)h, 0, (uint64_t)s, strlen(s));
}

static void test_handles_belong_to_their_thread(void **state)
{
	(void)state;
	fake_set_current(&t1);
	int64_t h = open_path("own", QO_RDWR | QO_CREAT);
	assert_true(h >= 0);
	assert_int_equal(write_all(h, "one"), 3);
	fake_set_current(&t2); /* another thread of the process names the same number */
	char buf[8];
	assert_int_equal(sys(SYS_READ, (uint64_t)h, 0, (uint64_t)buf, sizeof buf), -QE_BADF);
	assert_int_equal(sys(SYS_CLOSE, (uint64_t)h, 0, 0, 0), -QE_BADF);
	fake_set_current(&t1);
	assert_int_equal(sys(SYS_CLOSE, (uint64_t)h, 0, 0, 0), 1); /* version 1 */
	assert_int_equal(sys(SYS_CLOSE, (uint64_t)h, 0, 0, 0), -QE_BADF); /* closed */
}

static void test_errors_translated(void **state)
{
	(void)state;
	char big[300];
	memset(big, 'a', sizeof big);
	assert_int_equal(sys(SYS_OPEN, (uint64_t)big, sizeof big, 0, 0), -QE_NAMETOOLONG);
	assert_int_equal(open_path("nosuch", QO_RDONLY), -QE_NOENT);
	assert_int_equal(open_path("own;7", QO_RDONLY), -QE_NOENT);
	assert_int_equal(open_path("own", QO_CREAT), -QE_INVAL);
	assert_int_equal(sys(SYS_OPEN, 0x10, 3, 0, 0), -QE_FAULT);
	assert_int_equal(sys(SYS_OPEN, (uint64_t)"a\0b", 3, 0, 0), -QE_INVAL);
	assert_int_equal(sys(SYS_MKDIR, (uint64_t)"d", 1, 0, 0), 0);
	assert_int_equal(sys(SYS_MKDIR, (uint64_t)"d", 1, 0, 0), -QE_EXIST);
	assert_int_equal(open_path("d", QO_RDWR), -QE_ISDIR);
	assert_int_equal(open_path("own/x", QO_RDONLY), -QE_NOTDIR);
	int64_t h = open_path("own", QO_RDONLY);
	assert_int_equal(write_all(h, "x"), -QE_ROFS);
	assert_int_equal(sys(SYS_DELETE, (uint64_t)"own", 3, 0, 0), -QE_BUSY); /* open */
	assert_int_equal(sys(SYS_CLOSE, (uint64_t)h, 0, 0, 0), 0);
	assert_int_equal(sys(SYS_PURGE, (uint64_t)"own", 3, 0, 0), -QE_INVAL); /* keep 0 */
	assert_int_equal(fs_error(-999), -QE_IO);
}

static void test_exit_commits_kill_drops(void **state)
{
	(void)state;
	fake_set_current(&t1);
	int64_t a = open_path("kept", QO_RDWR | QO_CREAT), b = open_path("own", QO_RDONLY);
	write_all(a, "kept");
	assert_int_equal(files_thread_exit(&t1, true), 1);
	int64_t h = open_path("kept", QO_RDONLY);
	char buf[8] = { 0 };
	assert_int_equal(sys(SYS_READ, (uint64_t)h, 0, (uint64_t)buf, sizeof buf), 4);
	assert_memory_equal(buf, "kept", 4);
	(void)b;
	int64_t c = open_path("dropped", QO_RDWR | QO_CREAT);
	write_all(c, "half");
	assert_int_equal(files_thread_exit(&t1, false), 0); /* killed: nothing committed */
	assert_int_equal(open_path("dropped", QO_RDONLY), -QE_NOENT);
}

static void test_cache_hits_and_shrinks(void **state)
{
	(void)state;
	fake_set_current(&t1);
	static char data[20000];
	memset(data, 'z', sizeof data);
	int64_t h = open_path("big", QO_RDWR | QO_CREAT);
	assert_int_equal(sys(SYS_PWRITE, (uint64_t)h, 0, (uint64_t)data, sizeof data), sizeof data);
	assert_true(sys(SYS_CLOSE, (uint64_t)h, 0, 0, 0) >= 1);
	struct bcache_stats s0, s1;
	fs_cache_stats(&s0);
	h = open_path("big", QO_RDONLY);
	static char back[20000];
	assert_int_equal(sys(SYS_READ, (uint64_t)h, 0, (uint64_t)back, sizeof back), sizeof back);
	assert_memory_equal(back, data, sizeof data);
	sys(SYS_CLOSE, (uint64_t)h, 0, 0, 0);
	fs_cache_stats(&s1);
	assert_true(s1.hits > s0.hits); /* written through: read from the cache */
	assert_true(s1.blocks <= s1.max_blocks);
	uint64_t free0 = frame_free_count();
	unsigned got = mm_shrink(1000);
	assert_int_equal(frame_free_count(), free0 + got);
	fs_cache_stats(&s1);
	assert_int_equal(s1.blocks, s1.floor); /* down to its floor, not below */
	mm_shrink_all();
	fs_cache_stats(&s1);
	assert_int_equal(s1.blocks, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handles_belong_to_their_thread),
		cmocka_unit_test(test_errors_translated),
		cmocka_unit_test(test_exit_commits_kill_drops),
		cmocka_unit_test(test_cache_hits_and_shrinks),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
