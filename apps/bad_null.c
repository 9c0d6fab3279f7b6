/*
 * bad_null - writes at address 0 (page 0 is never mapped).
 * Expected: the kernel kills it (console message, nonzero wait status); the other
 * processes go on. If it survives it prints "FAIL survived" and exits 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	volatile uint64_t *p = (volatile uint64_t *)opaque(0);
	printf("bad_null: about to write at address 0\n");
	*p = 1;
	printf("FAIL survived\n");
	return 1;
}
