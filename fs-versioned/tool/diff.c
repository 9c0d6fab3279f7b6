/*
 * diff.c - `qfs diff`: the core's comparison (qfs_diff, fs-versioned/core/diff.c, the same
 * code the kernel's console `diff` runs) printed to stdout, for text up to 2000 lines.
 */
#include "diff.h"

#include <stdio.h>
#include <stdlib.h>

#include "qfs_host.h"

#define DIFF_MAX_LINES 2000

static void to_stdout(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	fwrite(s, 1, n, stdout);
}

int qfs_tool_diff(const uint8_t *a, uint64_t na, const uint8_t *b, uint64_t nb)
{
	struct qfs_env env;
	qfs_host_env(&env, stderr);
	int rc = qfs_diff(&env, a, na, b, nb, DIFF_MAX_LINES, to_stdout, NULL);
	if (rc < 0) {
		fprintf(stderr, "qfs: diff: %s\n", qfs_strerror(rc));
		exit(1);
	}
	return rc == 0;
}
