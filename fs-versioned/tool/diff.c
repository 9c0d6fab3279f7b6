/*
 * diff.c - compare two versions for `qfs diff`: a line diff by longest common
 * subsequence for text up to 2000 lines each, else the byte ranges that differ.
 */
#include "diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_MAX_LINES 2000

struct lines {
	const uint8_t **p;
	size_t *len;
	size_t n;
};

static int is_text(const uint8_t *a, uint64_t n)
{
	return memchr(a, 0, (size_t)n) == NULL;
}

static int split(const uint8_t *a, uint64_t n, struct lines *l)
{
	size_t cnt = 0;
	for (uint64_t i = 0; i < n; i++)
		cnt += a[i] == '\n' || i + 1 == n;
	if (cnt > DIFF_MAX_LINES)
		return -1;
	l->p = malloc((cnt + 1) * sizeof(*l->p));
	l->len = malloc((cnt + 1) * sizeof(*l->len));
	l->n = 0;
	for (uint64_t i = 0, s = 0; i < n; i++)
		if (a[i] == '\n' || i + 1 == n) {
			l->p[l->n] = a + s;
			l->len[l->n++] = (size_t)(i + 1 - s);
			s = i + 1;
		}
	return 0;
}

static int line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && !memcmp(a->p[i], b->p[j], a->len[i]);
}

static void put_line(char c, const uint8_t *p, size_t n)
{
	putchar(c);
	fwrite(p, 1, n, stdout);
	if (!n || p[n - 1] != '\n')
		fputs("\n\\ no newline at end\n", stdout);
}

static int line_diff(const struct lines *a, const struct lines *b)
{
	size_t w = b->n + 1;
	uint32_t *t = calloc((a->n + 1) * w, sizeof(*t));
	for (size_t i = a->n; i-- > 0;)
		for (size_t j = b->n; j-- > 0;)
			t[i * w + j] = line_eq(a, i, b, j) ? t[(i + 1) * w + j + 1] + 1
				       : t[(i + 1) * w + j] > t[i * w + j + 1] ? t[(i + 1) * w + j]
									     : t[i * w + j + 1];
	size_t i = 0, j = 0;
	int same = 1, inhunk = 0;
	while (i < a->n || j < b->n) {
		if (i < a->n && j < b->n && line_eq(a, i, b, j)) {
			i++, j++, inhunk = 0;
			continue;
		}
		if (!inhunk)
			printf("@@ -%zu +%zu @@\n", i + 1, j + 1);
		inhunk = 1, same = 0;
		if (j >= b->n || (i < a->n && t[(i + 1) * w + j] >= t[i * w + j + 1]))
			put_line('-', a->p[i], a->len[i]), i++;
		else
			put_line('+', b->p[j], b->len[j]), j++;
	}
	free(t);
	return same;
}

static int byte_diff(const uint8_t *a, uint64_t na, const uint8_t *b, uint64_t nb)
{
	uint64_t n = na < nb ? na : nb, shown = 0;
	int same = na == nb;
	for (uint64_t i = 0; i < n; i++) {
		if (a[i] == b[i])
			continue;
		uint64_t s = i;
		while (i < n && a[i] != b[i])
			i++;
		same = 0;
		if (shown++ < 20)
			printf("bytes %llu..%llu differ\n", (unsigned long long)s,
			       (unsigned long long)i - 1);
	}
	if (na != nb)
		printf("sizes differ: %llu vs %llu bytes\n", (unsigned long long)na,
		       (unsigned long long)nb);
	return same;
}

int qfs_tool_diff(const uint8_t *a, uint64_t na, const uint8_t *b, uint64_t nb)
{
	struct lines la = {0}, lb = {0};
	int same;
	if (is_text(a, na) && is_text(b, nb) && split(a, na, &la) == 0 && split(b, nb, &lb) == 0)
		same = line_diff(&la, &lb);
	else
		same = byte_diff(a, na, b, nb);
	free(la.p), free(la.len), free(lb.p), free(lb.len);
	if (same)
		printf("(identical)\n");
	return same;
}
