/*
 * memtrace.c - `memtrace=MS`: a kernel thread prints, every MS milliseconds of guest time
 * (timer ticks), one line
 *   MEMTRACE t=<ms> free=<frames> swapin=<n> swapout=<n> procs=<pid>:<name>:<resident>:<swap>:<faults>[,...]
 * (tests/plot/README.md; make plot draws it). The line is built without sleeping from a
 * snapshot of the process table (proc_mem_snapshot) and printed at once.
 */
#include "proc/memtrace.h"

#include "arch/x86_64/timer.h"
#include "console.h"
#include "lib/cmdline.h"
#include "lib/kfmt.h"
#include "proc/process.h"
#include "sched/sched.h"
#include "vm/swap.h"
#include "vm/vm.h"

#define LINE_MAX (96 + PROC_MAX * 64)

static uint64_t period_ms;

/* name_char - a character of a process name as the line allows it ([A-Za-z0-9_.-]). */
static char name_char(char c)
{
	bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		  c == '.' || c == '-';
	return ok ? c : '_';
}

/* format_line - the MEMTRACE line for now into @buf (@n bytes); never sleeps. */
static void format_line(char *buf, size_t n)
{
	static struct proc_mem snap[PROC_MAX];
	struct swap_counters c;
	swap_counters_get(&c);
	unsigned np = proc_mem_snapshot(snap, PROC_MAX);
	size_t at = (size_t)kfmt_snprintf(buf, n, "MEMTRACE t=%lu free=%lu swapin=%lu swapout=%lu procs=",
					  timer_ticks() * (1000 / TIMER_HZ), vm_free_frames(), c.swap_ins, c.swap_outs);
	for (unsigned i = 0; i < np && at + 64 < n; i++) {
		char name[sizeof snap[i].name];
		size_t k = 0;
		for (; snap[i].name[k] && k + 1 < sizeof name; k++)
			name[k] = name_char(snap[i].name[k]);
		if (!k)
			name[k++] = '_';
		name[k] = '\0';
		at += (size_t)kfmt_snprintf(buf + at, n - at, "%s%u:%s:%lu:%lu:%lu", i ? "," : "", snap[i].pid, name,
					    snap[i].resident, snap[i].swapped, snap[i].faults);
	}
}

static void memtrace_thread(void *arg)
{
	(void)arg;
	static char line[LINE_MAX];
	uint64_t step = period_ms * TIMER_HZ / 1000, next = timer_ticks();
	for (;;) {
		format_line(line, sizeof line);
		kprintf("%s\n", line);
		next += step;
		uint64_t now = timer_ticks();
		if (next <= now) /* the console was slower than the period: skip, keep the beat */
			next = now + step - (now - next) % step;
		sched_sleep_ticks(next - now);
	}
}

void memtrace_start(const char *cmdline)
{
	if (cmdline_get_u64(cmdline, "memtrace", &period_ms) < 0)
		return;
	if (period_ms < 1000 / TIMER_HZ || period_ms > 3600000) {
		kprintf("memtrace: %lu ms is not a period (10 ms .. 1 h): no trace\n", period_ms);
		return;
	}
	thread_create_kernel("memtrace", memtrace_thread, 0);
}
