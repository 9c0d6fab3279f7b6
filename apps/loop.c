/*
 * loop - runs until it is killed: a busy loop that never makes a system call, so only
 * preemption lets anything else run (the shell's Ctrl-C test). Prints one line first.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	printf("loop: pid %lu runs until it is killed (Ctrl-C in the shell)\n", info->pid);
	volatile uint64_t n = 0;
	for (;;)
		n++;
}
