/*
 * frame_boot.c - build the frame database from the boot information: the memory map's
 * available ranges, minus the first MiB, the kernel image, the Multiboot2 information,
 * the boot modules and the database itself (placed in the first free gap below 1 GiB,
 * which the boot page tables already map).
 */
#include "mm/frame_boot.h"

#include "console.h"
#include "mm/frame.h"
#include "arch/x86_64/layout.h"
#include "panic.h"

extern const char __boot_start[], __kernel_end[];

#define MAX_RESERVED (BOOT_MODS_MAX + 4)

static struct frame_range usable[BOOT_MMAP_MAX];
static struct frame_range reserved[MAX_RESERVED];
static size_t nusable, nreserved;

static void reserve(paddr_t start, paddr_t end)
{
	KASSERT(nreserved < MAX_RESERVED, "too many reserved ranges");
	reserved[nreserved++] = (struct frame_range){ PAGE_ALIGN_DOWN(start), PAGE_ALIGN_UP(end) };
}

static bool is_reserved(paddr_t s, paddr_t e)
{
	for (size_t i = 0; i < nreserved; i++) {
		if (s < reserved[i].end && e > reserved[i].start)
			return true;
	}
	return false;
}

/* place_db - a page-aligned physical range of @bytes inside usable RAM below the boot map limit. */
static paddr_t place_db(uint64_t bytes)
{
	for (size_t i = 0; i < nusable; i++) {
		for (paddr_t s = PAGE_ALIGN_UP(usable[i].start); s + bytes <= usable[i].end; s += PAGE_SIZE) {
			if (s + bytes > BOOT_DIRECT_MAP_LIMIT)
				break;
			if (!is_reserved(s, s + bytes))
				return s;
		}
	}
	panic("frame database: no room for %lu bytes below %llu MiB", bytes, BOOT_DIRECT_MAP_LIMIT >> 20);
}

void frame_boot_init(const struct boot_info *bi)
{
	paddr_t top = 0;
	for (uint32_t i = 0; i < bi->nmmap; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];
		if (e->type != MB2_MEM_AVAILABLE || e->len == 0 || e->base >= DIRECT_MAP_MAX)
			continue;
		paddr_t end = e->base + e->len > DIRECT_MAP_MAX ? DIRECT_MAP_MAX : e->base + e->len;
		usable[nusable++] = (struct frame_range){ e->base, end };
		if (end > top)
			top = end;
	}
	pfn_t nframes = PA_TO_PFN(PAGE_ALIGN_UP(top));
	if (nframes > FRAME_MAX_PFN + 1)
		nframes = FRAME_MAX_PFN + 1;
	reserve(0, 1ull << 20);
	reserve((paddr_t)(uintptr_t)__boot_start, kimage_to_phys(__kernel_end));
	reserve(bi->mbi_pa, bi->mbi_pa + bi->mbi_len);
	for (uint32_t i = 0; i < bi->nmods; i++)
		reserve(bi->mods[i].start_pa, bi->mods[i].end_pa);
	paddr_t db_pa = place_db(frame_db_bytes(nframes));
	reserve(db_pa, db_pa + frame_db_bytes(nframes));
	if (frame_db_init(phys_to_virt(db_pa), nframes, usable, nusable, reserved, nreserved) < 0)
		panic("frame database: %lu frames is too many", nframes);
	struct frame_stats s;
	frame_stats(&s);
	kprintf("frames: %lu records of %zu bytes (%lu KiB at pa %lx), %lu free (%lu MiB), %lu reserved\n",
		s.nframes, sizeof(struct frame), s.db_bytes >> 10, db_pa, s.by_state[FRAME_FREE],
		(s.by_state[FRAME_FREE] << PAGE_SHIFT) >> 20, s.by_state[FRAME_RESERVED]);
}

paddr_t frame_boot_top(void)
{
	paddr_t top = 0;
	for (size_t i = 0; i < nusable; i++) {
		if (usable[i].end > top)
			top = usable[i].end;
	}
	return top;
}
