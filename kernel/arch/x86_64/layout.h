/*
 * layout.h - the fixed addresses of every address space (specs/address-space.md draws them).
 *
 *   0x0000_0000_0000_0000  [0, 4 MiB): never user memory (NULL and small offsets fault)
 *   0x0000_0000_0040_0000  USER_SPACE_LOW: process space starts (code, data, heap, areas)
 *   B (per process)        thread space starts (each thread's own)
 *   0x0000_8000_0000_0000  USER_SPACE_END: end of the canonical lower half
 *   0xFFFF_8000_0000_0000  direct map of all RAM (phys + DIRECT_MAP_BASE), RW, NX
 *   0xFFFF_FE00_0000_0000  kernel stacks: slots of KSTACK_SLOT_PAGES pages, page 0 the guard
 *   0xFFFF_FFFF_8000_0000  kernel image (phys + KERNEL_VMA), W^X per section
 */
#ifndef QUIRE_ARCH_LAYOUT_H
#define QUIRE_ARCH_LAYOUT_H

#include <stdbool.h>

#include "lib/types.h"

#define USER_SPACE_LOW 0x400000ull             /* first address a program may map */
#define USER_SPACE_END 0x0000800000000000ull   /* first address above user space */
#define DIRECT_MAP_BASE 0xFFFF800000000000ull
#define DIRECT_MAP_MAX (64ull << 40) /* 64 TiB of RAM at most */
#define KSTACK_AREA_BASE 0xFFFFFE0000000000ull
#define KSTACK_AREA_SIZE (512ull << 30)
#define KSTACK_PAGES 4          /* 16 KiB of stack */
#define KSTACK_SLOT_PAGES 8     /* each stack's share of the area: guard + stack + unused */
#define KERNEL_VMA 0xFFFFFFFF80000000ull

#define BOOT_DIRECT_MAP_LIMIT (1ull << 30) /* what boot/entry.asm maps before pmap runs */

#ifdef QUIRE_HOST
/* Host unit tests run the portable kernel code over an array that stands for physical
 * memory (tests/host/fake_machine.c): the "direct map" is that array. */
extern uint8_t *host_phys_base;
static inline void *phys_to_virt(paddr_t pa)
{
	return host_phys_base + pa;
}

static inline paddr_t virt_to_phys_direct(const void *va)
{
	return (paddr_t)((const uint8_t *)va - host_phys_base);
}
#else
/* phys_to_virt - the direct-map address of physical address @pa. */
static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(uintptr_t)(pa + DIRECT_MAP_BASE);
}

/* virt_to_phys_direct - the physical address of a direct-map address. */
static inline paddr_t virt_to_phys_direct(const void *va)
{
	return (paddr_t)(uintptr_t)va - DIRECT_MAP_BASE;
}
#endif

/* kimage_to_phys - the physical address of a kernel-image address. */
static inline paddr_t kimage_to_phys(const void *va)
{
	return (paddr_t)(uintptr_t)va - KERNEL_VMA;
}

/* layout_is_kstack_guard - @va lies in the guard page at the bottom of a kernel-stack slot. */
static inline bool layout_is_kstack_guard(vaddr_t va)
{
	return va >= KSTACK_AREA_BASE && va - KSTACK_AREA_BASE < KSTACK_AREA_SIZE &&
	       (va - KSTACK_AREA_BASE) % (KSTACK_SLOT_PAGES * PAGE_SIZE) < PAGE_SIZE;
}

#endif
