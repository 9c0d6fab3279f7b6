/*
 * kfmt.c - the formatter behind kprintf and kfmt_snprintf. Portable C11, no libc calls,
 * tested on the host (tests/host/test_kfmt.c) against the C library's snprintf.
 */
#include "kfmt.h"

#include <stdint.h>

struct spec {
	int left, zero, plus, space, alt;
	int width;
	int prec; /* -1 when absent */
	int len;  /* 'H' hh, 'h', 0 int, 'l' long, 'L' long long / size / ptr */
};

static void emit(kfmt_sink_fn sink, void *ctx, size_t *count, const char *s, size_t n)
{
	if (n) {
		sink(ctx, s, n);
		*count += n;
	}
}

static void emit_pad(kfmt_sink_fn sink, void *ctx, size_t *count, char c, int n)
{
	char buf[16];
	for (int i = 0; i < 16; i++)
		buf[i] = c;
	while (n > 0) {
		int k = n > 16 ? 16 : n;
		emit(sink, ctx, count, buf, (size_t)k);
		n -= k;
	}
}

/* utoa_rev - digits of @v in @base into @buf, most significant first; returns the length. */
static int utoa(char *buf, uint64_t v, unsigned base, int upper)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = dig[v % base];
		v /= base;
	} while (v);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static void emit_number(kfmt_sink_fn sink, void *ctx, size_t *count, const struct spec *sp,
			uint64_t mag, int neg, unsigned base, int upper, const char *prefix)
{
	char digits[24];
	int nd = utoa(digits, mag, base, upper);
	if (sp->prec == 0 && mag == 0)
		nd = 0;
	char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
	int npre = prefix ? 2 : 0;
	int zeros = sp->prec > nd ? sp->prec - nd : 0;
	int body = nd + zeros + (sign ? 1 : 0) + npre;
	int pad = sp->width > body ? sp->width - body : 0;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		emit_pad(sink, ctx, count, ' ', pad);
	if (sign)
		emit(sink, ctx, count, &sign, 1);
	if (prefix)
		emit(sink, ctx, count, prefix, 2);
	emit_pad(sink, ctx, count, '0', zeros);
	emit(sink, ctx, count, digits, (size_t)nd);
	if (sp->left)
		emit_pad(sink, ctx, count, ' ', pad);
}

static void emit_str(kfmt_sink_fn sink, void *ctx, size_t *count, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	size_t n = 0;
	while (s[n] && (sp->prec < 0 || n < (size_t)sp->prec))
		n++;
	int pad = sp->width > (int)n ? sp->width - (int)n : 0;
	if (!sp->left)
		emit_pad(sink, ctx, count, ' ', pad);
	emit(sink, ctx, count, s, n);
	if (sp->left)
		emit_pad(sink, ctx, count, ' ', pad);
}

/* parse_spec - read flags, width, precision and length after '%'; returns the conversion char. */
static char parse_spec(const char **pf, struct spec *sp, va_list *ap)
{
	const char *f = *pf;
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-') sp->left = 1;
		else if (*f == '0') sp->zero = 1;
		else if (*f == '+') sp->plus = 1;
		else if (*f == ' ') sp->space = 1;
		else if (*f == '#') sp->alt = 1;
		else break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = 1;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	if (*f == 'h') {
		sp->len = (f[1] == 'h') ? 'H' : 'h';
		f += (f[1] == 'h') ? 2 : 1;
	} else if (*f == 'l') {
		sp->len = (f[1] == 'l') ? 'L' : 'l';
		f += (f[1] == 'l') ? 2 : 1;
	} else if (*f == 'z' || *f == 't' || *f == 'j') {
		sp->len = 'L';
		f++;
	}
	*pf = f + (*f ? 1 : 0);
	return *f;
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case 'H': return (signed char)va_arg(*ap, int);
	case 'h': return (short)va_arg(*ap, int);
	case 'l': return va_arg(*ap, long);
	case 'L': return va_arg(*ap, long long);
	default: return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case 'H': return (unsigned char)va_arg(*ap, unsigned);
	case 'h': return (unsigned short)va_arg(*ap, unsigned);
	case 'l': return va_arg(*ap, unsigned long);
	case 'L': return va_arg(*ap, unsigned long long);
	default: return va_arg(*ap, unsigned);
	}
}

static void convert(kfmt_sink_fn sink, void *ctx, size_t *count, char c, struct spec *sp, va_list *ap)
{
	switch (c) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(sp, ap);
		uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		emit_number(sink, ctx, count, sp, mag, v < 0, 10, 0, 0);
		break;
	}
	case 'u': emit_number(sink, ctx, count, sp, arg_unsigned(sp, ap), 0, 10, 0, 0); break;
	case 'x':
	case 'X': {
		uint64_t v = arg_unsigned(sp, ap);
		const char *pre = sp->alt && v ? (c == 'x' ? "0x" : "0X") : 0;
		emit_number(sink, ctx, count, sp, v, 0, 16, c == 'X', pre);
		break;
	}
	case 'o': emit_number(sink, ctx, count, sp, arg_unsigned(sp, ap), 0, 8, 0, 0); break;
	case 'p': {
		uintptr_t v = (uintptr_t)va_arg(*ap, void *);
		sp->plus = sp->space = 0;
		emit_number(sink, ctx, count, sp, v, 0, 16, 0, "0x");
		break;
	}
	case 's': emit_str(sink, ctx, count, sp, va_arg(*ap, const char *)); break;
	case 'c': {
		char ch = (char)va_arg(*ap, int);
		int pad = sp->width > 1 ? sp->width - 1 : 0;
		if (!sp->left)
			emit_pad(sink, ctx, count, ' ', pad);
		emit(sink, ctx, count, &ch, 1);
		if (sp->left)
			emit_pad(sink, ctx, count, ' ', pad);
		break;
	}
	case '%': emit(sink, ctx, count, "%", 1); break;
	default: /* unknown conversion: print it as text so the mistake is visible */
		emit(sink, ctx, count, "%", 1);
		if (c)
			emit(sink, ctx, count, &c, 1);
		break;
	}
}

size_t kfmt_vformat(kfmt_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
	size_t count = 0;
	va_list aq;
	va_copy(aq, ap);
	while (*fmt) {
		const char *p = fmt;
		while (*p && *p != '%')
			p++;
		emit(sink, ctx, &count, fmt, (size_t)(p - fmt));
		if (!*p)
			break;
		fmt = p + 1;
		struct spec sp;
		char c = parse_spec(&fmt, &sp, &aq);
		convert(sink, ctx, &count, c, &sp, &aq);
	}
	va_end(aq);
	return count;
}

struct bufsink {
	char *buf;
	size_t size, used;
};

static void buf_sink(void *ctx, const char *s, size_t n)
{
	struct bufsink *b = ctx;
	for (size_t i = 0; i < n; i++) {
		if (b->used + 1 < b->size)
			b->buf[b->used++] = s[i];
	}
}

size_t kfmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct bufsink b = { buf, size, 0 };
	size_t n = kfmt_vformat(buf_sink, &b, fmt, ap);
	if (size)
		buf[b.used] = '\0';
	return n;
}

size_t kfmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = kfmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
