/*
 * quire.h - the user runtime: system-call wrappers, formatted output, memory, threads,
 * processes. The ABI itself is kernel/proc/abi.h (specs/syscalls.md); this header adds the
 * C functions a program calls. Wrappers return >= 0 or a negative QE_* code, never errno.
 */
#ifndef QUIRE_APPS_QUIRE_H
#define QUIRE_APPS_QUIRE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "proc/abi.h"
#include "quire_note.h"

#define PAGE_SIZE 4096UL
#define USER_TOP 0x0000800000000000UL /* first non-canonical address above user space */

/*
 * The executable note (specs/executable.md). Every program writes one line at file scope:
 *     APP_NOTE(QUIRE_NOTE_MIB(64), QUIRE_NOTE_KIB(64));
 * B = 512 GiB; code and data areas of 1 MiB each, which apps/lib/user.ld assumes (data at
 * 0x500000, heap from 0x600000); @heap bytes of uninitialised data + heap; @stack bytes
 * of stack per thread; process and thread space allocate-on-demand.
 */
#define APP_CODE_SIZE QUIRE_NOTE_MIB(1)
#define APP_DATA_SIZE QUIRE_NOTE_MIB(1)
#define APP_NOTE(heap, stack)                                                                \
	QUIRE_EXEC_NOTE(QUIRE_NOTE_GIB(512), APP_CODE_SIZE, APP_DATA_SIZE, (heap), (stack),    \
			QUIRE_NOTE_DEMAND_ALL)
#define APP_NOTE_DEFAULT APP_NOTE(QUIRE_NOTE_MIB(64), QUIRE_NOTE_KIB(64))

/* ---- raw system calls (sys.c): one per SYS_* in abi.h ---- */
int64_t quire_syscall6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		       uint64_t a4, uint64_t a5);
__attribute__((noreturn)) void sys_exit(int64_t status);
int64_t sys_write(int fd, const void *buf, size_t nbytes);
int64_t sys_getpid(void);
int64_t sys_yield(void);
int64_t sys_thread_create(void (*entry)(uint64_t, struct quire_startinfo *), uint64_t arg);
__attribute__((noreturn)) void sys_thread_exit(int64_t value);
int64_t sys_thread_join(int64_t tid, int64_t *value);
int64_t sys_sleep(uint64_t ms);
int64_t sys_area(int op, uint64_t va, uint64_t nbytes, int prot);
int64_t sys_spawn(const char *name, size_t name_len, uint64_t arg);
int64_t sys_wait(int64_t pid, int64_t *status);
int64_t sys_meminfo(struct quire_meminfo *mi);
int64_t sys_swapinfo(struct quire_swapinfo *si);
int64_t sys_perfinfo(struct quire_perfinfo *pi);
int64_t sys_gettid(void);
int64_t sys_ticks(void);

/* ---- convenience wrappers ---- */
/* sleep_ms - block the calling thread for @ms milliseconds (timer resolution 10 ms). */
int64_t sleep_ms(uint64_t ms);
/* area_demand - make [va, va+nbytes) allocate-on-demand with @prot (QP_*). */
int64_t area_demand(void *va, size_t nbytes, int prot);
/* area_lock - allocate every page of the range now; they are never evicted. */
int64_t area_lock(void *va, size_t nbytes);
/* area_free - unmap the range: its frames go back, a later touch is a fault. */
int64_t area_free(void *va, size_t nbytes);
/* area_protect - set the protection (QP_*) of the range's pages. */
int64_t area_protect(void *va, size_t nbytes, int prot);
/*
 * va_reserve - hand out @nbytes of unused, page-aligned virtual addresses aligned to
 * @align (a power of two >= PAGE_SIZE) in process space above the heap, so shared by all
 * threads. Nothing is mapped: follow with area_demand or area_lock. NULL when none left.
 * Context: main thread only (not locked).
 */
void *va_reserve(size_t nbytes, size_t align);
/* spawn - start the boot module @name with @arg; returns its pid or a QE_* error. */
int64_t spawn(const char *name, uint64_t arg);
/* wait - wait for child @pid to end; its exit status goes to *@status. Returns 0 or error. */
int64_t wait(int64_t pid, int64_t *status);
/* startinfo - the main thread's start information (pid, heap, boundary, its stack). */
const struct quire_startinfo *startinfo(void);

/* ---- threads (thread.c) ---- */
typedef int64_t (*thread_fn)(void *arg);
/* thread_create - run fn(arg) in a new thread of this process; returns the tid or error. */
int64_t thread_create(thread_fn fn, void *arg);
/* thread_join - wait for thread @tid; its return value goes to *@value (may be NULL). */
int64_t thread_join(int64_t tid, int64_t *value);
/* thread_exit - end the calling thread with @value; the last thread ends the process. */
__attribute__((noreturn)) void thread_exit(int64_t value);

/* ---- output (printf.c): each call is one SYS_WRITE per 256 bytes to fd 1 ---- */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);

/* ---- heap (malloc.c): thread-safe, carved from [heap_start, heap_end) ---- */
void *malloc(size_t nbytes);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t nbytes);

/* ---- memory and strings (string.c) ---- */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* ---- misc ---- */
/* rdtsc - the time-stamp counter (guest instructions under QEMU -icount shift=0). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* opaque - @v, hidden from the optimiser (so a deliberate bad access stays what it is). */
static inline uint64_t opaque(uint64_t v)
{
	__asm__ volatile("" : "+r"(v));
	return v;
}

/* Test output: "ok - name" / "not ok - name: why", counted for test_finish. */
void test_check(int cond, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* test_finish - print "PASS <prog>" or "FAIL <prog>: N checks failed"; returns exit status. */
int test_finish(const char *prog);

#endif
