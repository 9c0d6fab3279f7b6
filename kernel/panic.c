/*
 * panic.c - print what went wrong and stop. A panic inside a panic stops at once.
 */
#include "panic.h"

#include <stdarg.h>

#include "arch/x86_64/backtrace.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/trap.h"
#include "console.h"
#include "lib/kfmt.h"

static int panicking;

static void panic_sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

static void panic_enter(void)
{
	cpu_irq_disable();
	if (panicking++) {
		kprintf("\nPANIC: nested panic; stopping\n");
		machine_exit(EXIT_PANIC);
	}
}

void panic(const char *fmt, ...)
{
	panic_enter();
	kprintf("\nPANIC: ");
	va_list ap;
	va_start(ap, fmt);
	kfmt_vformat(panic_sink, 0, fmt, ap);
	va_end(ap);
	kprintf("\n");
	backtrace_here();
	machine_exit(EXIT_PANIC);
}

void panic_trap(struct trap_frame *tf)
{
	panic_enter();
	kprintf("\nPANIC: unexpected exception %s in kernel mode at %016lx\n",
		trap_vector_name(tf->vector), tf->rip);
	trap_dump(tf);
	backtrace_print_trap(tf->rip, tf->rsp, tf->rbp);
	machine_exit(EXIT_PANIC);
}
