/*
 * oracle.h - an fsck oracle for the corruption campaign: a second, independent checker
 * of a qfs image (written from specs/fs-format.md, sharing no code with the core but
 * the byte helpers and CRC of qfs_format.h). Given the generation mount chose, it walks
 * every pointer and checks that each points at a block of the right kind (data,
 * directory, inode, pointer block of the right level), owned once, with the right
 * checksum, and that names, counts and the free map agree.
 */
#ifndef ORACLE_H
#define ORACLE_H

#include <stddef.h>
#include <stdint.h>

/* Block kinds the oracle assigns (also the campaign's damage targets). */
enum ork_kind {
	ORK_FREE = 0,
	ORK_DATA,
	ORK_DIRBLK,
	ORK_INODE,
	ORK_ITAB_PTR,
	ORK_FILE_PTR,
	ORK_DIR_PTR,
	ORK_NKINDS,
};

struct oracle {
	uint64_t tree;  /* problems in the trees: kinds, owners, checksums, fields, names */
	uint64_t fmap;  /* the bitmap area differs from the blocks reached (or is damaged) */
	uint64_t count; /* the root's file or used count differs */
	uint64_t files, versions;
	char first[160]; /* the first problem found */
	uint8_t *kind;   /* per block of the file system: enum ork_kind (caller frees) */
	uint64_t *owner; /* per block: owning inode, UINT64_MAX the inode table (caller frees) */
};

/*
 * oracle_check - check img (dev_nblocks blocks) as generation gen. The superblock is
 * taken from block 0 if valid, else the backup in the last block. Returns 0, or -1
 * when there is no such superblock or valid root record of gen (then nothing is set).
 */
int oracle_check(const uint8_t *img, uint64_t dev_nblocks, uint64_t gen, struct oracle *o);

#endif /* ORACLE_H */
