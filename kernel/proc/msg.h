/*
 * msg.h - ports and messages between sealed processes (specs/messages.md): the system
 * calls 50-56 and what the process layer tells them. Small messages are copied; a grant
 * moves a range of pages from the sender to the receiver.
 */
#ifndef QUIRE_PROC_MSG_H
#define QUIRE_PROC_MSG_H

#include <stdint.h>

#include "proc/abi.h"

/* msg_syscall - SYS_PORT_CREATE .. SYS_MSG_REPLY with their first three arguments; the result
 * or -QE_* (-QE_NOSYS for a number in 50-59 that is not one of them). May sleep. */
int64_t msg_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2);

/* msg_proc_end - process @pid has ended: its ports close, every message queued on them or
 * received and not answered fails its sender with -QE_PIPE, and every frame and swap block
 * those messages carried is released. May sleep (the message lock). */
void msg_proc_end(uint32_t pid);

#endif
