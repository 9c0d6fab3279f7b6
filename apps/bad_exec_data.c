/*
 * bad_exec_data - calls into a data buffer holding a `ret`: data pages are NX, an instruction fetch fault.
 * Expected: the kernel kills it (console message, nonzero wait status); the other
 * processes go on. If it survives it prints "FAIL survived" and exits 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

/* A `ret` instruction, in .data (RW, not executable). */
static volatile unsigned char code_in_data[16] = { 0xC3 };

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	void (*fn)(void) = (void (*)(void))opaque((uint64_t)code_in_data);
	printf("bad_exec_data: about to execute data at %p\n", (void *)code_in_data);
	fn();
	printf("FAIL survived\n");
	return 1;
}
