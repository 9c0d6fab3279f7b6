/*
 * bad_write_code - writes into its own code (text is mapped read/execute only).
 * Expected: the kernel kills it (console message, nonzero wait status); the other
 * processes go on. If it survives it prints "FAIL survived" and exits 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	volatile unsigned char *p = (volatile unsigned char *)opaque((uint64_t)main);
	printf("bad_write_code: about to write its own code at %p\n", (void *)p);
	*p = 0x90;
	printf("FAIL survived\n");
	return 1;
}
