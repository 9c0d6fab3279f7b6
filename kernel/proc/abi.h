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
	/* files (specs/files.md): handles belong to the thread that opened them */
	SYS_OPEN = 20,         /* (path, path_len, flags QO_*) -> handle */
	SYS_READ = 21,         /* (handle, offset, buf, len) -> bytes read, 0 at the end */
	SYS_PWRITE = 22,       /* (handle, offset, buf, len) -> len (read/write handles) */
	SYS_CLOSE = 23,        /* (handle) -> the new version's number (read/write), 0 (read-only) */
	SYS_ABORT = 24,        /* (handle) -> 0: close, dropping a read/write handle's copy */
	SYS_FSIZE = 25,        /* (handle) -> the size seen through the handle */
	SYS_TRUNCATE = 26,     /* (handle, size) -> 0 (read/write handles) */
	SYS_STAT = 27,         /* (path, path_len, struct quire_stat *) -> 0 */
	SYS_VERSIONS = 28,     /* (path, path_len, struct quire_version *, max) -> how many versions the file has */
	SYS_READDIR = 29,      /* (path, path_len, struct quire_dirent *, max, skip) -> entries written */
	SYS_MKDIR = 30,        /* (path, path_len) -> 0 */
	SYS_RMDIR = 31,        /* (path, path_len) -> 0: an empty directory */
	SYS_DELETE = 32,       /* (path, path_len) -> 0: "name;N" one version, "name" the file */
	SYS_PURGE = 33,        /* (path, path_len, keep) -> versions removed */
	SYS_SETLIMIT = 34,     /* (path, path_len, limit) -> 0: the file's version limit, 1..64 */
	SYS_STATFS = 35,       /* (struct quire_statfs *) -> 0 */
	/* file mappings (specs/mappings.md): mapping is opening, unmapping is closing */
	SYS_MAP = 40,          /* (path, path_len, flags QM_*, addr, offset, len) -> the mapping's address */
	SYS_UNMAP = 41,        /* (addr, flags QU_*) -> the new version's number (read/write), 0 (read-only) */
	SYS_MAPINFO = 42,      /* (addr, struct quire_mapinfo *) -> 0 */
	SYS_COUNT,             /* 43: no call (43 and 44 are free; syscall_bad tries them) */
	/* 45-49: performance figures (specs/syscalls.md) */
	SYS_PERFINFO = 45,     /* (struct quire_perfinfo *) -> 0 */
};

/* Messages: ports and messages (specs/messages.md). */
enum quire_syscall_msg {
	SYS_PORT_CREATE = 50,  /* (name, name_len) -> port id; name_len 0: an anonymous port */
	SYS_PORT_OPEN = 51,    /* (name, name_len) -> the id of the live port with that name */
	SYS_PORT_CLOSE = 52,   /* (port) -> 0; one of the caller's own ports */
	SYS_MSG_SEND = 53,     /* (port, const struct quire_msg *) -> 0: one-way, queued */
	SYS_MSG_CALL = 54,     /* (port, const struct quire_msg *send, struct quire_msg *reply) -> reply bytes */
	SYS_MSG_RECEIVE = 55,  /* (port, struct quire_msg *, timeout_ms) -> bytes received */
	SYS_MSG_REPLY = 56,    /* (token, const struct quire_msg *) -> 0 */
	SYS_MSG_LAST = 59,
};

/* Console input and process control (specs/syscalls.md). */
enum quire_syscall_ctl {
	SYS_CONSOLE_READ = 60, /* (buf, len, timeout_ms) -> bytes read (at least 1) */
	SYS_KILL = 61,         /* (pid) -> 0; the caller's descendants only */
	SYS_PROCLIST = 62,     /* (struct quire_procinfo *, max) -> processes in the table */
	SYS_SPAWN_ARGS = 63,   /* (name, name_len, args, args_len) -> process id; args: argv strings, each NUL-terminated */
	SYS_SYSINFO = 64,      /* (struct quire_sysinfo *) -> 0 */
	SYS_CTL_LAST = 69,
};

#define QUIRE_WAIT_FOREVER UINT64_MAX   /* a timeout that never ends; 0: do not wait */
#define QUIRE_MSG_MAX 4096              /* bytes of one message (copied) */
#define QUIRE_GRANT_MAX (16ull << 20)   /* bytes of one grant (moved) */
#define QUIRE_ARGS_MAX 1024             /* bytes of SYS_SPAWN_ARGS's strings, NULs included */
#define QUIRE_ARGC_MAX 32               /* strings in it */

/*
 * struct quire_msg - one side of a message (specs/messages.md):
 *   send / call / reply: data+len are the bytes; grant_va+grant_len a page-aligned range of
 *     the sender's process space that moves to the receiver (grant_len 0: none).
 *   receive (and a call's reply buffer): data+len the buffer; grant_va+grant_len where
 *     granted pages may go (grant_len 0: refuse grants). On return len, grant_len, token
 *     and sender say what arrived.
 */
struct quire_msg {
	uint64_t data;       /* user address of the bytes / the buffer */
	uint64_t len;        /* their length / the buffer's size; out: bytes received */
	uint64_t grant_va;   /* the range to grant / where granted pages go */
	uint64_t grant_len;  /* its bytes / the room there; out: bytes granted */
	uint64_t token;      /* out (receive): a call's reply token; 0 for a one-way message */
	uint64_t sender;     /* out: the sender's pid (the server's, for a reply) */
};

/* Process states in struct quire_procinfo. */
enum quire_proc_state { QPS_RUNNING = 0, QPS_DYING = 1, QPS_ENDED = 2 };

/* struct quire_procinfo - one process in SYS_PROCLIST's table. */
struct quire_procinfo {
	uint32_t pid, parent;  /* parent 0: started by the kernel, or orphaned */
	uint32_t threads;      /* threads alive */
	uint32_t state;        /* enum quire_proc_state */
	uint64_t resident;     /* frames mapped now */
	uint64_t swapped;      /* swap blocks held: pages in swap and clean copies */
	uint64_t faults;       /* page faults so far */
	uint64_t tables;       /* page-table pages */
	int64_t status;        /* QPS_ENDED: the exit status */
	char name[32];
};

/* struct quire_sysinfo - the system-wide counters the kernel monitor shows (SYS_SYSINFO). */
struct quire_sysinfo {
	uint64_t total_frames, free_frames, kernel_frames, table_frames, user_frames, reserved_frames;
	uint64_t heap_pages, heap_objects;     /* kernel heap: pages held, small objects in use */
	uint64_t tracked_frames;               /* frames the page-usage manager watches */
	uint64_t zero_drops, io_errors, copies_dropped; /* swap counters beyond SYS_SWAPINFO's */
	uint64_t processes, threads, ticks;
	uint64_t grants, grant_pages;          /* message grants since boot, and their pages: */
	uint64_t grant_resident, grant_swapped, grant_locked; /* in RAM, in swap, locked when they left */
	char policy[16];                       /* the page-usage policy, "none" without swap */
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

/* SYS_OPEN flags: read-only unless QO_RDWR; QO_CREAT and QO_TRUNC only with QO_RDWR. */
enum quire_open_flags { QO_RDONLY = 0, QO_RDWR = 1, QO_CREAT = 2, QO_TRUNC = 4 };

#define QUIRE_PATH_MAX 256  /* bytes of a path, with the NUL: path_len is at most 255 */
#define QUIRE_NAME_MAX 112  /* bytes of one name in a directory (no NUL) */
#define QUIRE_HANDLES 32    /* open handles per thread */

struct quire_stat {
	uint64_t ino;
	uint32_t type;      /* 1 file, 2 directory */
	uint32_t nversions; /* versions the file has */
	uint32_t limit;     /* its version limit */
	uint32_t newest;    /* the newest version's number (0: none) */
	uint64_t size;      /* bytes of the version the path names (newest by default) */
	uint32_t version;   /* the version the path names */
	uint32_t pad;
	uint64_t mtime;     /* its commit time, seconds since 1970 (UTC) */
};

/* SYS_MAP flags: read-only unless QM_RDWR; QM_CREAT only with QM_RDWR; QM_THREAD: in the
 * caller's thread space (with addr 0: the kernel picks a place there). */
enum quire_map_flags { QM_RDONLY = 0, QM_RDWR = 1, QM_CREAT = 2, QM_THREAD = 4 };

/* SYS_UNMAP flags: QU_DISCARD drops a read/write mapping's copy instead of committing it. */
enum quire_unmap_flags { QU_DISCARD = 1 };

/* What SYS_MAPINFO says about the mapping holding an address. */
struct quire_mapinfo {
	uint64_t start, end;      /* its range (page-aligned) */
	uint64_t offset;          /* the file offset of start */
	uint64_t size;            /* the file's size as the mapping sees it */
	uint32_t version;         /* the version it maps (read/write: the copy's base, 0 for a new file) */
	uint32_t flags;           /* QM_RDWR for a read/write mapping, QM_THREAD in thread space */
	uint64_t resident;        /* pages in RAM now ... */
	uint64_t dirty;           /* ... of which written since they were read */
	uint64_t not_read;        /* pages not in RAM: read from the file (or the copy) when touched */
	uint64_t reads;           /* since mapped: pages read from the file by faults */
	uint64_t clean_drops;     /* pages evicted without a write (the file has their bytes) */
	uint64_t writebacks;      /* dirty pages evicted into the copy (read/write mappings) */
	char path[QUIRE_PATH_MAX]; /* the path as it was mapped (NUL-terminated) */
};

struct quire_version {
	uint32_t version, pad;
	uint64_t size, mtime;
};

struct quire_dirent {
	uint64_t ino;
	uint32_t type;                     /* 1 file, 2 directory */
	char name[QUIRE_NAME_MAX + 4];     /* NUL-terminated */
};

struct quire_statfs {
	uint64_t blocks, data_blocks, used, free, reserve; /* 4 KiB blocks */
	uint64_t generation, files;
	uint64_t cache_blocks, cache_max, cache_hits, cache_misses; /* the kernel's block cache */
	uint64_t cache_writes;  /* blocks written to the disk since boot (every one goes through the cache) */
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
	uint64_t argc, argv;             /* SYS_SPAWN_ARGS: the strings (char *argv[argc + 1]); else 0, 0 */
};

#endif
