/*
 * pci.c - PCI configuration mechanism #1: a 32-bit address written to CONFIG_ADDRESS
 * (0xCF8) selects a dword of one function's configuration space, CONFIG_DATA (0xCFC..0xCFF)
 * reads or writes it. PC-specific (port I/O). Interface: pci.h.
 */
#include "dev/pci.h"

#include "arch/x86_64/cpu.h"

/*
 * CONFIG_ADDRESS (0xCF8, 32 bits):
 *
 *   31      30..24    23..16   15..11   10..8      7..2       1..0
 *   enable  reserved  bus      device   function   register   00
 *
 * CONFIG_DATA (0xCFC): the selected dword; byte k of it is at port 0xCFC + k.
 */
#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define PCI_ENABLE 0x80000000u
#define PCI_NDEVS 32
#define PCI_NFNS 8
#define PCI_HEADER_MULTI 0x80u
#define PCI_NO_VENDOR 0xFFFFu

static uint32_t pci_address(struct pci_addr a, uint8_t off)
{
	return PCI_ENABLE | (uint32_t)a.bus << 16 | (uint32_t)(a.dev & 0x1F) << 11 |
	       (uint32_t)(a.fn & 0x7) << 8 | (off & 0xFCu);
}

bool pci_present(void)
{
	uint32_t old = inl(PCI_CONFIG_ADDRESS);
	outl(PCI_CONFIG_ADDRESS, PCI_ENABLE);
	bool ok = inl(PCI_CONFIG_ADDRESS) == PCI_ENABLE;
	outl(PCI_CONFIG_ADDRESS, old);
	return ok;
}

uint32_t pci_read32(struct pci_addr a, uint8_t off)
{
	outl(PCI_CONFIG_ADDRESS, pci_address(a, off));
	return inl(PCI_CONFIG_DATA);
}

uint16_t pci_read16(struct pci_addr a, uint8_t off)
{
	return (uint16_t)(pci_read32(a, off) >> ((off & 2u) * 8));
}

uint8_t pci_read8(struct pci_addr a, uint8_t off)
{
	return (uint8_t)(pci_read32(a, off) >> ((off & 3u) * 8));
}

void pci_write16(struct pci_addr a, uint8_t off, uint16_t v)
{
	outl(PCI_CONFIG_ADDRESS, pci_address(a, off));
	outw((uint16_t)(PCI_CONFIG_DATA + (off & 2u)), v);
}

int pci_find_class(uint8_t class, uint8_t subclass, struct pci_addr *out)
{
	if (!pci_present())
		return -1;
	for (uint8_t dev = 0; dev < PCI_NDEVS; dev++) {
		struct pci_addr a = { 0, dev, 0 };
		if (pci_read16(a, PCI_VENDOR) == PCI_NO_VENDOR)
			continue;
		uint8_t nfns = (pci_read8(a, PCI_HEADER) & PCI_HEADER_MULTI) ? PCI_NFNS : 1;
		for (a.fn = 0; a.fn < nfns; a.fn++) {
			if (pci_read16(a, PCI_VENDOR) == PCI_NO_VENDOR)
				continue;
			if (pci_read8(a, PCI_CLASS) == class && pci_read8(a, PCI_SUBCLASS) == subclass) {
				*out = a;
				return 0;
			}
		}
	}
	return -1;
}
