/*
 * fsx_posix.c - the fsx differential tester through a mounted qfs-fuse: the same model
 * as tests/fs/fsx/fsx.c (every committed version, every open descriptor's view, pins and
 * version limits), driven with POSIX calls on real files: open (`name`, `name;N`,
 * `name;-k`, O_TRUNC, O_CREAT), pwrite, ftruncate, pread, close (= commit), unlink of a
 * version or a file, rename, and purge / limits through user.qfs.* extended attributes.
 * usage: fsx_posix -d MOUNTDIR [-s SEED] [-n OPS] [-l LIMIT]   (LIMIT: the image's
 * default version limit). On a mismatch it prints the last operations and exits 1.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define NFILES 3
#define NHANDLES 6
#define MAXV 70
#define LOGN 300

struct blob {
	uint8_t *d;
	size_t n;
};

struct mfile {
	int exists, id;
	uint32_t next, nv, limit;
	uint32_t vnum[MAXV];
	struct blob v[MAXV];
};

struct mhandle {
	int used, rw, file, id; /* id: the file incarnation it pins, 0 for a new file */
	uint32_t base;
	struct blob view;
	int fd;
};

static struct mfile files[NFILES];
static struct mhandle hs[NHANDLES];
static const char *mnt;
static uint32_t deflimit = 6;
static uint64_t rng;
static int next_id = 1;
static char logbuf[LOGN][160];
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
	fprintf(stderr, "fsx_posix: FAILURE at op %ld: ", opno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nfsx_posix: last operations:\n");
	for (long i = nlog > LOGN ? nlog - LOGN : 0; i < nlog; i++)
		fprintf(stderr, "  %s\n", logbuf[i % LOGN]);
	exit(1);
}

static uint64_t rnd(uint64_t n)
{
	rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
	return n ? (rng * 0x2545F4914F6CDD1Dull) % n : 0;
}

static const char *fname(int i)
{
	static const char *n[NFILES] = {"a", "dir/b", "dir/c"};
	return n[i];
}

static void fpath(char *out, size_t n, int fi, const char *suffix)
{
	snprintf(out, n, "%s/%s%s", mnt, fname(fi), suffix);
}

/* A syscall result against the model: want >= 0 a value, want < 0 an errno (-E). */
static void check(long got, long want, const char *what)
{
	long g = got < 0 ? -errno : got;
	if (g != want)
		die("%s gave %ld (%s), model expects %ld (%s)", what, g,
		    g < 0 ? strerror((int)-g) : "ok", want, want < 0 ? strerror((int)-want) : "ok");
}

static int pinned(int file, uint32_t vnum)
{
	for (int i = 0; i < NHANDLES; i++)
		if (hs[i].used && hs[i].file == file && hs[i].id == files[file].id &&
		    (vnum == 0 || hs[i].base == vnum))
			return 1;
	return 0;
}

static int any_handle(int file)
{
	for (int i = 0; i < NHANDLES; i++)
		if (hs[i].used && hs[i].file == file)
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

/* Remove unpinned versions older than the newest keep; returns how many went. */
static int model_purge(int fi, uint32_t keep)
{
	struct mfile *m = &files[fi];
	uint8_t victim[MAXV] = {0};
	int n = 0;
	for (uint32_t i = 0; i + keep < m->nv; i++)
		if (!pinned(fi, m->vnum[i]))
			victim[i] = 1, n++;
	for (uint32_t i = m->nv; i-- > 0;)
		if (victim[i])
			drop_version(m, i);
	return n;
}

/* A commit of data as the next version of file fi, then its version limit. */
static void model_commit(int fi, const struct blob *data)
{
	struct mfile *m = &files[fi];
	if (!m->exists)
		m->exists = 1, m->id = next_id++, m->next = 1, m->nv = 0, m->limit = deflimit;
	m->vnum[m->nv] = m->next++;
	m->v[m->nv].d = NULL;
	blob_set(&m->v[m->nv], data->d, data->n);
	m->nv++;
	uint32_t n = m->nv;
	for (uint32_t i = 0; i + 1 < m->nv && n > m->limit;) {
		if (!pinned(fi, m->vnum[i])) {
			drop_version(m, i);
			n--;
		} else {
			i++;
		}
	}
}

static void model_remove(int fi)
{
	while (files[fi].nv)
		drop_version(&files[fi], files[fi].nv - 1);
	files[fi].exists = 0;
}

static int free_handle(void)
{
	for (int i = 0; i < NHANDLES; i++)
		if (!hs[i].used)
			return i;
	return -1;
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

/* A version path: newest (""), ";N" or ";-k" of model version index vi. */
static void version_suffix(int fi, int vi, char *out, size_t n)
{
	struct mfile *m = &files[fi];
	out[0] = 0;
	if (vi < 0 || vi == (int)m->nv - 1)
		return;
	if (rnd(2))
		snprintf(out, n, ";%u", m->vnum[vi]);
	else
		snprintf(out, n, ";-%u", m->nv - 1 - (uint32_t)vi);
}

static void op_open(void)
{
	int h = free_handle(), fi = (int)rnd(NFILES);
	if (h < 0)
		return;
	struct mfile *m = &files[fi];
	struct mhandle *x = &hs[h];
	int rw = (int)rnd(2), trunc = rw && rnd(4) == 0;
	int vi = m->exists ? (int)m->nv - 1 : -1;
	char suf[24], path[512];
	if (m->exists && rnd(3) == 0)
		vi = (int)rnd(m->nv);
	version_suffix(fi, vi, suf, sizeof(suf));
	fpath(path, sizeof(path), fi, suf);
	logop("open h%d %s%s %s%s", h, fname(fi), suf, rw ? "rw" : "ro", trunc ? " trunc" : "");
	int fd = open(path, rw ? O_RDWR | O_CREAT | (trunc ? O_TRUNC : 0) : O_RDONLY, 0644);
	if (!m->exists && !rw) {
		check(fd, -ENOENT, "open of a missing file");
		return;
	}
	check(fd < 0 ? -1 : 0, 0, "open");
	x->used = 1, x->rw = rw, x->file = fi, x->fd = fd;
	x->id = m->exists ? m->id : 0;
	x->base = m->exists && !trunc ? m->vnum[vi] : 0;
	x->view.d = NULL;
	if (m->exists && !trunc)
		blob_set(&x->view, m->v[vi].d, m->v[vi].n);
	else
		blob_set(&x->view, NULL, 0);
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
	check(pwrite(x->fd, src + so, len, (off_t)off), (long)len, "pwrite");
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
	logop("ftruncate h%d %zu", h, n);
	check(ftruncate(x->fd, (off_t)n), 0, "ftruncate");
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
	logop("pread h%d off %llu len %zu", h, (unsigned long long)off, len);
	check(pread(x->fd, buf, len, (off_t)off), (long)want, "pread");
	if (want && memcmp(buf, x->view.d + off, want))
		die("pread h%d off %llu: data differs from the model", h, (unsigned long long)off);
}

static void release(struct mhandle *x)
{
	free(x->view.d);
	x->view.d = NULL;
	x->used = 0;
}

/* close = commit for a read/write descriptor. */
static void op_close(void)
{
	int h = pick_handle(0);
	if (h < 0)
		return;
	struct mhandle *x = &hs[h];
	logop("close h%d%s", h, x->rw ? " (commit)" : "");
	check(close(x->fd), 0, "close");
	if (x->rw) {
		x->used = 0; /* its own pin does not count for the limit */
		model_commit(x->file, &x->view);
	}
	release(x);
}

static void set_count(const char *path, const char *attr, uint32_t n, long want)
{
	char v[16];
	snprintf(v, sizeof(v), "%u", n);
	check(setxattr(path, attr, v, strlen(v), 0), want, attr);
}

static void op_purge_delete(void)
{
	int fi = (int)rnd(NFILES);
	struct mfile *m = &files[fi];
	char path[512], suf[24];
	if (!m->exists)
		return;
	if (rnd(2)) {
		uint32_t keep = (uint32_t)rnd(4) + 1;
		logop("purge %s keep %u", fname(fi), keep);
		fpath(path, sizeof(path), fi, "");
		model_purge(fi, keep);
		set_count(path, "user.qfs.purge", keep, 0);
		return;
	}
	int all = rnd(4) == 0;
	uint32_t vi = (uint32_t)rnd(m->nv);
	snprintf(suf, sizeof(suf), all ? "" : ";%u", m->vnum[vi]);
	fpath(path, sizeof(path), fi, suf);
	logop("unlink %s%s", fname(fi), suf);
	int whole = all || m->nv == 1;
	int busy = whole ? pinned(fi, 0) : pinned(fi, m->vnum[vi]);
	check(unlink(path), busy ? -EBUSY : 0, "unlink");
	if (busy)
		return;
	if (whole)
		model_remove(fi);
	else
		drop_version(m, vi);
}

static void op_limit(void)
{
	int fi = (int)rnd(NFILES);
	char path[512], got[16];
	uint32_t lim = (uint32_t)rnd(8) + 1;
	if (!files[fi].exists)
		return;
	fpath(path, sizeof(path), fi, "");
	logop("limit %s %u", fname(fi), lim);
	files[fi].limit = lim;
	model_purge(fi, lim);
	set_count(path, "user.qfs.limit", lim, 0);
	ssize_t n = getxattr(path, "user.qfs.limit", got, sizeof(got) - 1);
	check(n, (long)snprintf(NULL, 0, "%u", lim), "getxattr user.qfs.limit");
	got[n] = 0;
	if ((uint32_t)atoi(got) != lim)
		die("%s: user.qfs.limit reads %s, model %u", fname(fi), got, lim);
}

/* rename: the versions named move, oldest first, as new versions of the target. */
static void op_rename(void)
{
	int fi = (int)rnd(NFILES), fj = (int)((fi + 1 + rnd(NFILES - 1)) % NFILES);
	struct mfile *m = &files[fi];
	char from[512], to[512], suf[24] = "";
	if (!m->exists)
		return;
	int one = rnd(3) == 0;
	uint32_t vi = one ? (uint32_t)rnd(m->nv) : 0, n = one ? 1 : m->nv;
	if (one)
		snprintf(suf, sizeof(suf), ";%u", m->vnum[vi]);
	fpath(from, sizeof(from), fi, suf);
	fpath(to, sizeof(to), fj, "");
	logop("rename %s%s -> %s", fname(fi), suf, fname(fj));
	int busy = one && m->nv > 1 ? pinned(fi, m->vnum[vi]) : any_handle(fi);
	check(rename(from, to), busy ? -EBUSY : 0, "rename");
	if (busy)
		return;
	int created = !files[fj].exists;
	for (uint32_t k = 0; k < n; k++) {
		model_commit(fj, &m->v[one ? vi : k]);
		if (k == 0 && created) /* a new target takes the source's limit */
			files[fj].limit = m->limit;
	}
	if (one && m->nv > 1)
		drop_version(m, vi);
	else
		model_remove(fi);
}

static void read_whole(const char *path, struct blob *out)
{
	uint8_t buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);
	check(fd < 0 ? -1 : 0, 0, path);
	out->d = NULL, out->n = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		out->d = realloc(out->d, out->n + (size_t)n);
		memcpy(out->d + out->n, buf, (size_t)n);
		out->n += (size_t)n;
	}
	check(n, 0, "read");
	check(close(fd), 0, "close after read");
}

/* The names the listing of fi's directory shows for it, as one sorted-free string. */
static void listed(int fi, char *out, size_t nout)
{
	const char *slash = strrchr(fname(fi), '/'), *base = slash ? slash + 1 : fname(fi);
	char dir[512];
	size_t bl = strlen(base), len = 0;
	snprintf(dir, sizeof(dir), "%s/%.*s", mnt, slash ? (int)(slash - fname(fi)) : 0,
		 fname(fi));
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		die("opendir %s: %s", dir, strerror(errno));
	out[0] = 0;
	while ((e = readdir(d)) != NULL)
		if (!strncmp(e->d_name, base, bl) && (!e->d_name[bl] || e->d_name[bl] == ';'))
			len += (size_t)snprintf(out + len, nout - len, "[%s]", e->d_name);
	closedir(d);
}

/* Every committed version, as listed and as read back through the mount. */
static void verify_all(void)
{
	for (int fi = 0; fi < NFILES; fi++) {
		struct mfile *m = &files[fi];
		const char *slash = strrchr(fname(fi), '/');
		const char *base = slash ? slash + 1 : fname(fi);
		char want[4096], got[4096], path[512], suf[24], xa[1024], xw[1024];
		size_t len = (size_t)snprintf(want, sizeof(want), m->exists ? "[%s]" : "", base);
		size_t xl = 0;
		for (uint32_t i = m->nv; i-- > 0;)
			len += (size_t)snprintf(want + len, sizeof(want) - len, "[%s;%u]", base,
						m->vnum[i]);
		for (uint32_t i = 0; i < m->nv; i++)
			xl += (size_t)snprintf(xw + xl, sizeof(xw) - xl, "%s%u", i ? " " : "",
					       m->vnum[i]);
		listed(fi, got, sizeof(got));
		if (strcmp(want, got))
			die("%s: listing shows %s, model %s", fname(fi), got, want);
		if (!m->exists)
			continue;
		fpath(path, sizeof(path), fi, "");
		ssize_t n = getxattr(path, "user.qfs.versions", xa, sizeof(xa) - 1);
		check(n, (long)xl, "getxattr user.qfs.versions");
		xa[n] = 0;
		if (strcmp(xa, xw))
			die("%s: user.qfs.versions is '%s', model '%s'", fname(fi), xa, xw);
		for (uint32_t i = 0; i < m->nv; i++) {
			struct blob b;
			snprintf(suf, sizeof(suf), ";%u", m->vnum[i]);
			fpath(path, sizeof(path), fi, suf);
			read_whole(path, &b);
			if (b.n != m->v[i].n || (b.n && memcmp(b.d, m->v[i].d, b.n)))
				die("%s%s: %zu bytes read differ from the model's %zu", fname(fi), suf,
				    b.n, m->v[i].n);
			free(b.d);
		}
	}
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
	else if (r < 84)
		op_close();
	else if (r < 90)
		op_purge_delete();
	else if (r < 92)
		op_limit();
	else if (r < 95)
		op_rename();
	else
		verify_all();
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, nops = 2000;
	char path[512];
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-d"))
			mnt = argv[i + 1];
		else if (!strcmp(argv[i], "-s"))
			seed = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-n"))
			nops = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-l"))
			deflimit = (uint32_t)strtoul(argv[i + 1], NULL, 10);
	}
	if (!mnt) {
		fprintf(stderr, "usage: fsx_posix -d MOUNTDIR [-s SEED] [-n OPS] [-l LIMIT]\n");
		return 2;
	}
	rng = seed * 0x9E3779B97F4A7C15ull + 1;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)rnd(256);
	snprintf(path, sizeof(path), "%s/dir", mnt);
	check(mkdir(path, 0755), 0, "mkdir dir");
	for (opno = 0; opno < (long)nops; opno++)
		step();
	for (int i = 0; i < NHANDLES; i++)
		if (hs[i].used) {
			check(close(hs[i].fd), 0, "final close");
			hs[i].used = 0;
			if (hs[i].rw)
				model_commit(hs[i].file, &hs[i].view);
			release(&hs[i]);
		}
	verify_all();
	for (int fi = 0; fi < NFILES; fi++)
		model_remove(fi);
	printf("fsx_posix seed %llu: %llu operations through %s, all results matched the model\n",
	       (unsigned long long)seed, (unsigned long long)nops, mnt);
	return 0;
}
