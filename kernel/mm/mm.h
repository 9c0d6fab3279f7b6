/*
 * mm.h - bringing up memory management: the frame database, the kernel's own page
 * tables, kernel stacks with guard pages, and the kernel heap.
 */
#ifndef QUIRE_MM_MM_H
#define QUIRE_MM_MM_H

#include "boot/multiboot2.h"

/* mm_init - everything above, in order; then the boot CPU runs on guarded stacks. Context: boot, once. */
void mm_init(const struct boot_info *bi);

/* mm_free_frames_settled - free frames after the heap returned its empty slabs and the kernel
 * stacks kept for reuse were unmapped (the leak counter of tests and of init). */
unsigned long mm_free_frames_settled(void);

#endif
