/*
 * pic.h - the two 8259A interrupt controllers, remapped to vectors 32..47.
 */
#ifndef QUIRE_ARCH_PIC_H
#define QUIRE_ARCH_PIC_H

#include <stdbool.h>

/* pic_init - remap to 32..47 and mask every line. Context: boot, irqs off. */
void pic_init(void);
/* pic_unmask - let IRQ @irq through. */
void pic_unmask(int irq);
/* pic_mask - block IRQ @irq. */
void pic_mask(int irq);
/* pic_eoi - end of interrupt for @irq. */
void pic_eoi(int irq);
/* pic_is_spurious - true (and handled) for a spurious IRQ 7 or 15. */
bool pic_is_spurious(int irq);

#endif
