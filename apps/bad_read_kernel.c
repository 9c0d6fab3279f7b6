/*
 * bad_read_kernel - reads a kernel address (the kernel image), a page fault from user mode.
 * Expected: the kernel kills it (console message, nonzero wait status); the other
 * processes go on. If it survives it prints "FAIL survived" and exits 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	volatile uint64_t *p = (volatile uint64_t *)opaque(0xFFFFFFFF80100000UL);
	printf("bad_read_kernel: about to read kernel address %p\n", (void *)p);
	uint64_t v = *p;
	printf("bad_read_kernel: read %#lx\n", v);
	printf("FAIL survived\n");
	return 1;
}
