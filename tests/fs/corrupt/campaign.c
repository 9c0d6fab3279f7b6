/*
 * campaign.c - corruption campaign: damage one block of a populated qfs image (every
 * block type: superblock and backup, ring slots, both bitmap areas, inode-table and
 * file and directory pointer blocks, inodes, directory and data blocks, free blocks)
 * in one of several ways (bit flip, byte run, zeroed, random, misdirected copy, lost
 * write, header field), with or without recomputing the checksums afterwards so the
 * damage reaches the decoders, then check mount, fsck, reads, the fsck oracle, repair
 * and a write on it. Prints one TAP line per block type and FINDING lines.
 * usage: campaign [-n IMAGES] [-s SEED] [-v] [-d N FILE]   exit 0 when nothing was found;
 * -d writes damaged image number N to FILE (to look at a finding with the qfs tool).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "campaign.h"
#include "oracle.h"
#include "qfs_format.h"

static const char *const tnames[T_N] = {
	"superblock", "backup-superblock", "root-newest", "root-older", "bitmap-active",
	"bitmap-inactive", "itab-ptr", "inode", "file-ptr", "dir-ptr", "dir-block", "data",
	"free"};
static const char *const dnames[D_N] = {"flip", "bytes", "zero", "random", "misdirect",
					"lost-write", "header", "repoint"};

struct camp cp;

void finding(const struct shot *s, const char *what)
{
	cp.findings++;
	cp.tfind[s->target]++;
	if (cp.findings <= 30 || cp.verbose)
		fprintf(stderr, "FINDING image %ld (%s, %s, %s, block %llu): %s\n", s->num,
			tnames[s->target], dnames[s->kind], s->crcfix ? "crc-fixed" : "raw",
			(unsigned long long)s->blk, what);
}

static void ref_of(const uint8_t *s)
{
	uint64_t t = qfs_get64(s);
	if (t && t < CP_BLOCKS)
		cp.refs[t]++;
}

/* Pointers to each block from the live metadata of base (shared blocks count more). */
static void count_refs(uint64_t n)
{
	for (uint64_t b = 0; b < n; b++) {
		const uint8_t *p = cp.base + b * QFS_BLOCK_SIZE;
		if (cp.kind[b] == ORK_ITAB_PTR || cp.kind[b] == ORK_FILE_PTR || cp.kind[b] == ORK_DIR_PTR)
			for (unsigned i = 0; i < QFS_PTRS_PER_BLOCK; i++)
				ref_of(p + QFS_HDR_SIZE + i * QFS_PTR_SIZE);
		if (cp.kind[b] == ORK_INODE)
			for (unsigned i = 0; i < qfs_get16(p + QFS_IN_NVERS); i++)
				ref_of(p + QFS_IN_VERS + i * QFS_VE_SIZE + QFS_VE_ROOT);
	}
	ref_of(cp.base + (1 + cp.gen % 8) * QFS_BLOCK_SIZE + QFS_RT_ITAB);
}

/* Blocks of each target type in the base image. */
static void classify(void)
{
	struct oracle o;
	if (oracle_check(cp.base, CP_BLOCKS, cp.gen, &o) || o.tree || o.fmap || o.count) {
		fprintf(stderr, "campaign: the base image is not clean: %s\n", o.first);
		exit(2);
	}
	static const int of_kind[ORK_NKINDS] = {T_FREE, T_DATA, T_DIRBLK, T_INODE, T_ITAB_PTR,
						T_FILE_PTR, T_DIR_PTR};
	uint64_t n = CP_BLOCKS - 1, bn = (n + QFS_BMAP_BITS - 1) / QFS_BMAP_BITS;
	unsigned act = cp.base[(1 + cp.gen % 8) * QFS_BLOCK_SIZE + QFS_RT_BMAPAREA];
	for (uint64_t b = 9 + 2 * bn; b < n; b++)
		tadd(of_kind[o.kind[b]], b);
	memcpy(cp.kind, o.kind, n);
	cp.act_area = act;
	count_refs(n);
	memcpy(cp.owner, o.owner, n * sizeof(uint64_t));
	tadd(T_SUPER, 0);
	tadd(T_BACKUP, n);
	tadd(T_ROOT_NEW, 1 + cp.gen % 8);
	for (uint64_t g = cp.gen - 7; g < cp.gen; g++)
		tadd(T_ROOT_OLD, 1 + g % 8);
	for (uint64_t i = 0; i < bn; i++) {
		tadd(T_BMAP_ACT, 9 + act * bn + i);
		tadd(T_BMAP_INACT, 9 + (1 - act) * bn + i);
	}
	free(o.kind);
	free(o.owner);
}

static void usage(void)
{
	fprintf(stderr, "usage: campaign [-n IMAGES] [-s SEED] [-v] [-d N FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long n = 2600;
	uint64_t seed = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = atol(argv[++i]);
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-v"))
			cp.verbose = 1;
		else if (!strcmp(argv[i], "-d") && i + 2 < argc) {
			cp.dump_num = atol(argv[++i]);
			cp.dump_path = argv[++i];
		}
		else
			usage();
	}
	cp.rng = seed * 0x9E3779B97F4A7C15ull | 1;
	if (!cp.dump_path)
		cp.dump_num = -1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	base_build();
	classify();
	for (long i = 0; i < n; i++)
		shoot(i);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("1..%d\n", T_N);
	for (int t = 0; t < T_N; t++)
		printf("%s %d - %s # %ld images, %ld findings\n", cp.tfind[t] ? "not ok" : "ok",
		       t + 1, tnames[t], cp.timages[t], cp.tfind[t]);
	printf("# campaign: seed %llu, %ld images (%ld unchanged by their damage), "
	       "%ld refused, %ld rolled back, %ld free maps rebuilt, %ld repaired clean, "
	       "%ld findings, %.1f s\n", (unsigned long long)seed, n, cp.unchanged, cp.refused,
	       cp.rolled, cp.rebuilt, cp.repaired_clean, cp.findings, secs);
	return cp.findings ? 1 : 0;
}
