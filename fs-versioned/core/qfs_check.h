/*
 * qfs_check.h - the checker's state, shared by fsck.c (the checks) and repair.c (what
 * it rewrites from their results). Internal to the core.
 */
#ifndef QFS_CHECK_H
#define QFS_CHECK_H

#include "qfs_internal.h"

#define CK_ITAB UINT64_MAX /* owner of inode-table blocks */

/* What a block was reached as (the pointer that leads to it says what it must be). */
enum ck_kind {
	CK_NONE = 0,
	CK_DATA,
	CK_DIRBLK,
	CK_INODE,
	CK_PTR1, /* CK_PTR1 + level - 1 for a PTR block of that level */
};

struct ck {
	struct qfs *fs;
	struct qfs_fsck_result *res;
	uint64_t *owner;  /* per block: owning inode, CK_ITAB, or 0 */
	uint8_t *kind;    /* per block: enum ck_kind */
	struct qfs_map inos; /* ino -> type */
	uint64_t nlines;
	int meta_unreadable; /* some metadata could not be read: the walk is incomplete */
};

/* ck_say - a report line; '%' takes the next number, '@' the next owner ("inode N" or
 * "the inode table"). prefix: "error: ", "warning: ", "repair: ", "lost: ", ... */
void ck_say(struct ck *c, const char *prefix, const char *msg, uint64_t a, uint64_t b);

/* ck_run - mount (filling res->mount) and run every check; on success c->fs stays
 * mounted for the caller (qfs_unmount it and ck_free). */
int ck_run(struct ck *c, const struct qfs_dev *dev, const struct qfs_env *env,
	   struct qfs_fsck_result *res);

/* ck_free - free the checker's tables and unmount. */
void ck_free(struct ck *c);

#endif /* QFS_CHECK_H */
