/*
 * test_ledit.c - the shell's line editor (apps/lib/ledit.c): typing, backspace, cursor
 * moves by control keys and by every escape sequence it knows, Ctrl-U/K, Delete, history
 * up and down (and the line being typed kept while browsing), Enter with CR LF, Ctrl-C,
 * Ctrl-D, the length limit, and what the redraw sends to the terminal.
 */
#include "hosttest.h"

#include "ledit.h"

static struct ledit e;

static int setup(void **state)
{
	(void)state;
	ledit_init(&e);
	return 0;
}

/* feed - bytes of @s; the result of the last one. */
static int feed(const char *s)
{
	int r = LEDIT_MORE;
	for (; *s; s++)
		r = ledit_key(&e, (unsigned char)*s);
	return r;
}

static void test_typing_and_moves(void **state)
{
	(void)state;
	assert_int_equal(feed("hellp\x7f" "o"), LEDIT_MORE);
	assert_string_equal(e.line, "hello");
	feed("\x01" "X\x05" "Y"); /* Ctrl-A, Ctrl-E */
	assert_string_equal(e.line, "XhelloY");
	feed("\x1b[D\x1b[D\x08"); /* left, left, backspace */
	assert_string_equal(e.line, "XheloY");
	assert_int_equal(e.cur, 4);
	feed("\x1b[C\x1b[C\x1b[C!"); /* right past the end stays at the end */
	assert_string_equal(e.line, "XheloY!");
	feed("\x1b[H<\x1b[F>\x1bOH[\x1bOF]\x1b[1~(\x1b[4~)"); /* Home/End, all spellings */
	assert_string_equal(e.line, "([<XheloY!>])");
	feed("\x1b[7~\x1b[3~\x1b[3~\x1b[8~"); /* Home, Delete twice, End */
	assert_string_equal(e.line, "<XheloY!>])");
	feed("\x02\x02\x0b"); /* Ctrl-B twice, Ctrl-K */
	assert_string_equal(e.line, "<XheloY!>");
	feed("\x02\x02\x15"); /* Ctrl-U: everything before the cursor */
	assert_string_equal(e.line, "!>");
	assert_int_equal(e.cur, 0);
	feed("\x06\x04"); /* Ctrl-F, Ctrl-D on a non-empty line deletes at the cursor */
	assert_string_equal(e.line, "!");
	feed("\x1b[12~\x1bx\x09z"); /* unknown sequences and Tab: ignored, the text after them counts */
	assert_string_equal(e.line, "!z");
	assert_int_equal(feed("\r"), LEDIT_DONE);
}

static void test_enter_cancel_eof(void **state)
{
	(void)state;
	assert_int_equal(feed("\n"), LEDIT_DONE); /* a bare LF ends a line */
	ledit_start(&e);
	assert_int_equal(feed("ls\r"), LEDIT_DONE);
	ledit_start(&e);
	assert_int_equal(ledit_key(&e, '\n'), LEDIT_MORE); /* ... but not the LF of a CR LF */
	assert_int_equal(e.len, 0);
	assert_int_equal(feed("abc\x03"), LEDIT_CANCEL);
	ledit_start(&e);
	assert_int_equal(feed("\x04"), LEDIT_EOF);
}

static void test_history(void **state)
{
	(void)state;
	ledit_history_add(&e, "one");
	ledit_history_add(&e, "two");
	ledit_history_add(&e, "two"); /* the same as the newest: kept once */
	ledit_history_add(&e, "");    /* empty: not kept */
	assert_int_equal(e.nhist, 2);
	ledit_start(&e);
	feed("new");
	feed("\x1b[A");
	assert_string_equal(e.line, "two");
	feed("\x1b[A\x1b[A"); /* past the oldest: stays */
	assert_string_equal(e.line, "one");
	feed("\x1bOB");
	assert_string_equal(e.line, "two");
	feed("\x1b[B");
	assert_string_equal(e.line, "new"); /* the line being typed comes back */
	feed("\x1b[B");
	assert_string_equal(e.line, "new");
	for (int i = 0; i < LEDIT_HISTORY + 5; i++) {
		char s[16];
		snprintf(s, sizeof s, "c%d", i);
		ledit_history_add(&e, s);
	}
	assert_int_equal(e.nhist, LEDIT_HISTORY);
	assert_string_equal(e.hist[0], "c5"); /* the oldest went */
}

static void test_limit_and_render(void **state)
{
	(void)state;
	for (int i = 0; i < LEDIT_MAX + 10; i++)
		ledit_key(&e, 'a');
	assert_int_equal(e.len, LEDIT_MAX - 1);
	assert_int_equal(strlen(e.line), LEDIT_MAX - 1);
	ledit_start(&e);
	char out[64];
	feed("abcdef\x1b[D\x1b[D");
	size_t n = ledit_render(&e, "sh> ", out, sizeof out);
	assert_string_equal(out, "\rsh> abcdef\x1b[K\x1b[2D");
	assert_int_equal(n, strlen(out));
	feed("\x05");
	ledit_render(&e, "sh> ", out, sizeof out);
	assert_string_equal(out, "\rsh> abcdef\x1b[K");
	for (int i = 0; i < 12; i++)
		feed("\x1b[D");
	ledit_render(&e, "> ", out, 8); /* cut, always terminated */
	assert_int_equal(strlen(out), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_typing_and_moves, setup),
		cmocka_unit_test_setup(test_enter_cancel_eof, setup),
		cmocka_unit_test_setup(test_history, setup),
		cmocka_unit_test_setup(test_limit_and_render, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
