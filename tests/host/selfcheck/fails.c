/*
 * fails.c - a cmocka program with one passing, one failing and one crashing test: the
 * host harness must report the failure and the crash (checked by tests/host.mk).
 */
#include "../hosttest.h"

static void test_passes(void **state)
{
	(void)state;
	assert_int_equal(1, 1);
}

static void test_fails(void **state)
{
	(void)state;
	assert_int_equal(1 + 1, 3);
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) { /* crash mode: ASan must stop the program mid-run */
		char *p = malloc(4);
		p[argc + 3] = 1; /* heap overflow */
		free(p);
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passes),
		cmocka_unit_test(test_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
