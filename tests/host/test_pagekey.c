/*
 * test_pagekey.c - the page-usage manager's page key (pum_page_key in modules/pum/pum.h, what the kernel passes): pages of two
 * owners at one address are two pages; one owner's pages keep distinct keys; the largest
 * user address and owner id fit.
 */
#include "hosttest.h"

#include "pum/pum.h"

#define PAGEKEY_VPN_BITS 35
#define pagekey pum_page_key

static void test_owners_differ(void **state)
{
	(void)state;
	/* two processes with a page at the same virtual address (issue: history was shared) */
	assert_int_not_equal(pagekey(5, 0x80000000ull), pagekey(7, 0x80000000ull));
	assert_int_not_equal(pagekey(1, 0x400000ull), pagekey(2, 0x400000ull));
}

static void test_pages_differ(void **state)
{
	(void)state;
	assert_int_not_equal(pagekey(5, 0x400000ull), pagekey(5, 0x401000ull));
	assert_int_equal(pagekey(5, 0x400000ull), pagekey(5, 0x400fffull)); /* same page */
}

static void test_limits(void **state)
{
	(void)state;
	uint64_t top = 0x00007FFFFFFFF000ull; /* the highest user page */
	assert_int_equal(pagekey(0, top) >> PAGEKEY_VPN_BITS, 0);
	assert_int_equal(pagekey(3, top) & ((1ull << PAGEKEY_VPN_BITS) - 1), top >> 12);
	assert_int_not_equal(pagekey(3, top), pagekey(4, 0));
	assert_int_equal(pagekey((1u << 29) - 1, 0) >> PAGEKEY_VPN_BITS, (1u << 29) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owners_differ),
		cmocka_unit_test(test_pages_differ),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
