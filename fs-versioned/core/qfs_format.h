/*
 * qfs_format.h - the on-disk format of the Quire versioned file system.
 * This is the one place that knows byte offsets; specs/fs-format.md is the prose
 * version and must agree. All fields are little-endian, fixed width, encoded and
 * decoded byte by byte (no bitfields, no packed structs cast over disk data).
 */
#ifndef QFS_FORMAT_H
#define QFS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Disk layout (block size 4096, block numbers are u64):
 *
 *   blk 0          1 .. R             R+1 .. R+M      R+M+1 .. R+2M     data_start ..
 *  +-------+--------------------+---------------+-----------------+---------------------+
 *  | super | root ring (R recs) | bitmap area 0 | bitmap area 1   | data + metadata     |
 *  +-------+--------------------+---------------+-----------------+---------------------+
 *
 *  root record (highest valid generation wins)
 *     |-- itab: radix tree of PTR blocks, index = inode number --> INODE blocks
 *     |                                INODE (file): up to 64 versions, each a
 *     |                                  radix tree root --> PTR ... --> data blocks
 *     |                                INODE (dir): version slot 0 --> DIR blocks
 *     `-- bmap_area: which bitmap area holds the free map of this generation
 *
 * Every metadata block starts with the same 32-byte header:
 *
 *   off size field
 *   0   4    magic      one of QFS_MAGIC_*
 *   4   4    crc        CRC32C of the whole block computed with this field zero
 *   8   8    blkno      the block's own number (catches misdirected writes)
 *   16  8    gen        generation of the commit that wrote it
 *   24  4    aux        PTR: level (1..4); BMAP: area index; others 0
 *   28  4    reserved   zero
 *
 * A block pointer is 16 bytes: u64 blkno (0 = hole), u32 crc32c of the target
 * block (for metadata blocks equal to its header crc), u32 reserved zero.
 */

#define QFS_BLOCK_SIZE 4096u
#define QFS_FORMAT_VERSION 1u
#define QFS_HDR_SIZE 32u
#define QFS_PTR_SIZE 16u
#define QFS_PTRS_PER_BLOCK ((QFS_BLOCK_SIZE - QFS_HDR_SIZE) / QFS_PTR_SIZE)
#define QFS_MAX_DEPTH 4u
#define QFS_MAX_VERSIONS 64u
#define QFS_NAME_MAX 112u
#define QFS_DIRENT_SIZE 128u
#define QFS_DIRENTS_PER_BLOCK ((QFS_BLOCK_SIZE - QFS_HDR_SIZE) / QFS_DIRENT_SIZE)
#define QFS_BMAP_BYTES (QFS_BLOCK_SIZE - QFS_HDR_SIZE)
#define QFS_BMAP_BITS (QFS_BMAP_BYTES * 8u)
#define QFS_RING_LEN 8u
#define QFS_ROOT_INO 1u

#define QFS_FOURCC(a, b, c, d)                                                  \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define QFS_MAGIC_SUPER QFS_FOURCC('Q', 'S', 'U', 'P')
#define QFS_MAGIC_ROOT QFS_FOURCC('Q', 'R', 'O', 'T')
#define QFS_MAGIC_BMAP QFS_FOURCC('Q', 'B', 'M', 'P')
#define QFS_MAGIC_PTR QFS_FOURCC('Q', 'P', 'T', 'R')
#define QFS_MAGIC_INODE QFS_FOURCC('Q', 'I', 'N', 'O')
#define QFS_MAGIC_DIR QFS_FOURCC('Q', 'D', 'I', 'R')

/* Header field offsets. */
#define QFS_HDR_MAGIC 0
#define QFS_HDR_CRC 4
#define QFS_HDR_BLKNO 8
#define QFS_HDR_GEN 16
#define QFS_HDR_AUX 24

/*
 * Superblock (block 0), after the header:
 *   32 u32 format_version   36 u32 feat_compat    40 u32 feat_incompat
 *   44 u32 feat_ro_compat   48 u32 block_size     52 u32 ring_len
 *   56 u64 nblocks          64 u64 ring_start     72 u64 bmap_start[0]
 *   80 u64 bmap_start[1]    88 u64 bmap_nblocks   96 u64 data_start
 *  104 u64 reserve_blocks  112 u64 mkfs_time     120 u8  uuid[16]
 *  136 u32 default_limit
 */
#define QFS_SB_VERSION 32
#define QFS_SB_FCOMPAT 36
#define QFS_SB_FINCOMPAT 40
#define QFS_SB_FROCOMPAT 44
#define QFS_SB_BSIZE 48
#define QFS_SB_RINGLEN 52
#define QFS_SB_NBLOCKS 56
#define QFS_SB_RINGSTART 64
#define QFS_SB_BMAP0 72
#define QFS_SB_BMAP1 80
#define QFS_SB_BMAPN 88
#define QFS_SB_DATASTART 96
#define QFS_SB_RESERVE 104
#define QFS_SB_MKFSTIME 112
#define QFS_SB_UUID 120
#define QFS_SB_DEFLIMIT 136

/*
 * feat_compat bits (an older mount ignores them; it never touches the backup block):
 *   QFS_FEAT_BACKUP_SB: block nblocks (one past the file system, the device's last
 *   block at mkfs) holds a copy of the superblock whose header blkno is nblocks.
 */
#define QFS_FEAT_BACKUP_SB 0x1u
#define QFS_FEAT_COMPAT_KNOWN QFS_FEAT_BACKUP_SB

/*
 * Root record (one block in the ring at ring_start + gen % ring_len):
 *   32 u64 generation   40 u64 itab_blk    48 u32 itab_crc   52 u8 itab_depth
 *   53 u8  bmap_area    56 u64 next_ino    64 u64 used_blocks
 *   72 u32 bmap_crc (CRC32C over the payload of all bitmap blocks, in order)
 *   80 u64 time         88 u64 nfiles
 */
#define QFS_RT_GEN 32
#define QFS_RT_ITAB 40
#define QFS_RT_ITABCRC 48
#define QFS_RT_ITABDEPTH 52
#define QFS_RT_BMAPAREA 53
#define QFS_RT_NEXTINO 56
#define QFS_RT_USED 64
#define QFS_RT_BMAPCRC 72
#define QFS_RT_TIME 80
#define QFS_RT_NFILES 88

/*
 * Inode block, after the header:
 *   32 u64 ino   40 u16 type   42 u16 nversions   44 u16 limit
 *   48 u32 next_version        56 u64 ctime       64 u64 parent
 *   96 version[64], 40 bytes each:
 *      0 u32 vnum  4 u8 depth  8 u64 size  16 u64 mtime  24 u64 root_blk  32 u32 root_crc
 */
#define QFS_IN_INO 32
#define QFS_IN_TYPE 40
#define QFS_IN_NVERS 42
#define QFS_IN_LIMIT 44
#define QFS_IN_NEXTVER 48
#define QFS_IN_CTIME 56
#define QFS_IN_PARENT 64
#define QFS_IN_VERS 96
#define QFS_VE_SIZE 40
#define QFS_VE_VNUM 0
#define QFS_VE_DEPTH 4
#define QFS_VE_FSIZE 8
#define QFS_VE_MTIME 16
#define QFS_VE_ROOT 24
#define QFS_VE_ROOTCRC 32

/* Directory entry (128 bytes): 0 u64 ino (0 = free), 8 u16 namelen, 10 u8 type, 16 name. */
#define QFS_DE_INO 0
#define QFS_DE_NAMELEN 8
#define QFS_DE_TYPE 10
#define QFS_DE_NAME 16

#ifndef QFS_TYPE_FILE
#define QFS_TYPE_FILE 1u
#define QFS_TYPE_DIR 2u
#endif

_Static_assert(QFS_HDR_SIZE + QFS_PTRS_PER_BLOCK * QFS_PTR_SIZE == QFS_BLOCK_SIZE,
	       "pointer block must fill a block exactly");
_Static_assert(QFS_PTRS_PER_BLOCK == 254, "254 pointers per block");
_Static_assert(QFS_IN_VERS + QFS_MAX_VERSIONS * QFS_VE_SIZE <= QFS_BLOCK_SIZE,
	       "version table must fit in the inode block");
_Static_assert(QFS_DE_NAME + QFS_NAME_MAX == QFS_DIRENT_SIZE, "dirent is 128 bytes");
_Static_assert(QFS_HDR_SIZE + QFS_DIRENTS_PER_BLOCK * QFS_DIRENT_SIZE <= QFS_BLOCK_SIZE,
	       "directory entries must fit");
_Static_assert(QFS_SB_DEFLIMIT + 4 <= QFS_BLOCK_SIZE, "superblock fits");
_Static_assert(QFS_RT_NFILES + 8 <= QFS_BLOCK_SIZE, "root record fits");

/* qfs_get16 - decode a little-endian u16 at p. */
static inline uint16_t qfs_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* qfs_get32 - decode a little-endian u32 at p. */
static inline uint32_t qfs_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* qfs_get64 - decode a little-endian u64 at p. */
static inline uint64_t qfs_get64(const uint8_t *p)
{
	return (uint64_t)qfs_get32(p) | (uint64_t)qfs_get32(p + 4) << 32;
}

/* qfs_put16 - encode v as little-endian u16 at p. */
static inline void qfs_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* qfs_put32 - encode v as little-endian u32 at p. */
static inline void qfs_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* qfs_put64 - encode v as little-endian u64 at p. */
static inline void qfs_put64(uint8_t *p, uint64_t v)
{
	qfs_put32(p, (uint32_t)v);
	qfs_put32(p + 4, (uint32_t)(v >> 32));
}

/* qfs_crc32c - CRC32C (Castagnoli) of n bytes, standard init/final xor. */
uint32_t qfs_crc32c(const void *buf, size_t n);

/* qfs_block_crc - CRC32C of a metadata block with its crc field taken as zero. */
uint32_t qfs_block_crc(const uint8_t *blk);

/* qfs_hdr_seal - fill the header (magic, blkno, gen, aux) and its crc; returns the crc. */
uint32_t qfs_hdr_seal(uint8_t *blk, uint32_t magic, uint64_t blkno, uint64_t gen,
		      uint32_t aux);

/* qfs_hdr_check - 0 if blk has this magic, its own number and a good crc, else -QFS_ECORRUPT. */
int qfs_hdr_check(const uint8_t *blk, uint32_t magic, uint64_t blkno);

#endif /* QFS_FORMAT_H */
