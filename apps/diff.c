/*
 * diff - the difference between two files or versions: `diff notes;1 notes;2`. The same
 * comparison as the host tool's `qfs diff` and the monitor's `diff` (qfs_diff,
 * fs-versioned/core/diff.c, linked in): a line diff for text of at most 2000 lines, else
 * the byte ranges that differ. Exit 0 when they are the same, 1 when they differ, 2 on an
 * error (its name is printed): a missing file, one over 4 MiB, no memory.
 */
#include "quire.h"

#include "core/qfs.h"

APP_NOTE_DEFAULT;

#define DIFF_MAX_BYTES (4u << 20)
#define DIFF_MAX_LINES 2000

static void *env_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return malloc(n);
}

static void env_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static void to_console(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	sys_write(1, s, n);
}

/* slurp - the whole of @path in a malloc'd buffer; its size in *n; a QE_* error. */
static int64_t slurp(const char *path, uint8_t **out, uint64_t *n)
{
	int64_t h = file_open(path, QO_RDONLY);
	if (h < 0)
		return h;
	int64_t size = file_size(h);
	if (size >= 0 && (uint64_t)size > DIFF_MAX_BYTES)
		size = -QE_FBIG;
	uint8_t *p = size < 0 ? 0 : malloc(size ? (size_t)size : 1);
	int64_t err = size < 0 ? size : p ? 0 : -QE_NOMEM;
	for (uint64_t got = 0; !err && got < (uint64_t)size;) {
		int64_t r = file_read(h, got, p + got, (size_t)((uint64_t)size - got));
		if (r <= 0)
			err = r < 0 ? r : -QE_IO;
		else
			got += (uint64_t)r;
	}
	file_close(h);
	if (err) {
		free(p);
		return err;
	}
	*out = p;
	*n = (uint64_t)size;
	return 0;
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	char **argv = (char **)info->argv;
	if (info->argc != 3) {
		printf("usage: diff PATH[;N] PATH[;M]   (text up to %u lines: a line diff; else the bytes that differ)\n",
		       DIFF_MAX_LINES);
		return 2;
	}
	uint8_t *a = 0, *b = 0;
	uint64_t na = 0, nb = 0;
	int64_t err = slurp(argv[1], &a, &na);
	if (err < 0) {
		printf("diff: %s: %s\n", argv[1], qerror_name(err));
		return 2;
	}
	if ((err = slurp(argv[2], &b, &nb)) < 0) {
		printf("diff: %s: %s\n", argv[2], qerror_name(err));
		return 2;
	}
	struct qfs_env env = { 0, env_alloc, env_free, 0, 0 };
	printf("--- %s\n+++ %s\n", argv[1], argv[2]);
	int rc = qfs_diff(&env, a, na, b, nb, DIFF_MAX_LINES, to_console, 0);
	if (rc < 0) {
		printf("diff: %s\n", rc == QFS_ENOMEM ? "out of memory" : "failed");
		return 2;
	}
	return rc == 0 ? 0 : 1;
}
