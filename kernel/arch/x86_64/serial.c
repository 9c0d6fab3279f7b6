/*
 * serial.c - driver for the COM1 UART (16550) at I/O port 0x3F8: output is polled; input
 * is polled too until a receive hook is set, then it comes by IRQ 4.
 */
#include "serial.h"

#include "cpu.h"
#include "trap.h"

#define COM1 0x3F8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define IER_RX_DATA 0x01 /* interrupt when a byte arrives */
#define MCR_DTR_RTS_OUT2 0x0B /* OUT2 gates the UART's interrupt line to the PIC on a PC */
#define COM1_IRQ 4

static void (*rx_hook)(uint8_t c);

void serial_init(void)
{
	outb(COM1 + REG_IER, 0x00);
	outb(COM1 + REG_LCR, 0x80); /* DLAB: divisor follows */
	outb(COM1 + REG_DATA, 0x01); /* 115200 baud */
	outb(COM1 + REG_IER, 0x00);
	outb(COM1 + REG_LCR, 0x03); /* 8N1 */
	outb(COM1 + REG_FCR, 0xC7); /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + REG_MCR, 0x03); /* DTR, RTS */
}

void serial_putc(char c)
{
	for (int spin = 0; spin < 100000; spin++) {
		if (inb(COM1 + REG_LSR) & LSR_THR_EMPTY)
			break;
	}
	outb(COM1 + REG_DATA, (uint8_t)c);
}

int serial_getc(void)
{
	if (!(inb(COM1 + REG_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + REG_DATA);
}

/* serial_irq - IRQ 4: every byte the UART holds goes to the receive hook. */
static void serial_irq(struct trap_frame *tf)
{
	(void)tf;
	for (int n = 0; n < 64 && (inb(COM1 + REG_LSR) & LSR_DATA_READY); n++) {
		uint8_t c = inb(COM1 + REG_DATA);
		if (rx_hook)
			rx_hook(c);
	}
}

void serial_set_rx_hook(void (*fn)(uint8_t c))
{
	uint64_t f = cpu_irq_save();
	rx_hook = fn;
	outb(COM1 + REG_FCR, 0x07); /* FIFOs on, cleared, interrupt at every byte (typing) */
	irq_register(COM1_IRQ, serial_irq);
	outb(COM1 + REG_MCR, MCR_DTR_RTS_OUT2);
	outb(COM1 + REG_IER, IER_RX_DATA);
	cpu_irq_restore(f);
}
