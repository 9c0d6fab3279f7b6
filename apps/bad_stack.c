/*
 * bad_stack - recurses without end: the stack runs into the unmapped guard page below it.
 * Expected: the kernel kills it (console message, nonzero wait status); the other
 * processes go on. If it survives it prints "FAIL survived" and exits 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

/* recurse - uses 256 bytes of stack per level; never returns normally. */
__attribute__((noinline)) static uint64_t recurse(uint64_t depth)
{
	volatile char frame[256];
	frame[0] = (char)depth;
	if (opaque(depth) == 0) /* never: depth starts at 1 (keeps the compiler quiet) */
		return 0;
	if ((depth & 0xfff) == 0)
		printf("bad_stack: depth %lu\n", depth);
	return recurse(depth + 1) + frame[0];
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	printf("bad_stack: about to recurse into the guard page (stack %lu bytes)\n", info->stack_size);
	uint64_t r = recurse(1);
	printf("bad_stack: returned %lu\n", r);
	printf("FAIL survived\n");
	return 1;
}
