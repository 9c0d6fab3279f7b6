/*
 * serial.h - the COM1 16550 UART: the kernel console's output and input.
 */
#ifndef QUIRE_ARCH_SERIAL_H
#define QUIRE_ARCH_SERIAL_H

#include <stdbool.h>

/* serial_init - 115200 8N1, FIFOs on, interrupts off (the console polls). */
void serial_init(void);

/* serial_putc - write one byte, waiting for the transmitter. Context: any, irqs off is fine. */
void serial_putc(char c);

/* serial_getc - one received byte, or -1 if none is waiting. Never blocks. */
int serial_getc(void);

#endif
