/*
 * console.c - the kernel console on COM1: formatting, log levels, \n -> \r\n.
 */
#include "console.h"

#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"
#include "lib/kfmt.h"

static enum log_level console_level = LOG_INFO;

static void console_sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

void console_write(const char *s, size_t n)
{
	uint64_t f = cpu_irq_save();
	console_sink(0, s, n);
	cpu_irq_restore(f);
}

static void vprint(const char *fmt, va_list ap)
{
	uint64_t f = cpu_irq_save();
	kfmt_vformat(console_sink, 0, fmt, ap);
	cpu_irq_restore(f);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

void klog(enum log_level level, const char *fmt, ...)
{
	if (level > console_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

enum log_level console_set_level(enum log_level level)
{
	enum log_level old = console_level;
	console_level = level;
	return old;
}
