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
int64_t sys_port_create(const char *name, size_t name_len);
int64_t sys_port_open(const char *name, size_t name_len);
int64_t sys_port_close(int64_t port);
int64_t sys_msg_send(int64_t port, const struct quire_msg *m);
int64_t sys_msg_call(int64_t port, const struct quire_msg *send, struct quire_msg *reply);
int64_t sys_msg_receive(int64_t port, struct quire_msg *m, uint64_t timeout_ms);
int64_t sys_msg_reply(uint64_t token, const struct quire_msg *m);
int64_t sys_console_read(void *buf, size_t len, uint64_t timeout_ms);
int64_t sys_kill(int64_t pid);
int64_t sys_proclist(struct quire_procinfo *tab, size_t max);
int64_t sys_spawn_args(const char *name, size_t name_len, const char *args, size_t args_len);
int64_t sys_sysinfo(struct quire_sysinfo *si);

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

/* ---- files (files.c; specs/files.md): >= 0 or a negative QE_* code ---- */
/* file_open - open @path ("dir/name", "name;N", "name;-1") with QO_* flags; a handle. */
int64_t file_open(const char *path, int flags);
/* file_read - up to @nbytes at @off into @buf; bytes read, 0 at the end. */
int64_t file_read(int64_t h, uint64_t off, void *buf, size_t nbytes);
/* file_write - @nbytes at @off into a read/write handle's private copy. */
int64_t file_write(int64_t h, uint64_t off, const void *buf, size_t nbytes);
/* file_close - close; a read/write handle commits: returns the new version's number. */
int64_t file_close(int64_t h);
/* file_abort - close, dropping a read/write handle's copy (nothing committed). */
int64_t file_abort(int64_t h);
/* file_size, file_truncate - the size seen through @h; set a read/write copy's size. */
int64_t file_size(int64_t h);
int64_t file_truncate(int64_t h, uint64_t size);
/* file_stat, file_versions - a file's description; its versions (returns how many it has). */
int64_t file_stat(const char *path, struct quire_stat *st);
int64_t file_versions(const char *path, struct quire_version *v, size_t max);
/* dir_list - entries of a directory from number @skip on, at most @max; returns how many. */
int64_t dir_list(const char *path, struct quire_dirent *d, size_t max, size_t skip);
int64_t dir_make(const char *path);
int64_t dir_remove(const char *path);
/* file_delete - "name;N" deletes one version, "name" the file; file_purge keeps the newest @keep. */
int64_t file_delete(const char *path);
int64_t file_purge(const char *path, uint32_t keep);
int64_t file_set_limit(const char *path, uint32_t limit);
/* fs_info - the disk's space and the kernel's block cache. */
int64_t fs_info(struct quire_statfs *st);

/* ---- file mappings (files.c; specs/mappings.md) ---- */
/* map_file - map @path (QM_* @flags) at @addr (NULL: the kernel picks) for @nbytes (0: to
 * the end of the file) from file offset @offset: the address, or a negative QE_* code cast
 * to a pointer (test it with map_file_err). QM_RDWR: a private copy, committed at unmap. */
void *map_file(const char *path, int flags, void *addr, uint64_t offset, uint64_t nbytes);
/* map_file_err - the QE_* code map_file returned, or 0 when it is an address. */
int64_t map_file_err(const void *mapped);
/* unmap_file - unmap the mapping starting at @addr: a read/write one commits and returns the
 * new version's number (QU_DISCARD: drops the copy, 0); a read-only one returns 0. */
int64_t unmap_file(void *addr, int flags);
/* map_info - what the mapping holding @addr is and holds. */
int64_t map_info(const void *addr, struct quire_mapinfo *info);

/* ---- messages and arguments (msg.c; specs/messages.md) ---- */
/* port_create - a port of this process named @name (NULL or "": anonymous); its id or error. */
int64_t port_create(const char *name);
/* port_open - the id of the live port named @name, or -QE_NOENT. */
int64_t port_open(const char *name);
/* port_wait_open - port_open, trying again every 10 ms for up to @ms (a server starting). */
int64_t port_wait_open(const char *name, uint64_t ms);
/* msg_send - a one-way message of @len bytes; 0 or error. */
int64_t msg_send(int64_t port, const void *data, size_t len);
/* msg_call - send @len bytes and wait for the reply (at most @reply_len bytes into @reply);
 * the reply's length or error. */
int64_t msg_call(int64_t port, const void *data, size_t len, void *reply, size_t reply_len);
/* msg_receive - the next message on @port into @buf (grants refused), waiting up to
 * @timeout_ms (0: poll, QUIRE_WAIT_FOREVER); its length or error; *@info (may be NULL) gets
 * its token and sender. */
int64_t msg_receive(int64_t port, void *buf, size_t len, uint64_t timeout_ms, struct quire_msg *info);
/* msg_reply - answer the call with @token with @len bytes; 0 or error. */
int64_t msg_reply(uint64_t token, const void *data, size_t len);
/* spawn_argv - start the boot module argv[0] with the argument list @argv; its pid or error. */
int64_t spawn_argv(int argc, char *const argv[]);
/* parse_u64 - @s as a number (decimal, 0x hex, optional K/M/G), whole string, no overflow;
 * 0 or -QE_INVAL. */
int parse_u64(const char *s, uint64_t *out);
/* arg_number - the program's one numeric argument: argv[1] when it was started with an
 * argument list (strictly parsed; a bad one is printed and refused), else the spawn
 * argument. 0 or -QE_INVAL. */
int arg_number(uint64_t arg, const struct quire_startinfo *info, uint64_t *n);

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
/* qerror_name - "QE_NOMEM" for -12 (the kernel's table, lib/qerror.c). */
const char *qerror_name(long err);

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
