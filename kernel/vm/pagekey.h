/*
 * pagekey.h - the key that names a page's content for the page-usage manager across
 * evictions (specs/pum.md): the owner address space and the virtual page. Two processes'
 * pages at the same address are different pages and must not share a policy's history.
 *
 *   63            35 34                               0
 *  +----------------+----------------------------------+
 *  | owner id (29)  | virtual page number (va >> 12)   |   35 bits: 47-bit user addresses
 *  +----------------+----------------------------------+
 * Owner ids above 2^29 wrap into the same bits: two owners 2^29 ids apart share keys (ids
 * come from one counter, so that needs half a billion processes and threads in between).
 */
#ifndef QUIRE_VM_PAGEKEY_H
#define QUIRE_VM_PAGEKEY_H

#include <stdint.h>

#include "lib/types.h"

#define PAGEKEY_VPN_BITS 35

/* pagekey - the page key of the page at @va of owner @owner. */
static inline uint64_t pagekey(uint32_t owner, vaddr_t va)
{
	return ((uint64_t)owner << PAGEKEY_VPN_BITS) | ((va >> PAGE_SHIFT) & ((1ull << PAGEKEY_VPN_BITS) - 1));
}

#endif
