/*
 * qfs_tool.h - shared parts of the qfs command-line tool (qfs.c: the image, listings,
 * dispatch; io.c: put, get, diff; admin.c: mkfs, fsck). Exit statuses are the QX_*
 * values below; fs-versioned/README.md has them as a table.
 */
#ifndef QFS_TOOL_H
#define QFS_TOOL_H

#include "qfs.h"
#include "qfs_host.h"

#define QX_OK 0      /* success; fsck: clean */
#define QX_FAIL 1    /* the command failed; fsck: errors; diff: the versions differ */
#define QX_USAGE 2   /* usage, bad argument, image refused; diff: an error */
#define QX_ROLLED 3  /* image rolled back (read done, write refused); fsck --repair: repaired */
#define QX_BUSY 4    /* another program holds the image lock; nothing read or written */

#define QFS_MAX_VERSIONS_TOOL 64 /* versions a file can have (QFS_MAX_VERSIONS) */

/* One open image: the device, the mounted file system and what mount reported. */
struct tool {
	const char *image;
	struct qfs_env env;
	struct qfs_dev dev;
	struct qfs *fs;
	struct qfs_mount_info mi;
};

/* tool_fail - print "qfs: what: error text" on stderr; returns QX_FAIL. */
int tool_fail(const char *what, int err);

/* tool_usage - print the usage text on stderr; returns QX_USAGE. */
int tool_usage(void);

/* tool_open_error - report a qfs_host_open_image/create_image failure; its exit status. */
int tool_open_error(const char *image, int rc);

/* tool_now - the time stamps to write: SOURCE_DATE_EPOCH when set, else now. */
uint64_t tool_now(void *ctx);

/* Commands on a mounted image (argv as given to main); each returns an exit status. */
int cmd_put(struct tool *t, int argc, char **argv);
int cmd_get(struct tool *t, int argc, char **argv);
int cmd_diff(struct tool *t, int argc, char **argv);

/* Commands that open the image themselves. */
int cmd_mkfs(struct qfs_env *env, int argc, char **argv);
int cmd_fsck(struct qfs_env *env, int argc, char **argv);

#endif /* QFS_TOOL_H */
