/*
 * test_ksyms.c - kernel/lib/ksyms on hand-built tables: lookups inside, between and
 * outside symbols, and damaged tables that must give no name rather than a wild read.
 */
#include "hosttest.h"

#include "lib/ksyms.h"

static size_t put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return 4;
}

static size_t put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	return 4 + put32(p + 4, (uint32_t)(v >> 32));
}

/* three functions: alpha [0x1000,+0x10), beta [0x1020,+0x20), gamma [0x1100, size unknown) */
static size_t build(uint8_t *t)
{
	const char *names[] = { "alpha", "beta", "gamma" };
	uint64_t addrs[] = { 0x1000, 0x1020, 0x1100 };
	uint32_t sizes[] = { 0x10, 0x20, 0 };
	size_t o = put32(t, KSYMS_MAGIC);
	o += put32(t + o, 3);
	uint32_t off = 0;
	for (int i = 0; i < 3; i++) {
		o += put64(t + o, addrs[i]);
		o += put32(t + o, sizes[i]);
		o += put32(t + o, off);
		off += (uint32_t)strlen(names[i]) + 1;
	}
	for (int i = 0; i < 3; i++) {
		memcpy(t + o, names[i], strlen(names[i]) + 1);
		o += strlen(names[i]) + 1;
	}
	return o;
}

static void test_lookup(void **state)
{
	(void)state;
	uint8_t t[256];
	size_t len = build(t);
	uint64_t off;
	assert_string_equal(ksyms_lookup(t, len, 0x1000, &off), "alpha");
	assert_int_equal(off, 0);
	assert_string_equal(ksyms_lookup(t, len, 0x100f, &off), "alpha");
	assert_int_equal(off, 0xf);
	assert_null(ksyms_lookup(t, len, 0x1010, &off)); /* gap after alpha */
	assert_string_equal(ksyms_lookup(t, len, 0x103f, &off), "beta");
	assert_null(ksyms_lookup(t, len, 0xfff, &off));
	assert_null(ksyms_lookup(t, len, 0x1100, &off)); /* last, size unknown: no bound */
	assert_int_equal(ksyms_find(t, len, "beta"), 0x1020);
	assert_int_equal(ksyms_find(t, len, "bet"), 0);
	assert_int_equal(ksyms_find(t, len, "gammas"), 0);
}

static void test_damaged_tables(void **state)
{
	(void)state;
	uint8_t t[256];
	size_t len = build(t);
	uint64_t off;
	assert_null(ksyms_lookup(NULL, 0, 0x1000, &off));
	assert_null(ksyms_lookup(t, 7, 0x1000, &off));
	uint8_t bad[256];
	memcpy(bad, t, len);
	bad[0] ^= 1; /* magic */
	assert_null(ksyms_lookup(bad, len, 0x1000, &off));
	memcpy(bad, t, len);
	put32(bad + 4, 0x10000000); /* count beyond the table */
	assert_null(ksyms_lookup(bad, len, 0x1000, &off));
	memcpy(bad, t, len);
	put32(bad + 8 + 12, 0xFFFF); /* alpha's name offset out of range */
	assert_null(ksyms_lookup(bad, len, 0x1000, &off));
	/* names cut short: the last name has no terminator inside the table */
	assert_null(ksyms_lookup(t, len - 1, 0x1100 - 1, &off));
	assert_string_equal(ksyms_lookup(t, len - 1, 0x1020, &off), "beta");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_damaged_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
