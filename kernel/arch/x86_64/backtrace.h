/*
 * backtrace.h - walk the frame-pointer chain (the kernel is built with frame pointers)
 * and print each return address with its function name from the .ksyms table.
 */
#ifndef QUIRE_ARCH_BACKTRACE_H
#define QUIRE_ARCH_BACKTRACE_H

#include <stdint.h>

/* backtrace_print - print "#n addr name+off" lines starting at @rip with frame @rbp. */
void backtrace_print(uint64_t rip, uint64_t rbp);
/* backtrace_print_trap - backtrace of a trapped context; finds the caller of a frameless leaf. */
void backtrace_print_trap(uint64_t rip, uint64_t rsp, uint64_t rbp);
/* backtrace_here - backtrace of the caller. */
void backtrace_here(void);
/* ksym_name - function name for a kernel address (NULL if none); *off gets the offset. */
const char *ksym_name(uint64_t addr, uint64_t *off);
/* ksym_addr - address of the kernel function @name, or 0. */
uint64_t ksym_addr(const char *name);
/* backtrace_set_stack_check - who says a frame address is readable (mm adds its stacks). */
void backtrace_set_stack_check(int (*ok)(uint64_t addr));

#endif
