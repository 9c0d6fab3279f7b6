/*
 * bcache.h - a bounded cache of 4 KiB blocks of one block device, for the file system. Reads
 * are served from it when it has the block; writes go to the disk first and then into the
 * cache (write-through: the file system's commit order — data, flush, root, flush — reaches
 * the disk as it wrote it). Each cached block is one kernel frame; the cache holds at most
 * max_blocks, and gives frames back when memory runs short (mm/shrink.h: it is asked before
 * user pages are evicted, down to its floor). specs/files.md "Block cache".
 * Context: every call may sleep (disk I/O under the cache's mutex, rank MRANK_BCACHE).
 */
#ifndef QUIRE_FS_BCACHE_H
#define QUIRE_FS_BCACHE_H

#include <stdint.h>

#include "dev/blockdev.h"

#define BCACHE_BLOCK 4096u

struct bcache;

struct bcache_stats {
	uint64_t blocks, max_blocks, floor; /* held now, the bound, what a shrink leaves */
	uint64_t hits, misses;              /* reads served from the cache / from the disk */
	uint64_t writes;                    /* blocks written through */
	uint64_t evicted;                   /* blocks dropped to make room for others */
	uint64_t shrunk;                    /* blocks given back because memory ran short */
	uint64_t nblocks;                   /* the device's size in blocks */
};

/* bcache_create - a cache of at most @max_blocks blocks over @bd; NULL when out of memory. */
struct bcache *bcache_create(struct blockdev *bd, unsigned max_blocks);

/* bcache_read - block @blkno into @buf (BCACHE_BLOCK bytes); 0 or -QE_IO / -QE_RANGE. */
int bcache_read(struct bcache *c, uint64_t blkno, void *buf);

/* bcache_write - @buf to block @blkno on the disk, then into the cache; 0 or a negative QE_*
 * code (a failed write leaves no cached copy of that block). */
int bcache_write(struct bcache *c, uint64_t blkno, const void *buf);

/* bcache_flush - the device's write cache to stable storage; 0 or -QE_IO. */
int bcache_flush(struct bcache *c);

/* bcache_shrink - give back up to @n of the cache's frames above its floor; how many. */
unsigned bcache_shrink(struct bcache *c, unsigned n);

/* bcache_drop_all - forget every cached block (a mount refused, the image changed). */
void bcache_drop_all(struct bcache *c);

/* bcache_get_stats - a snapshot of the counters. */
void bcache_get_stats(struct bcache *c, struct bcache_stats *out);

/* bcache_blocks - the device's size in BCACHE_BLOCK blocks. */
uint64_t bcache_blocks(const struct bcache *c);

#endif
