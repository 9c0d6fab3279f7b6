/*
 * crc32c.c - CRC32C (Castagnoli, reflected polynomial 0x82F63B78), and the metadata block
 * header helpers built on it (see qfs_format.h). On x86-64 with SSE4.2 the CPU's crc32
 * instruction does 8 bytes per instruction (about 530 instructions a block instead of
 * about 13,000 for slicing-by-8); it is used only after it gave the same result as the
 * table for a test buffer. The instruction works on general registers only, so it is
 * fine in a kernel that keeps no FPU state of its own.
 */
#include "qfs.h"
#include "qfs_format.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#define QFS_CRC_HW 1
#endif

static uint32_t crc_tab[8][256];
static int crc_ready, crc_hw;
#ifdef QFS_CRC_HW
static int hw_ok(void);
#endif

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
#ifdef QFS_CRC_HW
	crc_hw = hw_ok();
#endif
	crc_ready = 1;
}

static uint32_t crc_sw(uint32_t c, const uint8_t *p, size_t n)
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

#ifdef QFS_CRC_HW
static uint32_t crc_insn(uint32_t c, const uint8_t *p, size_t n)
{
	uint64_t c64 = c;
	while (n >= 8) {
		uint64_t v = (uint64_t)qfs_get32(p) | (uint64_t)qfs_get32(p + 4) << 32;
		__asm__("crc32q %1, %0" : "+r"(c64) : "rm"(v));
		p += 8;
		n -= 8;
	}
	uint32_t c32 = (uint32_t)c64;
	while (n--)
		__asm__("crc32b %1, %0" : "+r"(c32) : "rm"(*p++));
	return c32;
}

/* hw_ok - the CPU has SSE4.2 and its instruction agrees with the table. */
static int hw_ok(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_2))
		return 0;
	uint8_t t[67];
	for (unsigned i = 0; i < sizeof(t); i++)
		t[i] = (uint8_t)(i * 37 + 11);
	return crc_insn(~0u, t, sizeof(t)) == crc_sw(~0u, t, sizeof(t)) && crc_insn(0, t, 5) == crc_sw(0, t, 5);
}
#endif

static uint32_t crc_update(uint32_t c, const uint8_t *p, size_t n)
{
#ifdef QFS_CRC_HW
	if (crc_hw)
		return crc_insn(c, p, n);
#endif
	return crc_sw(c, p, n);
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
