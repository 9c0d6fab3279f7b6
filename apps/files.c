/*
 * files - the versioned file system from a user program (specs/files.md). ARG = MODE:
 *   0  the whole check: versions 1..5 committed and read back byte for byte, a purge to 2
 *      giving the blocks back; two threads' read/write opens of one file committing two
 *      versions in close order, each with only its own writes; a read-only open that keeps
 *      its version while another thread commits; a handle refused to another thread; bad
 *      paths and versions refused with nothing changed; a thread that exits with a
 *      read/write handle open commits it; a process killed with one open commits nothing.
 *      Prints "FILECHECK path size crc32" for each version it leaves, for the host to check.
 *   1  (spawned by mode 0) open t/killed read/write, write, then fault: killed.
 *   2  (the crash test) commit versions of t/crash in a loop, printing each one committed.
 */
#include "quire.h"

APP_NOTE(QUIRE_NOTE_MIB(64), QUIRE_NOTE_KIB(64));

static uint8_t buf[64 * 1024], buf2[64 * 1024];

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
	}
	return ~c;
}

/* fill - the bytes of version @v of a file: a pattern only that version has. */
static size_t fill(uint8_t *p, unsigned v)
{
	size_t n = 3000 * v + 17;
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + v * 31 + (i >> 8));
	return n;
}

/* commit - a new version of @path with @n bytes of @p; its number, or a negative error. */
static int64_t commit(const char *path, const uint8_t *p, size_t n)
{
	int64_t h = file_open(path, QO_RDWR | QO_CREAT | QO_TRUNC);
	if (h < 0)
		return h;
	int64_t w = file_write(h, 0, p, n);
	if (w != (int64_t)n) {
		file_abort(h);
		return w < 0 ? w : -QE_IO;
	}
	return file_close(h);
}

/* read_all - the whole of @path into @p (up to @max); its size or a negative error. */
static int64_t read_all(const char *path, uint8_t *p, size_t max)
{
	int64_t h = file_open(path, QO_RDONLY);
	if (h < 0)
		return h;
	int64_t n = file_read(h, 0, p, max);
	file_close(h);
	return n;
}

/* report - what the host checks after the run: the file's versions ("FILEVERSIONS path v..."),
 * and each version's size and CRC-32 ("FILECHECK path;v size crc"). */
static void report(const char *path)
{
	struct quire_version v[16];
	char vpath[48];
	int64_t n = file_versions(path, v, 16);
	printf("FILEVERSIONS %s", path);
	for (int64_t i = 0; i < n && i < 16; i++)
		printf(" %u", v[i].version);
	printf("\n");
	for (int64_t i = 0; i < n && i < 16; i++) {
		snprintf(vpath, sizeof vpath, "%s;%u", path, v[i].version);
		int64_t got = read_all(vpath, buf2, sizeof buf2);
		if (got >= 0)
			printf("FILECHECK %s %ld %08x\n", vpath, got, crc32(buf2, (size_t)got));
	}
}

static void check_versions(void)
{
	char path[32];
	int64_t made = dir_make("t");
	test_check(made == 0 || made == -QE_EXIST, "mkdir", "t: %ld", made);
	struct quire_statfs s0, s1;
	commit("t/dummy", buf, 1); /* the directory's first entry takes a block it keeps */
	file_delete("t/dummy");
	fs_info(&s0);
	for (unsigned v = 1; v <= 5; v++) {
		int64_t got = commit("t/data", buf, fill(buf, v));
		test_check(got == (int64_t)v, "commit", "version %u: close gave %ld", v, got);
	}
	for (unsigned v = 1; v <= 5; v++) {
		snprintf(path, sizeof path, "t/data;%u", v);
		size_t n = fill(buf, v);
		int64_t got = read_all(path, buf2, sizeof buf2);
		test_check(got == (int64_t)n && memcmp(buf, buf2, n) == 0, "read back", "%s: %ld bytes", path, got);
	}
	int64_t removed = file_purge("t/data", 2);
	test_check(removed == 3, "purge", "purge to 2 removed %ld", removed);
	test_check(read_all("t/data;3", buf2, sizeof buf2) == -QE_NOENT, "purged", "t/data;3 still there");
	test_check(read_all("t/data;4", buf2, sizeof buf2) == (int64_t)fill(buf, 4), "kept", "t/data;4");
	test_check(file_delete("t/data") == 0, "delete", "t/data");
	fs_info(&s1);
	test_check(s1.used == s0.used, "blocks back", "used %lu blocks before, %lu after", s0.used, s1.used);
}

/* ---- two writers, a pinned reader, handle ownership ---- */
static volatile int64_t other_handle = -1, writer_step;

static int64_t writer_b(void *arg)
{
	(void)arg;
	int64_t h = file_open("t/shared", QO_RDWR);
	memset(buf2, 'B', 4096);
	int64_t w = file_write(h, 4096, buf2, 4096);
	int64_t v = file_close(h); /* B closes first: B's version comes first */
	return h >= 0 && w == 4096 ? v : -1;
}

static int64_t use_other(void *arg)
{
	(void)arg;
	return file_read(other_handle, 0, buf2, 16); /* a handle of another thread */
}

static void check_threads(void)
{
	memset(buf, '0', 8192);
	int64_t base = commit("t/shared", buf, 8192);
	int64_t ha = file_open("t/shared", QO_RDWR), ro = file_open("t/shared", QO_RDONLY);
	memset(buf, 'A', 4096);
	test_check(file_write(ha, 0, buf, 4096) == 4096, "write A", "handle %ld", ha);
	int64_t tb = thread_create(writer_b, 0), vb = -1;
	thread_join(tb, &vb);
	int64_t va = file_close(ha);
	test_check(vb == base + 1 && va == base + 2, "close order", "base %ld, B %ld, A %ld", base, vb, va);
	char path[32];
	snprintf(path, sizeof path, "t/shared;%ld", vb);
	read_all(path, buf2, 8192);
	test_check(buf2[0] == '0' && buf2[4096] == 'B', "own writes B", "%c %c", buf2[0], buf2[4096]);
	snprintf(path, sizeof path, "t/shared;%ld", va);
	read_all(path, buf2, 8192);
	test_check(buf2[0] == 'A' && buf2[4096] == '0', "own writes A", "%c %c", buf2[0], buf2[4096]);
	test_check(file_read(ro, 0, buf2, 8192) == 8192 && buf2[0] == '0' && buf2[4096] == '0', "pinned",
		   "a read-only handle opened before both commits saw %c %c", buf2[0], buf2[4096]);
	other_handle = ro;
	int64_t t = thread_create(use_other, 0), r = 0;
	thread_join(t, &r);
	test_check(r == -QE_BADF, "ownership", "another thread's use of a handle gave %ld", r);
	file_close(ro);
}

/* ---- bad input ---- */
static void check_errors(void)
{
	char longp[300];
	memset(longp, 'x', sizeof longp - 1);
	longp[sizeof longp - 1] = '\0';
	struct quire_statfs s0, s1;
	fs_info(&s0);
	int64_t r = file_open(longp, QO_RDONLY);
	test_check(r == -QE_NAMETOOLONG, "long path", "%ld", r);
	r = file_open("t/a;b;c", QO_RDONLY);
	test_check(r < 0, "bad version", "%ld", r);
	r = file_open("t/shared;999", QO_RDONLY);
	test_check(r == -QE_NOENT, "no such version", "%ld", r);
	r = file_open("t/data", QO_CREAT);
	test_check(r == -QE_INVAL, "bad flags", "%ld", r);
	r = quire_syscall6(SYS_OPEN, 0x10, 4, 0, 0, 0, 0);
	test_check(r == -QE_FAULT, "bad pointer", "%ld", r);
	r = file_read(77, 0, buf, 1);
	test_check(r == -QE_BADF, "bad handle", "%ld", r);
	fs_info(&s1);
	test_check(s0.used == s1.used && s0.generation == s1.generation, "unchanged", "generation %lu -> %lu",
		   s0.generation, s1.generation);
}

/* ---- exit rules ---- */
static int64_t leave_open(void *arg)
{
	(void)arg;
	int64_t h = file_open("t/exited", QO_RDWR | QO_CREAT);
	file_write(h, 0, "left open", 9);
	return 0; /* the thread ends with the handle open: a normal exit commits it */
}

static void check_exit(void)
{
	int64_t t = thread_create(leave_open, 0), v;
	thread_join(t, &v);
	int64_t n = read_all("t/exited", buf2, sizeof buf2);
	test_check(n == 9 && memcmp(buf2, "left open", 9) == 0, "exit commits", "t/exited: %ld bytes", n);
	int64_t pid = spawn("files", 1), status = 0;
	test_check(pid > 0 && wait(pid, &status) == 0 && status == -1, "killed", "pid %ld status %ld", pid, status);
	test_check(read_all("t/killed", buf2, sizeof buf2) == -QE_NOENT, "kill drops", "t/killed exists");
}

static int killed_mode(void)
{
	int64_t h = file_open("t/killed", QO_RDWR | QO_CREAT);
	file_write(h, 0, "half", 4);
	*(volatile int *)opaque(0) = 1; /* a fault: the process is killed with the copy open */
	return 0;
}

__attribute__((noreturn)) static int crash_mode(void)
{
	char path[32];
	dir_make("t");
	for (unsigned v = 1;; v++) {
		struct quire_stat st; /* the content depends on the version number it becomes */
		unsigned next = file_stat("t/crash", &st) == 0 ? st.newest + 1 : 1;
		size_t n = fill(buf, next % 20 + 1);
		int64_t got = commit("t/crash", buf, n);
		if (got < 0) {
			printf("crash: commit failed: %s\n", got == -QE_NOSPC ? "QE_NOSPC" : "error");
			file_purge("t/crash", 1);
			continue;
		}
		if (got == 1 || v == 1)
			file_set_limit("t/crash", 64); /* the host checks the newest 64 (crashtest.py) */
		snprintf(path, sizeof path, "t/crash;%ld", got);
		printf("COMMITTED %s %lu %08x\n", path, n, crc32(buf, n));
	}
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)info;
	if (arg == 1)
		return killed_mode();
	if (arg == 2)
		return crash_mode();
	check_versions();
	check_threads();
	check_errors();
	check_exit();
	report("t/shared");
	report("t/exited");
	return test_finish("files");
}
