/*
 * cmdline.c - find `key` and `key=value` words in the kernel command line.
 * A later word wins over an earlier one with the same key (as Linux does).
 */
#include "cmdline.h"

/* find - locate the last word whose key is @key; sets *val (NULL for a bare key) and *vlen. */
static bool find(const char *cl, const char *key, const char **val, size_t *vlen)
{
	size_t klen = 0;
	bool found = false;
	while (key[klen])
		klen++;
	if (!cl || klen == 0)
		return false;
	const char *p = cl;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		size_t wlen = (size_t)(p - w);
		if (wlen < klen)
			continue;
		size_t i = 0;
		while (i < klen && w[i] == key[i])
			i++;
		if (i != klen)
			continue;
		if (wlen == klen) {
			*val = 0;
			*vlen = 0;
			found = true;
		} else if (w[klen] == '=') {
			*val = w + klen + 1;
			*vlen = wlen - klen - 1;
			found = true;
		}
	}
	return found;
}

bool cmdline_has(const char *cmdline, const char *key)
{
	const char *v;
	size_t n;
	return find(cmdline, key, &v, &n);
}

int cmdline_get(const char *cmdline, const char *key, char *out, size_t outsz)
{
	const char *v;
	size_t n;
	if (!find(cmdline, key, &v, &n) || !v || outsz == 0 || n >= outsz)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = v[i];
	out[n] = '\0';
	return (int)n;
}

static int digit(char c, unsigned base)
{
	unsigned d;
	if (c >= '0' && c <= '9')
		d = (unsigned)(c - '0');
	else if (c >= 'a' && c <= 'f')
		d = (unsigned)(c - 'a' + 10);
	else if (c >= 'A' && c <= 'F')
		d = (unsigned)(c - 'A' + 10);
	else
		return -1;
	return d < base ? (int)d : -1;
}

int cmdline_parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	if (!s || !*s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	int nd = 0;
	for (int d; (d = digit(*s, base)) >= 0; s++, nd++) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -1;
		v = v * base + (uint64_t)d;
	}
	if (nd == 0)
		return -1;
	unsigned shift = 0;
	if (*s == 'K' || *s == 'k')
		shift = 10;
	else if (*s == 'M' || *s == 'm')
		shift = 20;
	else if (*s == 'G' || *s == 'g')
		shift = 30;
	if (shift) {
		if (v > (UINT64_MAX >> shift))
			return -1;
		v <<= shift;
		s++;
	}
	if (*s)
		return -1;
	*out = v;
	return 0;
}

int cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out)
{
	char buf[32];
	if (cmdline_get(cmdline, key, buf, sizeof buf) < 0)
		return -1;
	return cmdline_parse_u64(buf, out);
}
