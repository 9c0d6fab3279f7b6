/*
 * kstack.h - kernel stacks in their own area of kernel space, each with an unmapped
 * guard page below it, so an overflow faults (and is named) instead of corrupting memory.
 */
#ifndef QUIRE_MM_KSTACK_H
#define QUIRE_MM_KSTACK_H

#include <stddef.h>

#include "arch/x86_64/layout.h" /* KSTACK_PAGES, KSTACK_SLOT_PAGES */

/* kstack_alloc - map a KSTACK_PAGES stack with a guard page below; returns its top (16-aligned) or 0. */
vaddr_t kstack_alloc(void);

/* kstack_free - give a stack from kstack_alloc back: kept mapped for the next kstack_alloc
 * (up to a few), else unmapped with its frames freed. */
void kstack_free(vaddr_t top);

/* kstack_settle - unmap the stacks kept for reuse and free their frames (before a count of
 * free frames that must not see them: mm_free_frames_settled). */
void kstack_settle(void);

/* kstack_is_guard - true if @va lies in the guard page of a kernel stack in use. */
int kstack_is_guard(vaddr_t va);

/* kstack_contains - true if @va lies inside a mapped kernel stack (for backtraces). */
int kstack_contains(vaddr_t va);

#endif
