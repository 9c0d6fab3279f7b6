/*
 * bootinfo.h - what the boot loader told the kernel (parsed once in kmain).
 */
#ifndef QUIRE_BOOTINFO_H
#define QUIRE_BOOTINFO_H

#include "boot/multiboot2.h"

extern struct boot_info boot_info;

#endif
