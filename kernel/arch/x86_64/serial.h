/*
 * serial.h - the COM1 16550 UART: the kernel console's output and input.
 */
#ifndef QUIRE_ARCH_SERIAL_H
#define QUIRE_ARCH_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

/* serial_init - 115200 8N1, FIFOs on, interrupts off (until serial_set_rx_hook). */
void serial_init(void);

/* serial_putc - write one byte, waiting for the transmitter. Context: any, irqs off is fine. */
void serial_putc(char c);

/* serial_getc - one received byte, or -1 if none is waiting. Never blocks. Polling: once a
 * receive hook is set, the interrupt takes the bytes first. */
int serial_getc(void);

/* serial_set_rx_hook - from now on every received byte goes to @fn, called from the receive
 * interrupt (IRQ 4; interrupt context: @fn never sleeps). Context: boot. */
void serial_set_rx_hook(void (*fn)(uint8_t c));

#endif
