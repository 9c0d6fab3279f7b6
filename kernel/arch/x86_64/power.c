/*
 * power.c - machine_exit: QEMU isa-debug-exit (port 0xF4), Bochs magic breakpoint, halt.
 */
#include "power.h"

#include "console.h"
#include "cpu.h"

#define DEBUG_EXIT_PORT 0xF4

void machine_exit(int code)
{
	cpu_irq_disable();
	kprintf("exit code %d\n", code);
	outl(DEBUG_EXIT_PORT, (uint32_t)code);
	__asm__ volatile("xchg %%bx, %%bx" : : : "memory"); /* Bochs magic breakpoint */
	for (;;)
		cpu_halt();
}
