/*
 * qfs.h - public interface of the Quire versioned file system core (module prefix qfs_).
 * Portable C11: the core calls nothing but the block device and environment ops below,
 * so the kernel (ATA disk, kmalloc) and the host (image file, malloc) share it.
 * Semantics are written in specs/fs-format.md section "Semantics". Not thread-safe:
 * the caller serialises all calls on one struct qfs (the kernel holds one lock).
 */
#ifndef QFS_H
#define QFS_H

#include <stddef.h>
#include <stdint.h>

/* Error codes: every call returns >= 0 on success or one of these. */
#define QFS_ENOENT (-2)
#define QFS_EIO (-5)
#define QFS_EBADF (-9)
#define QFS_ENOMEM (-12)
#define QFS_EBUSY (-16)
#define QFS_EEXIST (-17)
#define QFS_ENOTDIR (-20)
#define QFS_EISDIR (-21)
#define QFS_EINVAL (-22)
#define QFS_EFBIG (-27)
#define QFS_ENOSPC (-28)
#define QFS_EROFS (-30)
#define QFS_ENAMETOOLONG (-36)
#define QFS_ENOTEMPTY (-39)
#define QFS_ECORRUPT (-117)

/* A block device of 4096-byte blocks; every op returns 0 or a negative error. */
struct qfs_dev {
	void *ctx;                                                       /* owner's state */
	uint64_t nblocks;                                                /* device size */
	int (*read)(void *ctx, uint64_t blkno, void *buf);               /* read one block */
	int (*write)(void *ctx, uint64_t blkno, const void *buf);        /* write one block */
	int (*flush)(void *ctx);                                         /* make writes durable */
};

/* What the core needs from its host: memory, a clock, a report sink. */
struct qfs_env {
	void *ctx;                                         /* owner's state */
	void *(*alloc)(void *ctx, size_t nbytes);          /* NULL when out of memory */
	void (*free)(void *ctx, void *p);                  /* give back alloc()'s memory */
	uint64_t (*now)(void *ctx);                        /* seconds since the epoch */
	void (*report)(void *ctx, const char *line);       /* fsck findings; may be NULL */
};

struct qfs;      /* a mounted file system */
struct qfs_file; /* an open file handle */

/* Object types (also the on-disk values). */
#ifndef QFS_TYPE_FILE
#define QFS_TYPE_FILE 1u
#define QFS_TYPE_DIR 2u
#endif

/* Open flags. */
#define QFS_O_RDONLY 0x0
#define QFS_O_RDWR 0x1
#define QFS_O_CREAT 0x2
#define QFS_O_TRUNC 0x4

struct qfs_mkfs_opts {
	uint32_t default_limit; /* version limit of new files, 1..64 (0: 32) */
	uint64_t reserve;       /* blocks only purge/delete may use (0: automatic) */
	uint64_t time;          /* mkfs time stamp */
};

struct qfs_vinfo {
	uint32_t vnum;   /* version number, from 1 */
	uint64_t size;   /* bytes */
	uint64_t mtime;  /* commit time */
};

struct qfs_stat {
	uint64_t ino;
	uint32_t type;       /* QFS_TYPE_FILE or QFS_TYPE_DIR */
	uint32_t nversions;
	uint32_t limit;
	uint32_t newest;     /* newest version number (0: none) */
	uint64_t size;       /* size of the version named (newest by default) */
	uint32_t vnum;       /* the version named */
	uint64_t mtime;
};

struct qfs_statfs {
	uint64_t nblocks;     /* device blocks */
	uint64_t data_blocks; /* blocks in the data region */
	uint64_t used;        /* data-region blocks referenced by the committed state */
	uint64_t free;        /* data-region blocks free for normal writes */
	uint64_t reserve;     /* blocks kept for purge and delete */
	uint64_t generation;  /* last committed generation */
	uint64_t nfiles;
};

/* What mount found (struct qfs_mount_info.flags). Mount never writes; these last until
 * a repair or (for the ring and the free map) until the next commit rewrites them. */
#define QFS_MI_ROLLED_BACK 0x01  /* a newer generation could not be used: its commit may be lost */
#define QFS_MI_FMAP_REBUILT 0x02 /* the free map was damaged; rebuilt in memory from the trees */
#define QFS_MI_SB_BACKUP 0x04    /* the superblock is damaged; the backup copy was used */
#define QFS_MI_BACKUP_BAD 0x08   /* the backup superblock is damaged or differs from block 0 */
#define QFS_MI_NO_BACKUP 0x10    /* an image made without a backup superblock (older mkfs) */
#define QFS_MI_RING_DAMAGED 0x20 /* some ring slot holds a damaged root record */

/* Why mount refused an image (struct qfs_mount_info.refused; 0 when it mounted). */
#define QFS_MR_EMPTY 1     /* the device is smaller than one block */
#define QFS_MR_NOT_QFS 2   /* no qfs superblock in block 0 nor a backup in the last block */
#define QFS_MR_SUPER 3     /* the superblock is damaged and no backup copy is usable */
#define QFS_MR_FEATURES 4  /* a format version or feature this code does not know */
#define QFS_MR_TRUNCATED 5 /* the device is shorter than the superblock says */
#define QFS_MR_NO_ROOT 6   /* no ring slot holds a valid root record */
#define QFS_MR_FREEMAP 7   /* no generation's free map could be loaded or rebuilt */
#define QFS_MR_ROOTDIR 8   /* the root directory (or the inode table) is unreadable */
#define QFS_MR_IO 9        /* the device failed a read */
#define QFS_MR_NOMEM 10    /* out of memory */

struct qfs_mount_info {
	uint64_t generation;      /* generation mounted (0: refused) */
	uint64_t lost_generation; /* QFS_MI_ROLLED_BACK: newest generation not used */
	uint64_t fmap_block;      /* QFS_MI_FMAP_REBUILT: first damaged free-map block */
	uint64_t sb_nblocks;      /* blocks the superblock states (0: unknown) */
	uint64_t dev_nblocks;     /* blocks the device has */
	uint32_t flags;           /* QFS_MI_* */
	uint32_t damaged_slots;   /* bit i: ring slot i holds a damaged root record */
	uint32_t refused;         /* QFS_MR_* when mount failed, else 0 */
};

struct qfs_fsck_result {
	uint64_t errors;      /* problems found; 0 means clean */
	uint64_t warnings;
	uint64_t files, dirs, versions, blocks_checked;
	/* added with the repair path; older callers may ignore them */
	uint64_t rolled_back; /* generation lost to a fallback (0: none); not an error */
	uint64_t repairs;     /* qfs_fsck_repair: blocks and records it rewrote */
	uint64_t lost;        /* qfs_fsck_repair: generations or versions it could not keep */
	struct qfs_mount_info mount; /* what mount found */
};

/* qfs_strerror - a short constant text for an error code. */
const char *qfs_strerror(int err);

/* qfs_mkfs - write an empty file system (root directory only) over the whole device. */
int qfs_mkfs(const struct qfs_dev *dev, const struct qfs_env *env,
	     const struct qfs_mkfs_opts *opts);

/* qfs_mount - validate the image and open it; refuses bad images with -QFS_ECORRUPT. */
int qfs_mount(const struct qfs_dev *dev, const struct qfs_env *env, struct qfs **out);

/* qfs_trim - give back the memory the core keeps for reuse between calls (spare block
 * buffers, the grown arrays of the last transaction); nothing else changes. For a kernel
 * that counts its free memory. */
void qfs_trim(struct qfs *fs);

/*
 * qfs_mount_ex - qfs_mount that also fills *mi (may be NULL) with what it found, also
 * when it refuses (mi->refused says why). Context: as qfs_mount; never writes.
 */
int qfs_mount_ex(const struct qfs_dev *dev, const struct qfs_env *env, struct qfs **out,
		 struct qfs_mount_info *mi);

/* qfs_mount_info - what mount found (fallbacks, rebuilt free map, backup superblock). */
void qfs_mount_info(const struct qfs *fs, struct qfs_mount_info *mi);

/* qfs_mount_refusal - a short constant text for a QFS_MR_* code. */
const char *qfs_mount_refusal(uint32_t refused);

/* qfs_mkfs_check - 0 if qfs_mkfs would accept a device of nblocks and opts, else
 * -QFS_EINVAL; lets a caller validate before it wipes anything. */
int qfs_mkfs_check(uint64_t nblocks, const struct qfs_mkfs_opts *opts);

/* qfs_unmount - close every open handle (read/write copies are dropped) and free fs. */
void qfs_unmount(struct qfs *fs);

/* qfs_open - open path ("a/b", "a/b;3", "a/b;-1") read-only or as a private rw copy. */
int qfs_open(struct qfs *fs, const char *path, int flags, struct qfs_file **out);

/* qfs_read - read up to n bytes at off; returns bytes read (0 at end) or an error. */
long qfs_read(struct qfs_file *f, uint64_t off, void *buf, size_t n);

/* qfs_write - write n bytes at off into a rw handle's private copy; returns n or error. */
long qfs_write(struct qfs_file *f, uint64_t off, const void *buf, size_t n);

/* qfs_truncate - set the size of a rw handle's private copy. */
int qfs_truncate(struct qfs_file *f, uint64_t size);

/* qfs_fsize - current size seen through the handle. */
uint64_t qfs_fsize(const struct qfs_file *f);

/* qfs_fversion - version a read-only handle pins (rw: the base version, 0 if new). */
uint32_t qfs_fversion(const struct qfs_file *f);

/* qfs_close - close; a rw handle commits its copy, returning the new version number. */
int qfs_close(struct qfs_file *f);

/* qfs_commit - like qfs_close, but when the commit fails the handle stays open with its
 * private copy intact (the caller may try again or qfs_abort); returns the new version
 * number (rw), 0 (read-only: closed), or the error with nothing changed. */
int qfs_commit(struct qfs_file *f);

/* qfs_reserve - make room now for nblocks changed blocks in a rw handle's copy, so that
 * writing them later allocates no more memory for its block map (a kernel writing pages
 * back under memory pressure). 0, QFS_ENOMEM, QFS_EROFS. */
int qfs_reserve(struct qfs_file *f, uint64_t nblocks);

/* qfs_diff_out - where qfs_diff writes its text. */
typedef void (*qfs_diff_out)(void *ctx, const char *s, size_t n);

/* qfs_diff - compare a (na bytes) with b: a line diff ("@@ -i +j @@", "-old", "+new")
 * when both are text (no NUL) of at most max_lines lines each, else the byte ranges that
 * differ (at most 20) and the sizes; "(identical)" when equal. Memory from env (in pieces
 * of a block). 0 equal, 1 different, QFS_ENOMEM. */
int qfs_diff(const struct qfs_env *env, const uint8_t *a, uint64_t na, const uint8_t *b, uint64_t nb,
	     size_t max_lines, qfs_diff_out out, void *ctx);

/* qfs_abort - close a handle dropping any private copy. */
void qfs_abort(struct qfs_file *f);

/* qfs_mkdir - create an empty directory. */
int qfs_mkdir(struct qfs *fs, const char *path);

/* qfs_rmdir - remove an empty directory. */
int qfs_rmdir(struct qfs *fs, const char *path);

/* qfs_delete - "name;N" deletes one version; "name" deletes the file with all versions. */
int qfs_delete(struct qfs *fs, const char *path);

/* qfs_purge - keep the newest `keep` versions (>= 1); returns how many were removed. */
int qfs_purge(struct qfs *fs, const char *path, uint32_t keep);

/* qfs_set_limit - set a file's version limit (1..64), purging the oldest beyond it. */
int qfs_set_limit(struct qfs *fs, const char *path, uint32_t limit);

/* qfs_stat - describe a file or directory (and the version named by path). */
int qfs_stat(struct qfs *fs, const char *path, struct qfs_stat *st);

/* qfs_versions - fill up to max version records, oldest first; returns the count. */
int qfs_versions(struct qfs *fs, const char *path, struct qfs_vinfo *out, int max);

/* Directory listing callback: return non-zero to stop. */
typedef int (*qfs_dir_cb)(void *ctx, const char *name, uint64_t ino, uint32_t type);

/* qfs_readdir - call cb for each entry of the directory at path; returns cb's stop value.
 * An entry with an impossible name or type, or a name listed before (a damaged
 * directory), is skipped and the call then returns -QFS_ECORRUPT after every good
 * entry (also -QFS_ENOMEM: out of memory for the names seen). */
int qfs_readdir(struct qfs *fs, const char *path, qfs_dir_cb cb, void *ctx);

/* qfs_statfs - space accounting of the committed state. */
void qfs_statfs(struct qfs *fs, struct qfs_statfs *st);

/* qfs_fsck - check every checksum, every reference and the free map; result in *res. */
int qfs_fsck(const struct qfs_dev *dev, const struct qfs_env *env,
	     struct qfs_fsck_result *res);

/*
 * qfs_fsck_repair - fsck, then repair what can be repaired without losing anything more:
 * rewrite the free map from the trees, restore damaged ring slots (one new generation
 * of the newest usable state; other damaged slots cleared), rewrite a damaged primary
 * or backup superblock, correct the root's file count. Each change and each loss is a
 * report line ("repair: ...", "lost: ..."); res->repairs and res->lost count them and
 * res->errors is what a fresh fsck finds afterwards. Blocks of unreadable metadata stay
 * marked used. Returns 0, or an error when the image cannot be mounted or written.
 */
int qfs_fsck_repair(const struct qfs_dev *dev, const struct qfs_env *env,
		    struct qfs_fsck_result *res);

#endif /* QFS_H */
