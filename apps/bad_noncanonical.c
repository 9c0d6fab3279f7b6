/*
 * bad_noncanonical - reads a non-canonical address: a general-protection fault (#GP), not a page fault.
 * Expected: the kernel kills it (console message, nonzero wait status); the other
 * processes go on. If it survives it prints "FAIL survived" and exits 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	volatile uint64_t *p = (volatile uint64_t *)opaque(0x8000000000000000UL);
	printf("bad_noncanonical: about to read non-canonical address %p\n", (void *)p);
	uint64_t v = *p;
	printf("bad_noncanonical: read %#lx\n", v);
	printf("FAIL survived\n");
	return 1;
}
