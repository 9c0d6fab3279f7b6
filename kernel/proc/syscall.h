/*
 * syscall.h - turning on the `syscall` instruction.
 */
#ifndef QUIRE_PROC_SYSCALL_H
#define QUIRE_PROC_SYSCALL_H

/* syscall_init - program EFER.SCE, STAR, LSTAR and SFMASK. Context: boot. */
void syscall_init(void);

#endif
