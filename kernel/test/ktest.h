/*
 * ktest.h - in-kernel tests. KTEST(name) registers a test in the .ktests linker section;
 * the runner (cmdline `test=...`) prints KTAP on the console: "KTAP version 1", "1..N",
 * "ok N name" / "not ok N name", diagnostics as "# ..." lines. tests/lib/ktap.py reads it.
 */
#ifndef QUIRE_TEST_KTEST_H
#define QUIRE_TEST_KTEST_H

#include <stdbool.h>
#include <stdint.h>

struct ktest_ctx {
	const char *name;
	int failures;
};

struct ktest {
	const char *name;
	void (*fn)(struct ktest_ctx *t);
	unsigned flags;
};

/* flags: tests that exist to prove the harness catches failures; off unless asked for */
#define KTEST_SELFCHECK_FAIL 1u
#define KTEST_SELFCHECK_FAULT 2u

#define KTEST_FLAGS(tname, tflags)                                                        \
	static void ktest_fn_##tname(struct ktest_ctx *t);                                 \
	static const struct ktest ktest_rec_##tname                                        \
		__attribute__((used, section(".ktests." #tname), aligned(8))) = {          \
			#tname, ktest_fn_##tname, tflags                                   \
		};                                                                         \
	static void ktest_fn_##tname(struct ktest_ctx *t)

#define KTEST(tname) KTEST_FLAGS(tname, 0)

/* ktest_fail - record a failure with a diagnostic line. */
void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* KT_EXPECT - record a failure (and go on) when @cond is false; the message carries values. */
#define KT_EXPECT(t, cond, fmt, ...)                                                        \
	do {                                                                               \
		if (!(cond))                                                               \
			ktest_fail(t, __FILE__, __LINE__, "expected %s: " fmt, #cond, ##__VA_ARGS__); \
	} while (0)

/* KT_ASSERT - like KT_EXPECT but ends the test at once. */
#define KT_ASSERT(t, cond, fmt, ...)                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			ktest_fail(t, __FILE__, __LINE__, "required %s: " fmt, #cond, ##__VA_ARGS__); \
			return;                                                            \
		}                                                                          \
	} while (0)

/* ktest_run - run the tests whose name starts with @filter ("all" = every one), with the
 * self-check tests named by @selfcheck ("fail", "fault" or NULL); returns the failure count. */
int ktest_run(const char *filter, const char *selfcheck);

/* ktest_set_leak_counter - a counter sampled before and after each test (free frames); a
 * test that changes it fails. */
void ktest_set_leak_counter(unsigned long (*count)(void), const char *what);

#endif
