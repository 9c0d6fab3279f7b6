/*
 * cat - print files (or versions: `cat notes;2`) on the console, in order. Exit 0, or 1
 * after the first that cannot be read (its error's name is printed).
 */
#include "quire.h"

APP_NOTE_DEFAULT;

static char buf[4096];

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	char **argv = (char **)info->argv;
	if (info->argc < 2) {
		printf("usage: cat PATH[;VERSION]...\n");
		return 2;
	}
	for (uint64_t i = 1; i < info->argc; i++) {
		int64_t h = file_open(argv[i], QO_RDONLY), n = 0;
		for (uint64_t off = 0; h >= 0 && (n = file_read(h, off, buf, sizeof buf)) > 0; off += (uint64_t)n)
			sys_write(1, buf, (size_t)n);
		if (h >= 0)
			file_close(h);
		if (h < 0 || n < 0) {
			printf("cat: %s: %s\n", argv[i], qerror_name(h < 0 ? h : n));
			return 1;
		}
	}
	return 0;
}
