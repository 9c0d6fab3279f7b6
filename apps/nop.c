/*
 * nop - exits 0 at once: the smallest process, for the create+exit benchmark.
 */
#include "quire.h"

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	return 0;
}
