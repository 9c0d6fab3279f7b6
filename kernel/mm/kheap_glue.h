/*
 * kheap_glue.h - the kernel heap's page provider in the kernel: whole frames through the
 * direct map (one frame in O(1), larger runs contiguous).
 */
#ifndef QUIRE_MM_KHEAP_GLUE_H
#define QUIRE_MM_KHEAP_GLUE_H

/* kheap_glue_init - start the heap; `kheap.debug` on the command line turns on red zones and poisoning. */
void kheap_glue_init(const char *cmdline);

/* kheap_glue_settle - give the heap's empty slabs back to the frame allocator. */
void kheap_glue_settle(void);

#endif
