/*
 * files.c - the file system calls (files.h). Each call checks its arguments (pointers first,
 * as specs/syscalls.md orders them), then works through kernel buffers: the file system's
 * mutex is never held across a user copy (specs/concurrency.md rule 2), so data moves in
 * chunks: user -> kernel buffer -> file, or file -> kernel buffer -> user.
 * Lock legend: a thread's file_table is its own (t); no lock.
 */
#include "proc/files.h"

#include "fs/fs.h"
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "proc/abi.h"
#include "sched/sched.h"
#include "vm/uaccess.h"

#define CHUNK 16384u     /* bytes moved per file-system call */
#define LIST_MAX 64      /* entries one SYS_VERSIONS / SYS_READDIR returns at most */

_Static_assert(FS_O_RDWR == QO_RDWR && FS_O_CREAT == QO_CREAT && FS_O_TRUNC == QO_TRUNC, "QO_* are FS_O_*");
_Static_assert(FS_PATH_MAX == QUIRE_PATH_MAX, "one path limit");

struct file_table {
	struct fs_file *h[QUIRE_HANDLES];
};

/* get_path - the user's path (@len bytes, no NUL needed) into @buf; 0 or -QE_*. */
static int get_path(uint64_t upath, uint64_t len, char *buf)
{
	if (len == 0)
		return -QE_INVAL;
	if (len >= QUIRE_PATH_MAX)
		return -QE_NAMETOOLONG; /* a length over the limit, refused before the pointer */
	if (copy_from_user(buf, upath, len) < 0)
		return -QE_FAULT;
	buf[len] = '\0';
	return strlen(buf) == len ? 0 : -QE_INVAL; /* a NUL inside */
}

static struct fs_file **slot_of(uint64_t h)
{
	struct thread *t = sched_current();
	if (h >= QUIRE_HANDLES || !t->files || !t->files->h[h])
		return 0;
	return &t->files->h[h];
}

/* probe - every page of [buf, buf+len) can be read (and written, when @write) now, so a
 * call that will copy it in chunks does not fail half-way with changes made. */
static int probe(uint64_t buf, uint64_t len, bool write)
{
	if (uaccess_check(buf, len) < 0)
		return -QE_FAULT;
	for (uint64_t p = buf & ~0xFFFull; p < buf + len; p += 4096) {
		uint64_t at = p < buf ? buf : p;
		uint8_t byte;
		if (copy_from_user(&byte, at, 1) < 0 || (write && copy_to_user(at, &byte, 1) < 0))
			return -QE_FAULT;
	}
	return 0;
}

static int64_t sys_open(uint64_t upath, uint64_t len, uint64_t flags)
{
	char path[QUIRE_PATH_MAX];
	int err = get_path(upath, len, path);
	if (err)
		return err;
	if ((flags & ~(uint64_t)(QO_RDWR | QO_CREAT | QO_TRUNC)) || ((flags & (QO_CREAT | QO_TRUNC)) && !(flags & QO_RDWR)))
		return -QE_INVAL;
	struct thread *t = sched_current();
	if (!t->files && !(t->files = kzalloc(sizeof *t->files)))
		return -QE_NOMEM;
	int h = 0;
	while (h < QUIRE_HANDLES && t->files->h[h])
		h++;
	if (h == QUIRE_HANDLES)
		return -QE_AGAIN;
	struct fs_file *f;
	if ((err = fs_open(path, (int)flags, &f)) < 0)
		return err;
	t->files->h[h] = f;
	return h;
}

static int64_t sys_read(uint64_t h, uint64_t off, uint64_t buf, uint64_t len)
{
	if (len && probe(buf, len, true) < 0)
		return -QE_FAULT;
	struct fs_file **s = slot_of(h);
	if (!s)
		return -QE_BADF;
	uint8_t *k = len ? kmalloc(len < CHUNK ? len : CHUNK) : 0;
	if (len && !k)
		return -QE_NOMEM;
	uint64_t done = 0;
	int64_t err = 0;
	while (done < len) {
		uint64_t n = len - done < CHUNK ? len - done : CHUNK;
		long r = fs_read(*s, off + done, k, n);
		if (r <= 0) {
			err = r;
			break;
		}
		if (copy_to_user(buf + done, k, (size_t)r) < 0) {
			err = -QE_FAULT;
			break;
		}
		done += (uint64_t)r;
		if ((uint64_t)r < n)
			break; /* the end of the file */
	}
	kfree(k);
	return err < 0 ? err : (int64_t)done;
}

static int64_t sys_pwrite(uint64_t h, uint64_t off, uint64_t buf, uint64_t len)
{
	if (len && probe(buf, len, false) < 0)
		return -QE_FAULT;
	struct fs_file **s = slot_of(h);
	if (!s)
		return -QE_BADF;
	if (!fs_writable(*s))
		return -QE_ROFS;
	uint8_t *k = len ? kmalloc(len < CHUNK ? len : CHUNK) : 0;
	if (len && !k)
		return -QE_NOMEM;
	int64_t err = 0;
	for (uint64_t done = 0; done < len && !err;) {
		uint64_t n = len - done < CHUNK ? len - done : CHUNK;
		if (copy_from_user(k, buf + done, n) < 0)
			err = -QE_FAULT;
		else if ((err = fs_write(*s, off + done, k, n)) > 0)
			err = 0;
		done += n;
	}
	kfree(k);
	return err < 0 ? err : (int64_t)len;
}

static int64_t sys_close(uint64_t h, bool commit)
{
	struct fs_file **s = slot_of(h);
	if (!s)
		return -QE_BADF;
	struct fs_file *f = *s;
	*s = 0;
	if (commit)
		return fs_close(f);
	fs_abort(f);
	return 0;
}

static int64_t sys_handle(uint64_t nr, uint64_t h, uint64_t a1)
{
	struct fs_file **s = slot_of(h);
	if (!s)
		return -QE_BADF;
	if (nr == SYS_FSIZE)
		return (int64_t)fs_size(*s);
	return fs_truncate(*s, a1);
}

static int64_t sys_stat(uint64_t upath, uint64_t len, uint64_t ust)
{
	char path[QUIRE_PATH_MAX];
	struct qfs_stat st;
	if (uaccess_check(ust, sizeof(struct quire_stat)) < 0)
		return -QE_FAULT;
	int err = get_path(upath, len, path);
	if (!err)
		err = fs_stat(path, &st);
	if (err)
		return err;
	struct quire_stat out = { .ino = st.ino, .type = st.type, .nversions = st.nversions, .limit = st.limit,
				  .newest = st.newest, .size = st.size, .version = st.vnum, .mtime = st.mtime };
	return copy_to_user(ust, &out, sizeof out);
}

static int64_t sys_versions(uint64_t upath, uint64_t len, uint64_t uout, uint64_t max)
{
	char path[QUIRE_PATH_MAX];
	if (max && uaccess_check(uout, max * sizeof(struct quire_version)) < 0)
		return -QE_FAULT;
	int err = get_path(upath, len, path);
	if (err)
		return err;
	struct qfs_vinfo *v = kmalloc(LIST_MAX * sizeof *v);
	if (!v)
		return -QE_NOMEM;
	int n = fs_versions(path, v, LIST_MAX);
	for (int i = 0; n >= 0 && i < n && (uint64_t)i < max && i < LIST_MAX; i++) {
		struct quire_version q = { .version = v[i].vnum, .size = v[i].size, .mtime = v[i].mtime };
		if (copy_to_user(uout + (uint64_t)i * sizeof q, &q, sizeof q) < 0) {
			n = -QE_FAULT;
			break;
		}
	}
	kfree(v);
	return n;
}

struct dir_walk {
	struct quire_dirent *out;
	uint64_t skip, max, n;
};

static int dir_cb(void *ctx, const char *name, uint64_t ino, uint32_t type)
{
	struct dir_walk *w = ctx;
	if (w->skip) {
		w->skip--;
		return 0;
	}
	if (w->n == w->max)
		return 1;
	struct quire_dirent *d = &w->out[w->n++];
	memset(d, 0, sizeof *d);
	d->ino = ino;
	d->type = type;
	kstrlcpy(d->name, name, sizeof d->name);
	return 0;
}

static int64_t sys_readdir(uint64_t upath, uint64_t len, uint64_t uout, uint64_t max, uint64_t skip)
{
	char path[QUIRE_PATH_MAX];
	if (max > LIST_MAX)
		max = LIST_MAX;
	if (max && uaccess_check(uout, max * sizeof(struct quire_dirent)) < 0)
		return -QE_FAULT;
	int err = get_path(upath, len, path);
	if (err)
		return err;
	struct dir_walk w = { kmalloc(LIST_MAX * sizeof(struct quire_dirent)), skip, max, 0 };
	if (!w.out)
		return -QE_NOMEM;
	err = fs_readdir(path, dir_cb, &w);
	if (err >= 0 && w.n && copy_to_user(uout, w.out, w.n * sizeof *w.out) < 0)
		err = -QE_FAULT;
	kfree(w.out);
	return err < 0 ? err : (int64_t)w.n;
}

static int64_t sys_path(uint64_t nr, uint64_t upath, uint64_t len, uint64_t arg)
{
	char path[QUIRE_PATH_MAX];
	int err = get_path(upath, len, path);
	if (err)
		return err;
	switch (nr) {
	case SYS_MKDIR: return fs_mkdir(path);
	case SYS_RMDIR: return fs_rmdir(path);
	case SYS_DELETE: return fs_delete(path);
	case SYS_PURGE: return arg == 0 || arg > UINT32_MAX ? -QE_INVAL : fs_purge(path, (uint32_t)arg);
	default: return arg == 0 || arg > 64 ? -QE_INVAL : fs_set_limit(path, (uint32_t)arg);
	}
}

static int64_t sys_statfs(uint64_t uout)
{
	struct qfs_statfs st;
	struct bcache_stats bc;
	if (uaccess_check(uout, sizeof(struct quire_statfs)) < 0)
		return -QE_FAULT;
	int err = fs_statfs(&st);
	if (err)
		return err;
	fs_cache_stats(&bc);
	struct quire_statfs out = { st.nblocks, st.data_blocks, st.used, st.free, st.reserve, st.generation,
				    st.nfiles, bc.blocks, bc.max_blocks, bc.hits, bc.misses, bc.writes };
	return copy_to_user(uout, &out, sizeof out);
}

int64_t sys_files(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	switch (nr) {
	case SYS_OPEN: return sys_open(a0, a1, a2);
	case SYS_READ: return sys_read(a0, a1, a2, a3);
	case SYS_PWRITE: return sys_pwrite(a0, a1, a2, a3);
	case SYS_CLOSE: return sys_close(a0, true);
	case SYS_ABORT: return sys_close(a0, false);
	case SYS_FSIZE: case SYS_TRUNCATE: return sys_handle(nr, a0, a1);
	case SYS_STAT: return sys_stat(a0, a1, a2);
	case SYS_VERSIONS: return sys_versions(a0, a1, a2, a3);
	case SYS_READDIR: return sys_readdir(a0, a1, a2, a3, a4);
	case SYS_MKDIR: case SYS_RMDIR: case SYS_DELETE: case SYS_PURGE: case SYS_SETLIMIT:
		return sys_path(nr, a0, a1, a2);
	case SYS_STATFS: return sys_statfs(a0);
	default: return -QE_NOSYS;
	}
}

unsigned files_thread_exit(struct thread *t, bool commit)
{
	unsigned committed = 0;
	struct file_table *ft = t->files;
	if (!ft)
		return 0;
	for (unsigned h = 0; h < QUIRE_HANDLES; h++) {
		struct fs_file *f = ft->h[h];
		if (!f)
			continue;
		ft->h[h] = 0;
		if (commit && fs_writable(f)) {
			committed += fs_close(f) > 0;
		} else if (fs_writable(f)) {
			fs_abort(f);
		} else {
			fs_close(f);
		}
	}
	t->files = 0;
	kfree(ft);
	return committed;
}
