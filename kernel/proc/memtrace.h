/*
 * memtrace.h - the kernel option `memtrace=MS`: a console line every MS milliseconds of guest
 * time with free frames, the global swap counters and every live process's resident pages,
 * pages in swap and page faults, for `make plot` (the line's format: tests/plot/README.md).
 */
#ifndef QUIRE_PROC_MEMTRACE_H
#define QUIRE_PROC_MEMTRACE_H

/* memtrace_start - with `memtrace=MS` (MS >= 10) on the command line, start the kernel thread
 * that prints the lines; nothing otherwise (a bad value is refused with a message). Context:
 * boot, after sched_init. */
void memtrace_start(const char *cmdline);

#endif
