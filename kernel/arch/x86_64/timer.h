/*
 * timer.h - the periodic timer interrupt (PIT channel 0 on IRQ 0, TIMER_HZ per second).
 */
#ifndef QUIRE_ARCH_TIMER_H
#define QUIRE_ARCH_TIMER_H

#include <stdint.h>

#define TIMER_HZ 100

/* timer_init - program the PIT and unmask IRQ 0. Context: boot. */
void timer_init(void);
/* timer_ticks - ticks since timer_init. */
uint64_t timer_ticks(void);
/* timer_set_tick_hook - call @fn from every tick (the scheduler's preemption point). */
void timer_set_tick_hook(void (*fn)(void));

#endif
