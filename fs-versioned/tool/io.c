/*
 * io.c - the qfs commands that move file contents: put (host file -> next version;
 * runs of zeros past the end become holes, unchanged 4 KiB pieces stay shared), get
 * (a version -> host file or stdout, streamed; holes skipped in a regular output file),
 * diff (two versions). Host read and write errors fail the command; a failed put
 * commits nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diff.h"
#include "qfs_tool.h"

#define IO_CHUNK (1u << 20)

static int all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Write buf at off, skipping 4 KiB pieces the copy already holds (they stay shared)
 * and zero pieces past the copy's end (they read as zeros: holes). */
static long put_chunk(struct qfs_file *f, uint64_t off, const char *buf, size_t n)
{
	static char old[4096];
	for (size_t i = 0; i < n; i += sizeof(old)) {
		size_t len = n - i < sizeof(old) ? n - i : sizeof(old);
		if (off + i >= qfs_fsize(f) && all_zero(buf + i, len))
			continue;
		long r = off + i < qfs_fsize(f) ? qfs_read(f, off + i, old, len) : 0;
		if (r == (long)len && !memcmp(old, buf + i, len))
			continue;
		r = qfs_write(f, off + i, buf + i, len);
		if (r < 0)
			return r;
	}
	return (long)n;
}

/* Open the host input: stdin for "-", never a directory. */
static FILE *put_input(const char *path)
{
	struct stat st;
	if (!strcmp(path, "-"))
		return stdin;
	FILE *in = fopen(path, "rb");
	if (in && fstat(fileno(in), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(in);
		in = NULL;
		errno = EISDIR;
	}
	if (!in)
		fprintf(stderr, "qfs: %s: %s\n", path, strerror(errno));
	return in;
}

/* Copy the input into the rw copy f; the size read, or a negative qfs error (-1: host). */
static int64_t put_copy(FILE *in, const char *inpath, struct qfs_file *f)
{
	char *buf = malloc(IO_CHUNK);
	uint64_t off = 0;
	size_t n;
	long w = buf ? 0 : QFS_ENOMEM;
	while (w >= 0 && (n = fread(buf, 1, IO_CHUNK, in)) > 0) {
		w = put_chunk(f, off, buf, n);
		off += n;
	}
	if (w >= 0 && ferror(in)) {
		fprintf(stderr, "qfs: %s: %s\n", inpath, strerror(errno));
		w = -1;
	}
	free(buf);
	if (w >= 0)
		w = qfs_truncate(f, off);
	return w < 0 ? (int64_t)w : (int64_t)off;
}

int cmd_put(struct tool *t, int argc, char **argv)
{
	struct qfs_file *f;
	if (argc < 5)
		return tool_usage();
	FILE *in = put_input(argv[3]);
	if (!in)
		return QX_FAIL;
	int rc = qfs_open(t->fs, argv[4], QFS_O_RDWR | QFS_O_CREAT, &f);
	int64_t size = rc ? rc : put_copy(in, argv[3], f);
	if (in != stdin)
		fclose(in);
	if (rc)
		return tool_fail(argv[4], rc);
	if (size < 0) {
		qfs_abort(f);
		return size == -1 ? QX_FAIL : tool_fail(argv[4], (int)size);
	}
	rc = qfs_close(f);
	if (rc < 0)
		return tool_fail(argv[4], rc);
	char *semi = strchr(argv[4], ';');
	printf("%.*s;%d (%llu bytes)\n", semi ? (int)(semi - argv[4]) : (int)strlen(argv[4]),
	       argv[4], rc, (unsigned long long)size);
	return QX_OK;
}

/* Stream the version f to out; a regular file we opened gets holes for zero chunks. */
static int get_copy(struct qfs_file *f, FILE *out, int own, const char *outpath,
		    const char *path)
{
	struct stat st;
	int sparse = own && fstat(fileno(out), &st) == 0 && S_ISREG(st.st_mode);
	uint64_t size = qfs_fsize(f), off = 0;
	char *buf = malloc(IO_CHUNK);
	int status = buf ? QX_OK : tool_fail(path, QFS_ENOMEM);
	while (status == QX_OK && off < size) {
		size_t want = size - off < IO_CHUNK ? (size_t)(size - off) : IO_CHUNK;
		long r = qfs_read(f, off, buf, want);
		if (r <= 0) {
			status = tool_fail(path, r < 0 ? (int)r : QFS_EIO);
			break;
		}
		int hole = sparse && all_zero(buf, (size_t)r);
		if (hole ? fseeko(out, (off_t)r, SEEK_CUR) != 0
			 : fwrite(buf, 1, (size_t)r, out) != (size_t)r)
			break;
		off += (uint64_t)r;
	}
	free(buf);
	if (status == QX_OK && (fflush(out) || off < size ||
				(sparse && ftruncate(fileno(out), (off_t)size)))) {
		fprintf(stderr, "qfs: %s: %s\n", outpath, strerror(errno));
		status = QX_FAIL;
	}
	return status;
}

int cmd_get(struct tool *t, int argc, char **argv)
{
	struct qfs_file *f;
	if (argc < 4)
		return tool_usage();
	int rc = qfs_open(t->fs, argv[3], QFS_O_RDONLY, &f);
	if (rc)
		return tool_fail(argv[3], rc);
	int to_file = argc > 4 && strcmp(argv[4], "-");
	const char *outpath = to_file ? argv[4] : "standard output";
	FILE *out = to_file ? fopen(argv[4], "wb") : stdout;
	int status = out ? get_copy(f, out, to_file, outpath, argv[3]) : QX_FAIL;
	if (!out)
		fprintf(stderr, "qfs: %s: %s\n", argv[4], strerror(errno));
	if (to_file && out && fclose(out) && status == QX_OK) {
		fprintf(stderr, "qfs: %s: %s\n", outpath, strerror(errno));
		status = QX_FAIL;
	}
	qfs_close(f);
	return status;
}

/* Read a whole version into memory (in pieces: qfs_read returns at most 2 GiB - 1). */
static int slurp(struct qfs *fs, const char *path, uint8_t **out, uint64_t *len)
{
	struct qfs_file *f;
	int rc = qfs_open(fs, path, QFS_O_RDONLY, &f);
	if (rc)
		return rc;
	*len = qfs_fsize(f);
	*out = *len < SIZE_MAX ? malloc(*len ? (size_t)*len : 1) : NULL;
	rc = *out ? 0 : QFS_ENOMEM;
	for (uint64_t off = 0; rc == 0 && off < *len;) {
		long r = qfs_read(f, off, *out + off, (size_t)(*len - off));
		rc = r < 0 ? (int)r : r == 0 ? QFS_EIO : 0;
		off += r > 0 ? (uint64_t)r : 0;
	}
	qfs_close(f);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

int cmd_diff(struct tool *t, int argc, char **argv)
{
	uint8_t *a, *b;
	uint64_t na, nb;
	if (argc < 5)
		return tool_usage();
	int rc = slurp(t->fs, argv[3], &a, &na);
	if (rc) {
		tool_fail(argv[3], rc);
		return QX_USAGE;
	}
	rc = slurp(t->fs, argv[4], &b, &nb);
	if (rc) {
		free(a);
		tool_fail(argv[4], rc);
		return QX_USAGE;
	}
	printf("--- %s\n+++ %s\n", argv[3], argv[4]);
	int same = qfs_tool_diff(a, na, b, nb);
	free(a);
	free(b);
	if (fflush(stdout)) {
		fprintf(stderr, "qfs: standard output: %s\n", strerror(errno));
		return QX_USAGE;
	}
	return same ? QX_OK : QX_FAIL;
}
