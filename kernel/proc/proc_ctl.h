/*
 * proc_ctl.h - console input and process control for user programs: system calls 60-64
 * (SYS_CONSOLE_READ, SYS_KILL, SYS_PROCLIST, SYS_SPAWN_ARGS, SYS_SYSINFO; specs/syscalls.md).
 */
#ifndef QUIRE_PROC_PROC_CTL_H
#define QUIRE_PROC_PROC_CTL_H

#include <stdint.h>

#include "proc/abi.h"

/* proc_ctl_syscall - one of the calls 60-69 with its first four arguments: the result or
 * -QE_* (-QE_NOSYS for a number that is not one of them). May sleep. */
int64_t proc_ctl_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);

#endif
