/*
 * test_kfmt.c - kernel/lib/kfmt against the C library's snprintf on the same formats,
 * plus truncation and the return value.
 */
#include "hosttest.h"

#include "lib/kfmt.h"

/* some formats here are wrong on purpose (unknown conversions, NULL strings) */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-overflow"

#define SAME(fmt, ...)                                                                     \
	do {                                                                               \
		char a[256], b[256];                                                       \
		size_t n = kfmt_snprintf(a, sizeof a, fmt, __VA_ARGS__);                   \
		int m = snprintf(b, sizeof b, fmt, __VA_ARGS__);                           \
		assert_string_equal(a, b);                                                 \
		assert_int_equal(n, (size_t)m);                                            \
	} while (0)

static void test_integers(void **state)
{
	(void)state;
	SAME("%d %i %u", 0, -1, 42u);
	SAME("%d", INT32_MIN);
	SAME("%ld %lu", (long)INT64_MIN, (unsigned long)UINT64_MAX);
	SAME("%lld %llx", -5ll, 0xFFFFFFFFFFull);
	SAME("%zu %zx", (size_t)123456789, (size_t)0xabc);
	SAME("%hhd %hu %hhx", (signed char)-3, (unsigned short)65535, (unsigned char)0xff);
	SAME("%x %X %o", 0xdeadbeefu, 0xdeadbeefu, 8u);
	SAME("%#x %#X %#lx %#x %#10x %#-10x|", 255u, 255u, 0x1000ul, 0u, 0xabu, 0xabu);
	SAME("%#010x", 0xabu);
}

static void test_flags_width_precision(void **state)
{
	(void)state;
	SAME("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
	SAME("[%08lx] [%-8x] [%.3d] [%8.3d]", 0x1fUL, 0xa, 7, 7);
	SAME("[%*d] [%-*d] [%.*s]", 6, 1, 6, 1, 2, "abcdef");
	SAME("[%5s] [%-5s] [%.1s] [%c] [%3c]", "ab", "ab", "xyz", 'q', 'r');
	SAME("[%.0d] [%5.0d]", 0, 0);
	SAME("%%%d%%", 100);
}

static void test_pointer_and_null(void **state)
{
	(void)state;
	char a[64];
	kfmt_snprintf(a, sizeof a, "%p", (void *)0xffffffff80100000ull);
	assert_string_equal(a, "0xffffffff80100000");
	kfmt_snprintf(a, sizeof a, "%s", (char *)NULL);
	assert_string_equal(a, "(null)");
}

static void test_truncation(void **state)
{
	(void)state;
	char a[8];
	memset(a, 'Z', sizeof a);
	size_t n = kfmt_snprintf(a, sizeof a, "%s-%d", "hello", 12345);
	assert_int_equal(n, 11);
	assert_string_equal(a, "hello-1");
	n = kfmt_snprintf(a, 0, "abc");
	assert_int_equal(n, 3);
	assert_int_equal(a[0], 'h');
	n = kfmt_snprintf(a, 1, "abc");
	assert_int_equal(a[0], '\0');
}

static void test_unknown_conversion_is_visible(void **state)
{
	(void)state;
	char a[16];
	kfmt_snprintf(a, sizeof a, "a%qb");
	assert_string_equal(a, "a%qb");
	kfmt_snprintf(a, sizeof a, "end%");
	assert_string_equal(a, "end%");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_flags_width_precision),
		cmocka_unit_test(test_pointer_and_null),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_unknown_conversion_is_visible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
