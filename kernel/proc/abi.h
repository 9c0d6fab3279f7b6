/*
 * abi.h - the system-call ABI shared by the kernel and user programs (apps/ includes it).
 * specs/syscalls.md is its description. Plain C with fixed-width types only.
 *
 * Entry: `syscall`; rax = number; arguments in rdi, rsi, rdx, r10, r8, r9; the result in
 * rax: >= 0 on success, a negative QE_* error code on failure. rcx and r11 are clobbered.
 */
#ifndef QUIRE_PROC_ABI_H
#define QUIRE_PROC_ABI_H

#include <stdint.h>

#include "lib/qerror.h"

enum quire_syscall {
	SYS_EXIT = 0,          /* (status): end the whole process */
	SYS_WRITE = 1,         /* (fd, buf, len) -> bytes; fd 1 and 2 are the console */
	SYS_GETPID = 2,        /* () -> process id */
	SYS_YIELD = 3,         /* () -> 0 */
	SYS_THREAD_CREATE = 4, /* (entry, arg) -> thread id; the new thread starts at entry(arg) on its own stack */
	SYS_THREAD_EXIT = 5,   /* (value): end the calling thread; the last one ends the process */
	SYS_THREAD_JOIN = 6,   /* (tid, int64_t *value) -> 0 */
	SYS_SLEEP = 7,         /* (milliseconds) -> 0 */
	SYS_AREA = 8,          /* (op, addr, len, prot) -> 0; op: QA_* below */
	SYS_SPAWN = 9,         /* (name, name_len, arg) -> process id; name is a boot module */
	SYS_WAIT = 10,         /* (pid, int64_t *status) -> 0 once that child process has ended */
	SYS_MEMINFO = 11,      /* (struct quire_meminfo *) -> 0 */
	SYS_GETTID = 12,       /* () -> thread id */
	SYS_TICKS = 13,        /* () -> timer ticks since boot (100 per second) */
	SYS_SWAPINFO = 14,     /* (struct quire_swapinfo *) -> 0 */
	SYS_COUNT,
	/* 45-49: performance figures (specs/syscalls.md) */
	SYS_PERFINFO = 45,     /* (struct quire_perfinfo *) -> 0 */
};

/* Error codes: enum quire_error in lib/qerror.h (returned negated). */

/* SYS_AREA operations: addr and len are page-aligned, the area lies in user space. */
enum quire_area_op {
	QA_DEMAND = 1,  /* make the area allocate-on-demand (zero-filled on first touch) with prot */
	QA_LOCK = 2,    /* allocate every page now, mark them locked: never evicted */
	QA_FREE = 3,    /* unmap the area: frames go back, a later touch is a fault */
	QA_PROTECT = 4, /* change the protection of the area's pages (present or not) */
};

/* Protection for SYS_AREA (W^X: no write+exec). */
enum quire_prot { QP_R = 0, QP_RW = 1, QP_RX = 2 };

struct quire_meminfo {
	uint64_t free_frames;     /* system-wide */
	uint64_t total_frames;    /* usable frames */
	uint64_t process_frames;  /* frames mapped by the calling process */
	uint64_t page_faults;     /* of the calling process */
	uint64_t demand_zero;     /* demand-zero faults of the calling process */
};

/* Paging counters: the calling process's and the whole system's (SYS_SWAPINFO). */
struct quire_paging {
	uint64_t page_faults, swap_ins, swap_outs, clean_drops, write_backs;
};
struct quire_swapinfo {
	struct quire_paging process, global;
	uint64_t swap_blocks, swap_free_blocks; /* 4 KiB blocks; 0 and 0 without swap */
	uint64_t free_frames;
};

/* Time figures for benchmarks (SYS_PERFINFO). Under QEMU -icount shift=0 a TSC tick is one
 * guest instruction and one nanosecond of guest time. */
struct quire_perfinfo {
	uint64_t tsc;      /* the TSC when the kernel read the figures below */
	uint64_t idle_tsc; /* TSC ticks the CPU spent halted in the idle loop since boot */
	uint64_t zeroed_frames;    /* frames zeroed ahead (in idle time) and waiting now */
	uint64_t prezeroed_faults; /* demand-zero faults since boot that took such a frame */
};

/*
 * Process start: the first thread enters the ELF entry point with rdi = the spawn argument
 * and rsi = a struct quire_startinfo on its stack; rsp is 16-byte aligned minus 8 (as
 * after a call). A thread made by SYS_THREAD_CREATE enters entry(arg) the same way with
 * its own startinfo. Returning from an entry point is a fault: call SYS_THREAD_EXIT.
 */
struct quire_startinfo {
	uint64_t pid, tid;
	uint64_t heap_start, heap_end;   /* the uninitialised-data area (bss included) */
	uint64_t thread_space_start;     /* B: the process/thread boundary */
	uint64_t stack_top, stack_size;  /* this thread's stack, in its thread space */
	uint64_t arg;                    /* the spawn or thread-create argument */
};

#endif
