/*
 * rename.c - qfs-fuse rename. The format has no rename (and versions of different files
 * share no blocks), so renaming a file copies the versions `from` names (all of them, or
 * just `from;N`) oldest first as new versions of `to` (created if missing, appended to
 * its history if it exists), then deletes them from `from`. An editor that writes a temp
 * file and renames it over `name` thus makes the next version of `name`. On any failure
 * the versions already added to `to` are deleted again and `from` is left as it was;
 * busy sources (EBUSY) and missing space (ENOSPC) are refused before anything changes.
 * Directories cannot be renamed (EPERM); RENAME_EXCHANGE is refused (EINVAL).
 */
#define _GNU_SOURCE
#include "qfuse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qfs_format.h"

#define COPY_CHUNK (1u << 20)

/* Copy one version (src, e.g. "/a;3") as the next version of dst; returns its number. */
static int copy_version(struct qfs *fs, const char *src, const char *dst, char *buf)
{
	struct qfs_file *in, *out;
	int rc = qfs_open(fs, src, QFS_O_RDONLY, &in);
	if (rc)
		return rc;
	rc = qfs_open(fs, dst, QFS_O_RDWR | QFS_O_CREAT | QFS_O_TRUNC, &out);
	if (rc) {
		qfs_close(in);
		return rc;
	}
	uint64_t off = 0, size = qfs_fsize(in);
	while (rc == 0 && off < size) {
		long n = qfs_read(in, off, buf, COPY_CHUNK);
		if (n > 0)
			n = qfs_write(out, off, buf, (size_t)n);
		rc = n < 0 ? (int)n : n == 0 ? QFS_EIO : 0;
		off += n > 0 ? (uint64_t)n : 0;
	}
	qfs_close(in);
	if (rc) {
		qfs_abort(out);
		return rc;
	}
	return qfs_close(out);
}

/* Undo: delete the versions added to dst (the whole file if rename created it). */
static void rollback(struct qfs *fs, const char *dst, int created, const uint32_t *v, int n)
{
	char path[4096];
	if (created && n > 0) {
		qfs_delete(fs, dst);
		return;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s;%u", dst, v[i]);
		int rc = qfs_delete(fs, path);
		if (rc && rc != QFS_ENOENT) /* ENOENT: the limit purged it already */
			fprintf(stderr, "qfs-fuse: rename: cannot undo %s: %s\n", path,
				qfs_strerror(rc));
	}
}

/* One rename: what it moves and what it has added so far. */
struct move {
	char base[4096];                      /* from without ";N" */
	int has_ver, nsrc, to_exists, nadded;
	struct qfs_vinfo src[QFS_MAX_VERSIONS]; /* the versions to move, oldest first */
	uint32_t added[QFS_MAX_VERSIONS];      /* version numbers created in `to` */
};

/* The versions `from` names: one if it carries ";N" (sf resolved it), else all. */
static int source_versions(struct qfs *fs, const char *from, const struct qfs_stat *sf,
			   struct move *m)
{
	const char *last = strrchr(from, '/'), *semi = strchr(last ? last : from, ';');
	snprintf(m->base, sizeof(m->base), "%.*s",
		 (int)(semi ? semi - from : (long)strlen(from)), from);
	m->has_ver = semi != NULL;
	if (m->has_ver) {
		m->src[0].vnum = sf->vnum;
		m->src[0].size = sf->size;
		m->nsrc = 1;
		return 0;
	}
	m->nsrc = qfs_versions(fs, from, m->src, QFS_MAX_VERSIONS);
	return m->nsrc < 0 ? m->nsrc : 0;
}

/* Enough free blocks for every copy (data, tree and a few metadata blocks each)? The
 * check comes first so that a rename never fails half-way for lack of space. */
static int space_check(struct qfs *fs, const struct move *m)
{
	struct qfs_statfs st;
	uint64_t need = 0;
	qfs_statfs(fs, &st);
	for (int i = 0; i < m->nsrc; i++) {
		uint64_t n = (m->src[i].size + QFS_BLOCK_SIZE - 1) / QFS_BLOCK_SIZE;
		need += n + n / 250 + 12;
	}
	return need > st.free ? QFS_ENOSPC : 0;
}

/* Check what may be renamed; 0 when the move can start. */
static int rename_check(struct qfs *fs, const char *from, const char *to, unsigned flags,
			struct qfs_stat *sf, struct move *m)
{
	struct qfs_stat st;
	const char *last = strrchr(to, '/');
	if (flags & ~(unsigned)RENAME_NOREPLACE)
		return -EINVAL; /* RENAME_EXCHANGE, RENAME_WHITEOUT */
	int rc = qfs_stat(fs, from, sf);
	if (rc)
		return qfuse_err(rc);
	if (sf->type == QFS_TYPE_DIR)
		return -EPERM; /* rename(2): "does not support renaming of the type requested" */
	if (strchr(last ? last : to, ';'))
		return -EINVAL; /* version numbers are given by commits, never chosen */
	rc = qfs_stat(fs, to, &st);
	m->to_exists = rc == 0;
	if (rc && rc != QFS_ENOENT)
		return qfuse_err(rc);
	if (m->to_exists && st.type == QFS_TYPE_DIR)
		return -EISDIR;
	if (m->to_exists && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	rc = source_versions(fs, from, sf, m);
	/* as unlink would say, checked before anything changes; moving the only version
	 * removes the file, which no open handle may have */
	if (rc == 0 && qfuse_busy(m->base, m->has_ver && sf->nversions > 1 ? sf->vnum : 0))
		return -EBUSY;
	return qfuse_err(rc ? rc : space_check(fs, m));
}

/* Copy every version, give a new `to` the limit of `from`, then delete the sources. */
static int move_versions(struct qfs *fs, const char *to, const struct qfs_stat *sf,
			 struct move *m)
{
	char path[4200];
	int rc = 0;
	char *buf = malloc(COPY_CHUNK);
	if (!buf)
		return QFS_ENOMEM;
	for (int i = 0; rc == 0 && i < m->nsrc; i++) {
		snprintf(path, sizeof(path), "%s;%u", m->base, m->src[i].vnum);
		rc = copy_version(fs, path, to, buf);
		if (rc > 0)
			m->added[m->nadded++] = (uint32_t)rc, rc = 0;
		if (rc == 0 && i == 0 && !m->to_exists)
			rc = qfs_set_limit(fs, to, sf->limit);
	}
	free(buf);
	if (m->has_ver) /* one version ("a;-1"): delete it by its number */
		snprintf(path, sizeof(path), "%s;%u", m->base, m->src[0].vnum);
	else
		snprintf(path, sizeof(path), "%s", m->base);
	return rc ? rc : qfs_delete(fs, path);
}

int qfuse_rename(const char *from, const char *to, unsigned int flags)
{
	struct qfs *fs = qfuse_get()->fs;
	struct qfs_stat sf;
	if (!strcmp(from, to)) /* the same name: nothing to do, as rename(2) says */
		return qfuse_err(qfs_stat(fs, from, &sf));
	struct move *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	int rc = rename_check(fs, from, to, flags, &sf, m);
	if (rc == 0) {
		int qrc = move_versions(fs, to, &sf, m);
		if (qrc)
			rollback(fs, to, !m->to_exists, m->added, m->nadded);
		rc = qfuse_err(qrc);
	}
	free(m);
	return rc;
}
