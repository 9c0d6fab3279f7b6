/*
 * fsx.c - differential random testing of the qfs library against an in-memory model
 * that keeps a copy of every committed version and of every open handle's view.
 * Random opens (ro, rw, rw+trunc, create), writes, truncates, reads, closes, aborts,
 * purges, deletes and remounts; every result is compared with the model.
 * usage: fsx [-s SEED] [-n OPS]   reproducible from the seed; on a mismatch it prints
 * the operations of the run (the last 300) and exits 1.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fstest.h"

#define NFILES 3
#define NHANDLES 6
#define MAXV 70
#define LIMIT 6
#define NBLOCKS 8192
#define LOGN 300

struct blob {
	uint8_t *d;
	size_t n;
};

struct mfile {
	int exists, id;
	uint32_t next, nv;
	uint32_t vnum[MAXV];
	struct blob v[MAXV];
};

struct mhandle {
	int used, rw, file, id; /* id: file incarnation it pins, 0 for a new file */
	uint32_t base;
	struct blob view;
	struct qfs_file *f;
};

static struct mfile files[NFILES];
static struct mhandle hs[NHANDLES];
static struct qfs *fs;
static struct qfs_dev dev;
static struct qfs_env env;
static uint64_t rng;
static int next_id = 1;
static char logbuf[LOGN][128];
static long nlog, opno;

static void logop(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(logbuf[nlog % LOGN], sizeof(logbuf[0]), fmt, ap);
	va_end(ap);
	nlog++;
}

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "fsx: FAILURE at op %ld: ", opno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nfsx: last operations:\n");
	for (long i = nlog > LOGN ? nlog - LOGN : 0; i < nlog; i++)
		fprintf(stderr, "  %s\n", logbuf[i % LOGN]);
	fprintf(stderr, "fsx: fsck of the committed image:\n");
	fst_fsck(&dev, "fsck", 1);
	exit(1);
}

static uint64_t rnd(uint64_t n)
{
	return n ? fst_rand(&rng) % n : 0;
}

static const char *fname(int i)
{
	static const char *n[NFILES] = {"a", "dir/b", "dir/c"};
	return n[i];
}

static int pinned(int file, uint32_t vnum)
{
	for (int i = 0; i < NHANDLES; i++)
		if (hs[i].used && hs[i].file == file && hs[i].id == files[file].id &&
		    (vnum == 0 || hs[i].base == vnum))
			return 1;
	return 0;
}

static void blob_set(struct blob *b, const uint8_t *d, size_t n)
{
	free(b->d);
	b->d = malloc(n + 1);
	if (n)
		memcpy(b->d, d, n);
	b->n = n;
}

static void drop_version(struct mfile *m, uint32_t i)
{
	free(m->v[i].d);
	memmove(&m->v[i], &m->v[i + 1], (m->nv - i - 1) * sizeof(m->v[0]));
	memmove(&m->vnum[i], &m->vnum[i + 1], (m->nv - i - 1) * sizeof(m->vnum[0]));
	m->nv--;
	m->v[m->nv].d = NULL;
}

static void check_rc(long got, long want, const char *what)
{
	if (got != want)
		die("%s returned %ld (%s), model expects %ld", what, got,
		    got < 0 ? qfs_strerror((int)got) : "ok", want);
}

static int free_handle(void)
{
	for (int i = 0; i < NHANDLES; i++)
		if (!hs[i].used)
			return i;
	return -1;
}

static void op_open(void)
{
	int h = free_handle(), fi = (int)rnd(NFILES);
	if (h < 0)
		return;
	struct mfile *m = &files[fi];
	struct mhandle *x = &hs[h];
	int rw = rnd(2), trunc = rw && rnd(4) == 0;
	char path[64];
	int vi = m->exists ? (int)m->nv - 1 : -1;
	if (m->exists && rnd(3) == 0)
		vi = (int)rnd(m->nv);
	snprintf(path, sizeof(path), "%s", fname(fi));
	if (vi >= 0 && vi != (int)m->nv - 1) {
		if (rnd(2))
			snprintf(path, sizeof(path), "%s;%u", fname(fi), m->vnum[vi]);
		else
			snprintf(path, sizeof(path), "%s;-%u", fname(fi), m->nv - 1 - (uint32_t)vi);
	}
	int flags = (rw ? QFS_O_RDWR | QFS_O_CREAT : 0) | (trunc ? QFS_O_TRUNC : 0);
	logop("open h%d %s %s%s", h, path, rw ? "rw" : "ro", trunc ? " trunc" : "");
	int rc = qfs_open(fs, path, flags, &x->f);
	if (!m->exists && !rw) {
		check_rc(rc, QFS_ENOENT, "open of a missing file");
		return;
	}
	check_rc(rc, 0, "open");
	x->used = 1, x->rw = rw, x->file = fi;
	x->id = m->exists ? m->id : 0;
	x->base = m->exists && !trunc ? m->vnum[vi] : 0;
	x->view.d = NULL;
	if (m->exists && !trunc)
		blob_set(&x->view, m->v[vi].d, m->v[vi].n);
	else
		blob_set(&x->view, NULL, 0);
}

static int pick_handle(int want_rw)
{
	int start = (int)rnd(NHANDLES);
	for (int k = 0; k < NHANDLES; k++) {
		int i = (start + k) % NHANDLES;
		if (hs[i].used && (!want_rw || hs[i].rw))
			return i;
	}
	return -1;
}

static uint8_t src[1 << 17];

static void op_write(void)
{
	int h = pick_handle(1);
	if (h < 0)
		return;
	struct mhandle *x = &hs[h];
	uint64_t off = rnd(20) ? rnd(300000) : rnd(1200000);
	size_t len = rnd(20) ? (size_t)rnd(12000) + 1 : (size_t)rnd(100) + 1;
	size_t so = (size_t)rnd(sizeof(src) - len);
	logop("write h%d off %llu len %zu src %zu", h, (unsigned long long)off, len, so);
	check_rc(qfs_write(x->f, off, src + so, len), (long)len, "write");
	if (off + len > x->view.n) {
		x->view.d = realloc(x->view.d, off + len);
		memset(x->view.d + x->view.n, 0, off + len - x->view.n);
		x->view.n = off + len;
	}
	memcpy(x->view.d + off, src + so, len);
}

static void op_truncate(void)
{
	int h = pick_handle(1);
	if (h < 0)
		return;
	struct mhandle *x = &hs[h];
	size_t n = (size_t)rnd(x->view.n + 20000);
	logop("truncate h%d %zu", h, n);
	check_rc(qfs_truncate(x->f, n), 0, "truncate");
	if (n > x->view.n) {
		x->view.d = realloc(x->view.d, n);
		memset(x->view.d + x->view.n, 0, n - x->view.n);
	}
	x->view.n = n;
}

static void op_read(void)
{
	static uint8_t buf[70000];
	int h = pick_handle(0);
	if (h < 0)
		return;
	struct mhandle *x = &hs[h];
	uint64_t off = rnd(x->view.n + 5000);
	size_t len = (size_t)rnd(sizeof(buf));
	size_t want = off >= x->view.n ? 0 : x->view.n - off < len ? x->view.n - off : len;
	logop("read h%d off %llu len %zu", h, (unsigned long long)off, len);
	check_rc(qfs_read(x->f, off, buf, len), (long)want, "read");
	if (want && memcmp(buf, x->view.d + off, want))
		die("read h%d off %llu: data differs from the model", h, (unsigned long long)off);
	if (qfs_fsize(x->f) != x->view.n)
		die("handle h%d size %llu, model %zu", h, (unsigned long long)qfs_fsize(x->f),
		    x->view.n);
}

static void release(struct mhandle *x)
{
	free(x->view.d);
	x->view.d = NULL;
	x->used = 0;
}

/* Model of a commit: the new version, then the version limit. */
static uint32_t model_commit(struct mhandle *x)
{
	struct mfile *m = &files[x->file];
	if (!m->exists) {
		m->exists = 1, m->id = next_id++, m->next = 1, m->nv = 0;
	}
	m->vnum[m->nv] = m->next++;
	m->v[m->nv].d = NULL;
	blob_set(&m->v[m->nv], x->view.d, x->view.n);
	m->nv++;
	uint32_t n = m->nv;
	for (uint32_t i = 0; i + 1 < m->nv && n > LIMIT;) {
		if (!pinned(x->file, m->vnum[i])) {
			drop_version(m, i);
			n--;
		} else {
			i++;
		}
	}
	return m->vnum[m->nv - 1];
}

static void op_close(int abort_it)
{
	int h = pick_handle(0);
	if (h < 0)
		return;
	struct mhandle *x = &hs[h];
	logop("%s h%d", abort_it ? "abort" : "close", h);
	if (abort_it) {
		qfs_abort(x->f);
	} else if (!x->rw) {
		check_rc(qfs_close(x->f), 0, "close ro");
	} else {
		x->used = 0; /* its own pin does not count for the limit */
		uint32_t want = model_commit(x);
		check_rc(qfs_close(x->f), (long)want, "close rw (commit)");
	}
	release(x);
}

static void op_purge_delete(void)
{
	int fi = (int)rnd(NFILES);
	struct mfile *m = &files[fi];
	char path[64];
	if (!m->exists)
		return;
	if (rnd(2)) {
		uint32_t keep = (uint32_t)rnd(4) + 1;
		int n = 0;
		logop("purge %s keep %u", fname(fi), keep);
		uint8_t victim[MAXV] = {0};
		for (uint32_t i = 0; i + keep < m->nv; i++)
			if (!pinned(fi, m->vnum[i]))
				victim[i] = 1, n++;
		for (uint32_t i = m->nv; i-- > 0;)
			if (victim[i])
				drop_version(m, i);
		check_rc(qfs_purge(fs, fname(fi), keep), n, "purge");
		return;
	}
	int all = rnd(4) == 0;
	uint32_t vi = (uint32_t)rnd(m->nv);
	snprintf(path, sizeof(path), all ? "%s" : "%s;%u", fname(fi), m->vnum[vi]);
	logop("delete %s", path);
	int whole = all || m->nv == 1;
	int busy = whole ? pinned(fi, 0) : pinned(fi, m->vnum[vi]);
	check_rc(qfs_delete(fs, path), busy ? QFS_EBUSY : 0, "delete");
	if (busy)
		return;
	if (whole) {
		while (m->nv)
			drop_version(m, m->nv - 1);
		m->exists = 0;
	} else {
		drop_version(m, vi);
	}
}

/* Read every committed version through the library; remount and fsck when idle. */
static void verify_all(int remount)
{
	for (int fi = 0; fi < NFILES; fi++) {
		struct mfile *m = &files[fi];
		struct qfs_vinfo vi[MAXV];
		int n = qfs_versions(fs, fname(fi), vi, MAXV);
		check_rc(n, m->exists ? (long)m->nv : QFS_ENOENT, "versions");
		for (uint32_t i = 0; m->exists && i < m->nv; i++) {
			char path[64];
			uint8_t *d;
			size_t len;
			if (vi[i].vnum != m->vnum[i])
				die("%s: version %u listed, model has %u", fname(fi), vi[i].vnum,
				    m->vnum[i]);
			snprintf(path, sizeof(path), "%s;%u", fname(fi), m->vnum[i]);
			check_rc(fst_get(fs, path, &d, &len), 0, path);
			if (len != m->v[i].n || (len && memcmp(d, m->v[i].d, len)))
				die("%s: committed content differs from the model", path);
			free(d);
		}
	}
	if (!remount || pick_handle(0) >= 0)
		return;
	logop("remount + fsck");
	qfs_unmount(fs);
	if (fst_fsck(&dev, "fsx", 1))
		die("fsck found errors");
	check_rc(qfs_mount(&dev, &env, &fs), 0, "remount");
}

static void step(void)
{
	uint64_t r = rnd(100);
	if (r < 14)
		op_open();
	else if (r < 44)
		op_write();
	else if (r < 50)
		op_truncate();
	else if (r < 68)
		op_read();
	else if (r < 82)
		op_close(0);
	else if (r < 85)
		op_close(1);
	else if (r < 92)
		op_purge_delete();
	else
		verify_all(r >= 98);
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, nops = 3000;
	struct qfs_host_mem mem;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-s"))
			seed = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-n"))
			nops = strtoull(argv[i + 1], NULL, 10);
	}
	rng = seed * 0x9E3779B97F4A7C15ull + 1;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)rnd(256);
	fst_env(&env);
	struct qfs_mkfs_opts o = {LIMIT, 0, 1};
	if (qfs_host_mem_init(&mem, NBLOCKS, &dev) || qfs_mkfs(&dev, &env, &o))
		return 2;
	check_rc(qfs_mount(&dev, &env, &fs), 0, "mount");
	check_rc(qfs_mkdir(fs, "dir"), 0, "mkdir");
	for (opno = 0; opno < (long)nops; opno++)
		step();
	for (int i = 0; i < NHANDLES; i++)
		if (hs[i].used) {
			qfs_abort(hs[i].f);
			release(&hs[i]);
		}
	verify_all(1);
	qfs_unmount(fs);
	if (fst_fsck(&dev, "fsx-final", 1))
		die("final fsck found errors");
	for (int fi = 0; fi < NFILES; fi++)
		while (files[fi].nv)
			drop_version(&files[fi], files[fi].nv - 1);
	qfs_host_mem_free(&mem);
	printf("fsx seed %llu: %llu operations, all results matched the model\n",
	       (unsigned long long)seed, (unsigned long long)nops);
	return fst_live_allocs ? 1 : 0;
}
