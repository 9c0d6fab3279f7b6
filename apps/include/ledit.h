/*
 * ledit.h - a line editor for a terminal on the serial console (the shell's): bytes in,
 * a line out. Keys: printable text inserts at the cursor; Backspace deletes before it;
 * Left/Right (and Ctrl-B/F) move; Ctrl-A/Home and Ctrl-E/End jump; Ctrl-U deletes to the
 * start, Ctrl-K to the end, Delete (and Ctrl-D on a non-empty line) at the cursor; Up/Down
 * walk the history; Enter ends the line; Ctrl-C drops it; Ctrl-D on an empty line is EOF.
 * Escape sequences: ESC [ A B C D H F, ESC [ 1~ 3~ 4~ 7~ 8~, ESC O A B C D H F.
 * Portable (no system calls): the shell feeds it bytes and prints what ledit_render gives;
 * host-tested in tests/host/test_ledit.c.
 */
#ifndef QUIRE_APPS_LEDIT_H
#define QUIRE_APPS_LEDIT_H

#include <stddef.h>

#define LEDIT_MAX 256      /* bytes of a line, NUL included */
#define LEDIT_HISTORY 32   /* lines remembered */

enum ledit_result {
	LEDIT_MORE = 0,   /* keep feeding bytes */
	LEDIT_DONE = 1,   /* Enter: line holds the text */
	LEDIT_CANCEL = 2, /* Ctrl-C: the line is dropped */
	LEDIT_EOF = 3,    /* Ctrl-D on an empty line */
};

struct ledit {
	char line[LEDIT_MAX];               /* the text, NUL-terminated */
	size_t len, cur;                    /* its length; the cursor, 0..len */
	char hist[LEDIT_HISTORY][LEDIT_MAX];/* oldest first */
	unsigned nhist, hpos;               /* entries; the one shown (nhist: the new line) */
	char saved[LEDIT_MAX];              /* the new line while the history is shown */
	int esc;                            /* escape state (ledit.c) */
	char esc_num;                       /* the digit of ESC [ n ~ */
	int last_cr;                        /* the last byte was CR (a LF after it is dropped) */
};

/* ledit_init - an editor with no history and an empty line. */
void ledit_init(struct ledit *e);

/* ledit_start - a new empty line (the history stays). */
void ledit_start(struct ledit *e);

/* ledit_key - feed one byte; an enum ledit_result. */
int ledit_key(struct ledit *e, unsigned char c);

/* ledit_history_add - remember @line (not empty, not the same as the newest). */
void ledit_history_add(struct ledit *e, const char *line);

/* ledit_render - the bytes that redraw @prompt and the line and leave the cursor where it
 * is: CR, prompt, text, erase to the end of the screen line, cursor left. Returns the
 * length written to @out (always NUL-terminated, cut at @size). */
size_t ledit_render(const struct ledit *e, const char *prompt, char *out, size_t size);

#endif
