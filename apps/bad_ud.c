/*
 * bad_ud - executes ud2: an invalid-opcode exception (#UD).
 * Expected: the kernel kills it (console message, nonzero wait status); the other
 * processes go on. If it survives it prints "FAIL survived" and exits 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	printf("bad_ud: about to execute ud2\n");
	__asm__ volatile("ud2");
	printf("FAIL survived\n");
	return 1;
}
