/*
 * pthog - the page-table hog (issue 17 item 3): touches one byte per GiB of its own thread
 * space, which the note makes allocate-on-demand, with no system call in the loop. Each
 * touch costs a data page and a page directory and a page table (and a page-directory
 * pointer table per 512 GiB): the page tables, which cannot be swapped, fill RAM. The
 * kernel must count them in the process's size and kill it as the largest process, in
 * bounded time and with swap on, while the others go on. Expected: killed ("out of memory");
 * "FAIL survived" and exit 1 if the loop ever ends.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define GIB (1UL << 30)

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	uint64_t start = info->thread_space_start, end = info->stack_top - info->stack_size - GIB;
	printf("pthog: about to touch one byte per GiB of [%#lx, %#lx)\n", start, end);
	uint64_t n = 0;
	for (uint64_t va = start; va < end; va += GIB, n++)
		*(volatile uint8_t *)va = (uint8_t)n;
	printf("pthog: touched %lu GiB and lived\n", n);
	printf("FAIL survived\n");
	return 1;
}
