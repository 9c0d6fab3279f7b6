/*
 * ls - list a directory of the file system (default: the root): each file with its
 * versions (number, size, commit time), each directory with a trailing /. `ls PATH` on a
 * file lists that file's versions. Exit 0, or 1 with the error's name.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define BATCH 16

static struct quire_dirent ents[BATCH];
static struct quire_version vers[64];

/* when - "YYYY-MM-DD hh:mm" (UTC) for seconds since 1970 (days-to-civil, Howard Hinnant). */
static void when(uint64_t t, char *out, size_t n)
{
	int64_t z = (int64_t)(t / 86400) + 719468, era = z / 146097;
	uint64_t doe = (uint64_t)(z - era * 146097), yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	uint64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + (uint64_t)era * 400 + (m <= 2);
	snprintf(out, n, "%04lu-%02lu-%02lu %02lu:%02lu", y, m, d, t % 86400 / 3600, t % 3600 / 60);
}

static int show_file(const char *path, const char *name)
{
	int64_t n = file_versions(path, vers, 64);
	if (n < 0)
		return (int)n;
	for (int64_t i = 0; i < n && i < 64; i++) {
		char t[24];
		when(vers[i].mtime, t, sizeof t);
		printf("  %s;%u  %8lu bytes  %s\n", name, vers[i].version, vers[i].size, t);
	}
	return 0;
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	char **argv = (char **)info->argv;
	const char *dir = info->argc > 1 ? argv[1] : "";
	struct quire_stat st;
	if (*dir && file_stat(dir, &st) == 0 && st.type == 1) {
		int err = show_file(dir, dir);
		return err ? 1 : 0;
	}
	for (uint64_t skip = 0;;) {
		int64_t n = dir_list(*dir ? dir : "/", ents, BATCH, skip);
		if (n < 0) {
			printf("ls: %s: %s\n", *dir ? dir : "/", qerror_name(n));
			return 1;
		}
		for (int64_t i = 0; i < n; i++) {
			char path[QUIRE_PATH_MAX];
			snprintf(path, sizeof path, "%s%s%s", dir, *dir ? "/" : "", ents[i].name);
			if (ents[i].type == 2)
				printf("%s/\n", path);
			else if (show_file(path, path) < 0)
				printf("%s (unreadable)\n", path);
		}
		if (n < BATCH)
			return 0;
		skip += (uint64_t)n;
	}
}
