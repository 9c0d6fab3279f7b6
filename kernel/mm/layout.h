/*
 * layout.h - the fixed kernel-space addresses (specs/address-space.md draws them).
 *
 *   0xFFFF_8000_0000_0000  direct map of all RAM (phys + DIRECT_MAP_BASE), RW, NX
 *   0xFFFF_FE00_0000_0000  kernel stacks: each one has an unmapped guard page below it
 *   0xFFFF_FFFF_8000_0000  kernel image (phys + KERNEL_VMA), W^X per section
 */
#ifndef QUIRE_MM_LAYOUT_H
#define QUIRE_MM_LAYOUT_H

#include "mm/types.h"

#define DIRECT_MAP_BASE 0xFFFF800000000000ull
#define DIRECT_MAP_MAX (64ull << 40) /* 64 TiB of RAM at most */
#define KSTACK_AREA_BASE 0xFFFFFE0000000000ull
#define KSTACK_AREA_SIZE (512ull << 30)
#define KERNEL_VMA 0xFFFFFFFF80000000ull
#define USER_TOP 0x0000800000000000ull

#define BOOT_DIRECT_MAP_LIMIT (1ull << 30) /* what boot/entry.asm maps before pmap runs */

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

/* kimage_to_phys - the physical address of a kernel-image address. */
static inline paddr_t kimage_to_phys(const void *va)
{
	return (paddr_t)(uintptr_t)va - KERNEL_VMA;
}

#endif
