/*
 * qfs.c - host tool to make, inspect and edit qfs disk images:
 *   qfs mkfs|ls|put|get|log|diff|purge|rm|mkdir|rmdir|limit|df|fsck IMAGE ...
 * Every command holds the image lock (qfs_host_open_image) for its whole run, prints a
 * warning for whatever mount reported, and exits with a QX_* status (qfs_tool.h).
 * SOURCE_DATE_EPOCH, when set, fixes the time stamps it writes.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qfs_tool.h"

int tool_usage(void)
{
	fprintf(stderr,
		"usage: qfs COMMAND IMAGE [ARGS]\n"
		"  mkfs IMAGE SIZE[K|M|G] [LIMIT]  make an empty file system (LIMIT 1..64)\n"
		"  ls IMAGE [PATH]                 list a directory, or a file's versions\n"
		"  put IMAGE HOSTFILE PATH         store HOSTFILE (- for stdin) as the next version\n"
		"  get IMAGE PATH[;N] [HOSTFILE]   copy a version out (stdout by default)\n"
		"  log IMAGE PATH                  history of a file\n"
		"  diff IMAGE PATH;A PATH;B        compare two versions (exit 0 same, 1 differ)\n"
		"  purge IMAGE PATH [KEEP]         keep the newest KEEP versions (default 1)\n"
		"  rm IMAGE PATH[;N]               delete one version, or the whole file\n"
		"  mkdir IMAGE PATH                make a directory\n"
		"  rmdir IMAGE PATH                remove an empty directory\n"
		"  limit IMAGE PATH N              set a file's version limit\n"
		"  df IMAGE                        space accounting\n"
		"  fsck [--repair] IMAGE           check everything (and repair what can be)\n"
		"exit: 0 ok, 1 failed (fsck: errors), 2 usage or image refused, 3 image rolled\n"
		"back (fsck --repair: repaired), 4 image in use by another program\n");
	return QX_USAGE;
}

int tool_fail(const char *what, int err)
{
	fprintf(stderr, "qfs: %s: %s\n", what, qfs_strerror(err));
	return QX_FAIL;
}

uint64_t tool_now(void *ctx)
{
	(void)ctx;
	const char *s = getenv("SOURCE_DATE_EPOCH");
	return s ? strtoull(s, NULL, 10) : (uint64_t)time(NULL);
}

int tool_open_error(const char *image, int rc)
{
	if (rc == QFS_EBUSY) {
		fprintf(stderr, "qfs: %s: image in use by another program\n", image);
		return QX_BUSY;
	}
	if (rc == QFS_ENOENT)
		fprintf(stderr, "qfs: %s: no such file\n", image);
	else
		fprintf(stderr, "qfs: %s: %s\n", image, strerror(errno));
	return QX_USAGE;
}

static const char *fmt_time(uint64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

/* Warn about every degraded state mount reported (stderr, every command). */
static void warn_mount(const struct tool *t)
{
	const struct qfs_mount_info *mi = &t->mi;
	const char *img = t->image;
	if (mi->flags & QFS_MI_ROLLED_BACK)
		fprintf(stderr, "qfs: warning: %s: generation %llu cannot be used (damaged root "
			"record); mounted generation %llu: the newest commit may be lost "
			"(run: qfs fsck --repair %s)\n", img,
			(unsigned long long)mi->lost_generation,
			(unsigned long long)mi->generation, img);
	if (mi->flags & QFS_MI_FMAP_REBUILT)
		fprintf(stderr, "qfs: warning: %s: the free map is damaged (block %llu); it was "
			"rebuilt from the file trees (run: qfs fsck --repair %s)\n", img,
			(unsigned long long)mi->fmap_block, img);
	if (mi->flags & QFS_MI_SB_BACKUP)
		fprintf(stderr, "qfs: warning: %s: the superblock is damaged; using the backup "
			"copy (run: qfs fsck --repair %s)\n", img, img);
	if (mi->flags & QFS_MI_BACKUP_BAD)
		fprintf(stderr, "qfs: warning: %s: the backup superblock is damaged "
			"(run: qfs fsck --repair %s)\n", img, img);
}

/* Open, lock and mount t->image; 0 or the exit status to leave with. */
static int tool_open(struct tool *t, int mode)
{
	int rc = qfs_host_open_image(t->image, mode, &t->dev);
	if (rc)
		return tool_open_error(t->image, rc);
	rc = qfs_mount_ex(&t->dev, &t->env, &t->fs, &t->mi);
	if (rc) {
		qfs_host_img_close(&t->dev);
		fprintf(stderr, "qfs: %s: mount refused: %s\n", t->image,
			t->mi.refused ? qfs_mount_refusal(t->mi.refused) : qfs_strerror(rc));
		return QX_USAGE;
	}
	warn_mount(t);
	return 0;
}

/* "dir" + "/" + "name" in fresh memory (NULL when out of memory). */
static char *path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = malloc(dl + nl + 2);
	if (p)
		snprintf(p, dl + nl + 2, "%s%s%s", dir, dl && dir[dl - 1] != '/' ? "/" : "", name);
	return p;
}

struct ls_ctx {
	struct qfs *fs;
	const char *dir;
	int status;
};

/* One entry: a directory, or every version of a file (newest first). */
static int ls_cb(void *ctx, const char *name, uint64_t ino, uint32_t type)
{
	struct ls_ctx *c = ctx;
	char tb[32];
	struct qfs_vinfo v[QFS_MAX_VERSIONS_TOOL];
	(void)ino;
	if (type == QFS_TYPE_DIR) {
		printf("%-24s %10s\n", name, "<dir>");
		return 0;
	}
	char *path = path_join(c->dir, name);
	int n = path ? qfs_versions(c->fs, path, v, QFS_MAX_VERSIONS_TOOL) : QFS_ENOMEM;
	if (n < 0)
		c->status = tool_fail(path ? path : name, n);
	for (int i = n - 1; i >= 0; i--) {
		int w = printf("%s;%u", name, v[i].vnum);
		printf("%*s %10llu  %s\n", w < 24 ? 24 - w : 0, "", (unsigned long long)v[i].size,
		       fmt_time(v[i].mtime, tb, sizeof(tb)));
	}
	free(path);
	return 0;
}

static int cmd_ls(struct tool *t, int argc, char **argv)
{
	const char *path = argc > 3 ? argv[3] : "";
	struct qfs_stat st;
	int rc = qfs_stat(t->fs, path, &st);
	if (rc)
		return tool_fail(path, rc);
	struct ls_ctx c = {t->fs, path, QX_OK};
	printf("%-24s %10s  %s\n", "NAME;VERSION", "SIZE", "COMMITTED (UTC)");
	if (st.type == QFS_TYPE_DIR) {
		rc = qfs_readdir(t->fs, path, ls_cb, &c);
		if (rc < 0)
			c.status = tool_fail(*path ? path : "/", rc);
		return c.status;
	}
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	if (!dir)
		return tool_fail(path, QFS_ENOMEM);
	char *name = slash ? slash + 1 : dir, *semi = strchr(name, ';');
	if (slash)
		*slash = 0;
	if (semi)
		*semi = 0;
	c.dir = slash ? dir : "";
	ls_cb(&c, name, st.ino, st.type);
	free(dir);
	return c.status;
}

static int cmd_log(struct tool *t, int argc, char **argv)
{
	struct qfs_vinfo v[QFS_MAX_VERSIONS_TOOL];
	struct qfs_stat st;
	char tb[32];
	if (argc < 4)
		return tool_usage();
	int n = qfs_versions(t->fs, argv[3], v, QFS_MAX_VERSIONS_TOOL);
	int rc = n < 0 ? n : qfs_stat(t->fs, argv[3], &st);
	if (rc < 0)
		return tool_fail(argv[3], rc);
	printf("%s: %d version%s (limit %u), newest %u\n", argv[3], n, n == 1 ? "" : "s",
	       st.limit, st.newest);
	for (int i = n - 1; i >= 0; i--)
		printf("  version %-4u %s  %llu bytes%s\n", v[i].vnum,
		       fmt_time(v[i].mtime, tb, sizeof(tb)), (unsigned long long)v[i].size,
		       i == n - 1 ? "  (newest)" : "");
	return QX_OK;
}

/* A decimal number with nothing after it; -1 when s is not one. */
static long parse_count(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return *s < '0' || *s > '9' || *end || errno || v > 1000000 ? -1 : v;
}

static int cmd_simple(struct tool *t, int argc, char **argv)
{
	const char *c = argv[1];
	int rc;
	if (argc < 4 || (!strcmp(c, "limit") && argc < 5))
		return tool_usage();
	long num = argc > 4 ? parse_count(argv[4]) : 1;
	if (((!strcmp(c, "purge") || !strcmp(c, "limit")) && num < 1) ||
	    (!strcmp(c, "limit") && num > QFS_MAX_VERSIONS_TOOL)) {
		fprintf(stderr, "qfs: %s: not a count%s: %s\n", c,
			strcmp(c, "limit") ? "" : " from 1 to 64", argv[4]);
		return QX_USAGE;
	}
	if (!strcmp(c, "purge")) {
		rc = qfs_purge(t->fs, argv[3], (uint32_t)num);
		if (rc >= 0)
			printf("%s: purged %d version%s\n", argv[3], rc, rc == 1 ? "" : "s");
	} else if (!strcmp(c, "rm")) {
		rc = qfs_delete(t->fs, argv[3]);
	} else if (!strcmp(c, "mkdir")) {
		rc = qfs_mkdir(t->fs, argv[3]);
	} else if (!strcmp(c, "rmdir")) {
		rc = qfs_rmdir(t->fs, argv[3]);
	} else {
		rc = qfs_set_limit(t->fs, argv[3], (uint32_t)num);
	}
	return rc < 0 ? tool_fail(argv[3], rc) : QX_OK;
}

static int cmd_df(struct tool *t, int argc, char **argv)
{
	struct qfs_statfs st;
	(void)argc;
	(void)argv;
	qfs_statfs(t->fs, &st);
	printf("blocks %llu (4096 bytes each), data region %llu\n",
	       (unsigned long long)st.nblocks, (unsigned long long)st.data_blocks);
	printf("used %llu  free %llu  reserved %llu  (%.1f%% used)\n",
	       (unsigned long long)st.used, (unsigned long long)st.free,
	       (unsigned long long)st.reserve, 100.0 * (double)st.used / (double)st.data_blocks);
	printf("files %llu  generation %llu\n", (unsigned long long)st.nfiles,
	       (unsigned long long)st.generation);
	return QX_OK;
}

struct command {
	const char *name;
	int writes; /* may write: exclusive lock, refused on a rolled-back image */
	int (*fn)(struct tool *t, int argc, char **argv);
};

static const struct command commands[] = {
	{"ls", 0, cmd_ls},	   {"get", 0, cmd_get},	    {"log", 0, cmd_log},
	{"diff", 0, cmd_diff},	   {"df", 0, cmd_df},	    {"put", 1, cmd_put},
	{"purge", 1, cmd_simple},  {"rm", 1, cmd_simple},   {"mkdir", 1, cmd_simple},
	{"rmdir", 1, cmd_simple},  {"limit", 1, cmd_simple},
};

/* Run a command on an opened image; a rolled-back image is read but never changed. */
static int run(const struct command *c, struct qfs_env *env, int argc, char **argv)
{
	struct tool t = {argv[2], *env, {0}, NULL, {0}};
	int rc = tool_open(&t, c->writes ? QFS_HOST_WRITE : QFS_HOST_READ);
	if (rc)
		return rc;
	int rolled = (t.mi.flags & QFS_MI_ROLLED_BACK) != 0;
	if (rolled && c->writes) {
		fprintf(stderr, "qfs: %s: not changing an image that was rolled back; run "
			"`qfs fsck --repair %s` first\n", t.image, t.image);
		rc = QX_ROLLED;
	} else {
		rc = c->fn(&t, argc, argv);
	}
	qfs_unmount(t.fs);
	qfs_host_img_close(&t.dev);
	return rc == QX_OK && rolled ? QX_ROLLED : rc;
}

int main(int argc, char **argv)
{
	struct qfs_env env;
	qfs_host_env(&env, stdout);
	env.now = tool_now;
	if (argc < 3)
		return tool_usage();
	if (!strcmp(argv[1], "mkfs"))
		return cmd_mkfs(&env, argc, argv);
	if (!strcmp(argv[1], "fsck"))
		return cmd_fsck(&env, argc, argv);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return run(&commands[i], &env, argc, argv);
	return tool_usage();
}
