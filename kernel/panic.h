/*
 * panic.h - stopping the kernel when one of its own invariants is broken. Never for
 * anything a user program or a disk image can cause: those get error codes.
 * A panic prints "PANIC: <message>", the registers when there is a trap frame, and a
 * backtrace with function names, then stops the machine with exit status EXIT_PANIC.
 */
#ifndef QUIRE_PANIC_H
#define QUIRE_PANIC_H

/* panic - print the message and a backtrace, stop the machine. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* panic_begin - interrupts off; a panic inside a panic stops the machine at once. For the
 * panics that print more than a message (trap_panic). */
void panic_begin(void);

/* KASSERT - panic with the condition, place and a formatted message when @cond is false. */
#define KASSERT(cond, fmt, ...)                                                               \
	do {                                                                                  \
		if (!(cond))                                                                  \
			panic("assertion '%s' failed at %s:%d: " fmt, #cond, __FILE__, __LINE__, \
			      ##__VA_ARGS__);                                                 \
	} while (0)

#endif
