/*
 * mmbench.c - the Linux side of Quire's benchmarks: the same operations as apps/bench.c and
 * apps/swapper.c, run as a static program in Debian's kernel booted in the same QEMU.
 * Prints `RESULT NAME VALUE UNIT` lines (tests/bench/README.md lists them). Figures are
 * TSC ticks, which under QEMU -icount shift=0 are guest instructions (and nanoseconds).
 * usage: mmbench mm | mmbench swap [MiB] | mmbench noop. Exits 1 on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define SYSCALL_ITERS 10000
#define FAULT_PAGES 1024 /* apps/bench.c: FAULT_PAGES */
#define SWITCH_ITERS 2000
#define FORK_ITERS 100
#define THREAD_ITERS 100
#define PIPE_ITERS 1000
#define FILE_PAGES 1024

extern char **environ;
static const char *self_path;

static inline uint64_t tsc_now(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

static void result(const char *name, double value, const char *unit)
{
	printf("RESULT %s %.2f %s\n", name, value, unit);
}

/* report - ticks per operation, in the unit Quire prints (insns/op, insns/page). */
static void report(const char *name, uint64_t ticks, uint64_t ops, const char *unit)
{
	result(name, (double)ticks / (double)ops, unit);
}

static void die(const char *what)
{
	printf("ERROR %s: %s\n", what, strerror(errno));
	exit(1);
}

/* proc_counter - the value of KEY in a "key value" file (/proc/vmstat); 0 if absent. */
static uint64_t proc_counter(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	char k[128];
	unsigned long long v, r = 0;
	if (!f)
		die(path);
	while (fscanf(f, "%127s %llu", k, &v) == 2)
		if (strcmp(k, key) == 0) {
			r = v;
			break;
		}
	fclose(f);
	return r;
}

static void bench_null_syscall(void)
{
	syscall(SYS_getppid);
	uint64_t t0 = tsc_now();
	for (int i = 0; i < SYSCALL_ITERS; i++)
		syscall(SYS_getppid);
	report("null_syscall", tsc_now() - t0, SYSCALL_ITERS, "insns/op");
}

/* bench_faults - first touch (fault + zero), re-touch, unmap of FAULT_PAGES pages. */
static void bench_faults(void)
{
	size_t len = FAULT_PAGES * PAGE;
	volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	if (madvise((void *)p, len, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE)");
	uint64_t f0 = proc_counter("/proc/vmstat", "pgfault");
	uint64_t t0 = tsc_now();
	for (unsigned long i = 0; i < FAULT_PAGES; i++)
		p[i * PAGE] = 1;
	uint64_t t1 = tsc_now();
	uint64_t f1 = proc_counter("/proc/vmstat", "pgfault");
	uint64_t best = ~0ull; /* re-touch: the best of three passes (a timer tick is not a touch),
				* as apps/bench.c does; reading /proc/vmstat is not part of it */
	for (int pass = 0; pass < 3; pass++) {
		uint64_t r0 = tsc_now();
		for (unsigned long i = 0; i < FAULT_PAGES; i++)
			p[i * PAGE] = (char)(2 + pass);
		uint64_t r1 = tsc_now();
		best = r1 - r0 < best ? r1 - r0 : best;
	}
	uint64_t t2 = tsc_now();
	if (munmap((void *)p, len))
		die("munmap");
	uint64_t t3 = tsc_now();
	report("demand_fault", t1 - t0, FAULT_PAGES, "insns/page");
	result("demand_fault_count", (double)(f1 - f0), "faults");
	report("retouch", best, FAULT_PAGES, "insns/page");
	report("unmap", t3 - t2, FAULT_PAGES, "insns/page");
}

/* wait_ok - wait for PID; dies unless it exited with status 0. */
static void wait_ok(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("child");
}

/* bench_processes - fork+exit+wait, fork+exec+wait and posix_spawn+wait of `mmbench noop`. */
static void bench_processes(void)
{
	char *argv[] = { (char *)self_path, "noop", NULL };
	uint64_t t0 = tsc_now();
	for (int i = 0; i < FORK_ITERS; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(0);
		wait_ok(pid);
	}
	uint64_t t1 = tsc_now();
	for (int i = 0; i < FORK_ITERS; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execve(self_path, argv, environ);
			_exit(127);
		}
		wait_ok(pid);
	}
	uint64_t t2 = tsc_now();
	for (int i = 0; i < FORK_ITERS; i++) {
		pid_t pid;
		errno = posix_spawn(&pid, self_path, NULL, NULL, argv, environ);
		if (errno)
			die("posix_spawn");
		wait_ok(pid);
	}
	uint64_t t3 = tsc_now();
	report("fork_exit_wait", t1 - t0, FORK_ITERS, "insns/op");
	report("fork_exec_wait", t2 - t1, FORK_ITERS, "insns/op");
	report("spawn_exit_wait", t3 - t2, FORK_ITERS, "insns/op");
}

static void *thread_empty(void *arg)
{
	return arg;
}

static int switch_ready;
static uint64_t switch_start[2], switch_end[2];

/* yielder - meet the other thread, then yield SWITCH_ITERS times (apps/bench.c: yielder). */
static void *yielder(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	__atomic_add_fetch(&switch_ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&switch_ready, __ATOMIC_SEQ_CST) < 2)
		sched_yield();
	switch_start[id] = tsc_now();
	for (int i = 0; i < SWITCH_ITERS; i++)
		sched_yield();
	switch_end[id] = tsc_now();
	return NULL;
}

/* bench_threads - create+exit+join of an empty thread; two threads yielding to each other. */
static void bench_threads(void)
{
	pthread_t t[2];
	/* one untimed first, as apps/bench.c does (glibc keeps the stack for the next one) */
	if ((errno = pthread_create(&t[0], NULL, thread_empty, NULL)) != 0)
		die("pthread_create");
	pthread_join(t[0], NULL);
	uint64_t t0 = tsc_now();
	for (int i = 0; i < THREAD_ITERS; i++) {
		if ((errno = pthread_create(&t[0], NULL, thread_empty, NULL)) != 0)
			die("pthread_create");
		pthread_join(t[0], NULL);
	}
	report("thread_create_join", tsc_now() - t0, THREAD_ITERS, "insns/op");
	for (uintptr_t i = 0; i < 2; i++)
		if ((errno = pthread_create(&t[i], NULL, yielder, (void *)i)) != 0)
			die("pthread_create");
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	uint64_t start = switch_start[0] < switch_start[1] ? switch_start[0] : switch_start[1];
	uint64_t end = switch_end[0] > switch_end[1] ? switch_end[0] : switch_end[1];
	report("thread_switch", end - start, 2 * SWITCH_ITERS, "insns/op");
}

/* bench_pipe - one byte to a child and one back through two pipes: a message round trip. */
static void bench_pipe(void)
{
	int down[2], up[2];
	char c = 0;
	if (pipe(down) || pipe(up))
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) { /* echo until the parent closes its end */
		close(down[1]);
		close(up[0]);
		while (read(down[0], &c, 1) == 1 && write(up[1], &c, 1) == 1)
			;
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	uint64_t t0 = tsc_now();
	for (int i = 0; i < PIPE_ITERS; i++)
		if (write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1)
			die("pipe round trip");
	report("pipe_roundtrip", tsc_now() - t0, PIPE_ITERS, "insns/op");
	close(down[1]);
	wait_ok(pid);
	close(up[0]);
}

/* bench_file - 4 KiB pwrite and pread on tmpfs, then a shared mapping dirtied and msync'd. */
static void bench_file(void)
{
	static char buf[PAGE];
	size_t len = FILE_PAGES * PAGE;
	int fd = open("/tmp/mmbench.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open /tmp/mmbench.dat");
	memset(buf, 0x5a, sizeof buf);
	uint64_t t0 = tsc_now();
	for (unsigned long i = 0; i < FILE_PAGES; i++)
		if (pwrite(fd, buf, PAGE, (off_t)(i * PAGE)) != (ssize_t)PAGE)
			die("pwrite");
	uint64_t t1 = tsc_now();
	for (unsigned long i = 0; i < FILE_PAGES; i++)
		if (pread(fd, buf, PAGE, (off_t)(i * PAGE)) != (ssize_t)PAGE)
			die("pread");
	uint64_t t2 = tsc_now();
	volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap file");
	for (unsigned long i = 0; i < FILE_PAGES; i++)
		p[i * PAGE] = (char)i;
	if (msync((void *)p, len, MS_SYNC) || munmap((void *)p, len))
		die("msync/munmap");
	uint64_t t3 = tsc_now();
	report("file_write_4k", t1 - t0, FILE_PAGES, "insns/op");
	report("file_read_4k", t2 - t1, FILE_PAGES, "insns/op");
	report("file_map_dirty_sync", t3 - t2, FILE_PAGES, "insns/page");
	close(fd);
	unlink("/tmp/mmbench.dat");
}

int swap_main(unsigned long mib);

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	self_path = argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "noop") == 0)
		return 0;
	if (strcmp(mode, "mm") == 0) {
		bench_null_syscall();
		bench_faults();
		bench_processes();
		bench_threads();
		bench_pipe();
		bench_file();
	} else if (strcmp(mode, "swap") == 0) {
		unsigned long mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
		if (mib == 0 || mib > 4096) {
			printf("ERROR swap: MiB must be 1..4096, not %s\n", argv[2]);
			return 1;
		}
		if (swap_main(mib))
			return 1;
	} else {
		printf("ERROR usage: mmbench mm | swap [MiB] | noop (not '%s')\n", mode);
		return 1;
	}
	printf("DONE %s\n", mode);
	return 0;
}
