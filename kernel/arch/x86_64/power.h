/*
 * power.h - stopping the machine with an exit status the test runners can read.
 * The kernel prints "exit code N" on the console first (Bochs can only return 0 or 1),
 * then writes N to QEMU's isa-debug-exit port (QEMU exits with (N << 1) | 1), then hits a
 * Bochs magic breakpoint (the runner's rc file then quits Bochs), then halts.
 */
#ifndef QUIRE_ARCH_POWER_H
#define QUIRE_ARCH_POWER_H

#define EXIT_SUCCESS_CODE 0x10 /* QEMU status 33 */
#define EXIT_FAILURE_CODE 0x11 /* QEMU status 35 */
#define EXIT_PANIC 0x12        /* QEMU status 37 */

/* machine_exit - stop the machine with @code. Context: any; never returns. */
void machine_exit(int code) __attribute__((noreturn));

#endif
