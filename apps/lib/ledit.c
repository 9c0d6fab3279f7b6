/*
 * ledit.c - the line editor (ledit.h): an escape-sequence state machine over a byte buffer
 * with a cursor, and a history ring. Keeps: line[len] == '\0', cur <= len < LEDIT_MAX.
 */
#include "ledit.h"

enum { ESC_NONE, ESC_SEEN, ESC_CSI, ESC_SS3, ESC_CSI_NUM };

static void copy_str(char *dst, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < LEDIT_MAX; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static size_t str_len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

void ledit_init(struct ledit *e)
{
	e->nhist = 0;
	e->last_cr = 0;
	ledit_start(e);
}

void ledit_start(struct ledit *e)
{
	e->line[0] = '\0';
	e->len = e->cur = 0;
	e->hpos = e->nhist;
	e->esc = ESC_NONE; /* last_cr stays: the LF of a CR LF may come after the line ended */
}

/* show - put @s in the line, cursor at its end. */
static void show(struct ledit *e, const char *s)
{
	copy_str(e->line, s);
	e->len = e->cur = str_len(e->line);
}

static void insert(struct ledit *e, char c)
{
	if (e->len + 1 >= LEDIT_MAX)
		return;
	for (size_t i = e->len + 1; i > e->cur; i--)
		e->line[i] = e->line[i - 1];
	e->line[e->cur++] = c;
	e->len++;
}

/* erase - delete @n bytes at @at (clamped to the line). */
static void erase(struct ledit *e, size_t at, size_t n)
{
	if (at >= e->len)
		return;
	if (n > e->len - at)
		n = e->len - at;
	for (size_t i = at; i + n <= e->len; i++)
		e->line[i] = e->line[i + n];
	e->len -= n;
	if (e->cur > at)
		e->cur = e->cur >= at + n ? e->cur - n : at;
}

static void history_move(struct ledit *e, int up)
{
	if (up && e->hpos > 0) {
		if (e->hpos == e->nhist)
			copy_str(e->saved, e->line);
		show(e, e->hist[--e->hpos]);
	} else if (!up && e->hpos < e->nhist) {
		e->hpos++;
		show(e, e->hpos == e->nhist ? e->saved : e->hist[e->hpos]);
	}
}

/* motion - the final byte of an arrow, Home or End sequence. */
static void motion(struct ledit *e, unsigned char c)
{
	switch (c) {
	case 'A': history_move(e, 1); break;
	case 'B': history_move(e, 0); break;
	case 'C': e->cur += e->cur < e->len; break;
	case 'D': e->cur -= e->cur > 0; break;
	case 'H': e->cur = 0; break;
	case 'F': e->cur = e->len; break;
	default: break;
	}
}

/* tilde - ESC [ n ~: Home (1, 7), Delete (3), End (4, 8). */
static void tilde(struct ledit *e, char n)
{
	if (n == '1' || n == '7')
		e->cur = 0;
	else if (n == '4' || n == '8')
		e->cur = e->len;
	else if (n == '3')
		erase(e, e->cur, 1);
}

/* escape - a byte inside an escape sequence. */
static void escape(struct ledit *e, unsigned char c)
{
	int st = e->esc;
	e->esc = ESC_NONE;
	if (st == ESC_SEEN && c == '[')
		e->esc = ESC_CSI;
	else if (st == ESC_SEEN && c == 'O')
		e->esc = ESC_SS3;
	else if (st == ESC_CSI && c >= '0' && c <= '9') {
		e->esc_num = (char)c;
		e->esc = ESC_CSI_NUM;
	} else if (st == ESC_CSI || st == ESC_SS3)
		motion(e, c);
	else if (st == ESC_CSI_NUM && c == '~')
		tilde(e, e->esc_num);
	else if (st == ESC_CSI_NUM && c >= '0' && c <= '9') {
		e->esc_num = 0; /* a longer number (F-keys): the sequence is ignored */
		e->esc = ESC_CSI_NUM;
	}
}

/* control - a control byte outside a sequence; an enum ledit_result. */
static int control(struct ledit *e, unsigned char c)
{
	switch (c) {
	case '\r': case '\n': return LEDIT_DONE;
	case 0x03: return LEDIT_CANCEL;                          /* Ctrl-C */
	case 0x04: if (!e->len) return LEDIT_EOF;                /* Ctrl-D */
		erase(e, e->cur, 1); break;
	case 0x7F: case 0x08: if (e->cur) erase(e, e->cur - 1, 1); break;
	case 0x01: e->cur = 0; break;                            /* Ctrl-A */
	case 0x05: e->cur = e->len; break;                       /* Ctrl-E */
	case 0x02: e->cur -= e->cur > 0; break;                  /* Ctrl-B */
	case 0x06: e->cur += e->cur < e->len; break;             /* Ctrl-F */
	case 0x15: erase(e, 0, e->cur); break;                   /* Ctrl-U */
	case 0x0B: erase(e, e->cur, e->len - e->cur); break;     /* Ctrl-K */
	case 0x1B: e->esc = ESC_SEEN; break;
	default: break;                                          /* others: ignored */
	}
	return LEDIT_MORE;
}

int ledit_key(struct ledit *e, unsigned char c)
{
	int was_cr = e->last_cr;
	e->last_cr = c == '\r';
	if (e->esc != ESC_NONE) {
		escape(e, c);
		return LEDIT_MORE;
	}
	if (c == '\n' && was_cr)
		return LEDIT_MORE; /* the LF of a CR LF: the line ended at the CR */
	if (c >= ' ' && c < 0x7F) {
		insert(e, (char)c);
		return LEDIT_MORE;
	}
	return control(e, c);
}

void ledit_history_add(struct ledit *e, const char *line)
{
	if (!line[0] || (e->nhist && str_eq(e->hist[e->nhist - 1], line)))
		return;
	if (e->nhist == LEDIT_HISTORY) {
		for (unsigned i = 1; i < LEDIT_HISTORY; i++)
			copy_str(e->hist[i - 1], e->hist[i]);
		e->nhist--;
	}
	copy_str(e->hist[e->nhist++], line);
	e->hpos = e->nhist;
}

/* put - append @s to @out (of @size) at *@n, cut at the end. */
static void put(char *out, size_t size, size_t *n, const char *s)
{
	for (; *s && *n + 1 < size; s++)
		out[(*n)++] = *s;
	out[*n] = '\0';
}

size_t ledit_render(const struct ledit *e, const char *prompt, char *out, size_t size)
{
	size_t n = 0;
	char num[24];
	if (!size)
		return 0;
	out[0] = '\0';
	put(out, size, &n, "\r");
	put(out, size, &n, prompt);
	put(out, size, &n, e->line);
	put(out, size, &n, "\x1b[K");
	size_t back = e->len - e->cur, k = sizeof num - 1;
	if (back) {
		num[k] = '\0';
		num[--k] = 'D';
		do
			num[--k] = (char)('0' + back % 10);
		while ((back /= 10) && k > 2);
		num[--k] = '[';
		num[--k] = '\x1b';
		put(out, size, &n, num + k);
	}
	return n;
}
