/*
 * crc32c.c - CRC32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8,
 * and the metadata block header helpers built on it (see qfs_format.h).
 */
#include "qfs.h"
#include "qfs_format.h"

static uint32_t crc_tab[8][256];
static int crc_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
	crc_ready = 1;
}

static uint32_t crc_update(uint32_t c, const uint8_t *p, size_t n)
{
	while (n >= 8) {
		uint32_t lo = c ^ qfs_get32(p), hi = qfs_get32(p + 4);
		c = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
		    crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^
		    crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
		    crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = (c >> 8) ^ crc_tab[0][(c ^ *p++) & 0xff];
	return c;
}

uint32_t qfs_crc32c(const void *buf, size_t n)
{
	if (!crc_ready)
		crc_init();
	return ~crc_update(~0u, buf, n);
}

uint32_t qfs_block_crc(const uint8_t *blk)
{
	static const uint8_t zero4[4];
	if (!crc_ready)
		crc_init();
	uint32_t c = crc_update(~0u, blk, QFS_HDR_CRC);
	c = crc_update(c, zero4, 4);
	c = crc_update(c, blk + QFS_HDR_CRC + 4, QFS_BLOCK_SIZE - QFS_HDR_CRC - 4);
	return ~c;
}

uint32_t qfs_hdr_seal(uint8_t *blk, uint32_t magic, uint64_t blkno, uint64_t gen,
		      uint32_t aux)
{
	qfs_put32(blk + QFS_HDR_MAGIC, magic);
	qfs_put64(blk + QFS_HDR_BLKNO, blkno);
	qfs_put64(blk + QFS_HDR_GEN, gen);
	qfs_put32(blk + QFS_HDR_AUX, aux);
	qfs_put32(blk + QFS_HDR_AUX + 4, 0);
	uint32_t crc = qfs_block_crc(blk);
	qfs_put32(blk + QFS_HDR_CRC, crc);
	return crc;
}

int qfs_hdr_check(const uint8_t *blk, uint32_t magic, uint64_t blkno)
{
	if (qfs_get32(blk + QFS_HDR_MAGIC) != magic)
		return QFS_ECORRUPT;
	if (qfs_get64(blk + QFS_HDR_BLKNO) != blkno)
		return QFS_ECORRUPT;
	if (qfs_get32(blk + QFS_HDR_CRC) != qfs_block_crc(blk))
		return QFS_ECORRUPT;
	return 0;
}
