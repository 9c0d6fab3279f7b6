/*
 * ktest.c - the in-kernel test runner: selects tests, prints KTAP, checks a leak counter
 * (free frames, once the frame allocator registers it) around every test.
 */
#include "ktest.h"

#include <stdarg.h>

#include "console.h"
#include "lib/kfmt.h"
#include "lib/kstring.h"

extern const struct ktest __ktests_start[], __ktests_end[];

static unsigned long (*leak_count)(void);
static const char *leak_what;

void ktest_set_leak_counter(unsigned long (*count)(void), const char *what)
{
	leak_count = count;
	leak_what = what;
}

void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	kfmt_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	kprintf("# %s: %s:%d: %s\n", t->name, file, line, buf);
	t->failures++;
}

static bool selected(const struct ktest *k, const char *filter, const char *selfcheck)
{
	if (k->flags & KTEST_SELFCHECK_FAIL)
		return selfcheck && strcmp(selfcheck, "fail") == 0;
	if (k->flags & KTEST_SELFCHECK_FAULT)
		return selfcheck && strcmp(selfcheck, "fault") == 0;
	if (selfcheck)
		return false;
	return strcmp(filter, "all") == 0 || strncmp(k->name, filter, strlen(filter)) == 0;
}

static int run_one(const struct ktest *k, int n)
{
	struct ktest_ctx t = { k->name, 0 };
	uint64_t before = leak_count ? leak_count() : 0;
	k->fn(&t);
	if (leak_count) {
		uint64_t after = leak_count();
		if (after != before)
			ktest_fail(&t, __FILE__, __LINE__, "%s changed: %lu before, %lu after", leak_what,
				   before, after);
	}
	kprintf("%s %d %s\n", t.failures ? "not ok" : "ok", n, k->name);
	return t.failures ? 1 : 0;
}

int ktest_run(const char *filter, const char *selfcheck)
{
	int total = 0, failed = 0, n = 0;
	for (const struct ktest *k = __ktests_start; k < __ktests_end; k++)
		total += selected(k, filter, selfcheck);
	kprintf("KTAP version 1\n1..%d\n", total);
	for (const struct ktest *k = __ktests_start; k < __ktests_end; k++) {
		if (selected(k, filter, selfcheck))
			failed += run_one(k, ++n);
	}
	kprintf("# ktest: %d passed, %d failed\n", total - failed, failed);
	return failed;
}
