/*
 * bcache.c - the block cache (bcache.h): a hash of cached blocks and an LRU list through
 * them, one frame per block. A miss takes a free frame, or the least recently used block's
 * when the cache is full or free frames are short (frames are taken without reclaiming: the
 * cache's mutex may be held under a fault's, and reclaim would come back here). Under
 * memory pressure the cache does not grow: a frame that eviction just freed for a user page
 * must not end up holding a cached block (that eviction would then free nothing).
 * Lock legend: every field under c->lock (the mutex), except the constant ones (c).
 */
#include "fs/bcache.h"

#include "arch/x86_64/layout.h"
#include "lib/kstring.h"
#include "lib/qerror.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "sched/mutex.h"

#define BUCKETS 256
#define FREE_FLOOR 160 /* the cache takes a new frame only while more frames than this are free
			* (above the page-out thread's high watermark of 128) */
#define SECTORS (BCACHE_BLOCK / BLOCKDEV_SECTOR_SIZE)

struct centry {
	uint64_t blkno;
	pfn_t pfn;                    /* the block's bytes */
	struct centry *hash_next;
	struct centry *older, *newer; /* LRU list: c->oldest .. c->newest */
};

struct bcache {
	struct mutex lock;
	struct blockdev *bd;          /* (c) */
	uint64_t nblocks;             /* (c) */
	unsigned max_blocks, floor;   /* (c) */
	struct centry *hash[BUCKETS];
	struct centry *oldest, *newest;
	struct bcache_stats st;
};

static int blk_error(int err)
{
	return err == -BLK_ERANGE ? -QE_RANGE : err == -BLK_EINVAL ? -QE_INVAL : -QE_IO;
}

struct bcache *bcache_create(struct blockdev *bd, unsigned max_blocks)
{
	struct bcache *c = kzalloc(sizeof *c);
	if (!c)
		return 0;
	mutex_init(&c->lock, "bcache", MRANK_BCACHE);
	c->bd = bd;
	c->nblocks = bd->nsectors / SECTORS;
	c->max_blocks = max_blocks ? max_blocks : 1;
	c->floor = c->max_blocks / 8 ? c->max_blocks / 8 : 1;
	c->st.max_blocks = c->max_blocks;
	c->st.floor = c->floor;
	c->st.nblocks = c->nblocks;
	return c;
}

uint64_t bcache_blocks(const struct bcache *c)
{
	return c->nblocks;
}

static uint8_t *data(const struct centry *e)
{
	return phys_to_virt(PFN_TO_PA(e->pfn));
}

static struct centry *find(struct bcache *c, uint64_t blkno)
{
	for (struct centry *e = c->hash[blkno % BUCKETS]; e; e = e->hash_next)
		if (e->blkno == blkno)
			return e;
	return 0;
}

static void lru_unlink(struct bcache *c, struct centry *e)
{
	*(e->older ? &e->older->newer : &c->oldest) = e->newer;
	*(e->newer ? &e->newer->older : &c->newest) = e->older;
	e->older = e->newer = 0;
}

static void lru_push(struct bcache *c, struct centry *e)
{
	e->older = c->newest;
	e->newer = 0;
	*(c->newest ? &c->newest->newer : &c->oldest) = e;
	c->newest = e;
}

/* unhash - take @e out of the hash and the LRU list; its frame stays with it. */
static void unhash(struct bcache *c, struct centry *e)
{
	for (struct centry **pp = &c->hash[e->blkno % BUCKETS]; *pp; pp = &(*pp)->hash_next) {
		if (*pp == e) {
			*pp = e->hash_next;
			break;
		}
	}
	lru_unlink(c, e);
	c->st.blocks--;
}

/* destroy_unhashed - free an entry that is in neither the hash nor the list. */
static void destroy_unhashed(struct bcache *c, struct centry *e)
{
	(void)c;
	frame_free(e->pfn);
	kfree(e);
}

static void destroy(struct bcache *c, struct centry *e)
{
	unhash(c, e);
	destroy_unhashed(c, e);
}

/* slot - an entry for @blkno, not yet in the hash: a new frame, or the oldest block's. NULL
 * when there is neither memory nor anything cached to reuse. */
static struct centry *slot(struct bcache *c, uint64_t blkno)
{
	struct centry *e = 0;
	if (c->st.blocks < c->max_blocks && (frame_free_count() > FREE_FLOOR || !c->oldest)) {
		pfn_t pfn = frame_alloc(FRAME_KERNEL);
		e = pfn == FRAME_NONE ? 0 : kmalloc(sizeof *e);
		if (e)
			e->pfn = pfn;
		else if (pfn != FRAME_NONE)
			frame_free(pfn);
	}
	if (!e && c->oldest) {
		e = c->oldest;
		unhash(c, e);
		c->st.evicted++;
	}
	if (e)
		e->blkno = blkno;
	return e;
}

static void insert(struct bcache *c, struct centry *e)
{
	e->hash_next = c->hash[e->blkno % BUCKETS];
	c->hash[e->blkno % BUCKETS] = e;
	lru_push(c, e);
	c->st.blocks++;
}

int bcache_read(struct bcache *c, uint64_t blkno, void *buf)
{
	if (blkno >= c->nblocks)
		return -QE_RANGE;
	mutex_lock(&c->lock);
	struct centry *e = find(c, blkno);
	int err = 0;
	if (e) {
		c->st.hits++;
		lru_unlink(c, e);
		lru_push(c, e);
		memcpy(buf, data(e), BCACHE_BLOCK);
	} else {
		c->st.misses++;
		e = slot(c, blkno);
		err = blockdev_read(c->bd, blkno * SECTORS, SECTORS, e ? data(e) : buf);
		if (err < 0) {
			err = blk_error(err);
			if (e)
				destroy_unhashed(c, e);
		} else if (e) {
			insert(c, e);
			memcpy(buf, data(e), BCACHE_BLOCK);
		}
	}
	mutex_unlock(&c->lock);
	return err;
}

int bcache_write(struct bcache *c, uint64_t blkno, const void *buf)
{
	if (blkno >= c->nblocks)
		return -QE_RANGE;
	mutex_lock(&c->lock);
	struct centry *e = find(c, blkno);
	int err = blockdev_write(c->bd, blkno * SECTORS, SECTORS, buf);
	c->st.writes++;
	if (err < 0) {
		err = blk_error(err);
		if (e) /* what the disk holds now is unknown: read it again next time */
			destroy(c, e);
	} else if (e) {
		memcpy(data(e), buf, BCACHE_BLOCK);
		lru_unlink(c, e);
		lru_push(c, e);
	} else if ((e = slot(c, blkno))) {
		memcpy(data(e), buf, BCACHE_BLOCK);
		insert(c, e);
	}
	mutex_unlock(&c->lock);
	return err;
}

int bcache_flush(struct bcache *c)
{
	mutex_lock(&c->lock);
	int err = blockdev_flush(c->bd);
	mutex_unlock(&c->lock);
	return err < 0 ? -QE_IO : 0;
}

unsigned bcache_shrink(struct bcache *c, unsigned n)
{
	unsigned freed = 0;
	mutex_lock(&c->lock);
	while (freed < n && c->st.blocks > c->floor && c->oldest) {
		destroy(c, c->oldest);
		freed++;
	}
	c->st.shrunk += freed;
	mutex_unlock(&c->lock);
	return freed;
}

void bcache_drop_all(struct bcache *c)
{
	mutex_lock(&c->lock);
	while (c->oldest)
		destroy(c, c->oldest);
	mutex_unlock(&c->lock);
}

void bcache_get_stats(struct bcache *c, struct bcache_stats *out)
{
	mutex_lock(&c->lock);
	*out = c->st;
	mutex_unlock(&c->lock);
}
