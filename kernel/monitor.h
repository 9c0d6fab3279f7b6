/*
 * monitor.h - the kernel monitor: a small command line on the serial console for looking
 * inside a live system (as HelenOS's kconsole). Modules add their own commands.
 */
#ifndef QUIRE_MONITOR_H
#define QUIRE_MONITOR_H

#include "lib/moncmd.h"

/* monitor_run - read and run commands from the console forever. */
void monitor_run(void) __attribute__((noreturn));

/* monitor_standby - wait until Ctrl-] hands the monitor the keyboard (conin.h), run commands
 * until `continue` or Ctrl-] again, and wait again; forever. */
void monitor_standby(void) __attribute__((noreturn));

/* monitor_exec - run one command line; returns 0, or -1 for an unknown command. */
int monitor_exec(const char *line);

#endif
