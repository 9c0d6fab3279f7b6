/*
 * conin.c - console input (conin.h): two rings of received bytes, one for the programs and
 * one for the monitor, filled by the serial receive interrupt, read by sleeping threads.
 * Lock legend: everything below under in_lock, an interrupt-safe spinlock (RANK_IRQ; taken
 * with interrupts off, as the interrupt handler shares it). A reader checks for bytes and
 * blocks with interrupts still off, so a byte arriving in between wakes it.
 */
#include "dev/conin.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/spinlock.h"
#include "arch/x86_64/timer.h"
#include "lib/qerror.h"
#include "sched/sched.h"

struct ring {
	char buf[CONIN_BUF];
	unsigned head, tail; /* bytes at [tail, head), modulo CONIN_BUF; head - tail <= CONIN_BUF */
	struct waitq wait;
};

static struct spinlock in_lock = SPINLOCK_INIT("console-in", RANK_IRQ);
static struct ring prog_ring, mon_ring; /* (in_lock) */
static bool started, to_monitor, switchable; /* (in_lock) */
static uint64_t dropped;                     /* (in_lock) */

static void ring_put(struct ring *r, char c)
{
	if (r->head - r->tail == CONIN_BUF) {
		dropped++;
		return;
	}
	r->buf[r->head++ % CONIN_BUF] = c;
	sched_wake_all(&r->wait);
}

static size_t ring_get(struct ring *r, char *buf, size_t n)
{
	size_t k = 0;
	for (; k < n && r->tail != r->head; k++)
		buf[k] = r->buf[r->tail++ % CONIN_BUF];
	return k;
}

/* conin_rx - the serial receive hook: one byte, in interrupt context. */
static void conin_rx(uint8_t c)
{
	uint64_t f = spin_lock_irqsave(&in_lock);
	if (c == CONIN_MONITOR_KEY && switchable) {
		to_monitor = !to_monitor;
		sched_wake_all(&mon_ring.wait);
	} else {
		ring_put(to_monitor ? &mon_ring : &prog_ring, (char)c);
	}
	spin_unlock_irqrestore(&in_lock, f);
}

void conin_init(bool programs)
{
	uint64_t f = spin_lock_irqsave(&in_lock);
	started = true;
	switchable = programs;
	to_monitor = !programs;
	spin_unlock_irqrestore(&in_lock, f);
	serial_set_rx_hook(conin_rx);
}

int conin_read(char *buf, size_t n, uint64_t end)
{
	uint64_t f = spin_lock_irqsave(&in_lock);
	int r = started ? (int)ring_get(&prog_ring, buf, n) : -QE_NODEV;
	uint64_t now = timer_ticks();
	if (r == 0 && (end == 0 || now >= end))
		r = end == 0 ? -QE_AGAIN : -QE_TIMEDOUT;
	spin_unlock(&in_lock); /* interrupts stay off until the thread sleeps */
	if (r == 0) {
		if (end == UINT64_MAX)
			sched_block(&prog_ring.wait);
		else
			sched_block_timeout(&prog_ring.wait, end - now);
		r = -QE_AGAIN;
	}
	cpu_irq_restore(f);
	return r;
}

void conin_monitor_wait(void)
{
	uint64_t f = spin_lock_irqsave(&in_lock);
	while (!to_monitor) {
		spin_unlock(&in_lock);
		sched_block(&mon_ring.wait);
		spin_lock(&in_lock);
	}
	spin_unlock_irqrestore(&in_lock, f);
}

int conin_monitor_getc(void)
{
	char c;
	int r = -1;
	uint64_t f = spin_lock_irqsave(&in_lock);
	while (to_monitor && !ring_get(&mon_ring, &c, 1)) {
		spin_unlock(&in_lock);
		sched_block(&mon_ring.wait);
		spin_lock(&in_lock);
	}
	if (to_monitor)
		r = (uint8_t)c;
	spin_unlock_irqrestore(&in_lock, f);
	return r;
}

void conin_monitor_leave(void)
{
	uint64_t f = spin_lock_irqsave(&in_lock);
	if (switchable)
		to_monitor = false;
	spin_unlock_irqrestore(&in_lock, f);
}

uint64_t conin_dropped(void)
{
	return dropped;
}
