/*
 * types.h - distinct integer types for the three kinds of memory numbers, so that a
 * physical address, a virtual address and a frame number are never mixed by accident.
 * Portable (host-tested code uses them too).
 */
#ifndef QUIRE_MM_TYPES_H
#define QUIRE_MM_TYPES_H

#include <stdint.h>

typedef uint64_t paddr_t; /* physical byte address */
typedef uint64_t vaddr_t; /* virtual byte address */
typedef uint64_t pfn_t;   /* physical frame number: paddr >> PAGE_SHIFT */

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)
#define PAGE_MASK (PAGE_SIZE - 1)

#define PFN_TO_PA(pfn) ((paddr_t)(pfn) << PAGE_SHIFT)
#define PA_TO_PFN(pa) ((pfn_t)((pa) >> PAGE_SHIFT))
#define PAGE_ALIGN_UP(x) (((x) + PAGE_MASK) & ~PAGE_MASK)
#define PAGE_ALIGN_DOWN(x) ((x) & ~PAGE_MASK)

#endif
