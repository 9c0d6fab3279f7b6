/*
 * hello - prints its process and thread ids and a greeting; exits 0.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

int main(uint64_t arg, const struct quire_startinfo *info)
{
	printf("hello: pid %lu tid %lu (getpid %ld, gettid %ld), arg %lu\n", info->pid, info->tid,
	       sys_getpid(), sys_gettid(), arg);
	for (uint64_t i = 1; i < info->argc; i++)
		printf("hello: argv[%lu] = \"%s\"\n", i, ((char **)info->argv)[i]);
	printf("hello, world\n");
	return 0;
}
