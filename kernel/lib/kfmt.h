/*
 * kfmt.h - printf-style formatting for the kernel, portable (also built and tested on the
 * host). Conversions: %d %i %u %x %X %o %p %s %c %%, flags '-' '0' '+' ' ' '#' (for x and X), width and
 * precision (also '*'), length modifiers hh h l ll z t j.
 */
#ifndef QUIRE_LIB_KFMT_H
#define QUIRE_LIB_KFMT_H

#include <stdarg.h>
#include <stddef.h>

/* A sink receives the formatted text piece by piece. */
typedef void (*kfmt_sink_fn)(void *ctx, const char *s, size_t n);

/* kfmt_vformat - format @fmt with @ap into @sink; returns the number of chars produced. */
size_t kfmt_vformat(kfmt_sink_fn sink, void *ctx, const char *fmt, va_list ap);

/* kfmt_snprintf - format into @buf (always NUL-terminated if @size > 0); returns the full length. */
size_t kfmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* kfmt_vsnprintf - va_list form of kfmt_snprintf. */
size_t kfmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
