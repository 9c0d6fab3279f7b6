/*
 * bad_write_readonly - makes a page read-only with area_protect, reads it, then writes it.
 * Expected: the kernel kills it (console message, nonzero wait status); the other
 * processes go on. If it survives it prints "FAIL survived" and exits 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	volatile uint64_t *p = va_reserve(PAGE_SIZE, PAGE_SIZE);
	if (!p || area_demand((void *)p, PAGE_SIZE, QP_RW) < 0) {
		printf("FAIL bad_write_readonly: no area\n");
		return 1;
	}
	*p = 7;
	int64_t r = area_protect((void *)p, PAGE_SIZE, QP_R);
	if (r < 0 || *p != 7) {
		printf("FAIL bad_write_readonly: area_protect %ld, read back %lu\n", r, *p);
		return 1;
	}
	printf("bad_write_readonly: about to write read-only page %p\n", (void *)p);
	*p = 8;
	printf("FAIL survived\n");
	return 1;
}
