/*
 * qfs_internal.h - in-memory structures shared by the core's files; never included by
 * users of the library. Invariants of the allocator and of a transaction are written
 * beside struct qfs and struct qfs_txn below.
 */
#ifndef QFS_INTERNAL_H
#define QFS_INTERNAL_H

#include "qfs.h"
#include "qfs_format.h"

/* A block pointer in memory: blk 0 is a hole. */
struct qfs_ptr {
	uint64_t blk;
	uint32_t crc;
};

struct qfs_map_ent {
	uint64_t key; /* key + 1; 0 = empty slot */
	uint64_t val;
	uint32_t aux;
};

/*
 * A growable array kept in chunks of at most one block: besides the small directory of
 * chunk pointers no allocation is larger than a block, so a kernel heap that hands out
 * physically contiguous pages never has to find a long run of them under memory pressure
 * (a commit of a 100 MiB copy, a large copy's block map). per is a power of two.
 */
struct qfs_vec {
	const struct qfs_env *env;
	uint8_t **chunk;         /* directory: chunk i holds elements [i * per, (i + 1) * per) */
	size_t nchunk, capchunk; /* chunks allocated; directory slots */
	size_t elsize, per;
};

void qfs_vec_init(struct qfs_vec *v, const struct qfs_env *env, size_t elsize);
/* qfs_vec_reserve - room for elements [0, n) (new chunks are zeroed); 0 or QFS_ENOMEM. */
int qfs_vec_reserve(struct qfs_vec *v, size_t n);
void qfs_vec_free(struct qfs_vec *v);
static inline void *qfs_vec_at(const struct qfs_vec *v, size_t i)
{
	return v->chunk[i / v->per] + (i % v->per) * v->elsize;
}

/* Open-addressing hash map u64 -> (u64, u32), its table a qfs_vec of cap entries. */
struct qfs_map {
	const struct qfs_env *env;
	struct qfs_vec tab;
	size_t cap, count;
};

/* One file version in memory (mirrors the 40-byte on-disk record). */
struct qfs_ver {
	uint32_t vnum;
	uint8_t depth;
	uint64_t size;
	uint64_t mtime;
	struct qfs_ptr root;
};

/* An inode in memory; v[] is oldest first, one spare slot for a commit in progress. */
struct qfs_inode {
	uint64_t ino;
	uint32_t type, nvers, limit, next_version;
	uint64_t ctime, parent;
	struct qfs_ver v[QFS_MAX_VERSIONS + 1];
};

struct qfs_sb {
	uint64_t nblocks, ring_start, bmap_start[2], bmap_n, data_start, reserve, mkfs_time;
	uint32_t ring_len, default_limit;
	uint32_t feat_compat; /* QFS_FEAT_* bits */
};

struct qfs_root {
	uint64_t gen, next_ino, used, time, nfiles;
	struct qfs_ptr itab;
	uint8_t itab_depth, bmap_area;
};

struct qfs_undo {
	uint64_t blk;
	uint8_t was_set;
};

/*
 * A transaction: every metadata block it changes is copied to a new block that lives
 * in dirty (blkno -> index of bufs) until commit; blocks it frees stay busy until the
 * root record is durable. undo lists ref-map changes so a failed commit can be undone.
 */
struct qfs_txn {
	int active;
	int may_use_reserve;
	struct qfs_map dirty;
	uint8_t **bufs;
	uint64_t *bufblk;
	size_t nbufs, capbufs;
	struct qfs_vec freed;   /* uint64_t block numbers */
	size_t nfreed;
	struct qfs_vec undo;    /* struct qfs_undo */
	size_t nundo;
	struct qfs_root saved;
};

/*
 * The mounted file system.
 * ref:  bit per device block, set when the committed (or in-transaction) tree uses it;
 *       written out as the free map at each commit.
 * busy: ref, plus blocks of open rw copies, plus blocks freed by a transaction whose
 *       root record is not yet durable. Allocation takes only blocks clear in busy.
 * bdirty[a][i]: bitmap block i differs from what bitmap area a holds on disk.
 */
struct qfs {
	struct qfs_dev dev;
	struct qfs_env env;
	struct qfs_sb sb;
	struct qfs_root root;
	uint8_t *ref, *busy;
	uint8_t *bdirty[2];
	uint64_t nbusy, cursor;
	struct qfs_txn txn;
	struct qfs_file *files;
	int broken;
	uint8_t *scratch_free[8];
	int nscratch;
	struct qfs_mount_info mi; /* what mount found */
};

/* An open handle. A rw handle's private blocks are in priv (file block -> blk, crc). */
struct qfs_file {
	struct qfs *fs;
	struct qfs_file *next;
	int rw;
	uint64_t ino;      /* 0: a new file not yet committed */
	uint64_t dir_ino;  /* directory that will hold a new file */
	char name[QFS_NAME_MAX + 1];
	uint32_t base_vnum; /* pinned version (0: none) */
	struct qfs_ver base;
	uint64_t size;
	uint64_t base_limit; /* base blocks at or past this index read as holes */
	struct qfs_map priv;
	uint8_t *l1buf;     /* cached level-1 PTR block of the base tree */
	uint64_t l1key;     /* idx / 254 it covers, or UINT64_MAX */
};

/* super.c: layout and superblocks (primary in block 0, backup at block nblocks) */
void qfs_sb_layout(struct qfs_sb *sb, uint64_t nblocks);
void qfs_sb_encode(const struct qfs_sb *sb, uint8_t *buf, uint64_t blkno);
int qfs_sb_load(struct qfs *fs, uint8_t *buf);
int qfs_sb_write(struct qfs *fs, uint64_t blkno);

/* fmap.c: the free map of a generation: load from its bitmap area, or rebuild */
int qfs_fmap_load(struct qfs *fs, uint8_t *buf, uint32_t bmap_crc);
int qfs_fmap_rebuild(struct qfs *fs);
uint64_t qfs_fmap_count(const struct qfs *fs);
void qfs_fmap_reset(struct qfs *fs);

/* map.c */
void qfs_map_init(struct qfs_map *m, const struct qfs_env *env);
void qfs_map_free(struct qfs_map *m);
int qfs_map_put(struct qfs_map *m, uint64_t key, uint64_t val, uint32_t aux);
int qfs_map_get(const struct qfs_map *m, uint64_t key, uint64_t *val, uint32_t *aux);
/* qfs_map_reserve - grow now so that n keys fit without growing later. */
int qfs_map_reserve(struct qfs_map *m, size_t n);
void qfs_map_del(struct qfs_map *m, uint64_t key);
int qfs_map_next(const struct qfs_map *m, size_t *pos, uint64_t *key, uint64_t *val,
		 uint32_t *aux);

/* blk.c: buffers, allocation, transactions */
uint8_t *qfs_buf_get(struct qfs *fs);
void qfs_buf_put(struct qfs *fs, uint8_t *buf);
void *qfs_zalloc(struct qfs *fs, size_t nbytes);
int qfs_bit(const uint8_t *map, uint64_t b);
int qfs_dev_read(struct qfs *fs, uint64_t blk, uint8_t *buf);
int qfs_dev_write(struct qfs *fs, uint64_t blk, const uint8_t *buf);
int qfs_meta_read(struct qfs *fs, struct qfs_ptr p, uint32_t magic, uint8_t *buf);
uint8_t *qfs_meta_dirty(struct qfs *fs, uint64_t blk);
int qfs_meta_cow(struct qfs *fs, struct qfs_ptr *p, uint32_t magic, int free_old,
		 uint8_t **out);
int qfs_meta_new(struct qfs *fs, struct qfs_ptr *p, uint8_t **out);
int qfs_blk_alloc(struct qfs *fs, int may_use_reserve, uint64_t *blk);
void qfs_blk_unbusy(struct qfs *fs, uint64_t blk);
int qfs_ref_set(struct qfs *fs, uint64_t blk);
int qfs_blk_free(struct qfs *fs, uint64_t blk);
int qfs_txn_begin(struct qfs *fs, int may_use_reserve);
int qfs_txn_commit(struct qfs *fs);
void qfs_txn_abort(struct qfs *fs);
void qfs_root_encode(const struct qfs *fs, const struct qfs_root *r, uint8_t *buf);
int qfs_root_decode(const struct qfs_sb *sb, const uint8_t *buf, uint64_t blkno,
		    struct qfs_root *r);
uint64_t qfs_free_blocks(const struct qfs *fs);

/* tree.c: radix trees of block pointers */
uint64_t qfs_tree_cap(unsigned depth);
int qfs_tree_get(struct qfs *fs, struct qfs_ptr root, unsigned depth, uint64_t idx,
		 struct qfs_ptr *out);
int qfs_tree_lookup(struct qfs *fs, struct qfs_ptr root, unsigned depth, uint64_t idx,
		    unsigned stop, struct qfs_ptr *out);
int qfs_tree_l1(struct qfs *fs, struct qfs_ptr p, uint8_t *buf);
struct qfs_ptr qfs_tree_slot(const uint8_t *buf, uint64_t idx);
int qfs_tree_set(struct qfs *fs, struct qfs_ptr *root, uint8_t *depth, uint64_t idx,
		 struct qfs_ptr leaf, int free_old);
int qfs_tree_fit(struct qfs *fs, struct qfs_ptr *root, uint8_t *depth, uint64_t nleaves);
int qfs_tree_trim(struct qfs *fs, struct qfs_ptr *root, unsigned depth, uint64_t limit);
int qfs_tree_collect(struct qfs *fs, struct qfs_ptr root, unsigned depth,
		     struct qfs_map *set);
int qfs_tree_release(struct qfs *fs, struct qfs_ptr root, unsigned depth,
		     struct qfs_map *keep, uint64_t *nfreed);
uint64_t qfs_tree_leaves(uint64_t size);

/* inode.c: inodes, directories, paths */
struct qfs_inode *qfs_inode_alloc(struct qfs *fs);
void qfs_inode_free(struct qfs *fs, struct qfs_inode *in);
void qfs_inode_decode(const uint8_t *buf, struct qfs_inode *in);
int qfs_inode_check(const struct qfs_inode *in, uint64_t ino);
int qfs_inode_get(struct qfs *fs, uint64_t ino, struct qfs_inode *in);
int qfs_inode_put(struct qfs *fs, const struct qfs_inode *in);
int qfs_inode_drop(struct qfs *fs, uint64_t ino);
int qfs_dir_lookup(struct qfs *fs, uint64_t dir, const char *name, size_t len,
		   uint64_t *ino);
int qfs_dir_add(struct qfs *fs, uint64_t dir, const char *name, uint64_t ino,
		uint32_t type);
int qfs_dir_remove(struct qfs *fs, uint64_t dir, const char *name);
int qfs_dir_iter(struct qfs *fs, uint64_t dir, qfs_dir_cb cb, void *ctx);

/* Parsed path: directory inode, last name, version spec (0 none, >0 abs, <0 rel). */
struct qfs_path {
	uint64_t dir;
	char name[QFS_NAME_MAX + 1];
	int has_ver;
	int64_t ver;
	int trailing_slash; /* the path ended in '/': it must name a directory */
};
int qfs_path_parse(struct qfs *fs, const char *path, struct qfs_path *p);
int qfs_name_check(const char *s, size_t n);
int qfs_ver_find(const struct qfs_inode *in, const struct qfs_path *p);

/* ops.c: shared version removal */
int qfs_pinned(const struct qfs *fs, uint64_t ino, uint32_t vnum);
int qfs_vers_remove(struct qfs *fs, struct qfs_inode *in, const uint8_t *victim);

#endif /* QFS_INTERNAL_H */
