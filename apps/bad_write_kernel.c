/*
 * bad_write_kernel - writes a kernel address (the direct map of RAM), a page fault from user mode.
 * Expected: the kernel kills it (console message, nonzero wait status); the other
 * processes go on. If it survives it prints "FAIL survived" and exits 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	volatile uint64_t *p = (volatile uint64_t *)opaque(0xFFFF800000001000UL);
	printf("bad_write_kernel: about to write kernel address %p\n", (void *)p);
	*p = 0x5155495245;
	printf("FAIL survived\n");
	return 1;
}
