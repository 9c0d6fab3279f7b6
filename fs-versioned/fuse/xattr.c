/*
 * xattr.c - qfs-fuse version control through extended attributes of a file:
 *   user.qfs.limit     read/write  the version limit, 1..64 (setting it purges beyond it)
 *   user.qfs.versions  read-only   the version numbers, oldest first, space-separated
 *   user.qfs.purge     write-only  keep the newest N versions (pinned ones stay)
 * Values are ASCII decimal; a trailing newline or NUL is accepted. Only user.qfs.limit
 * is listed (it is the one a copy can carry to another qfs file). Other names: ENODATA
 * to read, ENOTSUP to write; the format stores no other attributes.
 */
#define _GNU_SOURCE
#include "qfuse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "qfs_format.h"

#define XA_LIMIT "user.qfs.limit"
#define XA_VERSIONS "user.qfs.versions"
#define XA_PURGE "user.qfs.purge"

/* Parse a decimal value of 1..max; 0 on success. */
static int parse_count(const char *v, size_t n, uint32_t max, uint32_t *out)
{
	uint64_t x = 0;
	size_t i = 0;
	while (n && (v[n - 1] == '\n' || v[n - 1] == 0))
		n--;
	for (; i < n && v[i] >= '0' && v[i] <= '9' && x <= max; i++)
		x = x * 10 + (uint64_t)(v[i] - '0');
	if (n == 0 || i != n || x < 1 || x > max)
		return -EINVAL;
	*out = (uint32_t)x;
	return 0;
}

int qfuse_setxattr(const char *path, const char *name, const char *value, size_t n,
		   int flags)
{
	struct qfs *fs = qfuse_get()->fs;
	uint32_t x;
	(void)flags;
	if (strcmp(name, XA_LIMIT) && strcmp(name, XA_PURGE))
		return strcmp(name, XA_VERSIONS) ? -ENOTSUP : -EPERM;
	int rc = parse_count(value, n, strcmp(name, XA_LIMIT) ? UINT32_MAX : QFS_MAX_VERSIONS,
			     &x);
	if (rc)
		return rc;
	rc = strcmp(name, XA_LIMIT) ? qfs_purge(fs, path, x) : qfs_set_limit(fs, path, x);
	return rc < 0 ? qfuse_err(rc) : 0;
}

/* The text of a readable attribute into buf; its length or -errno. */
static int xattr_text(const char *path, const char *name, char *buf, size_t nbuf)
{
	struct qfs *fs = qfuse_get()->fs;
	struct qfs_vinfo v[QFS_MAX_VERSIONS];
	struct qfs_stat st;
	struct stat sb;
	size_t len = 0;
	int rc = qfuse_stat_path(path, &sb); /* committed, or a new file being written */
	if (rc)
		return rc;
	int ours = !strcmp(name, XA_LIMIT) || !strcmp(name, XA_VERSIONS);
	if (!ours || qfs_stat(fs, path, &st) || st.type != QFS_TYPE_FILE)
		return -ENODATA; /* other names (ACLs...), directories, uncommitted files */
	if (!strcmp(name, XA_LIMIT))
		return snprintf(buf, nbuf, "%u", st.limit);
	int n = qfs_versions(fs, path, v, QFS_MAX_VERSIONS);
	if (n < 0)
		return qfuse_err(n);
	for (int i = 0; i < n && len < nbuf; i++)
		len += (size_t)snprintf(buf + len, nbuf - len, "%s%u", i ? " " : "", v[i].vnum);
	return (int)len;
}

int qfuse_getxattr(const char *path, const char *name, char *value, size_t n)
{
	char text[QFS_MAX_VERSIONS * 11 + 16];
	int len = xattr_text(path, name, text, sizeof(text));
	if (len < 0 || n == 0)
		return len;
	if ((size_t)len > n)
		return -ERANGE;
	memcpy(value, text, (size_t)len);
	return len;
}

int qfuse_listxattr(const char *path, char *list, size_t n)
{
	struct qfs_stat st;
	struct stat sb;
	int rc = qfuse_stat_path(path, &sb);
	if (rc)
		return rc;
	if (qfs_stat(qfuse_get()->fs, path, &st) || st.type != QFS_TYPE_FILE)
		return 0; /* directories, and a new file before its first commit */
	if (n == 0)
		return (int)sizeof(XA_LIMIT);
	if (n < sizeof(XA_LIMIT))
		return -ERANGE;
	memcpy(list, XA_LIMIT, sizeof(XA_LIMIT));
	return (int)sizeof(XA_LIMIT);
}

int qfuse_removexattr(const char *path, const char *name)
{
	(void)path;
	if (!strcmp(name, XA_LIMIT) || !strcmp(name, XA_VERSIONS) || !strcmp(name, XA_PURGE))
		return -EPERM;
	return -ENODATA;
}
