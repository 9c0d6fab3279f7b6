/*
 * bad_stack_big - recursion with frames larger than the guard page below the stack (issue
 * 17 item 4). ARG = 1: 24 KiB frames; 2: one 2 MiB frame per level. Without stack probes
 * the first store into such a frame lands below the guard, in the demand-allocated rest of
 * thread space, and the stack grows on unnoticed. User code is built with
 * -fstack-clash-protection (apps/apps.mk): every page of a large frame is touched on the way
 * down, so the guard page is hit. Expected: killed with "stack overflow (guard page)";
 * "FAIL survived" and exit 1 otherwise.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

__attribute__((noinline)) static uint64_t recurse_24k(uint64_t depth)
{
	volatile char frame[24 * 1024];
	frame[0] = (char)depth; /* the lowest byte of the frame: the first store below the guard */
	if (opaque(depth) == 0)
		return 0;
	return recurse_24k(depth + 1) + frame[0];
}

__attribute__((noinline)) static uint64_t recurse_2m(uint64_t depth)
{
	volatile char frame[2 << 20];
	frame[0] = (char)depth;
	if (opaque(depth) == 0)
		return 0;
	return recurse_2m(depth + 1) + frame[0];
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	printf("bad_stack_big: about to recurse with %s frames (stack %lu bytes)\n",
	       arg == 2 ? "2 MiB" : "24 KiB", info->stack_size);
	uint64_t r = arg == 2 ? recurse_2m(1) : recurse_24k(1);
	printf("bad_stack_big: returned %lu\n", r);
	printf("FAIL survived\n");
	return 1;
}
