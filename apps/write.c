/*
 * write - make a new version of a file from the shell: `write PATH TEXT...` stores TEXT
 * (the words joined by spaces) and a newline as the file's next version; `write -a PATH
 * TEXT...` appends them to what the newest version holds. The file is created when it
 * does not exist. Prints the version the close committed. Exit 0, 1 when the file system
 * refused (the error's name is printed; nothing was committed), 2 on a usage error.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

static char line[4096];

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	char **argv = (char **)info->argv;
	uint64_t first = 1;
	int append = info->argc > 1 && strcmp(argv[1], "-a") == 0;
	if (append)
		first = 2;
	if (info->argc < first + 2) {
		printf("usage: write [-a] PATH TEXT...   (a new version of PATH: TEXT and a newline; -a appends)\n");
		return 2;
	}
	const char *path = argv[first];
	size_t n = 0;
	for (uint64_t i = first + 1; i < info->argc; i++) {
		size_t len = strlen(argv[i]);
		if (n + len + 2 > sizeof line) {
			printf("write: the text is longer than %u bytes\n", (unsigned)sizeof line - 2);
			return 2;
		}
		memcpy(line + n, argv[i], len);
		n += len;
		line[n++] = i + 1 < info->argc ? ' ' : '\n';
	}
	int64_t h = file_open(path, QO_RDWR | QO_CREAT | (append ? 0 : QO_TRUNC));
	if (h < 0) {
		printf("write: %s: %s\n", path, qerror_name(h));
		return 1;
	}
	int64_t at = append ? file_size(h) : 0;
	int64_t r = at < 0 ? at : file_write(h, (uint64_t)at, line, n);
	if (r < 0) {
		printf("write: %s: %s (nothing committed)\n", path, qerror_name(r));
		file_abort(h);
		return 1;
	}
	int64_t version = file_close(h);
	if (version < 0) {
		printf("write: %s: commit failed: %s (nothing committed)\n", path, qerror_name(version));
		return 1;
	}
	printf("write: %s;%ld committed (%ld bytes)\n", path, (long)version, (long)(at + (int64_t)n));
	return 0;
}
