/*
 * elf.h - parse and check a Quire executable: a static ELF64 x86_64 ET_EXEC file with an
 * optional Quire note. Portable (host-tested in tests/host/test_elf.c, fuzzed by
 * tests/fuzz/elf_fuzz.c); checks only, the loader maps. specs/executable.md is the
 * format, the area placement rule, the defaults and every check.
 */
#ifndef QUIRE_PROC_ELF_H
#define QUIRE_PROC_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/pte.h"
#include "lib/types.h"
#include "proc/abi.h"

#define ELF_MAX_SEGMENTS 8                 /* PT_LOAD entries an executable may have */
#define ELF_USER_MIN 0x400000ull           /* lowest loadable address: 0..4 MiB stays unmapped */
#define ELF_USER_TOP 0x0000800000000000ull /* 128 TiB: end of the canonical lower half */
#define ELF_PML4_SPAN (1ull << 39)         /* 512 GiB: what one PML4 slot maps */

/*
 * The Quire note: one ELF note (section .note.quire, in a PT_NOTE segment) with name
 * "Quire\0" (namesz 6) and type ELF_NOTE_EXEC. Its desc, little-endian, 48 bytes:
 *
 *   offset size  field
 *   +------+----+------------+------------------------------------------------------+
 *   |   0  |  4 | version    | ELF_NOTE_VERSION (1)                                 |
 *   |   4  |  4 | flags      | bit 0 EXEC_DEMAND_PROCESS, bit 1 EXEC_DEMAND_THREAD  |
 *   |   8  |  8 | boundary   | B: k * 512 GiB, 512 GiB <= B < 128 TiB               |
 *   |  16  |  8 | code_size  | most the code area may hold, multiple of 4 KiB       |
 *   |  24  |  8 | data_size  | most the data area may hold, multiple of 4 KiB       |
 *   |  32  |  8 | bss_size   | uninitialised area (bss + heap), multiple of 4 KiB   |
 *   |  40  |  8 | stack_size | each thread's stack, multiple of 4 KiB, 16 KiB..1 GiB|
 *   +------+----+------------+------------------------------------------------------+
 * apps/include/quire_note.h emits it (QUIRE_NOTE_* there mirror these values).
 */
#define ELF_NOTE_NAMESZ 6
#define ELF_NOTE_EXEC 1
#define ELF_NOTE_VERSION 1
#define ELF_NOTE_DESCSZ 48
#define EXEC_DEMAND_PROCESS (1u << 0) /* process space allocate-on-demand by default */
#define EXEC_DEMAND_THREAD (1u << 1)  /* thread space allocate-on-demand by default */
#define EXEC_FLAGS_ALL (EXEC_DEMAND_PROCESS | EXEC_DEMAND_THREAD)
#define EXEC_STACK_MIN (16ull << 10)
#define EXEC_STACK_MAX (1ull << 30)

/* Without a note (specs/executable.md, "Defaults"). */
#define EXEC_DEFAULT_BOUNDARY ELF_PML4_SPAN
#define EXEC_DEFAULT_FLAGS EXEC_FLAGS_ALL
#define EXEC_DEFAULT_STACK (64ull << 10)
#define EXEC_DEFAULT_HEAP (64ull << 20)

_Static_assert(ELF_USER_MIN % PAGE_SIZE == 0 && ELF_USER_TOP % ELF_PML4_SPAN == 0,
	       "area limits are page and slot aligned");
_Static_assert(EXEC_DEFAULT_STACK % PAGE_SIZE == 0 && EXEC_DEFAULT_STACK >= EXEC_STACK_MIN &&
		       EXEC_DEFAULT_STACK <= EXEC_STACK_MAX && EXEC_DEFAULT_HEAP % PAGE_SIZE == 0,
	       "defaults obey the note's rules");

/* One PT_LOAD segment: [va, va + memsz) in memory, the first filesz bytes from the file. */
struct exec_segment {
	vaddr_t va;
	uint64_t memsz;
	uint64_t offset; /* file offset of the first byte; offset % 4096 == va % 4096 */
	uint64_t filesz; /* <= memsz; the rest is zero-filled */
	unsigned prot;   /* PTE_PROT_R, PTE_PROT_RW or PTE_PROT_RX */
};

/*
 * What the loader needs, every value checked. Areas (page-aligned, in this order; the
 * segments place them, the note sizes them: specs/executable.md, "placement rule"):
 *   code  [code_start, code_end)  R/X  the R and RX segments
 *   data  [data_start, data_end)  R/W  the RW segments' file bytes
 *   uninitialised [bss_start, heap_end) R/W  the RW segments' zero tails, then the heap
 * code_start = ELF_USER_MIN, data_start = code_end, bss_start = data_end,
 * heap_end = bss_start + bss_size <= B.
 */
struct exec_image {
	vaddr_t entry;           /* inside an RX segment */
	bool has_note;           /* false: the values below are the defaults */
	uint32_t flags;          /* EXEC_DEMAND_*, as in the note */
	bool process_demand;     /* process space allocate-on-demand by default */
	bool thread_demand;      /* thread space allocate-on-demand by default */
	vaddr_t boundary;        /* B: process space [0, B), thread space [B, ELF_USER_TOP) */
	uint64_t stack_size;     /* each thread's initial stack, bytes */
	vaddr_t code_start, code_end;
	vaddr_t data_start, data_end;
	vaddr_t bss_start, heap_end;
	vaddr_t segs_end;        /* page-aligned end of the highest segment (<= heap_end) */
	unsigned nsegs;
	struct exec_segment seg[ELF_MAX_SEGMENTS]; /* in program-header order */
};

/*
 * elf_parse - check the executable @image of @len bytes and describe it in *@out.
 * Reads nothing outside [image, image + len), whatever the bytes are.
 * Context: any; never sleeps, allocates nothing.
 * Returns 0, or -QE_NOEXEC with *@why (when @why is not NULL) a short static message
 * naming the first problem found ("segment 2 overlaps segment 1"); *@out is written
 * only on success.
 */
int elf_parse(const void *image, size_t len, struct exec_image *out, const char **why);

#endif
