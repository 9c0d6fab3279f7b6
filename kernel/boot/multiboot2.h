/*
 * multiboot2.h - what the kernel takes from GRUB's Multiboot2 information block.
 * Portable: the parser only reads a byte buffer, and is tested on the host with good and
 * malformed blocks. Tag layouts: Multiboot2 specification §3.6.
 */
#ifndef QUIRE_BOOT_MULTIBOOT2_H
#define QUIRE_BOOT_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_BOOT_MAGIC 0x36d76289u
#define BOOT_MMAP_MAX 64
#define BOOT_MODS_MAX 64
#define BOOT_CMDLINE_MAX 512

/* Memory map types, as the firmware reports them. */
enum { MB2_MEM_AVAILABLE = 1, MB2_MEM_RESERVED = 2, MB2_MEM_ACPI = 3, MB2_MEM_NVS = 4, MB2_MEM_BAD = 5 };

struct boot_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct boot_module {
	uint64_t start_pa, end_pa; /* [start, end) */
	char name[64];
};

struct boot_fb {
	bool present;
	uint64_t addr_pa;
	uint32_t pitch, width, height;
	uint8_t bpp, type;
};

struct boot_info {
	uint64_t mbi_pa, mbi_len; /* the info block itself: reserve it */
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[64];
	uint32_t mem_lower_kib, mem_upper_kib;
	uint32_t nmmap;
	struct boot_mmap_entry mmap[BOOT_MMAP_MAX];
	uint32_t nmods;
	struct boot_module mods[BOOT_MODS_MAX];
	struct boot_fb fb;
	uint32_t truncated; /* entries dropped because a fixed array was full */
};

/*
 * mb2_parse - read the info block at @mbi (@avail readable bytes, physical address @mbi_pa)
 * into @out. Returns 0, or -1 if the block is malformed (sizes out of bounds, no end tag);
 * never reads past @avail.
 */
int mb2_parse(const void *mbi, size_t avail, uint64_t mbi_pa, struct boot_info *out);

/* mb2_mem_type_name - a short name for a memory map type. */
const char *mb2_mem_type_name(uint32_t type);

#endif
