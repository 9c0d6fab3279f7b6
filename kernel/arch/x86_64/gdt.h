/*
 * gdt.h - segments and the TSS. The selector order is fixed by SYSCALL/SYSRET
 * (STAR[63:48] = 0x10 gives user SS 0x18 and user CS 0x20); specs/syscalls.md.
 */
#ifndef QUIRE_ARCH_GDT_H
#define QUIRE_ARCH_GDT_H

#include <stdint.h>

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1B /* 0x18 | RPL 3 */
#define SEL_UCODE 0x23 /* 0x20 | RPL 3 */
#define SEL_TSS 0x28

/* IST slots (1-based, as the IDT gate wants them) */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_DEBUG 4 /* #DB: may arrive on the user's stack in kernel mode (isr.asm) */

/* gdt_init - load the GDT and the TSS with its IST stacks. Context: boot, irqs off. */
void gdt_init(void);

/* gdt_set_kernel_stack - the stack the CPU switches to on a trap from user mode (TSS.rsp0). */
void gdt_set_kernel_stack(uint64_t rsp0);

/* gdt_set_ist - point IST slot @ist (1..7) at a stack top. */
void gdt_set_ist(int ist, uint64_t top);

#endif
