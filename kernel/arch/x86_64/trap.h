/*
 * trap.h - interrupts and exceptions: the saved register frame, IRQ handler registration,
 * and catch points that let kernel code (tests, checked copies) survive an expected fault.
 */
#ifndef QUIRE_ARCH_TRAP_H
#define QUIRE_ARCH_TRAP_H

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"

/* Saved by isr.asm; the order matches its pushes (last pushed first). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

enum {
	VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5, VEC_UD = 6,
	VEC_NM = 7, VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12, VEC_GP = 13, VEC_PF = 14,
	VEC_MF = 16, VEC_AC = 17, VEC_MC = 18, VEC_XM = 19, VEC_IRQ0 = 32
};

/* Page-fault error code bits */
#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_USER (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_FETCH (1u << 4)

struct kjmp_buf {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};

/* kjmp_set - save a resume point; returns 0, or non-zero when resumed by kjmp_go. */
int kjmp_set(struct kjmp_buf *b) __attribute__((returns_twice));
/* kjmp_go - resume at @b's kjmp_set, making it return @val (0 becomes 1). */
void kjmp_go(struct kjmp_buf *b, int val) __attribute__((noreturn));

/* A catch point: a kernel-mode exception of the thread that armed it resumes at kjmp_set
 * with vector + 1. It lives in the thread's pcb (percpu.h), so a thread that sleeps while one
 * is armed (a checked copy waiting for a page from swap) keeps its own. */
struct ktrap_catch {
	struct kjmp_buf jmp;
	uint64_t vector, error, cr2, rip;
	unsigned spin_depth; /* spinlocks held when it was armed */
};

/* ktrap_call_catching - run @fn(@arg) with @c armed in the calling thread (an outer catch
 * point is kept and re-armed after); returns 0, or the vector + 1 of the kernel-mode
 * exception that stopped it (details in @c). For tests and checked copies. */
int ktrap_call_catching(void (*fn)(void *), void *arg, struct ktrap_catch *c);

typedef void (*irq_handler_fn)(struct trap_frame *tf);

/* trap_init - fill and load the IDT. Context: boot, irqs off. */
void trap_init(void);
/* irq_register - run @fn for legacy IRQ @irq (0..15), then EOI. */
void irq_register(int irq, irq_handler_fn fn);
/* trap_set_user_fault_handler - who handles exceptions from user mode (the process layer). */
void trap_set_user_fault_handler(void (*fn)(struct trap_frame *tf));
/* trap_set_kernel_pf_hook - asked first about a kernel-mode page fault; returning 1 means resolved (retry). */
void trap_set_kernel_pf_hook(int (*fn)(struct trap_frame *tf));
/* trap_set_return_to_user_hook - run before every return to user mode (preemption, dying processes). */
void trap_set_return_to_user_hook(void (*fn)(void));
/* trap_vector_name - short name of an exception vector ("#PF"). */
const char *trap_vector_name(uint64_t vector);
/* trap_set_smap - SMAP is on: every trap clears AC first (pmap, once CR4 is set). */
void trap_set_smap(bool on);
/* trap_panic - panic for an unexpected exception in kernel mode: registers and a backtrace. */
void trap_panic(struct trap_frame *tf) __attribute__((noreturn));
/* trap_dump - print the frame's registers (and CR2) on the console. */
void trap_dump(const struct trap_frame *tf);
/* trap_user_frame_check - make @tf, about to return to user mode, safe for iretq: RFLAGS
 * keeps only the user's own flags (IF on, IOPL 0, no VM/VIF/VIP/RF), CS and SS are the user
 * selectors. Returns 0, or -1 when the return address is not a user address (the caller
 * ends the process: iretq to a non-canonical rip faults in kernel mode). Context: any. */
int trap_user_frame_check(struct trap_frame *tf);

/* trap_user_rip_ok - the return address of @tf is a user address. The system-call path
 * needs only this (its frame's selectors are constants and its RFLAGS are r11, the user's
 * own); interrupts and exceptions take trap_user_frame_check. */
static inline bool trap_user_rip_ok(const struct trap_frame *tf)
{
	return tf->rip < USER_SPACE_END;
}
/* trap_dispatch - called by isr.asm for every vector. */
void trap_dispatch(struct trap_frame *tf);

#endif
