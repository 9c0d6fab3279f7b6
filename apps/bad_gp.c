/*
 * bad_gp - executes hlt, a privileged instruction: a general-protection fault (#GP).
 * Expected: the kernel kills it (console message, nonzero wait status); the other
 * processes go on. If it survives it prints "FAIL survived" and exits 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	printf("bad_gp: about to execute hlt (privileged)\n");
	__asm__ volatile("hlt");
	printf("FAIL survived\n");
	return 1;
}
