/*
 * pmap_internal.h - helpers shared by pmap.c (kernel tables) and pmap_user.c (user ranges).
 * Not for use outside kernel/arch/x86_64/pmap*.c.
 */
#ifndef QUIRE_ARCH_PMAP_INTERNAL_H
#define QUIRE_ARCH_PMAP_INTERNAL_H

#include <stdint.h>

#include "mm/types.h"

#define ENOMEM 12
#define EINVAL 22
#define IDX(va, level) (((va) >> (12 + 9 * ((level) - 1))) & 511)
#define LEVEL_SIZE(level) (1ull << (12 + 9 * ((level) - 1)))

/* pmap_table_va - the direct-map address of a page-table page. */
uint64_t *pmap_table_va(paddr_t pa);

/* pmap_new_table - a zeroed page-table frame, or 0 when none is left. */
paddr_t pmap_new_table(void);

#endif
