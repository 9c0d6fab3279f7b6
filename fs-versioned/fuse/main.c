/*
 * main.c - qfs-fuse: mount a qfs image on the host through FUSE, single-threaded.
 *   qfs-fuse [-f] [-d] [-o OPT[,OPT...]] IMAGE MOUNTPOINT
 * The image is locked with flock(LOCK_EX|LOCK_NB) for the mount's life (the convention
 * shared with the qfs tool). Exit: 0 unmounted (or stopped by SIGTERM/SIGINT/SIGHUP:
 * open read/write copies are dropped), 1 FUSE failure, 2 usage, a missing mountpoint or
 * an image the core refuses, 3 an image mount had to roll back (run `qfs fsck --repair`
 * first: nothing is written over it), 4 image in use by another program.
 */
#define _GNU_SOURCE
#include "qfuse.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "qfs_host.h"

#define EXIT_FUSE 1
#define EXIT_USAGE 2
#define EXIT_ROLLED 3
#define EXIT_LOCKED 4

struct args {
	const char *image, *mnt, *opts;
	int foreground, debug;
};

static int usage(void)
{
	fprintf(stderr, "usage: qfs-fuse [-f] [-d] [-o OPT[,OPT...]] IMAGE MOUNTPOINT\n"
			"  -f  stay in the foreground   -d  FUSE debug output (implies -f)\n"
			"  -o  options passed to FUSE (e.g. allow_other)\n");
	return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	const char *pos[2];
	int npos = 0;
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f"))
			a->foreground = 1;
		else if (!strcmp(argv[i], "-d"))
			a->debug = a->foreground = 1;
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			a->opts = argv[++i];
		else if (argv[i][0] == '-' || npos == 2)
			return -1;
		else
			pos[npos++] = argv[i];
	}
	if (npos != 2)
		return -1;
	a->image = pos[0];
	a->mnt = pos[1];
	return 0;
}

/* Open and lock the image: the descriptor, or -exit status after a message. */
static int image_lock(const char *image)
{
	int fd = open(image, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "qfs-fuse: %s: %s\n", image, strerror(errno));
		return -EXIT_USAGE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	int e = errno;
	close(fd);
	if (e == EWOULDBLOCK) {
		fprintf(stderr, "qfs-fuse: %s: image in use by another program\n", image);
		return -EXIT_LOCKED;
	}
	fprintf(stderr, "qfs-fuse: %s: lock: %s\n", image, strerror(e));
	return -EXIT_FUSE;
}

/* "-o fsname=qfs:IMAGE,subtype=qfs[,user options]" with ',' and '\' escaped. */
static char *mount_opts(const struct args *a)
{
	size_t n = strlen(a->image) * 2 + (a->opts ? strlen(a->opts) : 0) + 64, k = 0;
	char *s = malloc(n);
	if (!s)
		return NULL;
	k += (size_t)snprintf(s, n, "fsname=qfs:");
	for (const char *p = a->image; *p; p++) {
		if (*p == ',' || *p == '\\')
			s[k++] = '\\';
		s[k++] = *p;
	}
	snprintf(s + k, n - k, ",subtype=qfs%s%s", a->opts ? "," : "", a->opts ? a->opts : "");
	return s;
}

/* Mount FUSE and serve requests until unmounted (or a signal); the exit status. */
static int serve(const struct args *a, struct qfuse *q)
{
	char *opts = mount_opts(a);
	char *fargv[] = {"qfs-fuse", "-o", opts, a->debug ? "-d" : NULL, NULL};
	struct fuse_args fa = FUSE_ARGS_INIT(a->debug ? 4 : 3, fargv);
	int status = EXIT_FUSE;
	if (!opts)
		return EXIT_FUSE;
	struct fuse *f = fuse_new(&fa, qfuse_ops(), sizeof(struct fuse_operations), q);
	if (f && fuse_mount(f, a->mnt) == 0) {
		struct fuse_session *se = fuse_get_session(f);
		if (fuse_daemonize(a->foreground) == 0 && fuse_set_signal_handlers(se) == 0) {
			/* 0, a signal number (SIGTERM/SIGINT/SIGHUP: a clean stop) or -errno */
			status = fuse_loop(f) >= 0 ? 0 : EXIT_FUSE;
			fuse_remove_signal_handlers(se);
		}
		fuse_unmount(f);
	}
	if (f)
		fuse_destroy(f);
	fuse_opt_free_args(&fa);
	free(opts);
	return status;
}

int main(int argc, char **argv)
{
	struct args a;
	struct qfs_env env;
	struct qfs_dev dev;
	struct qfuse q = {0};
	char mnt[PATH_MAX];
	if (parse_args(argc, argv, &a))
		return usage();
	q.lock_fd = image_lock(a.image);
	if (q.lock_fd < 0)
		return -q.lock_fd;
	if (!realpath(a.mnt, mnt)) { /* absolute: libfuse unmounts by this path */
		fprintf(stderr, "qfs-fuse: %s: %s\n", a.mnt, strerror(errno));
		close(q.lock_fd);
		return EXIT_USAGE;
	}
	a.mnt = mnt;
	qfs_host_env(&env, stderr);
	struct qfs_mount_info mi;
	int rc = qfs_host_img_open(a.image, 0, 0, &dev);
	if (rc == 0 && (rc = qfs_mount_ex(&dev, &env, &q.fs, &mi)) != 0)
		qfs_host_img_close(&dev);
	if (rc) {
		fprintf(stderr, "qfs-fuse: %s: mount refused: %s (%s)\n", a.image, qfs_strerror(rc),
			qfs_mount_refusal(mi.refused));
		close(q.lock_fd);
		return EXIT_USAGE;
	}
	if (mi.flags & QFS_MI_ROLLED_BACK) { /* writing on would bury the lost commit for good */
		fprintf(stderr, "qfs-fuse: %s: generation %llu cannot be used (damaged root record); "
			"not mounting a rolled-back image: run `qfs fsck --repair %s` first\n", a.image,
			(unsigned long long)mi.lost_generation, a.image);
		qfs_unmount(q.fs);
		qfs_host_img_close(&dev);
		close(q.lock_fd);
		return EXIT_ROLLED;
	}
	if (mi.flags & (QFS_MI_FMAP_REBUILT | QFS_MI_SB_BACKUP))
		fprintf(stderr, "qfs-fuse: warning: %s: the %s is damaged and was %s (run: qfs fsck --repair %s)\n",
			a.image, mi.flags & QFS_MI_FMAP_REBUILT ? "free map" : "superblock",
			mi.flags & QFS_MI_FMAP_REBUILT ? "rebuilt from the file trees" : "read from its backup",
			a.image);
	q.uid = getuid();
	q.gid = getgid();
	int status = serve(&a, &q);
	qfuse_drop_all(&q); /* handles still open when a signal stopped the loop */
	qfs_unmount(q.fs);
	qfs_host_img_close(&dev);
	close(q.lock_fd);
	return status;
}
