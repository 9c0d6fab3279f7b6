/*
 * frame_boot.h - filling the frame database from the Multiboot2 memory map at boot.
 */
#ifndef QUIRE_MM_FRAME_BOOT_H
#define QUIRE_MM_FRAME_BOOT_H

#include "boot/multiboot2.h"
#include "lib/types.h"

/* frame_boot_init - build the frame database from @bi. Context: boot, once. */
void frame_boot_init(const struct boot_info *bi);

/* frame_boot_top - the end of the highest usable RAM range (what the direct map must cover). */
paddr_t frame_boot_top(void);

#endif
