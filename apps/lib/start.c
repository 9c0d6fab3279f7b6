/*
 * start.c - process start-up (crt_main), the convenience wrappers around the raw system
 * calls, the virtual-address reservation for areas, and the test-output helpers.
 */
#include "crt.h"

static struct quire_startinfo main_info; /* copy of the main thread's startinfo */
static uint64_t va_cursor;                /* next free address for va_reserve; 0 = unset */
static int test_failed, test_passed;

#define GIB (1UL << 30)
#define MIB (1UL << 20)

/*
 * crt_main - called by _start: keep the startinfo, set up the heap, run main, exit with
 * its status. The heap starts past the program's bss (heap_start covers bss too).
 */
void crt_main(uint64_t arg, struct quire_startinfo *info)
{
	main_info = *info;
	uint64_t start = info->heap_start;
	if (start < (uint64_t)_end)
		start = (uint64_t)_end;
	malloc_init((start + 15) & ~15UL, info->heap_end);
	sys_exit(main(arg, &main_info));
}

const struct quire_startinfo *startinfo(void)
{
	return &main_info;
}

int64_t sleep_ms(uint64_t ms)
{
	return sys_sleep(ms);
}

int64_t area_demand(void *va, size_t nbytes, int prot)
{
	return sys_area(QA_DEMAND, (uint64_t)va, nbytes, prot);
}

int64_t area_lock(void *va, size_t nbytes)
{
	return sys_area(QA_LOCK, (uint64_t)va, nbytes, QP_RW);
}

int64_t area_free(void *va, size_t nbytes)
{
	return sys_area(QA_FREE, (uint64_t)va, nbytes, 0);
}

int64_t area_protect(void *va, size_t nbytes, int prot)
{
	return sys_area(QA_PROTECT, (uint64_t)va, nbytes, prot);
}

/*
 * va_reserve - addresses start 1 GiB above the heap's end, each reservation followed by a
 * 2 MiB hole so that running off one area faults instead of landing in the next.
 */
void *va_reserve(size_t nbytes, size_t align)
{
	if (va_cursor == 0)
		va_cursor = ((main_info.heap_end + GIB - 1) & ~(GIB - 1)) + GIB;
	if (align < PAGE_SIZE || (align & (align - 1)))
		return NULL;
	nbytes = (nbytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t va = (va_cursor + align - 1) & ~(uint64_t)(align - 1);
	if (nbytes == 0 || va < va_cursor || va + nbytes < va ||
	    va + nbytes > main_info.thread_space_start)
		return NULL;
	va_cursor = va + nbytes + 2 * MIB;
	return (void *)va;
}

int64_t spawn(const char *name, uint64_t arg)
{
	return sys_spawn(name, strlen(name), arg);
}

int64_t wait(int64_t pid, int64_t *status)
{
	return sys_wait(pid, status);
}

void test_check(int cond, const char *name, const char *fmt, ...)
{
	if (cond) {
		__atomic_add_fetch(&test_passed, 1, __ATOMIC_RELAXED);
		printf("ok - %s\n", name);
		return;
	}
	__atomic_add_fetch(&test_failed, 1, __ATOMIC_RELAXED);
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("not ok - %s: %s\n", name, why);
}

int test_finish(const char *prog)
{
	if (test_failed == 0) {
		printf("PASS %s (%d checks)\n", prog, test_passed);
		return 0;
	}
	printf("FAIL %s: %d of %d checks failed\n", prog, test_failed, test_failed + test_passed);
	return 1;
}
