/*
 * test_cmdline.c - kernel/lib/cmdline: keys, values, bare words, last-wins, numbers.
 */
#include "hosttest.h"

#include "lib/cmdline.h"

static void test_get_and_has(void **state)
{
	(void)state;
	const char *cl = "  test=all loglevel=3 quiet pum=clock  swap=ata0s ";
	char v[16];
	assert_int_equal(cmdline_get(cl, "test", v, sizeof v), 3);
	assert_string_equal(v, "all");
	assert_int_equal(cmdline_get(cl, "pum", v, sizeof v), 5);
	assert_string_equal(v, "clock");
	assert_true(cmdline_has(cl, "quiet"));
	assert_true(cmdline_has(cl, "swap"));
	assert_false(cmdline_has(cl, "tes"));
	assert_false(cmdline_has(cl, "pu"));
	assert_int_equal(cmdline_get(cl, "quiet", v, sizeof v), -1);
	assert_int_equal(cmdline_get(cl, "missing", v, sizeof v), -1);
	assert_false(cmdline_has(NULL, "x"));
	assert_false(cmdline_has("", "x"));
}

static void test_last_wins_and_too_long(void **state)
{
	(void)state;
	char v[4];
	assert_int_equal(cmdline_get("a=1 a=22", "a", v, sizeof v), 2);
	assert_string_equal(v, "22");
	assert_int_equal(cmdline_get("a=1234", "a", v, sizeof v), -1);
	assert_int_equal(cmdline_get("a=", "a", v, sizeof v), 0);
	assert_string_equal(v, "");
}

static void test_numbers(void **state)
{
	(void)state;
	uint64_t x;
	assert_int_equal(cmdline_parse_u64("0", &x), 0);
	assert_int_equal(x, 0);
	assert_int_equal(cmdline_parse_u64("0x1F", &x), 0);
	assert_int_equal(x, 31);
	assert_int_equal(cmdline_parse_u64("64M", &x), 0);
	assert_int_equal(x, 64ull << 20);
	assert_int_equal(cmdline_parse_u64("18446744073709551615", &x), 0);
	assert_true(x == UINT64_MAX);
	assert_int_equal(cmdline_parse_u64("18446744073709551616", &x), -1);
	assert_int_equal(cmdline_parse_u64("17179869184G", &x), -1);
	assert_int_equal(cmdline_parse_u64("12x", &x), -1);
	assert_int_equal(cmdline_parse_u64("0x", &x), -1);
	assert_int_equal(cmdline_parse_u64("", &x), -1);
	assert_int_equal(cmdline_get_u64("n=4K", "n", &x), 0);
	assert_int_equal(x, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_and_has),
		cmocka_unit_test(test_last_wins_and_too_long),
		cmocka_unit_test(test_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
