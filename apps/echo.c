/*
 * echo - prints its arguments (argv[1..]) separated by spaces, then a newline; exit 0.
 * The shell's test of argument lists (SYS_SPAWN_ARGS).
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	char **argv = (char **)info->argv;
	for (uint64_t i = 1; i < info->argc; i++)
		printf("%s%s", argv[i], i + 1 < info->argc ? " " : "");
	printf("\n");
	return 0;
}
