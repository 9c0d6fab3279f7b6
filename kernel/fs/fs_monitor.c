/*
 * fs_monitor.c - monitor commands for the mounted file system: `ls [DIR|FILE]` (each file
 * with its versions, sizes and commit times), `cat PATH[;N]`, `purge PATH KEEP`, `rm
 * PATH[;N]`, `df` (space and the block cache). They go through fs.h like the system calls.
 */
#include "console.h"
#include "fs/fs.h"
#include "lib/cmdline.h"
#include "lib/kstring.h"
#include "lib/moncmd.h"
#include "lib/qerror.h"
#include "mm/kheap.h"

#define VMAX 64

/* civil_from_days - year, month, day of day number @z since 1970-01-01. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void print_time(uint64_t t)
{
	int64_t y;
	unsigned m, d;
	civil_from_days((int64_t)(t / 86400), &y, &m, &d);
	kprintf("%ld-%02u-%02u %02lu:%02lu:%02lu", y, m, d, t % 86400 / 3600, t % 3600 / 60, t % 60);
}

static void print_versions(const char *path)
{
	struct qfs_vinfo *v = kmalloc(VMAX * sizeof *v);
	int n = v ? fs_versions(path, v, VMAX) : -QE_NOMEM;
	for (int i = n - 1; i >= 0 && i < VMAX; i--) {
		kprintf("  %s;%-5u %10lu  ", path, v[i].vnum, v[i].size);
		print_time(v[i].mtime);
		kprintf("\n");
	}
	if (n < 0)
		kprintf("  %s: %s\n", path, qerror_name(n));
	kfree(v);
}

/* The entries of a directory, collected first: the file system's mutex is held while
 * qfs_readdir calls back, so the versions of each file are read after it returns. */
struct ls_name {
	struct ls_name *next;
	uint32_t type;
	char name[];
};

struct ls_walk {
	struct ls_name *head, **tail;
	unsigned n;
	bool short_of_memory;
};

static int ls_entry(void *ctx, const char *name, uint64_t ino, uint32_t type)
{
	struct ls_walk *w = ctx;
	size_t len = strlen(name);
	struct ls_name *e = kmalloc(sizeof *e + len + 1);
	(void)ino;
	if (!e) {
		w->short_of_memory = true;
		return 0;
	}
	e->next = 0;
	e->type = type;
	memcpy(e->name, name, len + 1);
	*w->tail = e;
	w->tail = &e->next;
	w->n++;
	return 0;
}

static void cmd_ls(const char *args)
{
	struct qfs_stat st;
	const char *path = *args ? args : "";
	int err = fs_stat(*path ? path : "/", &st);
	if (err < 0 && *path) {
		kprintf("ls: %s: %s\n", path, qerror_name(err));
		return;
	}
	if (err == 0 && st.type == QFS_TYPE_FILE) {
		print_versions(path);
		return;
	}
	struct ls_walk w = { 0, 0, 0, false };
	w.tail = &w.head;
	if ((err = fs_readdir(*path ? path : "/", ls_entry, &w)) < 0)
		kprintf("ls: %s: %s\n", *path ? path : "/", qerror_name(err));
	while (w.head) {
		struct ls_name *e = w.head;
		char full[FS_PATH_MAX];
		kstrlcpy(full, path, sizeof full);
		if (*path)
			kstrlcpy(full + strlen(full), "/", sizeof full - strlen(full));
		kstrlcpy(full + strlen(full), e->name, sizeof full - strlen(full));
		if (e->type == QFS_TYPE_DIR)
			kprintf("  %s/\n", full);
		else
			print_versions(full);
		w.head = e->next;
		kfree(e);
	}
	if (w.short_of_memory)
		kprintf("ls: out of memory: some entries are not shown\n");
}
MONITOR_CMD(ls, "list a directory: every file with its versions, sizes and times", cmd_ls);

static void cmd_cat(const char *args)
{
	void *buf;
	size_t n;
	int err = fs_read_file(args, 1u << 20, &buf, &n);
	if (err < 0) {
		kprintf("cat: %s: %s\n", args, qerror_name(err));
		return;
	}
	console_write(buf, n);
	kfree(buf);
}
MONITOR_CMD(cat, "print a file or one version of it: cat PATH[;N] (1 MiB at most)", cmd_cat);

/* the core's comparison (fs-versioned/core/diff.c: the qfs tool's `diff`), to the console */
#define DIFF_MAX_LINES 400 /* a line table of at most 160,000 cells (in page-sized pieces) */

static void *diff_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return kmalloc(n);
}

static void diff_free(void *ctx, void *p)
{
	(void)ctx;
	kfree(p);
}

static void diff_out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

static void cmd_diff(const char *args)
{
	char a[FS_PATH_MAX];
	size_t i = 0;
	while (args[i] && args[i] != ' ' && i + 1 < sizeof a) {
		a[i] = args[i];
		i++;
	}
	a[i] = '\0';
	const char *b = args + i;
	while (*b == ' ')
		b++;
	if (!i || !*b) {
		kprintf("usage: diff PATH;N PATH;M (text up to %u lines: a line diff; else the bytes that differ)\n",
			DIFF_MAX_LINES);
		return;
	}
	void *pa = 0, *pb = 0;
	size_t na, nb;
	int err = fs_read_file(a, 1u << 20, &pa, &na);
	if (err < 0) {
		kprintf("diff: %s: %s\n", a, qerror_name(err));
		return;
	}
	if ((err = fs_read_file(b, 1u << 20, &pb, &nb)) < 0) {
		kprintf("diff: %s: %s\n", b, qerror_name(err));
		kfree(pa);
		return;
	}
	struct qfs_env env = { 0, diff_alloc, diff_free, 0, 0 };
	kprintf("--- %s\n+++ %s\n", a, b);
	err = qfs_diff(&env, pa, na, pb, nb, DIFF_MAX_LINES, diff_out, 0);
	if (err < 0)
		kprintf("diff: %s\n", qerror_name(fs_error(err)));
	kfree(pa);
	kfree(pb);
}
MONITOR_CMD(diff, "the difference between two versions: diff PATH;N PATH;M (the qfs tool's code)", cmd_diff);

static void cmd_purge(const char *args)
{
	char path[FS_PATH_MAX];
	size_t i = 0;
	while (args[i] && args[i] != ' ' && i + 1 < sizeof path) {
		path[i] = args[i];
		i++;
	}
	path[i] = '\0';
	uint64_t keep;
	if (!i || cmdline_parse_u64(args + i + (args[i] == ' '), &keep) < 0 || keep == 0 || keep > 64) {
		kprintf("usage: purge PATH KEEP (1..64)\n");
		return;
	}
	int r = fs_purge(path, (uint32_t)keep);
	if (r < 0)
		kprintf("purge: %s: %s\n", path, qerror_name(r));
	else
		kprintf("purge: %s: %d versions removed\n", path, r);
}
MONITOR_CMD(purge, "keep the newest KEEP versions of a file: purge PATH KEEP", cmd_purge);

static void cmd_rm(const char *args)
{
	int r = fs_delete(args);
	if (r < 0)
		kprintf("rm: %s: %s\n", args, qerror_name(r));
}
MONITOR_CMD(rm, "delete a version (rm PATH;N) or a whole file (rm PATH)", cmd_rm);

static void cmd_df(const char *args)
{
	struct qfs_statfs st;
	struct bcache_stats bc;
	(void)args;
	if (fs_statfs(&st) < 0 || fs_cache_stats(&bc) < 0) {
		kprintf("no file system mounted (boot with root=hda and a qfs disk)\n");
		return;
	}
	kprintf("disk: %lu blocks of 4 KiB, data %lu, used %lu, free %lu, reserve %lu; %lu files, generation %lu\n",
		st.nblocks, st.data_blocks, st.used, st.free, st.reserve, st.nfiles, st.generation);
	kprintf("block cache: %lu of %lu blocks (floor %lu), %lu hits, %lu misses, %lu writes, %lu evicted, %lu given back\n",
		bc.blocks, bc.max_blocks, bc.floor, bc.hits, bc.misses, bc.writes, bc.evicted, bc.shrunk);
}
MONITOR_CMD(df, "the file system's space and the block cache's figures", cmd_df);
