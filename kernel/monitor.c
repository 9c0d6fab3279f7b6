/*
 * monitor.c - the kernel debugger on the console: read a line (from conin: the serial
 * receive interrupt) and run the named command. Without `init=` it is what the console
 * runs; with programs running it waits in standby until Ctrl-] hands it the keyboard, and
 * `continue` (or Ctrl-] again) gives the keyboard back.
 */
#include "monitor.h"

#include "arch/x86_64/backtrace.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/timer.h"
#include "bootinfo.h"
#include "console.h"
#include "dev/conin.h"
#include "lib/kstring.h"
#include "sched/sched.h"
#include "test/ktest.h"

extern const struct monitor_cmd __moncmds_start[], __moncmds_end[];

#define LINE_MAX 128

int monitor_exec(const char *line)
{
	while (*line == ' ')
		line++;
	if (!*line)
		return 0;
	size_t n = 0;
	while (line[n] && line[n] != ' ')
		n++;
	const char *args = line + n;
	while (*args == ' ')
		args++;
	for (const struct monitor_cmd *c = __moncmds_start; c < __moncmds_end; c++) {
		if (strlen(c->name) == n && strncmp(c->name, line, n) == 0) {
			c->fn(args);
			return 0;
		}
	}
	kprintf("unknown command '%.*s' (try 'help')\n", (int)n, line);
	return -1;
}

static bool session_over; /* `continue` was typed */

/* read_line - one line, echoed, with backspace; false when the keyboard went back to the
 * programs (Ctrl-] in standby). */
static bool read_line(char *buf, size_t size)
{
	size_t n = 0;
	for (;;) {
		int c = conin_monitor_getc();
		if (c < 0)
			return false;
		if (c == '\r' || c == '\n') {
			kprintf("\n");
			break;
		}
		if ((c == 0x7F || c == 8) && n > 0) {
			n--;
			kprintf("\b \b");
		} else if (c >= ' ' && c < 0x7F && n + 1 < size) {
			buf[n++] = (char)c;
			kprintf("%c", c);
		}
	}
	buf[n] = '\0';
	return true;
}

void monitor_run(void)
{
	char line[LINE_MAX];
	kprintf("Quire monitor: type 'help' for commands\n");
	for (;;) {
		kprintf("quire> ");
		if (read_line(line, sizeof line))
			monitor_exec(line);
	}
}

void monitor_standby(void)
{
	char line[LINE_MAX];
	for (;;) {
		conin_monitor_wait();
		kprintf("\nQuire monitor (the programs keep running; 'continue' or Ctrl-] goes back): type 'help'\n");
		session_over = false;
		while (!session_over) {
			kprintf("quire> ");
			if (!read_line(line, sizeof line))
				break;
			monitor_exec(line);
		}
		conin_monitor_leave();
		kprintf("(monitor: back to the programs)\n");
	}
}

static void cmd_continue(const char *args)
{
	(void)args;
	session_over = true;
}
MONITOR_CMD(continue, "leave the monitor, give the keyboard back to the programs (standby only)", cmd_continue);

static void cmd_help(const char *args)
{
	(void)args;
	for (const struct monitor_cmd *c = __moncmds_start; c < __moncmds_end; c++)
		kprintf("  %-10s %s\n", c->name, c->help);
}
MONITOR_CMD(help, "list the commands", cmd_help);

static void cmd_cmdline(const char *args)
{
	(void)args;
	kprintf("%s\n", boot_info.cmdline);
}
MONITOR_CMD(cmdline, "show the kernel command line", cmd_cmdline);

static void cmd_mmap(const char *args)
{
	(void)args;
	for (uint32_t i = 0; i < boot_info.nmmap; i++) {
		const struct boot_mmap_entry *e = &boot_info.mmap[i];
		kprintf("  %016lx-%016lx %10lu KiB %s\n", e->base, e->base + e->len - 1, e->len >> 10,
			mb2_mem_type_name(e->type));
	}
}
MONITOR_CMD(mmap, "show the firmware memory map", cmd_mmap);

static void cmd_uptime(const char *args)
{
	(void)args;
	uint64_t t = timer_ticks();
	kprintf("%lu ticks (%lu.%02lu s)\n", t, t / TIMER_HZ, t % TIMER_HZ);
}
MONITOR_CMD(uptime, "timer ticks since boot", cmd_uptime);

static void cmd_bt(const char *args)
{
	(void)args;
	backtrace_here();
}
MONITOR_CMD(bt, "print a backtrace of the monitor", cmd_bt);

static void cmd_test(const char *args)
{
	ktest_run(*args ? args : "all", 0);
}
MONITOR_CMD(test, "run in-kernel tests: test [prefix]", cmd_test);

static void cmd_halt(const char *args)
{
	(void)args;
	machine_exit(EXIT_SUCCESS_CODE);
}
MONITOR_CMD(halt, "stop the machine", cmd_halt);
