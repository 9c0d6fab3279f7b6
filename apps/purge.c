/*
 * purge - keep only the newest versions of a file: `purge notes 1` deletes every version
 * but the newest. Prints how many versions are left. Exit 0, 1 with the error's name
 * (nothing deleted), 2 on a usage error or a bad number.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	char **argv = (char **)info->argv;
	uint64_t keep = 0;
	if (info->argc != 3 || parse_u64(argv[2], &keep) < 0 || keep == 0 || keep > 0xFFFFFFFFu) {
		printf("usage: purge PATH KEEP   (keep the newest KEEP versions, KEEP at least 1)\n");
		return 2;
	}
	int64_t r = file_purge(argv[1], (uint32_t)keep);
	if (r < 0) {
		printf("purge: %s: %s\n", argv[1], qerror_name(r));
		return 1;
	}
	struct quire_version v[64];
	int64_t n = file_versions(argv[1], v, 64);
	printf("purge: %s: %ld version%s left\n", argv[1], (long)n, n == 1 ? "" : "s");
	return 0;
}
