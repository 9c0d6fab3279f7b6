/*
 * pci.h - PCI configuration space through configuration mechanism #1 (ports 0xCF8 /
 * 0xCFC), and a search of bus 0 by class. Enough for the ATA driver to find the PIIX IDE
 * controller's bus-master registers; no bus enumeration, no BAR assignment (the BIOS did
 * it). The address and register layouts are drawn in pci.c; specs/ata.md says how the ATA
 * driver uses them.
 */
#ifndef QUIRE_DEV_PCI_H
#define QUIRE_DEV_PCI_H

#include <stdbool.h>
#include <stdint.h>

/* Configuration-space offsets of the type 0 header that the kernel reads */
#define PCI_VENDOR 0x00    /* u16; 0xFFFF: no function here */
#define PCI_DEVICE 0x02    /* u16 */
#define PCI_COMMAND 0x04   /* u16, bits below */
#define PCI_PROG_IF 0x09   /* u8 */
#define PCI_SUBCLASS 0x0A  /* u8 */
#define PCI_CLASS 0x0B     /* u8 */
#define PCI_HEADER 0x0E    /* u8; bit 7: the device has functions 1..7 */
#define PCI_BAR0 0x10      /* u32 each, BAR0..BAR5 at 0x10..0x24 */

#define PCI_COMMAND_IO 0x0001u     /* respond to I/O-space accesses */
#define PCI_COMMAND_MASTER 0x0004u /* may master the bus (DMA) */
#define PCI_BAR_IO 0x1u            /* BAR bit 0: an I/O-space BAR */
#define PCI_BAR_IO_MASK 0xFFFFFFFCu

/* One function's address on the bus */
struct pci_addr {
	uint8_t bus, dev, fn;
};

/* pci_present - true when configuration mechanism #1 answers. Context: any. */
bool pci_present(void);

/* pci_read32 / pci_read16 / pci_read8 - read configuration register @off of @a (naturally
 * aligned). Context: any; an absent function reads all ones. */
uint32_t pci_read32(struct pci_addr a, uint8_t off);
uint16_t pci_read16(struct pci_addr a, uint8_t off);
uint8_t pci_read8(struct pci_addr a, uint8_t off);

/* pci_write16 - write 16-bit register @off (2-aligned) of @a. Context: any. */
void pci_write16(struct pci_addr a, uint8_t off, uint16_t v);

/*
 * pci_find_class - the first function on bus 0 (in device, then function order) whose
 * class and subclass are @class / @subclass. Returns 0 and fills @out, or -1 when there is
 * none or no configuration mechanism. Context: any; reads at most 256 headers.
 */
int pci_find_class(uint8_t class, uint8_t subclass, struct pci_addr *out);

#endif
