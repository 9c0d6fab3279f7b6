/*
 * console.h - kernel console output (COM1) with log levels. kprintf formats with
 * kernel/lib/kfmt; lines are written whole with interrupts off so they never interleave.
 */
#ifndef QUIRE_CONSOLE_H
#define QUIRE_CONSOLE_H

#include <stddef.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* kprintf - print to the console unconditionally. Context: any. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* klog - print if @level is at or below the console's log level (cmdline `loglevel=`). */
void klog(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* console_set_level - set the log level; returns the old one. */
enum log_level console_set_level(enum log_level level);

/* console_write - write @n raw bytes (\n becomes \r\n). */
void console_write(const char *s, size_t n);

#endif
