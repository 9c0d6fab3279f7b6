/*
 * timer.c - PIT channel 0 as a rate generator at TIMER_HZ. Both QEMU and Bochs have it.
 */
#include "timer.h"

#include "cpu.h"
#include "trap.h"

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CMD 0x43

static volatile uint64_t ticks;
static void (*tick_hook)(void);

static void timer_irq(struct trap_frame *tf)
{
	(void)tf;
	ticks++;
	if (tick_hook)
		tick_hook();
}

void timer_init(void)
{
	uint16_t div = (uint16_t)((PIT_HZ + TIMER_HZ / 2) / TIMER_HZ);
	outb(PIT_CMD, 0x34); /* channel 0, lo/hi byte, mode 2 */
	outb(PIT_CH0, div & 0xFF);
	outb(PIT_CH0, div >> 8);
	irq_register(0, timer_irq);
}

uint64_t timer_ticks(void)
{
	return ticks;
}

void timer_set_tick_hook(void (*fn)(void))
{
	tick_hook = fn;
}
