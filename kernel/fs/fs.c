/*
 * fs.c - the kernel's mount of the versioned file system (fs.h): the core's block device is
 * the block cache over an ATA disk, its environment the kernel heap and the CMOS clock, and
 * one mutex (MRANK_FS) serialises every call into the core, which is not thread-safe.
 * Lock legend: `root` and everything reached through it under root->lock, except the
 * constant fields (c). A struct fs_file is used by one thread at a time (its owner's).
 */
#include "fs/fs.h"

#include "arch/x86_64/rtc.h"
#include "console.h"
#include "dev/ata.h"
#include "lib/cmdline.h"
#include "lib/kstring.h"
#include "lib/qerror.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "mm/shrink.h"
#include "sched/mutex.h"

struct fs_mount {
	struct mutex lock;
	struct qfs *q;
	struct bcache *bc;      /* (c) */
	struct qfs_dev dev;     /* (c) */
	char disk[8];           /* (c) "hda" */
	bool readonly;          /* (c) mounted after a rollback: nothing may be written */
};

struct fs_file {
	struct qfs_file *qf;
	bool rw;
};

static struct fs_mount *root;

int fs_error(int e)
{
	static const struct {
		int qfs, qe;
	} map[] = {
		{ QFS_ENOENT, QE_NOENT }, { QFS_EIO, QE_IO }, { QFS_EBADF, QE_BADF }, { QFS_ENOMEM, QE_NOMEM },
		{ QFS_EBUSY, QE_BUSY }, { QFS_EEXIST, QE_EXIST }, { QFS_ENOTDIR, QE_NOTDIR },
		{ QFS_EISDIR, QE_ISDIR }, { QFS_EINVAL, QE_INVAL }, { QFS_EFBIG, QE_FBIG },
		{ QFS_ENOSPC, QE_NOSPC }, { QFS_EROFS, QE_ROFS }, { QFS_ENAMETOOLONG, QE_NAMETOOLONG },
		{ QFS_ENOTEMPTY, QE_NOTEMPTY }, { QFS_ECORRUPT, QE_CORRUPT },
	};
	if (e >= 0)
		return e;
	for (unsigned i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].qfs == e)
			return -map[i].qe;
	return -QE_IO; /* a code the core does not document: treat the device as failed */
}

/* ---- the core's block device and environment ---- */

static int dev_read(void *ctx, uint64_t blkno, void *buf)
{
	int err = bcache_read(ctx, blkno, buf);
	return err == 0 ? 0 : QFS_EIO;
}

static int dev_write(void *ctx, uint64_t blkno, const void *buf)
{
	int err = bcache_write(ctx, blkno, buf);
	return err == 0 ? 0 : QFS_EIO;
}

static int dev_flush(void *ctx)
{
	return bcache_flush(ctx) == 0 ? 0 : QFS_EIO;
}

static void *env_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return kmalloc(n);
}

static void env_free(void *ctx, void *p)
{
	(void)ctx;
	kfree(p);
}

static uint64_t env_now(void *ctx)
{
	(void)ctx;
	return rtc_now();
}

static void env_report(void *ctx, const char *line)
{
	(void)ctx;
	kprintf("fs: %s\n", line);
}

static const struct qfs_env env = { 0, env_alloc, env_free, env_now, env_report };

/* shrink_cache - the block cache's shrinker (mm/shrink.h). */
static unsigned shrink_cache(unsigned n, bool all)
{
	if (!root)
		return 0;
	if (!all)
		return bcache_shrink(root->bc, n);
	bcache_drop_all(root->bc);
	mutex_lock(&root->lock);
	qfs_trim(root->q); /* its spare block buffers too */
	mutex_unlock(&root->lock);
	return 0;
}

/* cache_blocks - the cache's bound: 1/16 of RAM, between 64 and 4096 blocks (cmdline `bcache=N`). */
static unsigned cache_blocks(const char *cmdline)
{
	uint64_t n;
	if (cmdline_get_u64(cmdline, "bcache", &n) == 0 && n >= 8 && n <= 65536)
		return (unsigned)n;
	struct frame_stats fs;
	frame_stats(&fs);
	n = fs.by_state[FRAME_FREE] / 16;
	return (unsigned)(n < 64 ? 64 : n > 4096 ? 4096 : n);
}

/* report_mount - every fallback mount took, said on the console (never a silent one). */
static void report_mount(const char *name, const struct qfs_mount_info *mi)
{
	if (mi->flags & QFS_MI_ROLLED_BACK)
		kprintf("fs: %s: generation %lu cannot be used (a damaged root record): mounted generation %lu "
			"READ-ONLY; the newest commit may be lost (repair the image on the host: qfs fsck --repair)\n",
			name, mi->lost_generation, mi->generation);
	if (mi->flags & QFS_MI_FMAP_REBUILT)
		kprintf("fs: %s: the free map is damaged (block %lu); it was rebuilt from the file trees\n", name,
			mi->fmap_block);
	if (mi->flags & QFS_MI_SB_BACKUP)
		kprintf("fs: %s: the superblock is damaged; its backup copy was used\n", name);
	if (mi->flags & QFS_MI_BACKUP_BAD)
		kprintf("fs: %s: the backup superblock is damaged or differs from the superblock\n", name);
	if (mi->flags & QFS_MI_RING_DAMAGED)
		kprintf("fs: %s: some root-record slots are damaged (mask %x); older generations there are lost\n",
			name, mi->damaged_slots);
}

void fs_init(const char *cmdline)
{
	char name[8];
	if (cmdline_get(cmdline, "root", name, sizeof name) < 0)
		return;
	struct blockdev *bd = ata_find(name);
	if (!bd) {
		kprintf("fs: no disk '%s': running without files\n", name);
		return;
	}
	unsigned nblocks = cache_blocks(cmdline);
	struct fs_mount *m = kzalloc(sizeof *m);
	if (!m || !(m->bc = bcache_create(bd, nblocks))) {
		kprintf("fs: out of memory mounting %s: running without files\n", name);
		kfree(m);
		return;
	}
	mutex_init(&m->lock, "fs", MRANK_FS);
	kstrlcpy(m->disk, name, sizeof m->disk);
	m->dev = (struct qfs_dev){ m->bc, bcache_blocks(m->bc), dev_read, dev_write, dev_flush };
	struct qfs_mount_info mi;
	int err = qfs_mount_ex(&m->dev, &env, &m->q, &mi);
	if (err < 0) {
		kprintf("fs: %s refused: %s (%s): running without files\n", name, qfs_mount_refusal(mi.refused),
			qerror_name(fs_error(err)));
		bcache_drop_all(m->bc);
		kfree(m->bc);
		kfree(m);
		return;
	}
	report_mount(name, &mi);
	m->readonly = (mi.flags & QFS_MI_ROLLED_BACK) != 0;
	struct qfs_statfs st;
	qfs_statfs(m->q, &st);
	kprintf("fs: %s mounted%s: %lu blocks, %lu used, %lu free, %lu files, generation %lu; cache %lu blocks\n",
		name, m->readonly ? " read-only" : "", st.nblocks, st.used, st.free, st.nfiles, st.generation,
		(uint64_t)nblocks);
	root = m;
	mm_shrinker_register(shrink_cache);
}

bool fs_mounted(void)
{
	return root != 0;
}

/* ---- handles ---- */

int fs_open(const char *path, int flags, struct fs_file **out)
{
	if (!root)
		return -QE_NODEV;
	if ((flags & FS_O_RDWR) && root->readonly)
		return -QE_ROFS;
	struct fs_file *f = kzalloc(sizeof *f);
	if (!f)
		return -QE_NOMEM;
	mutex_lock(&root->lock);
	int err = qfs_open(root->q, path, flags, &f->qf);
	mutex_unlock(&root->lock);
	if (err < 0) {
		kfree(f);
		return fs_error(err);
	}
	f->rw = flags & FS_O_RDWR;
	*out = f;
	return 0;
}

long fs_read(struct fs_file *f, uint64_t off, void *kbuf, size_t n)
{
	mutex_lock(&root->lock);
	long r = qfs_read(f->qf, off, kbuf, n);
	mutex_unlock(&root->lock);
	return r < 0 ? fs_error((int)r) : r;
}

long fs_write(struct fs_file *f, uint64_t off, const void *kbuf, size_t n)
{
	if (!f->rw)
		return -QE_ROFS;
	mutex_lock(&root->lock);
	long r = qfs_write(f->qf, off, kbuf, n);
	mutex_unlock(&root->lock);
	return r < 0 ? fs_error((int)r) : r;
}

int fs_truncate(struct fs_file *f, uint64_t size)
{
	if (!f->rw)
		return -QE_ROFS;
	mutex_lock(&root->lock);
	int err = qfs_truncate(f->qf, size);
	mutex_unlock(&root->lock);
	return fs_error(err);
}

uint64_t fs_size(struct fs_file *f)
{
	mutex_lock(&root->lock);
	uint64_t n = qfs_fsize(f->qf);
	mutex_unlock(&root->lock);
	return n;
}

uint32_t fs_version(struct fs_file *f)
{
	mutex_lock(&root->lock);
	uint32_t v = qfs_fversion(f->qf);
	mutex_unlock(&root->lock);
	return v;
}

bool fs_writable(const struct fs_file *f)
{
	return f->rw;
}

int fs_close(struct fs_file *f)
{
	mutex_lock(&root->lock);
	int r = qfs_close(f->qf);
	mutex_unlock(&root->lock);
	kfree(f);
	return fs_error(r);
}

int fs_commit(struct fs_file *f)
{
	mutex_lock(&root->lock);
	int r = qfs_commit(f->qf);
	mutex_unlock(&root->lock);
	if (r >= 0)
		kfree(f);
	return fs_error(r);
}

int fs_reserve(struct fs_file *f, uint64_t nblocks)
{
	mutex_lock(&root->lock);
	int r = qfs_reserve(f->qf, nblocks);
	mutex_unlock(&root->lock);
	return fs_error(r);
}

void fs_abort(struct fs_file *f)
{
	mutex_lock(&root->lock);
	qfs_abort(f->qf);
	mutex_unlock(&root->lock);
	kfree(f);
}

/* ---- path operations ---- */

#define PATH_OP(call)                                    \
	do {                                             \
		if (!root)                               \
			return -QE_NODEV;                \
		mutex_lock(&root->lock);                 \
		int r_ = (call);                         \
		mutex_unlock(&root->lock);               \
		return fs_error(r_);                     \
	} while (0)

int fs_stat(const char *path, struct qfs_stat *st)
{
	PATH_OP(qfs_stat(root->q, path, st));
}

int fs_versions(const char *path, struct qfs_vinfo *out, int max)
{
	PATH_OP(qfs_versions(root->q, path, out, max));
}

int fs_readdir(const char *path, qfs_dir_cb cb, void *ctx)
{
	PATH_OP(qfs_readdir(root->q, path, cb, ctx));
}

int fs_mkdir(const char *path)
{
	if (root && root->readonly)
		return -QE_ROFS;
	PATH_OP(qfs_mkdir(root->q, path));
}

int fs_rmdir(const char *path)
{
	if (root && root->readonly)
		return -QE_ROFS;
	PATH_OP(qfs_rmdir(root->q, path));
}

int fs_delete(const char *path)
{
	if (root && root->readonly)
		return -QE_ROFS;
	PATH_OP(qfs_delete(root->q, path));
}

int fs_purge(const char *path, uint32_t keep)
{
	if (root && root->readonly)
		return -QE_ROFS;
	PATH_OP(qfs_purge(root->q, path, keep));
}

int fs_set_limit(const char *path, uint32_t limit)
{
	if (root && root->readonly)
		return -QE_ROFS;
	PATH_OP(qfs_set_limit(root->q, path, limit));
}

int fs_statfs(struct qfs_statfs *st)
{
	if (!root)
		return -QE_NODEV;
	mutex_lock(&root->lock);
	qfs_statfs(root->q, st);
	mutex_unlock(&root->lock);
	return 0;
}

int fs_cache_stats(struct bcache_stats *st)
{
	if (!root)
		return -QE_NODEV;
	bcache_get_stats(root->bc, st);
	return 0;
}

int fs_read_file(const char *path, size_t max, void **buf, size_t *n)
{
	struct fs_file *f;
	int err = fs_open(path, 0, &f);
	if (err < 0)
		return err;
	uint64_t size = fs_size(f);
	uint8_t *p = size > max ? 0 : kmalloc(size ? size : 1);
	long got = 0;
	while (p && (uint64_t)got < size) {
		long r = fs_read(f, (uint64_t)got, p + got, size - (uint64_t)got);
		if (r <= 0) {
			err = r < 0 ? (int)r : -QE_IO;
			break;
		}
		got += r;
	}
	fs_abort(f);
	if (size > max)
		return -QE_FBIG;
	if (!p)
		return -QE_NOMEM;
	if (err < 0) {
		kfree(p);
		return err;
	}
	*buf = p;
	*n = size;
	return 0;
}
