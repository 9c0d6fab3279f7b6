/*
 * test_multiboot2.c - kernel/boot/multiboot2 on built info blocks: every tag the kernel
 * uses, and malformed blocks (bad sizes, no end tag, overlong strings) that must be
 * refused or cut safely. Runs under ASan: any read past the block fails the test.
 */
#include "hosttest.h"

#include "boot/multiboot2.h"

struct mbi {
	uint8_t *b;
	size_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t *tag(struct mbi *m, uint32_t type, uint32_t size)
{
	uint8_t *t = m->b + m->len;
	put32(t, type);
	put32(t + 4, size);
	m->len += (size + 7) & ~7u;
	return t;
}

static size_t build_good(uint8_t *buf)
{
	struct mbi m = { buf, 8 };
	memset(buf, 0, 1024);
	uint8_t *t = tag(&m, 1, 8 + 15);
	memcpy(t + 8, "test=all quiet", 15);
	t = tag(&m, 2, 8 + 5);
	memcpy(t + 8, "GRUB", 5);
	t = tag(&m, 6, 16 + 2 * 24);
	put32(t + 8, 24);
	put64(t + 16, 0);
	put64(t + 24, 0x9fc00);
	put32(t + 32, 1);
	put64(t + 40, 0x100000);
	put64(t + 48, 0x7ee0000);
	put32(t + 56, 1);
	t = tag(&m, 3, 16 + 5);
	put32(t + 8, 0x200000);
	put32(t + 12, 0x201000);
	memcpy(t + 16, "init", 5);
	t = tag(&m, 4, 16);
	put32(t + 8, 639);
	put32(t + 12, 130000);
	tag(&m, 0, 8);
	put32(buf, (uint32_t)m.len);
	return m.len;
}

static void test_good_block(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t len = build_good(buf);
	struct boot_info bi;
	assert_int_equal(mb2_parse(buf, len, 0x9000, &bi), 0);
	assert_string_equal(bi.cmdline, "test=all quiet");
	assert_string_equal(bi.loader, "GRUB");
	assert_int_equal(bi.nmmap, 2);
	assert_int_equal(bi.mmap[1].base, 0x100000);
	assert_int_equal(bi.mmap[1].len, 0x7ee0000);
	assert_int_equal(bi.mmap[1].type, MB2_MEM_AVAILABLE);
	assert_int_equal(bi.nmods, 1);
	assert_int_equal(bi.mods[0].start_pa, 0x200000);
	assert_string_equal(bi.mods[0].name, "init");
	assert_int_equal(bi.mem_upper_kib, 130000);
	assert_int_equal(bi.mbi_pa, 0x9000);
	assert_int_equal(bi.mbi_len, len);
}

static void test_malformed_blocks(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct boot_info bi;
	size_t len = build_good(buf);
	assert_int_equal(mb2_parse(buf, len - 1, 0, &bi), -1); /* total beyond what is readable */
	assert_int_equal(mb2_parse(buf, 4, 0, &bi), -1);
	assert_int_equal(mb2_parse(NULL, 100, 0, &bi), -1);
	put32(buf + 8 + 4, 5000); /* first tag's size runs past the block */
	assert_int_equal(mb2_parse(buf, len, 0, &bi), -1);
	put32(buf + 8 + 4, 4); /* smaller than a tag header */
	assert_int_equal(mb2_parse(buf, len, 0, &bi), -1);
	len = build_good(buf);
	put32(buf, (uint32_t)(len - 8)); /* end tag cut off */
	assert_int_equal(mb2_parse(buf, len, 0, &bi), -1);
}

static void test_unterminated_string_is_cut(void **state)
{
	(void)state;
	uint8_t *buf = calloc(1, 2048);
	struct mbi m = { buf, 8 };
	uint8_t *t = tag(&m, 1, 8 + 1000);
	memset(t + 8, 'x', 1000); /* no NUL, longer than the kernel's buffer */
	tag(&m, 0, 8);
	put32(buf, (uint32_t)m.len);
	struct boot_info bi;
	assert_int_equal(mb2_parse(buf, m.len, 0, &bi), 0);
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	free(buf);
}

static void test_too_many_entries_counted(void **state)
{
	(void)state;
	size_t n = BOOT_MMAP_MAX + 3;
	uint8_t *buf = calloc(1, 64 + n * 24);
	struct mbi m = { buf, 8 };
	uint8_t *t = tag(&m, 6, (uint32_t)(16 + n * 24));
	put32(t + 8, 24);
	tag(&m, 0, 8);
	put32(buf, (uint32_t)m.len);
	struct boot_info bi;
	assert_int_equal(mb2_parse(buf, m.len, 0, &bi), 0);
	assert_int_equal(bi.nmmap, BOOT_MMAP_MAX);
	assert_int_equal(bi.truncated, 3);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_block),
		cmocka_unit_test(test_malformed_blocks),
		cmocka_unit_test(test_unterminated_string_is_cut),
		cmocka_unit_test(test_too_many_entries_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
