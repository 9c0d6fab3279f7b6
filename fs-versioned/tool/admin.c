/*
 * admin.c - the qfs commands that take the image whole: mkfs (arguments checked before
 * the image is touched; wiped only under the exclusive lock) and fsck (read-only, or
 * --repair under the exclusive lock). Exit statuses: qfs_tool.h.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qfs_tool.h"

/* SIZE[K|M|G] (either case) in bytes; 0 when s is not such a size. */
static uint64_t parse_size(const char *s)
{
	uint64_t v = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	unsigned shift = 0;
	switch (*p) {
	case 'k': case 'K': shift = 10; p++; break;
	case 'm': case 'M': shift = 20; p++; break;
	case 'g': case 'G': shift = 30; p++; break;
	default: break;
	}
	if (p == s || *p || (shift && (s[0] < '0' || s[0] > '9')) || v > (UINT64_MAX >> shift))
		return 0;
	return v << shift;
}

/* The version limit argument: 1..64, digits only; 0 when invalid. */
static uint32_t parse_limit(const char *s)
{
	uint32_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > 64)
			return 0;
		v = v * 10 + (uint32_t)(*p - '0');
	}
	return v <= 64 ? v : 0;
}

int cmd_mkfs(struct qfs_env *env, int argc, char **argv)
{
	struct qfs_dev dev;
	if (argc < 4 || argc > 5)
		return tool_usage();
	uint64_t bytes = parse_size(argv[3]);
	struct qfs_mkfs_opts o = {argc > 4 ? parse_limit(argv[4]) : 0, 0, tool_now(NULL)};
	if (bytes == 0 || (argc > 4 && o.default_limit == 0)) {
		fprintf(stderr, "qfs: mkfs: bad %s: %s\n", bytes ? "version limit (1..64)" :
			"size (a number, optionally K, M or G)", bytes ? argv[4] : argv[3]);
		return QX_USAGE;
	}
	if (qfs_mkfs_check(bytes / 4096, &o)) {
		fprintf(stderr, "qfs: mkfs: %s: size out of range (256K .. 4096T)\n", argv[3]);
		return QX_USAGE;
	}
	int rc = qfs_host_create_image(argv[2], bytes / 4096, &dev);
	if (rc)
		return tool_open_error(argv[2], rc);
	rc = qfs_mkfs(&dev, env, &o);
	struct qfs *fs;
	if (rc == 0 && (rc = qfs_mount(&dev, env, &fs)) == 0) {
		struct qfs_statfs st;
		qfs_statfs(fs, &st);
		printf("%s: %llu blocks of 4096, %llu for data, %llu reserved\n", argv[2],
		       (unsigned long long)st.nblocks, (unsigned long long)st.data_blocks,
		       (unsigned long long)st.reserve);
		qfs_unmount(fs);
	}
	qfs_host_img_close(&dev);
	return rc ? tool_fail("mkfs", rc) : QX_OK;
}

static void fsck_summary(const char *image, const struct qfs_fsck_result *r, const char *verdict)
{
	printf("fsck %s: %llu files, %llu dirs, %llu versions, %llu blocks checked: "
	       "%llu errors, %llu warnings -> %s\n",
	       image, (unsigned long long)r->files, (unsigned long long)r->dirs,
	       (unsigned long long)r->versions, (unsigned long long)r->blocks_checked,
	       (unsigned long long)r->errors, (unsigned long long)r->warnings, verdict);
}

/* fsck [--repair] IMAGE (either order). */
int cmd_fsck(struct qfs_env *env, int argc, char **argv)
{
	struct qfs_fsck_result r;
	struct qfs_dev dev;
	int repair = 0;
	const char *image = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--repair"))
			repair = 1;
		else if (!image)
			image = argv[i];
		else
			return tool_usage();
	}
	if (!image)
		return tool_usage();
	int rc = qfs_host_open_image(image, repair ? QFS_HOST_WRITE : QFS_HOST_READ, &dev);
	if (rc)
		return tool_open_error(image, rc);
	rc = repair ? qfs_fsck_repair(&dev, env, &r) : qfs_fsck(&dev, env, &r);
	qfs_host_img_close(&dev);
	if (rc && r.mount.refused) {
		fsck_summary(image, &r, "REFUSED");
		return QX_USAGE;
	}
	if (rc)
		return tool_fail(repair ? "fsck --repair" : "fsck", rc) + 1;
	if (repair) {
		if (r.repairs || r.lost)
			printf("repaired: %llu changes, %llu losses\n", (unsigned long long)r.repairs,
			       (unsigned long long)r.lost);
		fsck_summary(image, &r, r.errors ? "CORRUPT (not repairable)" : "clean");
		return r.errors ? QX_FAIL : r.repairs ? QX_ROLLED : QX_OK;
	}
	fsck_summary(image, &r, r.errors ? "CORRUPT" : r.rolled_back ? "ROLLED BACK" : "clean");
	return r.errors ? QX_FAIL : r.rolled_back ? QX_ROLLED : QX_OK;
}
