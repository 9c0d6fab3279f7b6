/*
 * mm_monitor.c - monitor commands to look at memory in a live system: `frames` (the
 * frame database by state), `heap` (the kernel heap), `pte VA` (the kernel's entry for VA).
 */
#include "arch/x86_64/pmap.h"
#include "arch/x86_64/pte.h"
#include "console.h"
#include "lib/cmdline.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "lib/moncmd.h"

static void cmd_frames(const char *args)
{
	(void)args;
	struct frame_stats s;
	frame_stats(&s);
	kprintf("frame database: %lu records x %zu bytes = %lu KiB\n", s.nframes, sizeof(struct frame),
		s.db_bytes >> 10);
	for (int st = 0; st < FRAME_STATE_COUNT; st++)
		kprintf("  %-10s %8lu frames %8lu KiB\n", frame_state_name((enum frame_state)st), s.by_state[st],
			s.by_state[st] * 4);
	kprintf("  usable %lu KiB in the memory map, %lu bytes in partial pages\n", s.usable_bytes >> 10,
		s.fragment_bytes);
}
MONITOR_CMD(frames, "frame database: frames by state", cmd_frames);

static void cmd_heap(const char *args)
{
	(void)args;
	struct kheap_stats s;
	kheap_stats(&s);
	kprintf("kernel heap%s: %zu pages held, %zu small objects, %zu large allocations (%zu pages), %zu errors\n",
		s.debug ? " (debug)" : "", s.pages_held, s.objs_inuse, s.large_allocs, s.large_pages, s.errors);
	kprintf("  %6s %6s %6s %8s\n", "size", "slabs", "empty", "in use");
	for (int i = 0; i < KHEAP_NCLASSES; i++)
		kprintf("  %6zu %6zu %6zu %8zu\n", s.cls[i].size, s.cls[i].slabs, s.cls[i].slabs_empty,
			s.cls[i].objs_inuse);
}
MONITOR_CMD(heap, "kernel heap: slabs and objects per size class", cmd_heap);

static void cmd_pte(const char *args)
{
	uint64_t va;
	if (cmdline_parse_u64(args, &va) < 0) {
		kprintf("usage: pte VIRTUAL-ADDRESS (0x hex)\n");
		return;
	}
	unsigned level;
	uint64_t e = pmap_klookup(va, &level);
	kprintf("va %016lx: level %u entry %016lx", va, level, e);
	if (pte_is_present(e))
		kprintf(" -> pa %lx %s%s%s type %u\n", pte_pa(e), pte_is_writable(e) ? "RW" : "R",
			pte_is_nx(e) ? " NX" : " X", pte_is_user(e) ? " user" : "", pte_type(e));
	else
		kprintf(" not present, kind %d\n", pte_np_kind(e, level));
}
MONITOR_CMD(pte, "show the kernel page-table entry of an address", cmd_pte);
