/*
 * kheap_glue.c - hands the kernel heap whole frames through the direct map.
 */
#include "mm/kheap_glue.h"

#include "arch/x86_64/spinlock.h"
#include "lib/cmdline.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "arch/x86_64/layout.h"
#include "panic.h"

static void *glue_alloc_pages(size_t npages)
{
	pfn_t pfn;
	if (npages == 1) {
		pfn = frame_alloc(FRAME_KERNEL);
		if (pfn == FRAME_NONE)
			return 0;
	} else if (frame_alloc_contig(npages, FRAME_KERNEL, &pfn) < 0) {
		return 0;
	}
	return phys_to_virt(PFN_TO_PA(pfn));
}

static void glue_free_pages(void *va, size_t npages)
{
	frame_free_contig(PA_TO_PFN(virt_to_phys_direct(va)), npages);
}

static void glue_error(const char *what, const void *ptr)
{
	panic("kernel heap: %s (object %p)", what, ptr);
}

static struct spinlock heap_lock = SPINLOCK_INIT("kheap", RANK_KHEAP);

static void glue_lock(void)
{
	spin_lock(&heap_lock);
}

static void glue_unlock(void)
{
	spin_unlock(&heap_lock);
}

static const struct kheap_page_ops glue_ops = { glue_alloc_pages, glue_free_pages, glue_lock, glue_unlock };

void kheap_glue_init(const char *cmdline)
{
	kheap_set_error_hook(glue_error);
	kheap_init(&glue_ops, cmdline_has(cmdline, "kheap.debug"));
}

void kheap_glue_settle(void)
{
	kheap_release_empty();
}
