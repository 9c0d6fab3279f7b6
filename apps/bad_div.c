/*
 * bad_div - divides by zero: a divide error (#DE).
 * Expected: the kernel kills it (console message, nonzero wait status); the other
 * processes go on. If it survives it prints "FAIL survived" and exits 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	uint64_t num = opaque(42), den = opaque(0), quo, rem;
	printf("bad_div: about to divide by zero\n");
	__asm__ volatile("div %4" : "=a"(quo), "=d"(rem) : "a"(num), "d"(0UL), "r"(den));
	printf("bad_div: quotient %lu remainder %lu\n", quo, rem);
	printf("FAIL survived\n");
	return 1;
}
