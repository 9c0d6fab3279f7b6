/*
 * printf.c - formatted output on the kernel's formatter (kernel/lib/kfmt.c, compiled into
 * the runtime). printf collects each call's text in a 256-byte buffer and writes it with
 * one SYS_WRITE to fd 1, so short lines from different threads do not interleave.
 */
#include "crt.h"
#include "lib/kfmt.h"

struct outbuf {
	char buf[256];
	size_t len;
};

static void out_flush(struct outbuf *o)
{
	size_t done = 0;
	while (done < o->len) {
		int64_t n = sys_write(1, o->buf + done, o->len - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	o->len = 0;
}

static void out_sink(void *ctx, const char *s, size_t n)
{
	struct outbuf *o = ctx;
	while (n > 0) {
		if (o->len == sizeof(o->buf))
			out_flush(o);
		size_t k = sizeof(o->buf) - o->len;
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

int vprintf(const char *fmt, va_list ap)
{
	struct outbuf o;
	o.len = 0;
	size_t n = kfmt_vformat(out_sink, &o, fmt, ap);
	out_flush(&o);
	return (int)n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return (int)kfmt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
