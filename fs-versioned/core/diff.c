/*
 * diff.c - compare two versions (qfs_diff, qfs.h): a line diff by longest common
 * subsequence when both are text (no NUL byte) of at most max_lines lines, else the byte
 * ranges that differ. Portable like the rest of the core: memory from the environment
 * (the table in block-sized chunks, qfs_vec), output through a callback; the qfs tool
 * prints to stdout, the kernel's console command to the console.
 */
#include "qfs_internal.h"

#include <string.h>

struct lines {
	struct qfs_vec at; /* struct line */
	size_t n;
};

struct line {
	const uint8_t *p;
	size_t len;
};

struct out {
	qfs_diff_out fn;
	void *ctx;
};

static void put(const struct out *o, const char *s, size_t n)
{
	o->fn(o->ctx, s, n);
}

static void put_str(const struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_u64(const struct out *o, uint64_t v)
{
	char d[24];
	size_t k = sizeof(d);
	do {
		d[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(o, d + k, sizeof(d) - k);
}

static int is_text(const uint8_t *a, uint64_t n)
{
	return memchr(a, 0, (size_t)n) == NULL;
}

/* split - the lines of a (the last one may lack its newline); 1 when over max, QFS_ENOMEM. */
static int split(const struct qfs_env *env, const uint8_t *a, uint64_t n, size_t max, struct lines *l)
{
	size_t cnt = 0;
	for (uint64_t i = 0; i < n; i++)
		cnt += a[i] == '\n' || i + 1 == n;
	if (cnt > max)
		return 1;
	qfs_vec_init(&l->at, env, sizeof(struct line));
	if (qfs_vec_reserve(&l->at, cnt + 1))
		return QFS_ENOMEM;
	l->n = 0;
	for (uint64_t i = 0, s = 0; i < n; i++)
		if (a[i] == '\n' || i + 1 == n) {
			struct line *ln = qfs_vec_at(&l->at, l->n++);
			ln->p = a + s;
			ln->len = (size_t)(i + 1 - s);
			s = i + 1;
		}
	return 0;
}

static const struct line *line_at(const struct lines *l, size_t i)
{
	return qfs_vec_at(&l->at, i);
}

static int line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	const struct line *x = line_at(a, i), *y = line_at(b, j);
	return x->len == y->len && !memcmp(x->p, y->p, x->len);
}

static void put_line(const struct out *o, char c, const struct line *l)
{
	put(o, &c, 1);
	put(o, (const char *)l->p, l->len);
	if (!l->len || l->p[l->len - 1] != '\n')
		put_str(o, "\n\\ no newline at end\n");
}

static uint32_t *cell(const struct qfs_vec *t, size_t w, size_t i, size_t j)
{
	return qfs_vec_at(t, i * w + j);
}

/* line_diff - 1 when the same, 0 when not (hunks written), QFS_ENOMEM. */
static int line_diff(const struct qfs_env *env, const struct lines *a, const struct lines *b, const struct out *o)
{
	size_t w = b->n + 1;
	struct qfs_vec t;
	qfs_vec_init(&t, env, sizeof(uint32_t));
	if (qfs_vec_reserve(&t, (a->n + 1) * w)) {
		qfs_vec_free(&t);
		return QFS_ENOMEM;
	}
	for (size_t i = a->n; i-- > 0;)
		for (size_t j = b->n; j-- > 0;) {
			uint32_t down = *cell(&t, w, i + 1, j), right = *cell(&t, w, i, j + 1);
			*cell(&t, w, i, j) = line_eq(a, i, b, j) ? *cell(&t, w, i + 1, j + 1) + 1 : down > right ? down : right;
		}
	size_t i = 0, j = 0;
	int same = 1, inhunk = 0;
	while (i < a->n || j < b->n) {
		if (i < a->n && j < b->n && line_eq(a, i, b, j)) {
			i++, j++, inhunk = 0;
			continue;
		}
		if (!inhunk) {
			put_str(o, "@@ -");
			put_u64(o, i + 1);
			put_str(o, " +");
			put_u64(o, j + 1);
			put_str(o, " @@\n");
		}
		inhunk = 1, same = 0;
		if (j >= b->n || (i < a->n && *cell(&t, w, i + 1, j) >= *cell(&t, w, i, j + 1)))
			put_line(o, '-', line_at(a, i++));
		else
			put_line(o, '+', line_at(b, j++));
	}
	qfs_vec_free(&t);
	return same;
}

static int byte_diff(const uint8_t *a, uint64_t na, const uint8_t *b, uint64_t nb, const struct out *o)
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
		if (shown++ < 20) {
			put_str(o, "bytes ");
			put_u64(o, s);
			put_str(o, "..");
			put_u64(o, i - 1);
			put_str(o, " differ\n");
		}
	}
	if (na != nb) {
		put_str(o, "sizes differ: ");
		put_u64(o, na);
		put_str(o, " vs ");
		put_u64(o, nb);
		put_str(o, " bytes\n");
	}
	return same;
}

int qfs_diff(const struct qfs_env *env, const uint8_t *a, uint64_t na, const uint8_t *b, uint64_t nb,
	     size_t max_lines, qfs_diff_out out, void *ctx)
{
	struct out o = { out, ctx };
	struct lines la = { {0}, 0 }, lb = { {0}, 0 };
	int same, ra = 1, rb = 1;
	if (is_text(a, na) && is_text(b, nb) && (ra = split(env, a, na, max_lines, &la)) == 0 &&
	    (rb = split(env, b, nb, max_lines, &lb)) == 0)
		same = line_diff(env, &la, &lb, &o);
	else if (ra == QFS_ENOMEM || rb == QFS_ENOMEM)
		same = QFS_ENOMEM;
	else
		same = byte_diff(a, na, b, nb, &o);
	if (ra == 0)
		qfs_vec_free(&la.at);
	if (rb == 0)
		qfs_vec_free(&lb.at);
	if (same == 1)
		put_str(&o, "(identical)\n");
	return same < 0 ? same : !same;
}
