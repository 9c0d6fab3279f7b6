/*
 * ksyms.h - the kernel's symbol table, for backtraces that name functions. Portable;
 * tested on the host. The table is generated at build time from the kernel image itself
 * (boot/mksyms.sh) and linked into the .ksyms section by a second link.
 *
 *   offset  size        field
 *   0       4           magic 'KSYM' (0x4D59534B little-endian)
 *   4       4           count: number of entries, sorted by address
 *   8       16 * count  entries: u64 addr, u32 size (0 = unknown), u32 name offset
 *   ...                 names: NUL-terminated strings; offsets count from here
 */
#ifndef QUIRE_LIB_KSYMS_H
#define QUIRE_LIB_KSYMS_H

#include <stddef.h>
#include <stdint.h>

#define KSYMS_MAGIC 0x4D59534Bu

/* ksyms_lookup - name of the function holding @addr in @table (@len bytes); NULL if none. *off gets addr - start. */
const char *ksyms_lookup(const void *table, size_t len, uint64_t addr, uint64_t *off);

/* ksyms_find - address of the symbol called @name, or 0. */
uint64_t ksyms_find(const void *table, size_t len, const char *name);

#endif
