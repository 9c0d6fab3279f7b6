/*
 * conin.h - console input: the bytes typed on COM1, raw (no echo, no line editing: the
 * program reading them does that), kept in a small buffer filled by the serial receive
 * interrupt. Two readers share the keyboard: the programs (SYS_CONSOLE_READ) and the kernel
 * monitor. With a monitor in standby, Ctrl-] (CONIN_MONITOR_KEY) hands the keyboard to the
 * monitor and back (specs/syscalls.md, "Console input").
 */
#ifndef QUIRE_DEV_CONIN_H
#define QUIRE_DEV_CONIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONIN_MONITOR_KEY 0x1D /* Ctrl-] */
#define CONIN_BUF 512          /* bytes buffered per reader; more are dropped (and counted) */

/* conin_init - take COM1's input by interrupt from now on. @programs: the programs read the
 * keyboard and Ctrl-] switches to the monitor (which waits in conin_monitor_wait); else
 * every byte goes to the monitor. Context: boot, after sched_init. */
void conin_init(bool programs);

/* conin_read - up to @n bytes for the programs: those waiting now; when none, sleep until
 * some arrive, until tick @end (0: do not sleep), or until the thread is woken for another
 * reason. The count, -QE_AGAIN (none yet: the caller decides whether to wait again),
 * -QE_TIMEDOUT (tick @end passed), -QE_NODEV (no console input). May sleep. */
int conin_read(char *buf, size_t n, uint64_t end);

/* conin_monitor_wait - sleep until Ctrl-] hands the keyboard to the monitor. May sleep. */
void conin_monitor_wait(void);

/* conin_monitor_getc - the monitor's next byte (sleeps for it); -1 once the keyboard went
 * back to the programs (Ctrl-] again, or conin_monitor_leave). May sleep. */
int conin_monitor_getc(void);

/* conin_monitor_leave - the monitor gives the keyboard back to the programs. */
void conin_monitor_leave(void);

/* conin_dropped - bytes dropped because a reader's buffer was full. */
uint64_t conin_dropped(void);

#endif
