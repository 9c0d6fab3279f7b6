/*
 * ata_testlib.h - what the ATA tests share (ata_test.c, ata_dma_test.c): the test disk
 * (hdb, overwritten), frame buffers, a pattern that names its sector, write-then-read
 * round trips that also count the channel's interrupts, and the list of modes.
 */
#ifndef QUIRE_TEST_ATA_TESTLIB_H
#define QUIRE_TEST_ATA_TESTLIB_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/ata.h"
#include "test/ktest.h"

#define TEST_DEV 1         /* hdb: the primary slave */
#define TEST_IRQ 14        /* its channel's interrupt */
#define SECTOR BLOCKDEV_SECTOR_SIZE
#define BIG_COUNT 300      /* more than one command (256 sectors) */
#define BUF_SECTORS 304    /* BIG_COUNT rounded up to whole pages */
#define PAGE_SECTORS 8     /* a 4 KiB page */

struct test_bufs {
	uint64_t pfn_w, pfn_r;
	uint8_t *w, *r;        /* BUF_SECTORS sectors each, in the direct map */
};

/* test_disk - ata_init, then the test disk's info; false (and a SKIP line) if there is none. */
bool test_disk(struct ata_info *in);

/* test_mode_set - switch the test disk to @mode: true; false with a SKIP line when the
 * disk cannot do it (DMA without a bus-master controller); a failure when it should. */
bool test_mode_set(struct ktest_ctx *t, enum ata_mode mode);

/* bufs_get / bufs_put - two buffers of BUF_SECTORS sectors, contiguous frames. */
bool bufs_get(struct test_bufs *b);
void bufs_put(struct test_bufs *b);

/* fill - a pattern that names its sector and @seed in every word, so a misplaced sector shows. */
void fill(uint8_t *buf, uint64_t lba, uint32_t count, uint32_t seed);

/* test_irqs - interrupts taken so far on the test disk's channel. */
uint64_t test_irqs(void);

/* expect_irqs - the interrupts a request of @n sectors costs in the disk's current mode
 * (@in from ata_info), commands of at most 256 sectors: one per sector (pio1), one per
 * block of in->multiple sectors (pio), one per command (dma). */
uint64_t expect_irqs(const struct ata_info *in, uint32_t n);

/* roundtrip_at - write @count sectors of pattern @seed from @w at @lba, read them back into
 * @r, compare byte for byte; when @check_irqs, each direction must cost expect_irqs. */
void roundtrip_at(struct ktest_ctx *t, uint8_t *w, uint8_t *r, uint64_t lba, uint32_t count, uint32_t seed,
		  bool check_irqs);

/* roundtrip - roundtrip_at with the frame buffers of @b, interrupts checked. */
void roundtrip(struct ktest_ctx *t, struct test_bufs *b, uint64_t lba, uint32_t count, uint32_t seed);

#endif
