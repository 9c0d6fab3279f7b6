/*
 * panic.c - print what went wrong and stop. A panic inside a panic stops at once.
 */
#include "panic.h"

#include <stdarg.h>

#include "backtrace.h"
#include "console.h"
#include "cpu.h"
#include "lib/kfmt.h"
#include "power.h"

static int panicking;

static void panic_sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

void panic_begin(void)
{
	cpu_irq_disable();
	if (panicking++) {
		kprintf("\nPANIC: nested panic; stopping\n");
		machine_exit(EXIT_PANIC);
	}
}

void panic(const char *fmt, ...)
{
	panic_begin();
	kprintf("\nPANIC: ");
	va_list ap;
	va_start(ap, fmt);
	kfmt_vformat(panic_sink, 0, fmt, ap);
	va_end(ap);
	kprintf("\n");
	backtrace_here();
	machine_exit(EXIT_PANIC);
}
