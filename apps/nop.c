/*
 * nop - exits 0 at once: the smallest process, for the create+exit benchmark.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	return 0;
}
