/*
 * proc_monitor.c - monitor commands for processes: `run NAME [ARG]` starts a boot-module
 * program and waits for it (a numeric argument is passed as a number, other text as a
 * string on its stack, as init gets its list); `ps` lists processes and threads.
 */
#include "console.h"
#include "lib/cmdline.h"
#include "lib/kstring.h"
#include "lib/moncmd.h"
#include "lib/qerror.h"
#include "proc/process.h"

static void cmd_run(const char *args)
{
	char name[32];
	size_t n = 0;
	while (args[n] && args[n] != ' ' && n + 1 < sizeof name) {
		name[n] = args[n];
		n++;
	}
	name[n] = '\0';
	const char *rest = args + n;
	while (*rest == ' ')
		rest++;
	if (!n) {
		kprintf("usage: run PROGRAM [ARGUMENT STRING]\n");
		return;
	}
	uint64_t num = 0; /* a number is passed as the argument itself, anything else as a string */
	bool is_num = *rest && cmdline_parse_u64(rest, &num) == 0;
	int64_t pid = proc_spawn(name, num, *rest && !is_num ? rest : 0, 0);
	if (pid < 0) {
		kprintf("run: cannot start %s: %s (%s)\n", name, qerror_name(pid), qerror_text(pid));
		return;
	}
	int64_t status;
	proc_wait(0, (uint32_t)pid, &status);
	kprintf("run: %s (pid %ld) exited with status %ld\n", name, pid, status);
}
MONITOR_CMD(run, "run a program (a boot module) and wait: run NAME [NUMBER | STRING]", cmd_run);

static void cmd_ps(const char *args)
{
	(void)args;
	kprintf("%u processes alive, %u threads\n", proc_count(), sched_thread_count());
	proc_print_table();
}
MONITOR_CMD(ps, "list processes", cmd_ps);
