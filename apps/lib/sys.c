/*
 * sys.c - the system-call wrappers: one per SYS_* in kernel/proc/abi.h. rax = number,
 * arguments in rdi rsi rdx r10 r8 r9, result in rax; the CPU clobbers rcx and r11.
 */
#include "quire.h"

int64_t quire_syscall6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		       uint64_t a4, uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a3;
	register uint64_t r8 __asm__("r8") = a4;
	register uint64_t r9 __asm__("r9") = a5;
	int64_t ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline int64_t sc0(uint64_t nr)
{
	return quire_syscall6(nr, 0, 0, 0, 0, 0, 0);
}

static inline int64_t sc1(uint64_t nr, uint64_t a0)
{
	return quire_syscall6(nr, a0, 0, 0, 0, 0, 0);
}

static inline int64_t sc2(uint64_t nr, uint64_t a0, uint64_t a1)
{
	return quire_syscall6(nr, a0, a1, 0, 0, 0, 0);
}

static inline int64_t sc3(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return quire_syscall6(nr, a0, a1, a2, 0, 0, 0);
}

void sys_exit(int64_t status)
{
	for (;;)
		sc1(SYS_EXIT, (uint64_t)status);
}

int64_t sys_write(int fd, const void *buf, size_t nbytes)
{
	return sc3(SYS_WRITE, (uint64_t)fd, (uint64_t)buf, nbytes);
}

int64_t sys_getpid(void)
{
	return sc0(SYS_GETPID);
}

int64_t sys_yield(void)
{
	return sc0(SYS_YIELD);
}

int64_t sys_thread_create(void (*entry)(uint64_t, struct quire_startinfo *), uint64_t arg)
{
	return sc2(SYS_THREAD_CREATE, (uint64_t)entry, arg);
}

void sys_thread_exit(int64_t value)
{
	for (;;)
		sc1(SYS_THREAD_EXIT, (uint64_t)value);
}

int64_t sys_thread_join(int64_t tid, int64_t *value)
{
	return sc2(SYS_THREAD_JOIN, (uint64_t)tid, (uint64_t)value);
}

int64_t sys_sleep(uint64_t ms)
{
	return sc1(SYS_SLEEP, ms);
}

int64_t sys_area(int op, uint64_t va, uint64_t nbytes, int prot)
{
	return quire_syscall6(SYS_AREA, (uint64_t)op, va, nbytes, (uint64_t)prot, 0, 0);
}

int64_t sys_spawn(const char *name, size_t name_len, uint64_t arg)
{
	return sc3(SYS_SPAWN, (uint64_t)name, name_len, arg);
}

int64_t sys_wait(int64_t pid, int64_t *status)
{
	return sc2(SYS_WAIT, (uint64_t)pid, (uint64_t)status);
}

int64_t sys_meminfo(struct quire_meminfo *mi)
{
	return sc1(SYS_MEMINFO, (uint64_t)mi);
}

int64_t sys_swapinfo(struct quire_swapinfo *si)
{
	return quire_syscall6(SYS_SWAPINFO, (uint64_t)si, 0, 0, 0, 0, 0);
}

int64_t sys_gettid(void)
{
	return sc0(SYS_GETTID);
}

int64_t sys_ticks(void)
{
	return sc0(SYS_TICKS);
}

/* ---- messages (specs/messages.md) ---- */

int64_t sys_port_create(const char *name, size_t name_len)
{
	return sc2(SYS_PORT_CREATE, (uint64_t)name, name_len);
}

int64_t sys_port_open(const char *name, size_t name_len)
{
	return sc2(SYS_PORT_OPEN, (uint64_t)name, name_len);
}

int64_t sys_port_close(int64_t port)
{
	return sc1(SYS_PORT_CLOSE, (uint64_t)port);
}

int64_t sys_msg_send(int64_t port, const struct quire_msg *m)
{
	return sc2(SYS_MSG_SEND, (uint64_t)port, (uint64_t)m);
}

int64_t sys_msg_call(int64_t port, const struct quire_msg *send, struct quire_msg *reply)
{
	return sc3(SYS_MSG_CALL, (uint64_t)port, (uint64_t)send, (uint64_t)reply);
}

int64_t sys_msg_receive(int64_t port, struct quire_msg *m, uint64_t timeout_ms)
{
	return sc3(SYS_MSG_RECEIVE, (uint64_t)port, (uint64_t)m, timeout_ms);
}

int64_t sys_msg_reply(uint64_t token, const struct quire_msg *m)
{
	return sc2(SYS_MSG_REPLY, token, (uint64_t)m);
}

/* ---- console input and process control ---- */

int64_t sys_console_read(void *buf, size_t len, uint64_t timeout_ms)
{
	return sc3(SYS_CONSOLE_READ, (uint64_t)buf, len, timeout_ms);
}

int64_t sys_kill(int64_t pid)
{
	return sc1(SYS_KILL, (uint64_t)pid);
}

int64_t sys_proclist(struct quire_procinfo *tab, size_t max)
{
	return sc2(SYS_PROCLIST, (uint64_t)tab, max);
}

int64_t sys_spawn_args(const char *name, size_t name_len, const char *args, size_t args_len)
{
	return quire_syscall6(SYS_SPAWN_ARGS, (uint64_t)name, name_len, (uint64_t)args, args_len, 0, 0);
}

int64_t sys_sysinfo(struct quire_sysinfo *si)
{
	return sc1(SYS_SYSINFO, (uint64_t)si);
}

int64_t sys_perfinfo(struct quire_perfinfo *pi)
{
	return quire_syscall6(SYS_PERFINFO, (uint64_t)pi, 0, 0, 0, 0, 0);
}
