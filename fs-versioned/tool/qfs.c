/*
 * qfs.c - host tool to make, inspect and edit qfs disk images:
 *   qfs mkfs|ls|put|get|log|diff|purge|rm|mkdir|limit|df|fsck IMAGE ...
 * Exit codes: 0 success, 1 failure (fsck: errors found), 2 usage or image refused.
 * SOURCE_DATE_EPOCH, when set, fixes the time stamps it writes.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qfs.h"
#include "qfs_host.h"

static struct qfs_env env;
static struct qfs_dev dev;

static uint64_t fixed_now(void *ctx)
{
	(void)ctx;
	const char *s = getenv("SOURCE_DATE_EPOCH");
	return s ? strtoull(s, NULL, 10) : (uint64_t)time(NULL);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: qfs COMMAND IMAGE [ARGS]\n"
		"  mkfs IMAGE SIZE[K|M|G] [LIMIT]  make an empty file system\n"
		"  ls IMAGE [PATH]                 list a directory, or a file's versions\n"
		"  put IMAGE HOSTFILE PATH         store HOSTFILE as the next version of PATH\n"
		"  get IMAGE PATH[;N] [HOSTFILE]   copy a version out (stdout by default)\n"
		"  log IMAGE PATH                  history of a file\n"
		"  diff IMAGE PATH;A PATH;B        compare two versions\n"
		"  purge IMAGE PATH [KEEP]         keep the newest KEEP versions (default 1)\n"
		"  rm IMAGE PATH[;N]               delete one version, or the whole file\n"
		"  mkdir IMAGE PATH                make a directory\n"
		"  limit IMAGE PATH N              set a file's version limit\n"
		"  df IMAGE                        space accounting\n"
		"  fsck IMAGE                      check everything; exit 1 on errors\n");
	return 2;
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "qfs: %s: %s\n", what, qfs_strerror(rc));
	return 1;
}

static const char *fmt_time(uint64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static int open_image(const char *path, struct qfs **fs)
{
	int rc = qfs_host_img_open(path, 0, 0, &dev);
	if (rc)
		return fail(path, rc) + 1;
	rc = qfs_mount(&dev, &env, fs);
	if (rc) {
		qfs_host_img_close(&dev);
		fprintf(stderr, "qfs: %s: mount refused: %s\n", path, qfs_strerror(rc));
		return 2;
	}
	return 0;
}

static int cmd_mkfs(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	char *end;
	uint64_t sz = strtoull(argv[3], &end, 10);
	uint64_t mul = *end == 'K' ? 1024 : *end == 'M' ? 1 << 20 : *end == 'G' ? 1 << 30 : 1;
	struct qfs_mkfs_opts o = {argc > 4 ? (uint32_t)atoi(argv[4]) : 0, 0, fixed_now(NULL)};
	int rc = qfs_host_img_open(argv[2], 1, sz * mul / 4096, &dev);
	if (rc)
		return fail(argv[2], rc);
	rc = qfs_mkfs(&dev, &env, &o);
	if (rc == 0) {
		struct qfs *fs;
		struct qfs_statfs st;
		rc = qfs_mount(&dev, &env, &fs);
		if (rc == 0) {
			qfs_statfs(fs, &st);
			printf("%s: %llu blocks of 4096, %llu for data, %llu reserved\n", argv[2],
			       (unsigned long long)st.nblocks, (unsigned long long)st.data_blocks,
			       (unsigned long long)st.reserve);
			qfs_unmount(fs);
		}
	}
	qfs_host_img_close(&dev);
	return rc ? fail("mkfs", rc) : 0;
}

struct ls_ctx {
	struct qfs *fs;
	const char *dir;
};

static void join(char *out, size_t n, const char *dir, const char *name)
{
	snprintf(out, n, "%s%s%s", dir, *dir && dir[strlen(dir) - 1] != '/' ? "/" : "", name);
}

static int ls_cb(void *ctx, const char *name, uint64_t ino, uint32_t type)
{
	struct ls_ctx *c = ctx;
	char path[1024], tb[32];
	struct qfs_vinfo v[64];
	(void)ino;
	join(path, sizeof(path), c->dir, name);
	if (type == QFS_TYPE_DIR) {
		printf("%-24s %10s\n", name, "<dir>");
		return 0;
	}
	int n = qfs_versions(c->fs, path, v, 64);
	for (int i = n - 1; i >= 0; i--) {
		char nm[160];
		snprintf(nm, sizeof(nm), "%s;%u", name, v[i].vnum);
		printf("%-24s %10llu  %s\n", nm, (unsigned long long)v[i].size,
		       fmt_time(v[i].mtime, tb, sizeof(tb)));
	}
	return 0;
}

static int cmd_ls(struct qfs *fs, int argc, char **argv)
{
	const char *path = argc > 3 ? argv[3] : "";
	struct qfs_stat st;
	int rc = qfs_stat(fs, path, &st);
	if (rc)
		return fail(path, rc);
	struct ls_ctx c = {fs, path};
	printf("%-24s %10s  %s\n", "NAME;VERSION", "SIZE", "COMMITTED (UTC)");
	if (st.type == QFS_TYPE_DIR) {
		rc = qfs_readdir(fs, path, ls_cb, &c);
	} else {
		const char *slash = strrchr(path, '/');
		char dir[1024] = "";
		if (slash)
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		c.dir = dir;
		char nm[256];
		snprintf(nm, sizeof(nm), "%s", slash ? slash + 1 : path);
		char *semi = strchr(nm, ';');
		if (semi)
			*semi = 0;
		rc = ls_cb(&c, nm, st.ino, st.type);
	}
	return rc < 0 ? fail(path, rc) : 0;
}

/* Write buf at off, skipping 4 KiB pieces the copy already holds (keeps them shared). */
static long put_chunk(struct qfs_file *f, uint64_t off, const char *buf, size_t n)
{
	static char old[4096];
	for (size_t i = 0; i < n; i += sizeof(old)) {
		size_t len = n - i < sizeof(old) ? n - i : sizeof(old);
		long r = off + i < qfs_fsize(f) ? qfs_read(f, off + i, old, len) : 0;
		if (r == (long)len && !memcmp(old, buf + i, len))
			continue;
		r = qfs_write(f, off + i, buf + i, len);
		if (r < 0)
			return r;
	}
	return (long)n;
}

static int cmd_put(struct qfs *fs, int argc, char **argv)
{
	if (argc < 5)
		return usage();
	FILE *in = strcmp(argv[3], "-") ? fopen(argv[3], "rb") : stdin;
	if (!in) {
		perror(argv[3]);
		return 1;
	}
	struct qfs_file *f;
	int rc = qfs_open(fs, argv[4], QFS_O_RDWR | QFS_O_CREAT, &f);
	if (rc) {
		if (in != stdin)
			fclose(in);
		return fail(argv[4], rc);
	}
	static char buf[1 << 16];
	uint64_t off = 0;
	size_t n;
	long w = 0;
	while (w >= 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0) {
		w = put_chunk(f, off, buf, n);
		off += n;
	}
	if (in != stdin)
		fclose(in);
	if (w >= 0)
		w = qfs_truncate(f, off);
	if (w < 0) {
		qfs_abort(f);
		return fail(argv[4], (int)w);
	}
	rc = qfs_close(f);
	if (rc < 0)
		return fail(argv[4], rc);
	char *semi = strchr(argv[4], ';');
	printf("%.*s;%d (%llu bytes)\n", semi ? (int)(semi - argv[4]) : (int)strlen(argv[4]),
	       argv[4], rc, (unsigned long long)off);
	return 0;
}

/* Read a whole version into memory. */
static int slurp(struct qfs *fs, const char *path, uint8_t **out, uint64_t *len)
{
	struct qfs_file *f;
	int rc = qfs_open(fs, path, QFS_O_RDONLY, &f);
	if (rc)
		return rc;
	*len = qfs_fsize(f);
	*out = malloc(*len ? *len : 1);
	long r = *out ? qfs_read(f, 0, *out, *len) : QFS_ENOMEM;
	qfs_close(f);
	if (r < 0 || (uint64_t)r != *len) {
		free(*out);
		return r < 0 ? (int)r : QFS_EIO;
	}
	return 0;
}

static int cmd_get(struct qfs *fs, int argc, char **argv)
{
	if (argc < 4)
		return usage();
	uint8_t *data;
	uint64_t len;
	int rc = slurp(fs, argv[3], &data, &len);
	if (rc)
		return fail(argv[3], rc);
	FILE *out = argc > 4 && strcmp(argv[4], "-") ? fopen(argv[4], "wb") : stdout;
	if (!out) {
		perror(argv[4]);
		free(data);
		return 1;
	}
	size_t w = fwrite(data, 1, (size_t)len, out);
	if (out != stdout)
		fclose(out);
	free(data);
	return w == len ? 0 : 1;
}

static int cmd_log(struct qfs *fs, int argc, char **argv)
{
	struct qfs_vinfo v[64];
	char tb[32];
	if (argc < 4)
		return usage();
	int n = qfs_versions(fs, argv[3], v, 64);
	if (n < 0)
		return fail(argv[3], n);
	struct qfs_stat st;
	qfs_stat(fs, argv[3], &st);
	printf("%s: %d version%s (limit %u), newest %u\n", argv[3], n, n == 1 ? "" : "s",
	       st.limit, st.newest);
	for (int i = n - 1; i >= 0; i--)
		printf("  version %-4u %s  %llu bytes%s\n", v[i].vnum,
		       fmt_time(v[i].mtime, tb, sizeof(tb)), (unsigned long long)v[i].size,
		       i == n - 1 ? "  (newest)" : "");
	return 0;
}

#include "diff.h"

static int cmd_diff(struct qfs *fs, int argc, char **argv)
{
	if (argc < 5)
		return usage();
	uint8_t *a, *b;
	uint64_t na, nb;
	int rc = slurp(fs, argv[3], &a, &na);
	if (rc)
		return fail(argv[3], rc);
	rc = slurp(fs, argv[4], &b, &nb);
	if (rc) {
		free(a);
		return fail(argv[4], rc);
	}
	printf("--- %s\n+++ %s\n", argv[3], argv[4]);
	int same = qfs_tool_diff(a, na, b, nb);
	free(a);
	free(b);
	return same ? 0 : 1;
}

static int cmd_simple(struct qfs *fs, int argc, char **argv)
{
	const char *c = argv[1];
	if (argc < 4)
		return usage();
	int rc;
	if (!strcmp(c, "purge")) {
		rc = qfs_purge(fs, argv[3], argc > 4 ? (uint32_t)atoi(argv[4]) : 1);
		if (rc >= 0)
			printf("%s: purged %d version%s\n", argv[3], rc, rc == 1 ? "" : "s");
	} else if (!strcmp(c, "rm")) {
		rc = qfs_delete(fs, argv[3]);
	} else if (!strcmp(c, "mkdir")) {
		rc = qfs_mkdir(fs, argv[3]);
	} else if (!strcmp(c, "rmdir")) {
		rc = qfs_rmdir(fs, argv[3]);
	} else {
		rc = argc < 5 ? QFS_EINVAL : qfs_set_limit(fs, argv[3], (uint32_t)atoi(argv[4]));
	}
	return rc < 0 ? fail(argv[3], rc) : 0;
}

static int cmd_df(struct qfs *fs)
{
	struct qfs_statfs st;
	qfs_statfs(fs, &st);
	printf("blocks %llu (4096 bytes each), data region %llu\n",
	       (unsigned long long)st.nblocks, (unsigned long long)st.data_blocks);
	printf("used %llu  free %llu  reserved %llu  (%.1f%% used)\n",
	       (unsigned long long)st.used, (unsigned long long)st.free,
	       (unsigned long long)st.reserve, 100.0 * (double)st.used / (double)st.data_blocks);
	printf("files %llu  generation %llu\n", (unsigned long long)st.nfiles,
	       (unsigned long long)st.generation);
	return 0;
}

static int cmd_fsck(const char *image)
{
	struct qfs_fsck_result r;
	int rc = qfs_host_img_open(image, 0, 0, &dev);
	if (rc)
		return fail(image, rc) + 1;
	rc = qfs_fsck(&dev, &env, &r);
	qfs_host_img_close(&dev);
	if (rc && r.errors == 0)
		return fail("fsck", rc) + 1;
	printf("fsck %s: %llu files, %llu dirs, %llu versions, %llu blocks checked: "
	       "%llu errors, %llu warnings -> %s\n",
	       image, (unsigned long long)r.files, (unsigned long long)r.dirs,
	       (unsigned long long)r.versions, (unsigned long long)r.blocks_checked,
	       (unsigned long long)r.errors, (unsigned long long)r.warnings,
	       rc ? "REFUSED" : r.errors ? "CORRUPT" : "clean");
	return rc ? 2 : r.errors ? 1 : 0;
}

static int dispatch(struct qfs *fs, int argc, char **argv)
{
	const char *c = argv[1];
	if (!strcmp(c, "ls"))
		return cmd_ls(fs, argc, argv);
	if (!strcmp(c, "put"))
		return cmd_put(fs, argc, argv);
	if (!strcmp(c, "get"))
		return cmd_get(fs, argc, argv);
	if (!strcmp(c, "log"))
		return cmd_log(fs, argc, argv);
	if (!strcmp(c, "diff"))
		return cmd_diff(fs, argc, argv);
	if (!strcmp(c, "df"))
		return cmd_df(fs);
	if (!strcmp(c, "purge") || !strcmp(c, "rm") || !strcmp(c, "mkdir") ||
	    !strcmp(c, "rmdir") || !strcmp(c, "limit"))
		return cmd_simple(fs, argc, argv);
	return usage();
}

int main(int argc, char **argv)
{
	struct qfs *fs;
	qfs_host_env(&env, stdout);
	env.now = fixed_now;
	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "mkfs"))
		return cmd_mkfs(argc, argv);
	if (!strcmp(argv[1], "fsck"))
		return cmd_fsck(argv[2]);
	int rc = open_image(argv[2], &fs);
	if (rc)
		return rc;
	rc = dispatch(fs, argc, argv);
	qfs_unmount(fs);
	qfs_host_img_close(&dev);
	return rc;
}
