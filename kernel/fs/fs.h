/*
 * fs.h - the versioned file system inside the kernel: the portable core (fs-versioned/core,
 * unchanged) mounted over an ATA disk through the block cache, behind one mutex. Paths are
 * the core's: "dir/name", "name;N" (version N), "name;-k" (k before the newest). A read-only
 * open pins its version; a read/write open is a private copy that fs_close commits as the
 * next version. Errors are QE_* (the core's QFS_E* are translated here, once).
 * Context: every call may sleep (the disk); never called with a spinlock held, and the
 * file-system mutex is never held across a user copy (specs/concurrency.md). specs/files.md.
 */
#ifndef QUIRE_FS_FS_H
#define QUIRE_FS_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/bcache.h"
#include "core/qfs.h"

#define FS_PATH_MAX 256 /* bytes, with the NUL */

/* Open flags (the values are the ABI's QO_*, proc/abi.h). */
#define FS_O_RDWR 0x1  /* a private copy that becomes the next version at close */
#define FS_O_CREAT 0x2 /* create the file if the name does not exist (with RDWR) */
#define FS_O_TRUNC 0x4 /* start the copy empty (with RDWR) */

struct fs_file;

/* fs_init - mount the disk named by `root=` (hda..hdd) if the command line has it. A
 * corrupt or foreign disk is refused with the core's reason and the kernel goes on without
 * files. Prints what it did. Context: boot, threads running. */
void fs_init(const char *cmdline);

/* fs_mounted - true when a file system is mounted. */
bool fs_mounted(void);

/* fs_open - open @path with FS_O_* @flags; 0 and *@out, or -QE_*. */
int fs_open(const char *path, int flags, struct fs_file **out);

/* fs_read - up to @n bytes at @off into the kernel buffer @kbuf; bytes read (0 at the end) or -QE_*. */
long fs_read(struct fs_file *f, uint64_t off, void *kbuf, size_t n);

/* fs_write - @n bytes at @off from @kbuf into a read/write handle's copy; @n or -QE_*. */
long fs_write(struct fs_file *f, uint64_t off, const void *kbuf, size_t n);

/* fs_truncate - set the size of a read/write handle's copy; 0 or -QE_*. */
int fs_truncate(struct fs_file *f, uint64_t size);

/* fs_size, fs_version, fs_writable - the size seen through @f, the version it pins (its
 * base for a read/write handle, 0 when new), whether it is a read/write handle. */
uint64_t fs_size(struct fs_file *f);
uint32_t fs_version(struct fs_file *f);
bool fs_writable(const struct fs_file *f);

/* fs_close - close @f: a read/write handle commits its copy; returns the new version
 * number (read/write) or 0 (read-only), or -QE_* (the copy is dropped: nothing committed). */
int fs_close(struct fs_file *f);

/* fs_commit - as fs_close, but a failed commit leaves @f open with its copy intact (try
 * again, or fs_abort): the new version number (read/write), 0 (read-only), or -QE_*. */
int fs_commit(struct fs_file *f);

/* fs_reserve - room now for @nblocks changed blocks in a read/write handle's copy, so that
 * writing them back later takes no more kernel memory for the copy's block map. 0 or -QE_*. */
int fs_reserve(struct fs_file *f, uint64_t nblocks);

/* fs_abort - close @f dropping any private copy. */
void fs_abort(struct fs_file *f);

/* Path operations: 0 (or a count) or -QE_*. */
int fs_stat(const char *path, struct qfs_stat *st);
int fs_versions(const char *path, struct qfs_vinfo *out, int max);
int fs_readdir(const char *path, qfs_dir_cb cb, void *ctx);
int fs_mkdir(const char *path);
int fs_rmdir(const char *path);
int fs_delete(const char *path);
int fs_purge(const char *path, uint32_t keep);
int fs_set_limit(const char *path, uint32_t limit);

/* fs_statfs - the committed state's space; -QE_NODEV when nothing is mounted. */
int fs_statfs(struct qfs_statfs *st);

/* fs_read_file - the whole of @path in a kmalloc'd buffer (*@buf, *@n bytes; the caller
 * kfrees it), at most @max bytes: 0, -QE_FBIG, or -QE_*. */
int fs_read_file(const char *path, size_t max, void **buf, size_t *n);

/* fs_cache_stats - the block cache's counters; -QE_NODEV when nothing is mounted. */
int fs_cache_stats(struct bcache_stats *st);

/* fs_error - the QE_* code for a core QFS_E* code (both negative). */
int fs_error(int qfs_err);

#endif
