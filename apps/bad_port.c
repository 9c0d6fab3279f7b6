/*
 * bad_port - reads an I/O port: user mode has no I/O permission (IOPL 0, no bitmap), a #GP.
 * Expected: the kernel kills it (console message, nonzero wait status); the other
 * processes go on. If it survives it prints "FAIL survived" and exits 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	uint8_t v;
	printf("bad_port: about to read I/O port 0x64\n");
	__asm__ volatile("inb $0x64, %0" : "=a"(v));
	printf("bad_port: read %#x\n", v);
	printf("FAIL survived\n");
	return 1;
}
