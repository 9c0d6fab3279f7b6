/*
 * campaign.h - shared state of the corruption campaign (campaign.c: main and block
 * classes; base.c: the populated image and its models; shoot.c: one damaged image and
 * every check made on it).
 */
#ifndef CAMPAIGN_H
#define CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "fstest.h"

#define CP_BLOCKS 256u /* device blocks of the base image (the last: the backup) */
#define CP_MAXENT 128  /* file versions in a model */
#define CP_MAXT 512    /* blocks per target type */

enum target {
	T_SUPER, T_BACKUP, T_ROOT_NEW, T_ROOT_OLD, T_BMAP_ACT, T_BMAP_INACT, T_ITAB_PTR,
	T_INODE, T_FILE_PTR, T_DIR_PTR, T_DIRBLK, T_DATA, T_FREE, T_N
};

enum damage { D_FLIP, D_BYTES, D_ZERO, D_RANDOM, D_MISDIRECT, D_LOST, D_HEADER, D_REPOINT, D_N };

/* Every file version readable in one generation: "path;N" and an FNV hash of it. */
struct model {
	uint64_t gen;
	size_t n;
	char path[CP_MAXENT][200];
	uint64_t hash[CP_MAXENT];
};

/* One damaged image. */
struct shot {
	long num;
	int target, kind, crcfix;
	uint64_t blk;
};

struct camp {
	uint8_t base[CP_BLOCKS * 4096];  /* the populated image */
	uint8_t older[CP_BLOCKS * 4096]; /* the same device three commits earlier */
	uint64_t gen;                    /* newest generation of base */
	struct model models[3];          /* generations gen, gen - 1, gen - 2 */
	uint8_t kind[CP_BLOCKS];          /* the oracle's kinds and owners in base */
	uint64_t owner[CP_BLOCKS];
	uint32_t refs[CP_BLOCKS];         /* pointers to each block from live blocks */
	unsigned act_area;                /* bitmap area of the newest root */
	uint64_t tblk[T_N][CP_MAXT];
	size_t tn[T_N];
	uint64_t rng;
	int verbose;
	long dump_num;        /* -d N FILE: write damaged image N to FILE (-1: none) */
	const char *dump_path;
	long findings, tfind[T_N], timages[T_N];
	long unchanged, refused, rolled, rebuilt, repaired_clean;
};

extern struct camp cp;

/* finding - report a violated expectation for shot s. */
void finding(const struct shot *s, const char *what);

/* tadd - add block b to target type t. */
void tadd(int t, uint64_t b);

/* base_build - make cp.base, cp.older, cp.gen and cp.models. */
void base_build(void);

/* model_of - the model of generation gen, or NULL. */
const struct model *model_of(uint64_t gen);

/* model_check - read every version of m on fs: *bad wrong bytes, *lost unreadable. */
void model_check(struct qfs *fs, const struct model *m, size_t *bad, size_t *lost,
		 uint8_t *ok);

/* shoot - make damaged image number i and check everything on it. */
void shoot(long i);

/* fix_crcs - recompute the checksums leading to metadata blocks and to block blk
 * (except the pointer at byte offset keep, when non-zero). */
void fix_crcs(uint8_t *img, uint64_t blk, size_t keep);

#endif /* CAMPAIGN_H */
