/*
 * multiboot2.c - parse the Multiboot2 information block GRUB leaves in memory.
 * Checks every tag's size against the block before reading it; strings are copied and
 * terminated. Unknown tags are skipped.
 */
#include "multiboot2.h"

enum { TAG_END = 0, TAG_CMDLINE = 1, TAG_LOADER = 2, TAG_MODULE = 3, TAG_MEMINFO = 4, TAG_MMAP = 6, TAG_FB = 8 };

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* copy_str - copy a possibly unterminated string of at most @n bytes into @dst[@size]. */
static void copy_str(char *dst, size_t size, const unsigned char *src, size_t n)
{
	size_t i = 0;
	for (; i < n && i + 1 < size && src[i]; i++)
		dst[i] = (char)src[i];
	dst[i] = '\0';
}

static void parse_mmap(const unsigned char *t, uint32_t size, struct boot_info *out)
{
	if (size < 16)
		return;
	uint32_t esz = rd32(t + 8);
	if (esz < 24)
		return;
	for (uint32_t off = 16; off + esz <= size; off += esz) {
		if (out->nmmap == BOOT_MMAP_MAX) {
			out->truncated++;
			continue;
		}
		struct boot_mmap_entry *e = &out->mmap[out->nmmap++];
		e->base = rd64(t + off);
		e->len = rd64(t + off + 8);
		e->type = rd32(t + off + 16);
	}
}

static void parse_module(const unsigned char *t, uint32_t size, struct boot_info *out)
{
	if (size < 16)
		return;
	if (out->nmods == BOOT_MODS_MAX) {
		out->truncated++;
		return;
	}
	struct boot_module *m = &out->mods[out->nmods++];
	m->start_pa = rd32(t + 8);
	m->end_pa = rd32(t + 12);
	copy_str(m->name, sizeof m->name, t + 16, size - 16);
}

static void parse_fb(const unsigned char *t, uint32_t size, struct boot_info *out)
{
	if (size < 31)
		return;
	out->fb.present = true;
	out->fb.addr_pa = rd64(t + 8);
	out->fb.pitch = rd32(t + 16);
	out->fb.width = rd32(t + 20);
	out->fb.height = rd32(t + 24);
	out->fb.bpp = t[28];
	out->fb.type = t[29];
}

static void parse_tag(const unsigned char *t, uint32_t type, uint32_t size, struct boot_info *out)
{
	switch (type) {
	case TAG_CMDLINE: copy_str(out->cmdline, sizeof out->cmdline, t + 8, size - 8); break;
	case TAG_LOADER: copy_str(out->loader, sizeof out->loader, t + 8, size - 8); break;
	case TAG_MODULE: parse_module(t, size, out); break;
	case TAG_MEMINFO:
		if (size >= 16) {
			out->mem_lower_kib = rd32(t + 8);
			out->mem_upper_kib = rd32(t + 12);
		}
		break;
	case TAG_MMAP: parse_mmap(t, size, out); break;
	case TAG_FB: parse_fb(t, size, out); break;
	default: break;
	}
}

int mb2_parse(const void *mbi, size_t avail, uint64_t mbi_pa, struct boot_info *out)
{
	const unsigned char *b = mbi;
	*out = (struct boot_info){ .mbi_pa = mbi_pa };
	if (!mbi || avail < 8)
		return -1;
	uint32_t total = rd32(b);
	if (total < 16 || total > avail)
		return -1;
	out->mbi_len = total;
	for (uint32_t off = 8; off + 8 <= total;) {
		uint32_t type = rd32(b + off), size = rd32(b + off + 4);
		if (size < 8 || size > total - off)
			return -1;
		if (type == TAG_END)
			return 0;
		parse_tag(b + off, type, size, out);
		off += (size + 7) & ~7u;
	}
	return -1; /* no end tag */
}

const char *mb2_mem_type_name(uint32_t type)
{
	switch (type) {
	case MB2_MEM_AVAILABLE: return "available";
	case MB2_MEM_RESERVED: return "reserved";
	case MB2_MEM_ACPI: return "ACPI reclaimable";
	case MB2_MEM_NVS: return "ACPI NVS";
	case MB2_MEM_BAD: return "bad";
	default: return "unknown";
	}
}
