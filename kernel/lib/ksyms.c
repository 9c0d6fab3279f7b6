/*
 * ksyms.c - look addresses up in the generated symbol table (layout in ksyms.h).
 * Every offset is checked against the table's length: a damaged table gives no name,
 * never a wild read (this runs inside panic, where a second fault would hide the first).
 */
#include "ksyms.h"

struct view {
	const unsigned char *base;
	size_t len;
	uint32_t count;
	const unsigned char *names;
	size_t names_len;
};

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int view_open(struct view *v, const void *table, size_t len)
{
	v->base = table;
	v->len = len;
	if (!table || len < 8 || rd32(v->base) != KSYMS_MAGIC)
		return -1;
	v->count = rd32(v->base + 4);
	if ((uint64_t)v->count * 16 > len - 8)
		return -1;
	v->names = v->base + 8 + (size_t)v->count * 16;
	v->names_len = len - 8 - (size_t)v->count * 16;
	return 0;
}

static const char *name_at(const struct view *v, uint32_t i)
{
	uint32_t off = rd32(v->base + 8 + (size_t)i * 16 + 12);
	if (off >= v->names_len)
		return 0;
	for (size_t k = off; k < v->names_len; k++) {
		if (v->names[k] == '\0')
			return (const char *)v->names + off;
	}
	return 0;
}

const char *ksyms_lookup(const void *table, size_t len, uint64_t addr, uint64_t *off)
{
	struct view v;
	if (view_open(&v, table, len) < 0 || v.count == 0)
		return 0;
	uint32_t lo = 0, hi = v.count; /* find the last entry with start <= addr */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (rd64(v.base + 8 + (size_t)mid * 16) <= addr)
			lo = mid;
		else
			hi = mid;
	}
	const unsigned char *e = v.base + 8 + (size_t)lo * 16;
	uint64_t start = rd64(e);
	uint32_t size = rd32(e + 8);
	if (addr < start)
		return 0;
	if (size ? addr - start >= size : (lo + 1 == v.count))
		return 0;
	if (off)
		*off = addr - start;
	return name_at(&v, lo);
}

uint64_t ksyms_find(const void *table, size_t len, const char *name)
{
	struct view v;
	if (view_open(&v, table, len) < 0)
		return 0;
	for (uint32_t i = 0; i < v.count; i++) {
		const char *n = name_at(&v, i);
		size_t k = 0;
		while (n && n[k] && n[k] == name[k])
			k++;
		if (n && n[k] == '\0' && name[k] == '\0')
			return rd64(v.base + 8 + (size_t)i * 16);
	}
	return 0;
}
