/*
 * files.h - the file system calls (SYS_OPEN .. SYS_STATFS, specs/files.md) and the handle
 * table each thread owns: a handle belongs to the thread that opened it (another thread of
 * the same process naming its number gets -QE_BADF), and spawned processes start with none.
 */
#ifndef QUIRE_PROC_FILES_H
#define QUIRE_PROC_FILES_H

#include <stdbool.h>
#include <stdint.h>

struct thread;

/* sys_files - one file system call for the current thread; >= 0 or -QE_*. May sleep. */
int64_t sys_files(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);

/* files_thread_exit - @t is ending: close its read-only handles; commit its read/write ones
 * when @commit (a normal exit), drop them otherwise (a kill: no half-made version). Returns
 * how many read/write handles were committed. May sleep. */
unsigned files_thread_exit(struct thread *t, bool commit);

#endif
