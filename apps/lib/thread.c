/*
 * thread.c - threads on SYS_THREAD_CREATE/EXIT/JOIN. The kernel starts a thread at an
 * entry with one 64-bit argument; thread_create passes crt_thread_entry a small boot
 * record holding the user's function and argument.
 */
#include "crt.h"

struct thread_boot {
	thread_fn fn;
	void *arg;
};

int64_t thread_create(thread_fn fn, void *arg)
{
	struct thread_boot *boot = malloc(sizeof(*boot));
	if (!boot)
		return -QE_NOMEM;
	boot->fn = fn;
	boot->arg = arg;
	int64_t tid = sys_thread_create(crt_thread_entry, (uint64_t)boot);
	if (tid < 0)
		free(boot);
	return tid;
}

/* crt_thread - first C code of a new thread: run fn(arg), then end the thread. */
void crt_thread(uint64_t arg, struct quire_startinfo *info)
{
	(void)info;
	struct thread_boot *boot = (struct thread_boot *)arg;
	thread_fn fn = boot->fn;
	void *fn_arg = boot->arg;
	free(boot);
	sys_thread_exit(fn(fn_arg));
}

int64_t thread_join(int64_t tid, int64_t *value)
{
	int64_t dummy;
	return sys_thread_join(tid, value ? value : &dummy);
}

void thread_exit(int64_t value)
{
	sys_thread_exit(value);
}
